"""Per-contact pages of a tab's list (notes, tasks, ...) in one statement for many contacts.

A page is a keyset window: ``row_number() over (partition by contact order by sort, id)``
keeps the first ``first + 1`` rows of each contact after the cursor (the extra row says
whether another page follows). Cursors carry the sort value and the id, so pages stay stable
while rows are added.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, func, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from persistence.paging import encode_cursor, keyset_after


@dataclass(frozen=True)
class PageRequest:
    """What one list field asked for; hashable, so it is part of a loader key."""

    first: int
    after: str | None
    sort: str
    descending: bool
    filter: Hashable = None


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool


EMPTY = Page([], [], False)


def after_clause(table: Table, request: PageRequest) -> ColumnElement[bool]:
    """Rows strictly after the cursor in the request's order (raises InvalidCursor)."""
    if request.after is None:
        return true()
    return keyset_after(request.after, table.c[request.sort], table.c.id, request.descending)


async def pages_by_contact(
    conn: AsyncConnection,
    table: Table,
    contact_ids: Sequence[str],
    request: PageRequest,
    where: ColumnElement[bool],
) -> dict[str, Page]:
    column, ident = table.c[request.sort], table.c.id
    order = [column.desc(), ident.desc()] if request.descending else [column.asc(), ident.asc()]
    rank = func.row_number().over(partition_by=table.c.contact_id, order_by=order).label("rank")
    inner = (
        select(table, rank)
        .where(table.c.contact_id.in_(contact_ids), where, after_clause(table, request))
        .subquery()
    )
    stmt = (
        select(inner)
        .where(inner.c.rank <= request.first + 1)
        .order_by(inner.c.contact_id, inner.c.rank)
    )
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in (await conn.execute(stmt)).mappings():
        values = dict(row)
        values.pop("rank")
        grouped[values["contact_id"]].append(values)
    pages = {}
    for contact_id, rows in grouped.items():
        kept = rows[: request.first]
        cursors = [encode_cursor([r[request.sort], r["id"]]) for r in kept]
        pages[contact_id] = Page(kept, cursors, len(rows) > request.first)
    return pages


async def counts_by_contact(
    conn: AsyncConnection, table: Table, contact_ids: Sequence[str], where: ColumnElement[bool]
) -> dict[str, int]:
    stmt = (
        select(table.c.contact_id, func.count())
        .where(table.c.contact_id.in_(contact_ids), where)
        .group_by(table.c.contact_id)
    )
    return {cid: n for cid, n in (await conn.execute(stmt)).all()}


FilterCompiler = Callable[[Any], ColumnElement[bool]]
"""Turns a tab's (hashable) filter into a WHERE clause over its table."""
