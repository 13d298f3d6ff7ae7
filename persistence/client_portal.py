"""Client portal: course offers granted and community groups assigned, per contact."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.client_portal import PortalAccess, PortalKind
from persistence.inserts import insert_new
from persistence.mappers import RowLike
from persistence.queries import Rows
from persistence.tables import COMMUNITY_GROUP, COURSE_OFFER


@dataclass(frozen=True)
class _Columns:
    """Where one kind lives: its table and the names of its reference columns."""

    table: Table
    ref: str
    name: str
    since: str
    by: str

    def c(self, column: str) -> Column[Any]:
        return self.table.c[column]


TABLES = {
    PortalKind.COURSE_OFFER: _Columns(
        COURSE_OFFER, "offer_id", "offer_name", "granted_at", "granted_by"
    ),
    PortalKind.COMMUNITY_GROUP: _Columns(
        COMMUNITY_GROUP, "group_id", "group_name", "assigned_at", "assigned_by"
    ),
}


def access_row(a: PortalAccess) -> dict[str, Any]:
    t = TABLES[a.kind]
    return {
        "contact_id": a.contact_id,
        "location_id": a.location_id,
        t.ref: a.ref_id,
        t.name: a.name,
        t.since: a.since,
        t.by: a.by,
    }


def access_from_row(kind: PortalKind, r: RowLike) -> PortalAccess:
    t = TABLES[kind]
    return PortalAccess(
        kind=kind,
        location_id=r["location_id"],
        contact_id=r["contact_id"],
        ref_id=r[t.ref],
        name=r[t.name],
        since=r[t.since],
        by=r[t.by],
    )


async def by_contact(conn: AsyncConnection, kind: PortalKind, ids: Sequence[str]) -> Rows:
    """One statement for any number of contacts: each one's rows, oldest first."""
    t = TABLES[kind]
    stmt = (
        select(t.table)
        .where(t.c("contact_id").in_(ids))
        .order_by(t.c("contact_id"), t.c(t.since), t.c(t.ref))
    )
    out: Rows = defaultdict(list)
    for r in (await conn.execute(stmt)).mappings():
        out[r["contact_id"]].append(dict(r))
    return out


async def course_offers(conn: AsyncConnection, ids: Sequence[str]) -> Rows:
    return await by_contact(conn, PortalKind.COURSE_OFFER, ids)


async def community_groups(conn: AsyncConnection, ids: Sequence[str]) -> Rows:
    return await by_contact(conn, PortalKind.COMMUNITY_GROUP, ids)


class SqlPortalRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(
        self, kind: PortalKind, location_id: str, contact_id: str, ref_id: str
    ) -> PortalAccess | None:
        t = TABLES[kind]
        stmt = select(t.table).where(
            t.c("location_id") == location_id,
            t.c("contact_id") == contact_id,
            t.c(t.ref) == ref_id,
        )
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else access_from_row(kind, row)

    async def add(self, access: PortalAccess) -> bool:
        return await insert_new(self.conn, TABLES[access.kind].table, access_row(access))

    async def remove(self, access: PortalAccess) -> bool:
        t = TABLES[access.kind]
        stmt = delete(t.table).where(
            t.c("contact_id") == access.contact_id, t.c(t.ref) == access.ref_id
        )
        return bool((await self.conn.execute(stmt)).rowcount == 1)
