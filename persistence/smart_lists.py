"""Smart lists: the repository, the location's lists page by page, and navigation -- a
contact's neighbours in a list's order -- in one statement per list, whatever the number of
contacts.

A list's contacts are never stored: they are ``contact_search`` evaluated with the saved
filter and sort and the reader's visibility, so navigation and ``SmartList.contacts`` agree
with ``contacts`` exactly (same filter compiler, same keyset order: sort value, then id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Executable,
    Integer,
    Select,
    delete,
    func,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.contact_query import ContactOrder, ContactQuery, ContactSortField
from domain.smart_lists import SmartList, SmartListFilter, SmartListSortField, name_taken
from domain.viewer import Viewer
from persistence.contact_filter_json import filter_from_json, filter_to_json
from persistence.contact_search import SORT_COLUMNS, Page, where_clause
from persistence.inserts import insert_new
from persistence.mappers import RowLike
from persistence.paging import InvalidCursor, encode_cursor, keyset_after
from persistence.queries import C
from persistence.tab_pages import Keyset, PageRequest, single_page
from persistence.tables import CONTACT, SMART_LIST
from persistence.text import name_order

S = SMART_LIST.c


def name_key(name: str) -> str:
    """Names are unique per location regardless of case."""
    return name.lower()


def smart_list_row(s: SmartList) -> dict[str, Any]:
    return {
        "id": s.id,
        "location_id": s.location_id,
        "name": s.name,
        "name_key": name_key(s.name),
        "filter": None if s.filter is None else filter_to_json(s.filter),
        "sort_field": s.order.field.value,
        "sort_descending": s.order.descending,
        "created_by": s.created_by,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


def smart_list_from_row(r: RowLike) -> SmartList:
    return SmartList(
        id=r["id"],
        location_id=r["location_id"],
        name=r["name"],
        filter=None if r["filter"] is None else filter_from_json(r["filter"]),
        order=ContactOrder(ContactSortField(r["sort_field"]), bool(r["sort_descending"])),
        created_by=r["created_by"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


class SqlSmartListRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, location_id: str, smart_list_id: str) -> SmartList | None:
        stmt = select(SMART_LIST).where(S.location_id == location_id, S.id == smart_list_id)
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else smart_list_from_row(row)

    async def by_name(self, location_id: str, name: str) -> SmartList | None:
        stmt = select(SMART_LIST).where(S.location_id == location_id, S.name_key == name_key(name))
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else smart_list_from_row(row)

    async def add(self, smart_list: SmartList) -> bool:
        return await insert_new(self.conn, SMART_LIST, smart_list_row(smart_list))

    async def save(self, smart_list: SmartList) -> None:
        row = smart_list_row(smart_list)
        taken = select(S.id).where(
            S.location_id == smart_list.location_id,
            S.name_key == row["name_key"],
            S.id != smart_list.id,
        )
        if (await self.conn.execute(taken)).first() is not None:
            raise name_taken()
        try:
            await self.conn.execute(update(SMART_LIST).where(S.id == smart_list.id).values(row))
        except IntegrityError as exc:  # renamed concurrently to the same name
            raise name_taken() from exc

    async def delete(self, smart_list: SmartList) -> None:
        await self.conn.execute(delete(SMART_LIST).where(S.id == smart_list.id))


# -- reads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPage:
    lists: list[SmartList]
    cursors: list[str]
    has_next: bool


SMART_LIST_KEYSET = Keyset(
    {
        SmartListSortField.NAME: name_order(S.name),  # as people sort names: any case as one
        SmartListSortField.CREATED_AT: S.created_at,
        SmartListSortField.UPDATED_AT: S.updated_at,
    }
)


def _lists_of(location_id: str, f: SmartListFilter | None) -> Select[Any]:
    stmt = select(SMART_LIST).where(S.location_id == location_id)
    if f is None:
        return stmt
    text = (f.search or "").strip()
    if text:
        stmt = stmt.where(S.name_key.contains(name_key(text), autoescape=True))
    if f.created_by_ids is not None:
        stmt = stmt.where(S.created_by.in_(f.created_by_ids))
    return stmt


async def lists_page(
    conn: AsyncConnection, location_id: str, f: SmartListFilter | None, request: PageRequest
) -> ListPage:
    """A page of the location's lists in the request's order, then id; raises InvalidCursor."""
    sort = SMART_LIST_KEYSET.sort(SMART_LIST, request.sort)
    found = await single_page(conn, _lists_of(location_id, f), sort, S.id, request)
    return ListPage([smart_list_from_row(r) for r in found.rows], found.cursors, found.has_next)


async def lists_count(conn: AsyncConnection, location_id: str, f: SmartListFilter | None) -> int:
    inner = _lists_of(location_id, f).subquery()
    return int((await conn.execute(select(func.count()).select_from(inner))).scalar_one())


async def by_ids(
    conn: AsyncConnection, location_id: str, ids: Sequence[str]
) -> dict[str, SmartList]:
    stmt = select(SMART_LIST).where(S.location_id == location_id, S.id.in_(ids))
    return {r["id"]: smart_list_from_row(r) for r in (await conn.execute(stmt)).mappings()}


@dataclass(frozen=True)
class Neighbours:
    """Where one contact sits in a list as one viewer sees it."""

    previous: str | None
    next: str | None
    position: int
    """1-based."""
    total: int


def _order_by(order: ContactOrder) -> list[Any]:
    sort = SORT_COLUMNS[order.field]
    return [sort.desc(), C.id.desc()] if order.descending else [sort.asc(), C.id.asc()]


async def places(
    conn: AsyncConnection, viewer: Viewer, q: ContactQuery, ids: Sequence[str]
) -> dict[str, Neighbours]:
    """One statement for any number of contacts of one list: window functions over the
    list's rows as the viewer sees them, in the list's order (sort value, then id, as the
    pages of ``contacts``) -- ``row_number`` is the position, ``lag``/``lead`` of the id the
    neighbours, ``count(*) over ()`` the size -- then only the asked contacts are kept.
    Contacts outside the list, or hidden from the viewer, are left out."""
    if not ids:
        return {}
    order = _order_by(q.order)
    in_list = (
        select(
            C.id.label("id"),
            func.row_number().over(order_by=order).label("position"),
            func.lag(C.id).over(order_by=order).label("previous"),
            func.lead(C.id).over(order_by=order).label("next"),
            func.count().over().label("total"),
        )
        .where(where_clause(viewer, q))
        .subquery("in_list")
    )
    stmt = select(in_list).where(in_list.c.id.in_(list(ids)))
    return {
        r["id"]: Neighbours(r["previous"], r["next"], int(r["position"]), int(r["total"]))
        for r in (await conn.execute(stmt)).mappings()
    }


# -- the contacts of many lists at once ----------------------------------------------------------

ContactsRequest = tuple[ContactQuery, int, str | None]
"""(the list's query, first, after): what ``SmartList.contacts`` asked of one list."""

_SORTS = list(SORT_COLUMNS.items())


def _page_member(viewer: Viewer, n: int, request: ContactsRequest) -> Select[Any]:
    """One list's page (plus one row), tagged with its request's number ``n``: every list
    selects the same columns -- the contact, every sort value, the row's place -- so the
    pages of lists sorted differently can share one UNION ALL. Raises InvalidCursor."""
    q, first, after = request
    order = _order_by(q.order)
    stmt = select(
        CONTACT,
        *(column.label(f"sort__{i}") for i, (_, column) in enumerate(_SORTS)),
        func.row_number().over(order_by=order).label("batch_ord"),
    ).where(where_clause(viewer, q))
    if after is not None:  # "" does not decode: InvalidCursor, as in contacts and tabs
        sort = SORT_COLUMNS[q.order.field]
        stmt = stmt.where(keyset_after(after, sort, C.id, q.order.descending))
    page = stmt.order_by(*order).limit(first + 1).subquery(f"page_{n}")
    return select(literal_column(str(n), Integer).label("batch_key"), *page.c)


async def pages_of(
    conn: AsyncConnection, viewer: Viewer, requests: Sequence[ContactsRequest]
) -> dict[ContactsRequest, Page | Exception]:
    """One statement for the pages of any number of lists (each its own filter and sort):
    exactly what ``contact_search.page`` answers for each, cursors included. A request whose
    cursor is invalid gets its InvalidCursor instead of a page; the others are answered."""
    out: dict[ContactsRequest, Page | Exception] = {}
    members: list[Select[Any]] = []
    asked: list[ContactsRequest] = []
    for request in dict.fromkeys(requests):
        try:
            members.append(_page_member(viewer, len(asked), request))
        except InvalidCursor as exc:
            out[request] = exc
            continue
        asked.append(request)
    if not asked:
        return out
    stmt: Executable = members[0] if len(members) == 1 else union_all(*members)
    rows: list[list[dict[str, Any]]] = [[] for _ in asked]
    for r in (await conn.execute(stmt)).mappings():
        rows[r["batch_key"]].append(dict(r))
    sort_names = {field: f"sort__{i}" for i, (field, _) in enumerate(_SORTS)}
    for request, found in zip(asked, rows, strict=True):
        q, first, _ = request
        found.sort(key=lambda r: r["batch_ord"])
        kept = found[:first]
        sort_name = sort_names[q.order.field]
        cursors = [encode_cursor([r[sort_name], r["id"]]) for r in kept]
        contacts = [{c.name: r[c.name] for c in CONTACT.c} for r in kept]
        out[request] = Page(contacts, cursors, len(found) > first)
    return out


async def counts_of(
    conn: AsyncConnection, viewer: Viewer, queries: Sequence[ContactQuery]
) -> dict[ContactQuery, int]:
    """One statement for the sizes of any number of lists: a scalar count per list."""
    distinct = list(dict.fromkeys(queries))
    if not distinct:
        return {}
    stmt = select(
        *(
            select(func.count(C.id)).where(where_clause(viewer, q)).scalar_subquery().label(f"n{i}")
            for i, q in enumerate(distinct)
        )
    )
    row = (await conn.execute(stmt)).one()
    return {q: int(n) for q, n in zip(distinct, row, strict=True)}
