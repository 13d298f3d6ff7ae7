"""Protocols through which the outside world reaches the domain, and the id generator."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from .appointments import Appointment
    from .calendars import Busy, Calendar
    from .contact import Contact
    from .custom_fields import CustomFieldDefinition
    from .events import ContactEvent
    from .notes import Note
    from .viewer import Viewer


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def new_id() -> str:
    """Identifiers are random UUIDs: unguessable across tenants, generated without I/O."""
    return str(uuid.uuid4())


class ContactRepository(Protocol):
    """Loads and stores whole contact aggregates of one location."""

    async def get(self, location_id: str, contact_id: str) -> Contact | None: ...

    async def find_by_email(self, location_id: str, address: str) -> Contact | None: ...

    async def find_by_phone(self, location_id: str, number: str) -> Contact | None: ...

    async def is_visible(self, viewer: Viewer, contact_id: str) -> bool:
        """Whether ``viewer`` may see the contact (one cheap query, no aggregate load)."""

    async def add(self, contact: Contact) -> None: ...

    async def save(self, contact: Contact) -> None:
        """Write what changed since ``get``; raises ConcurrencyConflict if someone else did."""


class CustomFieldRepository(Protocol):
    async def list(self, location_id: str) -> list[CustomFieldDefinition]: ...

    async def get(self, location_id: str, field_id: str) -> CustomFieldDefinition | None: ...

    async def by_keys(
        self, location_id: str, keys: Sequence[str]
    ) -> dict[str, CustomFieldDefinition]: ...

    async def add(self, definition: CustomFieldDefinition) -> None: ...

    async def save(self, definition: CustomFieldDefinition) -> None: ...

    async def delete(self, definition: CustomFieldDefinition) -> None: ...


class NoteRepository(Protocol):
    async def get(self, location_id: str, note_id: str) -> Note | None: ...

    async def add(self, note: Note) -> None: ...

    async def save(self, note: Note) -> None: ...

    async def delete(self, note: Note) -> None: ...


class CalendarRepository(Protocol):
    async def get(self, location_id: str, calendar_id: str) -> Calendar | None: ...

    async def count(self, location_id: str) -> int: ...

    async def add(self, calendar: Calendar) -> None: ...

    async def save(self, calendar: Calendar) -> None: ...

    async def delete(self, calendar: Calendar) -> None:
        """Raises DomainError(IN_USE) if an appointment refers to it."""


class AppointmentRepository(Protocol):
    async def get(self, location_id: str, appointment_id: str) -> Appointment | None: ...

    async def lock_team_members(self, location_id: str, team_member_ids: Sequence[str]) -> None:
        """Hold these members' booking locks until the transaction ends (a write, so on
        SQLite it also takes the database's write lock); call with ids sorted."""

    async def busy(
        self,
        location_id: str,
        team_member_ids: Sequence[str],
        start: datetime,
        end: datetime,
        exclude_id: str | None = None,
    ) -> list[Busy]:
        """The members' non-cancelled appointments overlapping ``[start, end)``, any calendar."""

    async def count_on_calendar(self, location_id: str, calendar_id: str) -> int: ...

    async def add(self, appointment: Appointment) -> None: ...

    async def save(self, appointment: Appointment) -> None:
        """Raises ConcurrencyConflict if it changed since it was read."""


class UnitOfWork(Protocol):
    """One transaction: everything in it commits together or not at all.

    Events recorded with :meth:`record` are stored in the same transaction and handed to
    subscribers only after a successful commit.
    """

    @property
    def contacts(self) -> ContactRepository: ...

    @property
    def custom_fields(self) -> CustomFieldRepository: ...

    @property
    def notes(self) -> NoteRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def record(self, event: ContactEvent) -> None: ...

    async def commit(self) -> None: ...

    @property
    def calendars(self) -> CalendarRepository: ...

    @property
    def appointments(self) -> AppointmentRepository: ...
