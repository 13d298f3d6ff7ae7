"""Loaders of calendars."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.calendars import Calendar
from loaders.base import SqlLoader
from persistence.calendars import calendar_from_row
from persistence.tables import CALENDAR


class CalendarByIdLoader(SqlLoader[str, Calendar | None]):
    """Calendars of the viewer's location; another location's id resolves to ``None``."""

    def __init__(self, engine: AsyncEngine, location_id: str) -> None:
        super().__init__(engine)
        self.location_id = location_id

    async def fetch(self, conn: AsyncConnection, keys: Sequence[str]) -> dict[str, Calendar | None]:
        stmt = select(CALENDAR).where(
            CALENDAR.c.location_id == self.location_id, CALENDAR.c.id.in_(keys)
        )
        return {r["id"]: calendar_from_row(r) for r in (await conn.execute(stmt)).mappings()}
