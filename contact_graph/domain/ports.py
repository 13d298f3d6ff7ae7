"""Protocols through which the outside world reaches the domain, and the id generator."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from .associations import (
        AssociationLabel,
        AssociationLink,
        AssociationObjectType,
        Company,
        CustomObjectRecord,
        Opportunity,
    )
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
    def associations(self) -> AssociationRepository: ...

    @property
    def records(self) -> RecordRepository: ...


class AssociationRepository(Protocol):
    """Links between contacts and records (each with its labels), and label definitions."""

    async def get(self, location_id: str, association_id: str) -> AssociationLink | None:
        """The link one of whose sides has this id, locked until the transaction ends."""

    async def find(
        self,
        location_id: str,
        contact_id: str,
        object_type: AssociationObjectType,
        object_id: str,
    ) -> AssociationLink | None: ...

    async def with_label(self, location_id: str, label_id: str) -> list[AssociationLink]: ...

    async def contact_ids_linked_to(
        self, location_id: str, object_type: AssociationObjectType, object_id: str
    ) -> list[str]: ...

    async def add(self, link: AssociationLink) -> None: ...

    async def save_labels(self, link: AssociationLink) -> None: ...

    async def remove(self, link: AssociationLink) -> None: ...

    async def labels(self, location_id: str) -> list[AssociationLabel]: ...

    async def labels_by_id(
        self, location_id: str, label_ids: Sequence[str]
    ) -> dict[str, AssociationLabel]: ...

    async def add_label(self, label: AssociationLabel) -> None: ...

    async def save_label(self, label: AssociationLabel) -> None: ...

    async def delete_label(self, label: AssociationLabel) -> None: ...


class RecordRepository(Protocol):
    """The records contacts link to: opportunities, companies, custom-object records."""

    async def opportunity(
        self, location_id: str, opportunity_id: str, for_update: bool = False
    ) -> Opportunity | None: ...

    async def add_opportunity(self, opportunity: Opportunity) -> None: ...

    async def save_opportunity(self, opportunity: Opportunity) -> None: ...

    async def company(self, location_id: str, company_id: str) -> Company | None: ...

    async def add_company(self, company: Company) -> None: ...

    async def custom_object_record(
        self, location_id: str, record_id: str
    ) -> CustomObjectRecord | None: ...

    async def add_custom_object_record(self, record: CustomObjectRecord) -> None: ...
