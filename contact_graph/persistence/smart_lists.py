"""Smart lists: the repository, the location's lists page by page, and navigation -- a
contact's neighbours in a list's order -- in a bounded number of statements.

A list's contacts are never stored: they are ``contact_search`` evaluated with the saved
filter and sort and the reader's visibility, so navigation and ``SmartList.contacts`` agree
with ``contacts`` exactly (same filter compiler, same keyset order: sort value, then id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.contact_query import ContactOrder, ContactQuery, ContactSortField
from ..domain.errors import DomainError, ErrorCode
from ..domain.smart_lists import SmartList
from ..domain.viewer import Viewer
from .contact_filter_json import filter_from_json, filter_to_json
from .contact_search import SORT_COLUMNS, after_position, where_clause
from .inserts import insert_new
from .mappers import RowLike
from .paging import encode_cursor
from .queries import C
from .tab_pages import PageRequest, after_clause
from .tables import SMART_LIST

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


def _name_taken() -> DomainError:
    return DomainError.single(
        ErrorCode.DUPLICATE, "the location already has a smart list with this name", "name"
    )


class SqlSmartListRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, location_id: str, smart_list_id: str) -> SmartList | None:
        stmt = select(SMART_LIST).where(S.location_id == location_id, S.id == smart_list_id)
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else smart_list_from_row(row)

    async def add(self, smart_list: SmartList) -> None:
        if not await insert_new(self.conn, SMART_LIST, smart_list_row(smart_list)):
            raise _name_taken()

    async def save(self, smart_list: SmartList) -> None:
        row = smart_list_row(smart_list)
        taken = select(S.id).where(
            S.location_id == smart_list.location_id,
            S.name_key == row["name_key"],
            S.id != smart_list.id,
        )
        if (await self.conn.execute(taken)).first() is not None:
            raise _name_taken()
        try:
            await self.conn.execute(update(SMART_LIST).where(S.id == smart_list.id).values(row))
        except IntegrityError as exc:  # renamed concurrently to the same name
            raise _name_taken() from exc

    async def delete(self, smart_list: SmartList) -> None:
        await self.conn.execute(delete(SMART_LIST).where(S.id == smart_list.id))


# -- reads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPage:
    lists: list[SmartList]
    cursors: list[str]
    has_next: bool


async def lists_page(
    conn: AsyncConnection, location_id: str, first: int, after: str | None
) -> ListPage:
    """The location's lists by name (case-insensitive), then id; raises InvalidCursor."""
    request = PageRequest(first, after, "name_key", descending=False)
    stmt = (
        select(SMART_LIST)
        .where(S.location_id == location_id, after_clause(SMART_LIST, request))
        .order_by(S.name_key, S.id)
        .limit(first + 1)
    )
    rows = list((await conn.execute(stmt)).mappings())
    kept = rows[:first]
    return ListPage(
        [smart_list_from_row(r) for r in kept],
        [encode_cursor([r["name_key"], r["id"]]) for r in kept],
        len(rows) > first,
    )


async def lists_count(conn: AsyncConnection, location_id: str) -> int:
    stmt = select(func.count()).select_from(SMART_LIST).where(S.location_id == location_id)
    return int((await conn.execute(stmt)).scalar_one())


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


async def sort_keys(
    conn: AsyncConnection, viewer: Viewer, q: ContactQuery, ids: Sequence[str]
) -> dict[str, Any]:
    """One statement: each given contact that is in the list (for this viewer) with its sort
    value; contacts outside the list, or hidden from the viewer, are left out."""
    sort = SORT_COLUMNS[q.order.field]
    stmt = select(C.id, sort.label("sort_key")).where(C.id.in_(ids), where_clause(viewer, q))
    return {r["id"]: r["sort_key"] for r in (await conn.execute(stmt)).mappings()}


async def neighbours(
    conn: AsyncConnection, viewer: Viewer, q: ContactQuery, contact_id: str, sort_key: Any
) -> Neighbours:
    """One statement of four scalar subqueries over the list: the contact just before, the
    one just after (keyset, like the pages of ``contacts``), how many come before, and how
    many there are. Nothing of the list is loaded."""
    where: ColumnElement[bool] = where_clause(viewer, q)
    reverse = ContactOrder(q.order.field, not q.order.descending)
    after = after_position(q.order, sort_key, contact_id)
    before = after_position(reverse, sort_key, contact_id)
    previous = select(C.id).where(where, before).order_by(*_order_by(reverse)).limit(1)
    following = select(C.id).where(where, after).order_by(*_order_by(q.order)).limit(1)
    ahead = select(func.count(C.id)).where(where, before)
    total = select(func.count(C.id)).where(where)
    stmt = select(
        previous.scalar_subquery().label("previous"),
        following.scalar_subquery().label("next"),
        ahead.scalar_subquery().label("ahead"),
        total.scalar_subquery().label("total"),
    )
    row = (await conn.execute(stmt)).mappings().one()
    return Neighbours(row["previous"], row["next"], int(row["ahead"]) + 1, int(row["total"]))
