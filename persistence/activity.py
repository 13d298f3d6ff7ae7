"""Reads of the event log for the timeline, the audit log and subscription replay."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.activity import ActivityFilter
from domain.events import ContactEvent
from persistence.filters import in_range, one_of
from persistence.mappers import event_from_row
from persistence.tables import EVENT

E = EVENT.c
REPLAY_BATCH = 200


def activity_filter(f: ActivityFilter | None) -> ColumnElement[bool]:
    if f is None:
        return true()
    return and_(one_of(E.kind, f.kinds), in_range(E.occurred_at, f.occurred))


async def last_sequence(conn: AsyncConnection, contact_id: str) -> int:
    """The newest event's sequence of a contact (0 when it has none)."""
    stmt = select(func.coalesce(func.max(E.sequence), 0)).where(E.contact_id == contact_id)
    return int((await conn.execute(stmt)).scalar_one())


async def events_after(
    conn: AsyncConnection, contact_id: str, sequence: int, limit: int = REPLAY_BATCH
) -> list[ContactEvent]:
    """Events of a contact newer than ``sequence``, oldest first (for replay)."""
    stmt = (
        select(EVENT)
        .where(E.contact_id == contact_id, E.sequence > sequence)
        .order_by(E.sequence)
        .limit(limit)
    )
    return [event_from_row(r) for r in (await conn.execute(stmt)).mappings()]
