"""Client portal: course offers granted and community groups assigned, per contact."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, delete, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.client_portal import (
    CommunityGroupSortField,
    CourseOfferSortField,
    PortalAccess,
    PortalFilter,
    PortalKind,
)
from persistence.inserts import insert_new
from persistence.mappers import RowLike
from persistence.tab_pages import FilterCompiler, Keyset
from persistence.tables import COMMUNITY_GROUP, COURSE_OFFER
from persistence.text import name_order


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


def from_row(kind: PortalKind) -> Callable[[RowLike], PortalAccess]:
    return lambda r: access_from_row(kind, r)


def portal_filter(kind: PortalKind) -> FilterCompiler:
    """The WHERE clause of a filter over one kind's table."""
    t = TABLES[kind]

    def compile_filter(f: PortalFilter | None) -> ColumnElement[bool]:
        if f is None or f.ref_ids is None:
            return true()
        return t.c(t.ref).in_(f.ref_ids)

    return compile_filter


KEYSETS = {
    PortalKind.COURSE_OFFER: Keyset(
        {
            CourseOfferSortField.GRANTED_AT: COURSE_OFFER.c.granted_at,
            CourseOfferSortField.NAME: name_order(COURSE_OFFER.c.offer_name),
        },
        ident="offer_id",
    ),
    PortalKind.COMMUNITY_GROUP: Keyset(
        {
            CommunityGroupSortField.ASSIGNED_AT: COMMUNITY_GROUP.c.assigned_at,
            CommunityGroupSortField.NAME: name_order(COMMUNITY_GROUP.c.group_name),
        },
        ident="group_id",
    ),
}
"""A contact's offers and groups sort by when they were given or by name; ties (and
cursors) by the offer's or group's id, unique per contact (the rows have no id of their own)."""


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
