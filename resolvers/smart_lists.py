"""Smart lists: the location's lists, one list and its contacts, a contact's neighbours in a
list, and list writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from domain import smart_lists as s
from domain.contact import KEEP, Contact
from domain.contact_query import ContactFilter, ContactOrder, ContactQuery, all_of
from persistence import smart_lists as sl
from persistence.mappers import contact_from_rows
from persistence.paging import InvalidCursor
from persistence.tab_pages import PageRequest
from resolvers.common import Info, Outcome, bad_cursor, contact_query, page_size, run_write


def query_of(
    info: Info,
    smart_list: s.SmartList,
    narrow: ContactFilter | None = None,
    order: ContactOrder | None = None,
) -> ContactQuery:
    """The question a list saves, asked like `contacts` asks it; ``narrow`` keeps only the
    list's contacts it also selects, ``order`` replaces the list's sort."""
    return contact_query(info, all_of(smart_list.filter, narrow), order or smart_list.order)


async def lists(
    info: Info, request: PageRequest, list_filter: s.SmartListFilter
) -> tuple[list[s.SmartList], list[str], bool, Callable[[], Awaitable[int]]]:
    ctx = info.context
    location_id = ctx.viewer.location_id
    try:
        async with ctx.engine.connect() as conn:
            found = await sl.lists_page(conn, location_id, list_filter, request)
    except InvalidCursor as exc:
        raise bad_cursor(exc) from exc
    for smart_list in found.lists:
        ctx.loaders.smart_list.prime(smart_list.id, smart_list)

    async def count() -> int:
        async with ctx.engine.connect() as conn:
            return await sl.lists_count(conn, location_id, list_filter)

    return found.lists, found.cursors, found.has_next, count


async def smart_list(info: Info, smart_list_id: str) -> s.SmartList | None:
    return await info.context.loaders.smart_list.load(smart_list_id)


async def contacts(
    info: Info,
    smart_list: s.SmartList,
    first: int | None,
    after: str | None,
    narrow: ContactFilter | None = None,
    order: ContactOrder | None = None,
) -> tuple[list[Contact], list[str], bool, Callable[[], Awaitable[int]]]:
    """The list's contacts the viewer may see: `contacts` with the saved filter (and
    ``narrow``) and the saved sort (or ``order``), batched across lists (one statement for
    the pages of every list asked in the request, one for their counts)."""
    ctx = info.context
    query = query_of(info, smart_list, narrow, order)
    try:
        page = await ctx.loaders.list_contacts.load((query, page_size(first), after))
    except InvalidCursor as exc:
        raise bad_cursor(exc) from exc
    nodes = [contact_from_rows(row) for row in page.rows]
    for node in nodes:
        ctx.loaders.contact.prime(node.id, node)

    async def count() -> int:
        return await ctx.loaders.list_count.load(query)

    return nodes, page.cursors, page.has_next, count


async def navigation(info: Info, contact_id: str, smart_list_id: str) -> sl.Neighbours | None:
    found = await smart_list(info, smart_list_id)
    if found is None:
        return None
    return await info.context.loaders.navigation.load((query_of(info, found), contact_id))


def _forget(info: Info, outcome: Outcome[s.SmartList]) -> Outcome[s.SmartList]:
    """A changed list is read again (not from this request's cache) by later fields."""
    if outcome.value is not None:
        info.context.loaders.smart_list.clear(outcome.value.id)
    return outcome


async def create(
    info: Info, name: str, contact_filter: ContactFilter | None, order: ContactOrder
) -> Outcome[s.SmartList]:
    ctx = info.context
    call = s.create_smart_list(ctx.svc, ctx.viewer, name, contact_filter, order)
    return _forget(info, await run_write(info, call))


async def update(
    info: Info,
    smart_list_id: str,
    name: str = KEEP,
    contact_filter: ContactFilter | None = KEEP,
    order: ContactOrder = KEEP,
) -> Outcome[s.SmartList]:
    ctx = info.context
    call = s.update_smart_list(ctx.svc, ctx.viewer, smart_list_id, name, contact_filter, order)
    return _forget(info, await run_write(info, call))


async def delete(info: Info, smart_list_id: str) -> Outcome[s.SmartList]:
    ctx = info.context
    return _forget(
        info, await run_write(info, s.delete_smart_list(ctx.svc, ctx.viewer, smart_list_id))
    )
