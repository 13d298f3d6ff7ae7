"""Calendars: row mapping, the location's list, and the repository for admin writes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.calendars import AvailabilityWindow, Calendar, Weekday, calendar_in_use
from persistence.mappers import RowLike
from persistence.tables import CALENDAR
from persistence.text import name_order

C = CALENDAR.c


def calendar_row(c: Calendar) -> dict[str, Any]:
    return {
        "id": c.id,
        "location_id": c.location_id,
        "name": c.name,
        "default_title": c.default_title,
        "description": c.description,
        "meeting_location": c.meeting_location,
        "slot_minutes": c.slot_minutes,
        "time_zone": c.time_zone,
        "availability": [
            {"weekday": w.weekday.value, "start": w.start, "end": w.end} for w in c.availability
        ],
        "team_member_ids": list(c.team_member_ids),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def calendar_from_row(r: RowLike) -> Calendar:
    return Calendar(
        id=r["id"],
        location_id=r["location_id"],
        name=r["name"],
        default_title=r["default_title"],
        description=r["description"],
        meeting_location=r["meeting_location"],
        slot_minutes=r["slot_minutes"],
        time_zone=r["time_zone"],
        availability=tuple(
            AvailabilityWindow(Weekday(w["weekday"]), int(w["start"]), int(w["end"]))
            for w in r["availability"] or ()
        ),
        team_member_ids=tuple(r["team_member_ids"] or ()),
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


async def calendars_of(conn: AsyncConnection, location_id: str) -> list[Calendar]:
    """The location's calendars by name (at most MAX_CALENDARS)."""
    stmt = select(CALENDAR).where(C.location_id == location_id).order_by(name_order(C.name), C.id)
    return [calendar_from_row(r) for r in (await conn.execute(stmt)).mappings()]


class SqlCalendarRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, location_id: str, calendar_id: str) -> Calendar | None:
        stmt = select(CALENDAR).where(C.location_id == location_id, C.id == calendar_id)
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else calendar_from_row(row)

    async def count(self, location_id: str) -> int:
        stmt = select(func.count()).select_from(CALENDAR).where(C.location_id == location_id)
        return int((await self.conn.execute(stmt)).scalar_one())

    async def add(self, calendar: Calendar) -> None:
        await self.conn.execute(insert(CALENDAR).values(calendar_row(calendar)))

    async def save(self, calendar: Calendar) -> None:
        await self.conn.execute(
            update(CALENDAR).where(C.id == calendar.id).values(calendar_row(calendar))
        )

    async def delete(self, calendar: Calendar) -> None:
        """A booking that committed after the caller's check makes the foreign key refuse
        the delete: reported as IN_USE, like the check would have."""
        try:
            await self.conn.execute(delete(CALENDAR).where(C.id == calendar.id))
        except IntegrityError as exc:
            raise calendar_in_use() from exc
