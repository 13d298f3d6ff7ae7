"""Per-contact pages of a tab's list (notes, tasks, ...) in one statement for many contacts.

A page is a keyset window: ``row_number() over (partition by contact order by sort, id)``
keeps the first ``first + 1`` rows of each contact after the cursor (the extra row says
whether another page follows). Cursors carry the sort value and the id, so pages stay stable
while rows are added.

The same keyset serves lists that are not per contact: :func:`windowed_pages` partitions by
any column (the contacts linked to each record), :func:`single_page` pages one list (the
location's smart lists, its association labels).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, func, select, true
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


@dataclass(frozen=True)
class Keyset:
    """How a list orders its rows: the sort a request names (``PageRequest.sort``), then a
    column unique within each list that breaks ties (and ends every cursor).

    ``sorts`` maps each sort name to its expression (a column, or e.g. a case-folded name);
    without it, the sort name is the name of one of the table's columns. Every sort
    expression must be NOT NULL: a keyset comparison with NULL matches nothing.
    """

    sorts: Mapping[str, Any] | None = None
    ident: str = "id"

    def sort(self, table: Any, name: str) -> Any:
        return table.c[name] if self.sorts is None else self.sorts[name]


BY_COLUMN = Keyset()
"""The keyset of most tabs: the sort is a column of the same name, ties broken by ``id``."""


def after(request: PageRequest, sort: Any, ident: Any) -> ColumnElement[bool]:
    """Rows strictly after the request's cursor in its order (raises InvalidCursor)."""
    if request.after is None:
        return true()
    return keyset_after(request.after, sort, ident, request.descending)


def _order(sort: Any, ident: Any, descending: bool) -> list[Any]:
    return [sort.desc(), ident.desc()] if descending else [sort.asc(), ident.asc()]


_PARTITION, _SORT, _IDENT, _RANK = "page__partition", "page__sort", "page__ident", "page__rank"


def _split(rows: list[dict[str, Any]], first: int) -> Page:
    kept = rows[:first]
    cursors = [encode_cursor([r.pop(_SORT), r.pop(_IDENT)]) for r in kept]
    return Page(kept, cursors, len(rows) > first)


async def windowed_pages(
    conn: AsyncConnection,
    rows: Select[Any],
    partition: Any,
    sort: Any,
    ident: Any,
    request: PageRequest,
) -> dict[str, Page]:
    """One statement: the page of every list in ``rows`` (already filtered), a list being
    the rows sharing a ``partition`` value, ordered by ``sort`` then ``ident``."""
    order = _order(sort, ident, request.descending)
    inner = (
        rows.add_columns(
            partition.label(_PARTITION),
            sort.label(_SORT),
            ident.label(_IDENT),
            func.row_number().over(partition_by=partition, order_by=order).label(_RANK),
        )
        .where(after(request, sort, ident))
        .subquery()
    )
    stmt = (
        select(inner)
        .where(inner.c[_RANK] <= request.first + 1)
        .order_by(inner.c[_PARTITION], inner.c[_RANK])
    )
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in (await conn.execute(stmt)).mappings():
        values = dict(row)
        del values[_RANK]
        grouped[values.pop(_PARTITION)].append(values)
    return {key: _split(found, request.first) for key, found in grouped.items()}


async def single_page(
    conn: AsyncConnection, rows: Select[Any], sort: Any, ident: Any, request: PageRequest
) -> Page:
    """One statement: the page of one list (``rows``, already filtered) plus one row."""
    stmt = (
        rows.add_columns(sort.label(_SORT), ident.label(_IDENT))
        .where(after(request, sort, ident))
        .order_by(*_order(sort, ident, request.descending))
        .limit(request.first + 1)
    )
    found = [dict(r) for r in (await conn.execute(stmt)).mappings()]
    return _split(found, request.first)


async def pages_by_contact(
    conn: AsyncConnection,
    table: Table,
    contact_ids: Sequence[str],
    request: PageRequest,
    where: ColumnElement[bool],
    keyset: Keyset = BY_COLUMN,
) -> dict[str, Page]:
    rows = select(table).where(table.c.contact_id.in_(contact_ids), where)
    sort = keyset.sort(table, request.sort)
    return await windowed_pages(
        conn, rows, table.c.contact_id, sort, table.c[keyset.ident], request
    )


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
