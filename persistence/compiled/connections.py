"""A cursor connection as one SELECT that returns its JSON: keyset paging in SQL.

The page is a subquery over the list's rows (already filtered), after the cursor, ordered by
the sort then the id, limited to ``first + 1``: the extra row answers ``hasNextPage``, as in
the loaders (``persistence/tab_pages.py``), whose keyset clause (:func:`keyset_after`) and
cursor encoding (:func:`persistence.paging.encode_cursor`, rebuilt in SQL by
:meth:`JsonText.base64url`) are the same, so cursors are byte-identical and interchangeable
between the two paths. Cursors, nodes and counts are computed only where selected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal_column, select, true

from persistence.compiled.json_text import JsonText, constant
from persistence.compiled.shapes import (
    SQL,
    Columns,
    Constant,
    Cursor,
    Edges,
    Flag,
    Info,
    Member,
    Node,
    Total,
)
from persistence.types import UTCDateTime


@dataclass(frozen=True)
class Rows:
    """One list to page: its rows (FROM and WHERE), its order, the page asked for."""

    source: Any
    where: ColumnElement[bool]
    sort: Any
    ident: Any
    descending: bool
    first: int
    after: ColumnElement[bool] | None
    """The keyset clause of the `after` cursor (``keyset_after``), None without one."""


RenderNode = Callable[[Columns, tuple[Member, ...]], SQL]


def connection(
    j: JsonText, rows: Rows, members: tuple[Member, ...], node: RenderNode
) -> Select[Any]:
    """The SELECT of one column, the connection's JSON (``members`` in order)."""
    order = (
        [rows.sort.desc(), rows.ident.desc()]
        if rows.descending
        else [rows.sort.asc(), rows.ident.asc()]
    )
    edges = [e for e in members if isinstance(e, Edges)]
    flags = {
        f.name for i in members if isinstance(i, Info) for f in i.members if isinstance(f, Flag)
    }
    wants_cursor = (
        "startCursor" in flags
        or "endCursor" in flags
        or any(isinstance(e, Cursor) for listed in edges for e in listed.members)
    )
    columns: list[Any] = [func.row_number().over(order_by=order).label("rn")]
    nodes: dict[int, str] = {}
    for listed in edges:
        for e in listed.members:
            if isinstance(e, Node):
                label = f"node_{len(nodes)}"
                nodes[id(e)] = label
                columns.append(node(rows.source.c, e.members).label(label))
    if wants_cursor:
        sort = j.timestamp(rows.sort) if isinstance(rows.sort.type, UTCDateTime) else rows.sort
        pair = j.join(
            [constant("["), j.quote(sort), constant(","), j.quote(rows.ident), constant("]")]
        )
        columns.append(j.base64url(pair).label("cursor"))
    if "endCursor" in flags:
        columns.append(func.count().over().label("pc"))
    page = (
        select(*columns)
        .select_from(rows.source)
        .where(rows.where, rows.after if rows.after is not None else true())
        .order_by(*order)
        .limit(rows.first + 1)
        .correlate_except(rows.source)  # the parent's row, however deep it is nested
        .subquery("page")
    )
    p = page.c
    first: SQL = literal_column(str(rows.first))
    in_page = p.rn <= first

    def flag(name: str) -> SQL:
        if name == "hasNextPage":
            return j.boolean(func.count() > first)
        if name == "hasPreviousPage":
            return constant("true" if rows.after is not None else "false")
        if rows.first == 0:
            return constant("null")
        if name == "startCursor":
            picked = case((p.rn == 1, j.quote(p.cursor)))
        else:
            last = case((p.pc > first, first), else_=p.pc)
            picked = case((p.rn == last, j.quote(p.cursor)))
        return func.coalesce(func.max(picked), constant("null"))

    def edge(listed: Edges) -> SQL:
        values: list[tuple[str, SQL]] = []
        for e in listed.members:
            if isinstance(e, Cursor):
                values.append((e.key, j.quote(p.cursor)))
            elif isinstance(e, Node):
                values.append((e.key, p[nodes[id(e)]]))
            else:
                values.append((e.key, constant(e.json)))
        return j.array(case((in_page, j.obj(values))), [p.rn])

    values: list[tuple[str, SQL]] = []
    for m in members:
        if isinstance(m, Total):
            counted = (
                select(func.count())
                .select_from(rows.source)
                .where(rows.where)
                .correlate_except(rows.source)
            )
            values.append((m.key, j.integer(counted.scalar_subquery())))
        elif isinstance(m, Info):
            info = [
                (f.key, constant(f.json) if isinstance(f, Constant) else flag(f.name))
                for f in m.members
            ]
            values.append((m.key, j.obj(info)))
        elif isinstance(m, Edges):
            values.append((m.key, edge(m)))
        elif isinstance(m, Constant):
            values.append((m.key, constant(m.json)))
        else:
            raise TypeError(f"{m!r} is not a member of a connection")
    paged = edges or flags - {"hasPreviousPage"}
    # with no aggregate over the page (only totalCount and constants), no page at all:
    # selecting from it would give a row per item
    return select(j.obj(values)).select_from(page) if paged else select(j.obj(values))
