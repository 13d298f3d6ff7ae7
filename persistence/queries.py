"""Read statements shared by the repositories (writes) and the loaders (reads).

Each function is one SQL statement for any number of contacts, so a loader batch of 50
costs what a batch of 1 costs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.contact import Contact
from domain.viewer import Viewer
from persistence.mappers import contact_from_rows
from persistence.tables import (
    CONTACT,
    CUSTOM_VALUE,
    DND,
    EMAIL,
    FOLLOWER,
    PHONE,
    TAG,
    ContactFollowerRow,
)

C = CONTACT.c
Rows = dict[str, list[dict[str, Any]]]


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Contacts of the viewer's location; for an assigned-only viewer, only those they own
    or follow. Every read of contacts goes through this clause."""
    clause = C.location_id == viewer.location_id
    if not viewer.assigned_only:
        return clause
    follows = exists().where(
        ContactFollowerRow.contact_id == C.id,  # type: ignore[arg-type]
        ContactFollowerRow.user_id == viewer.user_id,  # type: ignore[arg-type]
    )
    return and_(clause, or_(C.owner_id == viewer.user_id, follows))


async def contact_rows(
    conn: AsyncConnection,
    ids: Sequence[str],
    where: ColumnElement[bool] | None = None,
    for_update: bool = False,
) -> dict[str, dict[str, Any]]:
    """Contact heads; ``for_update`` locks them until the transaction ends (PostgreSQL;
    SQLite has no row locks and relies on the version check alone)."""
    stmt = select(CONTACT).where(C.id.in_(ids), where if where is not None else true())
    if for_update:
        stmt = stmt.with_for_update(key_share=True)  # FOR NO KEY UPDATE
    return {r["id"]: dict(r) for r in (await conn.execute(stmt)).mappings()}


def by_alias(where: ColumnElement[bool]) -> tuple[Any, Any, ColumnElement[bool]]:
    """The contact an id names (``asked``), joined to the contact it resolves to (its
    survivor when merged, else itself): the alias, the join, and the condition that the two
    share a location and ``where`` (the visibility clause) holds for the survivor. Every
    lookup by id (the loader, the compiled reads) goes through it."""
    asked = CONTACT.alias("asked")
    target = func.coalesce(asked.c.merged_into_id, asked.c.id)
    return (
        asked,
        asked.join(CONTACT, C.id == target),
        and_(asked.c.location_id == C.location_id, where),
    )


async def contact_rows_by_alias(
    conn: AsyncConnection, ids: Sequence[str], where: ColumnElement[bool]
) -> dict[str, dict[str, Any]]:
    """Contact heads by the id asked for, where a merged contact's id gives its survivor's
    row (domain/merge.py): ``where`` (the visibility clause) is the survivor's. One
    statement, so ``contact(id:)`` and ``_entities`` batch as before."""
    asked, source, condition = by_alias(where)
    stmt = (
        select(CONTACT, asked.c.id.label("asked_id"))
        .select_from(source)
        .where(asked.c.id.in_(ids), condition)
    )
    out: dict[str, dict[str, Any]] = {}
    for r in (await conn.execute(stmt)).mappings():
        row = dict(r)
        out[row.pop("asked_id")] = row
    return out


async def _grouped(
    conn: AsyncConnection, table: Any, ids: Sequence[str], order: Sequence[str] = ("position",)
) -> Rows:
    stmt = (
        select(table)
        .where(table.c.contact_id.in_(ids))
        .order_by(table.c.contact_id, *(table.c[o] for o in order))
    )
    out: Rows = defaultdict(list)
    for r in (await conn.execute(stmt)).mappings():
        out[r["contact_id"]].append(dict(r))
    return out


async def phones(conn: AsyncConnection, ids: Sequence[str]) -> Rows:
    return await _grouped(conn, PHONE, ids)


async def emails(conn: AsyncConnection, ids: Sequence[str]) -> Rows:
    return await _grouped(conn, EMAIL, ids)


async def tags(conn: AsyncConnection, ids: Sequence[str]) -> Rows:
    return await _grouped(conn, TAG, ids)


async def followers(conn: AsyncConnection, ids: Sequence[str]) -> Rows:
    return await _grouped(conn, FOLLOWER, ids)


async def dnd(conn: AsyncConnection, ids: Sequence[str]) -> Rows:
    return await _grouped(conn, DND, ids, ("channel",))


async def custom_values(conn: AsyncConnection, ids: Sequence[str]) -> Rows:
    return await _grouped(conn, CUSTOM_VALUE, ids, ("field_id",))


async def whole_contacts(
    conn: AsyncConnection,
    ids: Sequence[str],
    where: ColumnElement[bool] | None = None,
    for_update: bool = False,
) -> dict[str, Contact]:
    """Full aggregates (for writes): seven statements whatever the number of ids."""
    heads = await contact_rows(conn, ids, where, for_update)
    found = list(heads)
    if not found:
        return {}
    ph, em, tg, fo, dn, cv = (
        await phones(conn, found),
        await emails(conn, found),
        await tags(conn, found),
        await followers(conn, found),
        await dnd(conn, found),
        await custom_values(conn, found),
    )
    return {
        cid: contact_from_rows(
            row,
            phones=ph[cid],
            emails=em[cid],
            tags=[t["tag"] for t in tg[cid]],
            followers=[f["user_id"] for f in fo[cid]],
            dnd=dn[cid],
            values=cv[cid],
        )
        for cid, row in heads.items()
    }
