"""Reads of the contact core: one contact, the contacts list, and the record's lists."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from domain.contact import Contact, ContactPoint, DndSetting
from domain.contact_query import ContactQuery, has_empty_ranges, has_naive_times
from domain.custom_fields import CustomFieldDefinition, CustomValue
from persistence import contact_search
from persistence.mappers import contact_from_rows
from persistence.paging import InvalidCursor
from resolvers.common import Info, bad_cursor, bad_input, page_size


async def contact(info: Info, contact_id: str) -> Contact | None:
    """Another location's contact, or one a restricted viewer may not see, is ``None``."""
    return await info.context.loaders.contact.load(contact_id)


def checked(query: ContactQuery) -> None:
    """A `contacts` query that has no answer is a request error (BAD_USER_INPUT)."""
    if query.filter is not None and has_naive_times(query.filter):
        raise bad_input("times in `filter` need a zone, e.g. 2026-01-01T00:00:00Z")
    if query.filter is not None and has_empty_ranges(query.filter):
        raise bad_input("a time range in `filter` needs `from` before `to` (`to` is exclusive)")


async def contacts(
    info: Info, query: ContactQuery, first: int | None, after: str | None
) -> tuple[list[Contact], list[str], bool, Callable[[], Awaitable[int]]]:
    """A page of visible contacts; rows are primed into the contact loader."""
    ctx = info.context
    checked(query)
    size = page_size(first)
    try:
        async with ctx.engine.connect() as conn:
            page = await contact_search.page(conn, ctx.viewer, query, size, after)
    except InvalidCursor as exc:
        raise bad_cursor(exc) from exc
    nodes = [contact_from_rows(row) for row in page.rows]
    for node in nodes:
        ctx.loaders.contact.prime(node.id, node)

    async def count() -> int:
        async with ctx.engine.connect() as conn:
            return await contact_search.count(conn, ctx.viewer, query)

    return nodes, page.cursors, page.has_next, count


async def phones(info: Info, contact_id: str) -> list[ContactPoint]:
    return await info.context.loaders.phones.load(contact_id)


async def emails(info: Info, contact_id: str) -> list[ContactPoint]:
    return await info.context.loaders.emails.load(contact_id)


async def tags(info: Info, contact_id: str) -> list[str]:
    return await info.context.loaders.tags.load(contact_id)


async def followers(info: Info, contact_id: str) -> list[str]:
    return await info.context.loaders.followers.load(contact_id)


async def dnd(info: Info, contact_id: str) -> list[DndSetting]:
    return await info.context.loaders.dnd.load(contact_id)


async def custom_values(
    info: Info, contact_id: str
) -> list[tuple[CustomFieldDefinition, CustomValue]]:
    """Each value with its definition; two batched statements for any number of contacts."""
    loaders = info.context.loaders
    values: list[tuple[str, CustomValue]] = await loaders.custom_values.load(contact_id)
    definitions = await loaders.custom_field.load_many([fid for fid, _ in values])
    pairs = [(d, v) for d, (_, v) in zip(definitions, values, strict=True) if d is not None]
    return sorted(pairs, key=lambda p: (p[0].created_at, p[0].key))
