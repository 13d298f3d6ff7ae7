"""Interactions and attribution: row mapping, the list filter, the repository, and the
one-statement attribution read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Insert, Table, and_, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.attribution import API_NAMES, AttributionData, ContactAttribution, SessionSource
from domain.interactions import (
    AttributionView,
    Interaction,
    InteractionFilter,
    InteractionKind,
    InteractionOrigin,
    details_from_json,
)
from persistence.filters import in_range, one_of
from persistence.mappers import RowLike
from persistence.tables import ATTRIBUTION, INTERACTION

IC = INTERACTION.c
AC = ATTRIBUTION.c
ATTRIBUTION_COLUMNS = tuple(API_NAMES)
"""url, referrer, utm_*, click ids, campaign_id: one column each."""


def interaction_row(i: Interaction) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(i.attribution, name) for name in ATTRIBUTION_COLUMNS}
    row.update(
        id=i.id,
        location_id=i.location_id,
        contact_id=i.contact_id,
        external_id=i.external_id,
        kind=i.kind.value,
        origin=i.origin.value,
        occurred_at=i.occurred_at,
        recorded_at=i.recorded_at,
        recorded_by=i.recorded_by,
        details=i.details.to_json(),
        session_source=i.session_source.value,
    )
    return row


def interaction_from_row(r: RowLike) -> Interaction:
    kind = InteractionKind(r["kind"])
    return Interaction(
        id=r["id"],
        location_id=r["location_id"],
        contact_id=r["contact_id"],
        external_id=r["external_id"],
        kind=kind,
        occurred_at=r["occurred_at"],
        recorded_at=r["recorded_at"],
        recorded_by=r["recorded_by"],
        origin=InteractionOrigin(r["origin"]),
        details=details_from_json(kind, r["details"] or {}),
        attribution=AttributionData(**{name: r[name] for name in ATTRIBUTION_COLUMNS}),
        session_source=SessionSource(r["session_source"]),
    )


def interaction_filter(f: InteractionFilter | None) -> ColumnElement[bool]:
    if f is None:
        return true()
    return and_(one_of(IC.kind, f.kinds), in_range(IC.occurred_at, f.occurred))


def insert_ignoring_conflicts(conn: AsyncConnection, table: Table, *columns: str) -> Insert:
    """``INSERT ... ON CONFLICT (columns) DO NOTHING`` on PostgreSQL and SQLite alike.

    Unlike catching IntegrityError, this neither aborts a PostgreSQL transaction nor needs a
    savepoint; a concurrent insert of the same key waits for the other transaction and then
    does nothing.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).on_conflict_do_nothing(index_elements=list(columns))
    return cast(Insert, stmt)


def _attribution_from_row(r: RowLike) -> ContactAttribution:
    return ContactAttribution(
        contact_id=r["contact_id"],
        location_id=r["location_id"],
        first_interaction_id=r["first_interaction_id"],
        latest_interaction_id=r["latest_interaction_id"],
        latest_occurred_at=r["latest_occurred_at"],
        reset_at=r["reset_at"],
    )


class SqlInteractionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, interaction: Interaction) -> bool:
        stmt = (
            insert_ignoring_conflicts(self.conn, INTERACTION, "location_id", "external_id")
            .values(interaction_row(interaction))
            .returning(IC.id)
        )
        return (await self.conn.execute(stmt)).first() is not None

    async def by_external_id(self, location_id: str, external_id: str) -> Interaction | None:
        stmt = select(INTERACTION).where(
            IC.location_id == location_id, IC.external_id == external_id
        )
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else interaction_from_row(row)

    async def attribution_for_update(self, location_id: str, contact_id: str) -> ContactAttribution:
        # Make sure the row exists (a write: on SQLite it takes the database's write lock
        # here, so the read below cannot go stale), then lock it (PostgreSQL).
        await self.conn.execute(
            insert_ignoring_conflicts(self.conn, ATTRIBUTION, "contact_id").values(
                contact_id=contact_id, location_id=location_id
            )
        )
        stmt = (
            select(ATTRIBUTION)
            .where(AC.contact_id == contact_id, AC.location_id == location_id)
            .with_for_update()
        )
        row = (await self.conn.execute(stmt)).mappings().one()
        return _attribution_from_row(row)

    async def save_attribution(self, attribution: ContactAttribution) -> None:
        await self.conn.execute(
            update(ATTRIBUTION)
            .where(AC.contact_id == attribution.contact_id)
            .values(
                first_interaction_id=attribution.first_interaction_id,
                latest_interaction_id=attribution.latest_interaction_id,
                latest_occurred_at=attribution.latest_occurred_at,
                reset_at=attribution.reset_at,
            )
        )


async def attributions(
    conn: AsyncConnection, contact_ids: Sequence[str]
) -> dict[str, AttributionView]:
    """First and latest interaction of each contact: one statement for any number.

    The attribution row joined to its (at most two) interactions; a contact without a
    row, or reset since, has an empty attribution.
    """
    stmt = (
        select(
            AC.contact_id.label("attribution_contact_id"),
            AC.first_interaction_id,
            AC.latest_interaction_id,
            AC.reset_at.label("attribution_reset_at"),
            INTERACTION,
        )
        .select_from(
            ATTRIBUTION.outerjoin(
                INTERACTION,
                or_(IC.id == AC.first_interaction_id, IC.id == AC.latest_interaction_id),
            )
        )
        .where(AC.contact_id.in_(contact_ids))
    )
    found: dict[str, dict[str, Any]] = {}
    for row in (await conn.execute(stmt)).mappings():
        entry = found.setdefault(
            row["attribution_contact_id"],
            {"first": None, "latest": None, "reset_at": row["attribution_reset_at"]},
        )
        if row["id"] is None:
            continue
        interaction = interaction_from_row(row)
        if row["id"] == row["first_interaction_id"]:
            entry["first"] = interaction
        if row["id"] == row["latest_interaction_id"]:
            entry["latest"] = interaction
    return {cid: AttributionView(**entry) for cid, entry in found.items()}
