"""What every resolver needs: the typed ``Info``, paging arguments, running a write."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

import strawberry
from graphql import GraphQLError

from domain.contact import Contact
from domain.contact_query import (
    DEFAULT_PAGE,
    MAX_PAGE,
    ContactFilter,
    ContactOrder,
    ContactQuery,
    has_naive_times,
)
from domain.errors import DomainError, UserError
from loaders.base import PagedByContactLoader
from persistence.mappers import RowLike
from persistence.paging import InvalidCursor, decode_cursor
from persistence.tab_pages import Page, PageRequest

if TYPE_CHECKING:
    # The server builds the context (``server/context.py``) and resolvers read it: a type for
    # mypy, no import at run time (strawberry only needs to see that a parameter is ``Info``),
    # so no layer imports the server.
    from server.context import Context

    Info: TypeAlias = strawberry.Info[Context, None]
else:
    Info = strawberry.Info
T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    """A write's result: the changed object, or the user errors that stopped it."""

    value: T | None = None
    errors: list[UserError] = field(default_factory=list)


async def run_write(info: Info, call: Awaitable[T]) -> Outcome[T]:
    """Await a domain service; a broken rule becomes user errors, and a changed contact
    is primed into this request's loaders so the payload reads it without a query."""
    try:
        value = await call
    except DomainError as exc:
        return Outcome(errors=exc.errors)
    contact = value[0] if isinstance(value, tuple) else value
    if isinstance(contact, Contact):
        info.context.loaders.prime_contact(contact)
    else:
        info.context.loaders.forget_lists()
    return Outcome(value=value)


async def signed_url(info: Info, key: str, filename: str, content_type: str) -> str:
    """A file's short-lived download URL for the viewer's location, signed once per request
    (or subscription event): a file shown twice in one answer has one URL, and the compiled
    path's holes and the executor sign alike in verify mode."""
    ctx = info.context
    urls = ctx.loaders.signed_urls
    asked = (key, filename, content_type)
    if asked not in urls:
        location = ctx.viewer.location_id
        urls[asked] = await ctx.runtime.files.download_url(key, location, filename, content_type)
    return urls[asked]


def bad_input(message: str) -> GraphQLError:
    """A request that cannot be answered as asked (BAD_USER_INPUT): a top-level error, and
    nothing is read."""
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def page_size(first: int | None) -> int:
    """``first`` must be 0..100 (style guide cap); out of range is a request error."""
    if first is None:
        return DEFAULT_PAGE
    if not 0 <= first <= MAX_PAGE:
        raise bad_input(f"`first` must be between 0 and {MAX_PAGE}")
    return first


def bad_cursor(exc: InvalidCursor) -> GraphQLError:
    return bad_input(str(exc))


def page_request(
    first: int | None, after: str | None, sort: str, descending: bool, filter: Hashable = None
) -> PageRequest:
    """A tab's paging arguments, checked before any loader sees them."""
    request = PageRequest(page_size(first), after, sort, descending, filter)
    if after is not None:
        try:
            decode_cursor(after, 2)
        except InvalidCursor as exc:
            raise bad_cursor(exc) from exc
    return request


def contact_query(
    info: Info, contact_filter: ContactFilter | None, order: ContactOrder | None = None
) -> ContactQuery:
    """A list of contacts asked as `contacts` asks it (phone numbers in the filter read in
    the server's region). A time without a zone in the filter has no answer: a request
    error, before any loader sees it."""
    if contact_filter is not None and has_naive_times(contact_filter):
        raise GraphQLError(
            "times in `filter` need a zone, e.g. 2026-01-01T00:00:00Z",
            extensions={"code": "BAD_USER_INPUT"},
        )
    return ContactQuery(
        filter=contact_filter,
        order=order or ContactOrder(),
        phone_region=info.context.settings.phone_region,
    )


async def tab_page(
    loader: PagedByContactLoader,
    contact_id: str,
    request: PageRequest,
    convert: Callable[[RowLike], T],
) -> tuple[list[T], list[str], bool]:
    """One contact's page of a tab's list, through the tab's loader."""
    try:
        found: Page = await loader.load((contact_id, request))
    except InvalidCursor as exc:
        raise bad_cursor(exc) from exc
    return [convert(r) for r in found.rows], found.cursors, found.has_next


def given(value: Any) -> bool:
    """True unless a nullable input member was omitted (``strawberry.UNSET``)."""
    return value is not strawberry.UNSET
