"""Pieces every part of the API shares: user errors, page info, generic connections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from domain.errors import DomainError
from domain.errors import UserError as DomainUserError
from domain.values import TimeRange
from persistence.tab_pages import PageRequest
from resolvers.common import bad_input, page_request
from schema.enums import ErrorCode, graphql_enum


@strawberry.type(description="Input a mutation refused, and why.")
class UserError:
    field: list[str] = strawberry.field(
        description="Path to the offending input field, e.g. ['input', 'phones', '2', 'number']"
    )
    message: str = strawberry.field(description="What is wrong, for people.")
    code: ErrorCode = strawberry.field(description="What is wrong, for programs.")

    @classmethod
    def all_of(cls, errors: Sequence[DomainUserError]) -> list[UserError]:
        """A payload's `userErrors`."""
        return [cls.from_domain(e) for e in errors]

    @classmethod
    def from_domain(cls, e: DomainUserError) -> UserError:
        return cls(field=["input", *e.field], message=e.message, code=e.code)


@strawberry.federation.type(
    shareable=True,
    description="Where a page sits in its list (Relay's shape; other subgraphs define it too).",
)
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow `endCursor`.")
    has_previous_page: bool = strawberry.field(
        description="Items come before this page (true whenever `after` was given)."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


class SortDirection(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


graphql_enum(
    SortDirection,
    "Sort direction.",
    {
        SortDirection.ASC: "Smallest, earliest or A first.",
        SortDirection.DESC: "Largest, latest or Z first.",
    },
)


StrT = TypeVar("StrT", bound=str)


def distinct(values: Iterable[StrT] | None) -> tuple[StrT, ...] | None:
    """A filter input's list member as the domain takes it: the set asked for, in one
    order (so equal filters share one loader key and one statement); None stays None."""
    return None if values is None else tuple(sorted(set(values)))


@strawberry.input(
    description="A span of time: `from` inclusive, `to` exclusive; leave out an end to leave "
    "it open. `from` must be before `to`, and both need a time zone (e.g. "
    "2026-05-01T09:00:00-04:00) unless the field says how it reads a time without one. A "
    "range that breaks these rules is refused, not guessed at: a list answers BAD_USER_INPUT."
)
class DateTimeRange:
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Start, inclusive: at or after this time."
    )
    to: datetime | None = strawberry.field(
        default=None, description="End, exclusive: before this time."
    )

    def to_domain(self) -> TimeRange:
        """As given; the field it bounds decides how it is checked (see `time_range`)."""
        return TimeRange(self.from_, self.to)


def time_range(value: DateTimeRange | None, path: str) -> TimeRange | None:
    """A list filter's range, in UTC. An end without a zone, or `from` not before `to`, is a
    request error (BAD_USER_INPUT) naming ``path`` (e.g. `filter.dueAt`)."""
    if value is None:
        return None
    try:
        return value.to_domain().checked(*path.split("."))
    except DomainError as exc:
        raise bad_input(str(exc)) from exc


FirstArg = Annotated[
    int | None, strawberry.argument(description="Page size: at most 100; default 20.")
]
"""The `first` argument of every connection field."""
AfterArg = Annotated[
    str | None, strawberry.argument(description="`endCursor` of the previous page.")
]
"""The `after` argument of every connection field."""
InputT = TypeVar("InputT")
InputArg = Annotated[
    InputT,
    strawberry.argument(description="What to change; each field is described on its type."),
]
"""The one `input` argument of every mutation: `input: InputArg[ContactNoteAddInput]`."""

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


def tab_request(
    order_type: Callable[[], Any],
    filter_type: Callable[[], Any],
    sort: Callable[[Any], str] = lambda field: str(field.value).lower(),
) -> Callable[[int | None, str | None, Any, Any], PageRequest]:
    """A tab list's argument function: ``first``, ``after``, its filter and order (the
    defaults when not given) as one checked :class:`PageRequest`. The resolver and the
    compiled reads (schema/compiled/lists.py) read a tab's arguments through it."""

    def request(first: int | None, after: str | None, filter: Any, order_by: Any) -> PageRequest:
        order = order_by or order_type()
        return page_request(
            first,
            after,
            sort(order.field),
            order.direction == SortDirection.DESC,
            (filter or filter_type()).to_domain(),
        )

    return request
