"""Loaders of the appointments tab."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from loaders.base import CountByContactLoader, PagedByContactLoader
from persistence.appointments import appointment_filter
from persistence.tables import APPOINTMENT


class AppointmentsByContactLoader(PagedByContactLoader):
    """A page of appointments per contact. It also keeps the request's "now": upcoming and
    past are split at one instant for every page and count of a response, and that
    instant is part of the (hashable) filter, so equal requests still share a statement."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine, APPOINTMENT, appointment_filter)
        self._boundary: datetime | None = None

    def boundary(self, now: Callable[[], datetime]) -> datetime:
        if self._boundary is None:
            self._boundary = now()
        return self._boundary


def appointments_page_loader(engine: AsyncEngine) -> AppointmentsByContactLoader:
    return AppointmentsByContactLoader(engine)


def appointments_count_loader(engine: AsyncEngine) -> CountByContactLoader:
    """AppointmentCountByContactLoader: how many appointments match, per contact."""
    return CountByContactLoader(engine, APPOINTMENT, appointment_filter)
