"""Pieces every part of the API shares: user errors, page info, generic connections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Annotated, Generic, TypeVar

import strawberry
from graphql import GraphQLError

from domain.errors import UserError
from schema.enums import ErrorCode


@strawberry.type(description="Input a mutation refused, and why.")
class ContactUserError:
    field: list[str] = strawberry.field(
        description="Path to the offending input field, e.g. ['input', 'phones', '2', 'number']"
    )
    message: str = strawberry.field(description="What is wrong, for people.")
    code: ErrorCode = strawberry.field(description="What is wrong, for programs.")

    @classmethod
    def all_of(cls, errors: Sequence[UserError]) -> list[ContactUserError]:
        """A payload's `userErrors`."""
        return [cls.from_domain(e) for e in errors]

    @classmethod
    def from_domain(cls, e: UserError) -> ContactUserError:
        return cls(field=["input", *e.field], message=e.message, code=e.code)


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow `endCursor`.")
    has_previous_page: bool = strawberry.field(
        description="Items come before this page (true whenever `after` was given)."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.enum(description="Sort direction.")
class SortDirection(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


EnumT = TypeVar("EnumT", bound=Enum)


def described_enum(
    cls: type[EnumT], *, name: str, description: str, values: Mapping[EnumT, str]
) -> type[EnumT]:
    """Declare a domain enum with a description for every value. Strawberry reads value
    descriptions only from `strawberry.enum_value` members, which domain enums (no
    strawberry there) cannot have; a value left without one is an error at import."""
    missing = [m.name for m in cls if m not in values]
    if missing:
        raise ValueError(f"{name}: no description for {', '.join(missing)}")
    declared = strawberry.enum(cls, name=name, description=description)
    for value in declared.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values[cls[value.name]]
    return declared


StrT = TypeVar("StrT", bound=str)


def distinct(values: Iterable[StrT] | None) -> tuple[StrT, ...] | None:
    """A filter input's list member as the domain takes it: the set asked for, in one
    order (so equal filters share one loader key and one statement); None stays None."""
    return None if values is None else tuple(sorted(set(values)))


def aware(value: datetime | None, path: str) -> datetime | None:
    """A filter's time must say its zone: a naive one is a request error, not a guess."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise GraphQLError(
            f"`{path}` needs a time zone, e.g. 2026-05-01T00:00:00Z",
            extensions={"code": "BAD_USER_INPUT"},
        )
    return value.astimezone(UTC)


FirstArg = Annotated[
    int | None, strawberry.argument(description="Page size: at most 100; default 20.")
]
"""The `first` argument of every connection field."""
AfterArg = Annotated[
    str | None, strawberry.argument(description="`endCursor` of the previous page.")
]
"""The `after` argument of every connection field."""

NodeT = TypeVar("NodeT")


@strawberry.type(description="One item of a list, with its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list that can grow: edges, page info and a total.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Cursors to move through the list.")
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(
        description="Number of items in the whole list, all pages; counted only when asked for."
    )
    async def total_count(self) -> int:
        return await self._count()

    @classmethod
    def build(
        cls,
        nodes: Sequence[NodeT],
        cursors: Sequence[str],
        has_next: bool,
        after: str | None,
        count: Callable[[], Awaitable[int]],
    ) -> Connection[NodeT]:
        edges = [Edge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)]
        info = PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )
        return cls(edges=edges, page_info=info, _count=count)
