"""Appointments: row mapping, the tab's filter, busy times, and the repository for writes
(including the per-team-member booking lock)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, insert, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.appointments import (
    Appointment,
    AppointmentFilter,
    AppointmentStatus,
    AppointmentType,
    AppointmentWhen,
)
from domain.calendars import Busy
from domain.errors import ConcurrencyConflict
from persistence.filters import contains_text, in_range, one_of
from persistence.mappers import RowLike
from persistence.tables import APPOINTMENT, BOOKING_LOCK

A = APPOINTMENT.c


def appointment_row(a: Appointment) -> dict[str, Any]:
    return {
        "id": a.id,
        "location_id": a.location_id,
        "contact_id": a.contact_id,
        "calendar_id": a.calendar_id,
        "appointment_type": a.type.value,
        "status": a.status.value,
        "title": a.title,
        "description": a.description,
        "meeting_location": a.meeting_location,
        "team_member_id": a.team_member_id,
        "attendee_contact_ids": list(a.attendee_contact_ids),
        "time_zone": a.time_zone,
        "start_at": a.start_at,
        "end_at": a.end_at,
        "created_by": a.created_by,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "cancelled_at": a.cancelled_at,
        "version": a.version,
    }


def appointment_from_row(r: RowLike) -> Appointment:
    return Appointment(
        id=r["id"],
        location_id=r["location_id"],
        contact_id=r["contact_id"],
        calendar_id=r["calendar_id"],
        type=AppointmentType(r["appointment_type"]),
        status=AppointmentStatus(r["status"]),
        title=r["title"],
        description=r["description"],
        meeting_location=r["meeting_location"],
        team_member_id=r["team_member_id"],
        attendee_contact_ids=tuple(r["attendee_contact_ids"] or ()),
        time_zone=r["time_zone"],
        start_at=r["start_at"],
        end_at=r["end_at"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        cancelled_at=r["cancelled_at"],
        version=r["version"],
    )


NOW = "appointments_now"
"""The bind parameter of the request's "now" in :func:`appointment_filter`: the loaders bind
the filter's own ``boundary``; the compiled reads, whose statements outlive a request, bind
each request's at execution."""


def appointment_filter(f: AppointmentFilter | None) -> ColumnElement[bool]:
    """UPCOMING: not over at the request's "now" (ongoing ones included); PAST: over.
    ``search``: case-insensitive text in the title, description or meeting location."""
    if f is None:
        return true()
    now = bindparam(NOW, f.boundary, type_=A.end_at.type)
    when = A.end_at > now if f.when is AppointmentWhen.UPCOMING else A.end_at <= now
    return and_(
        when,
        one_of(A.status, f.statuses),
        in_range(A.start_at, f.start),
        contains_text(f.search, A.title, A.description, A.meeting_location),
    )


async def busy_times(
    conn: AsyncConnection,
    location_id: str,
    team_member_ids: Sequence[str],
    start: datetime,
    end: datetime,
    exclude_id: str | None = None,
) -> list[Busy]:
    """The members' non-cancelled appointments overlapping ``[start, end)``, on any
    calendar of the location."""
    if not team_member_ids:
        return []
    stmt = select(A.team_member_id, A.start_at, A.end_at).where(
        A.location_id == location_id,
        A.team_member_id.in_(list(team_member_ids)),
        A.status != AppointmentStatus.CANCELLED.value,
        A.start_at < end,
        A.end_at > start,
    )
    if exclude_id is not None:
        stmt = stmt.where(A.id != exclude_id)
    return [Busy(m, s, e) for m, s, e in (await conn.execute(stmt)).all()]


class SqlAppointmentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, location_id: str, appointment_id: str) -> Appointment | None:
        stmt = select(APPOINTMENT).where(A.location_id == location_id, A.id == appointment_id)
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else appointment_from_row(row)

    async def lock_team_members(self, location_id: str, team_member_ids: Sequence[str]) -> None:
        """One upsert that bumps each member's lock row (creating it the first time).

        PostgreSQL locks each row it inserts or updates until the transaction ends, so a
        second booking of the same member waits here and then reads the first one's
        appointment; rows are given sorted, so two multi-member bookings take their locks in
        the same order and cannot deadlock. On SQLite the write takes the database's write
        lock for the rest of the transaction.
        """
        rows = [
            {"location_id": location_id, "team_member_id": m, "version": 1} for m in team_member_ids
        ]
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(BOOKING_LOCK).values(rows)
        await self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[BOOKING_LOCK.c.location_id, BOOKING_LOCK.c.team_member_id],
                set_={"version": BOOKING_LOCK.c.version + 1},
            )
        )

    async def busy(
        self,
        location_id: str,
        team_member_ids: Sequence[str],
        start: datetime,
        end: datetime,
        exclude_id: str | None = None,
    ) -> list[Busy]:
        return await busy_times(self.conn, location_id, team_member_ids, start, end, exclude_id)

    async def count_on_calendar(self, location_id: str, calendar_id: str) -> int:
        stmt = (
            select(func.count())
            .select_from(APPOINTMENT)
            .where(A.location_id == location_id, A.calendar_id == calendar_id)
        )
        return int((await self.conn.execute(stmt)).scalar_one())

    async def add(self, appointment: Appointment) -> None:
        await self.conn.execute(insert(APPOINTMENT).values(appointment_row(appointment)))

    async def save(self, appointment: Appointment) -> None:
        row = appointment_row(appointment)
        row["version"] = appointment.version + 1
        result = await self.conn.execute(
            update(APPOINTMENT)
            .where(A.id == appointment.id, A.version == appointment.version)
            .values(row)
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict(appointment.id)
        appointment.version += 1
