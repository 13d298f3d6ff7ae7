"""Notes tab (help page: "Each note includes a timestamp and can be edited later"; search;
sort). A note belongs to one contact and keeps its author and both timestamps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.errors import DomainError, ErrorCode
from domain.events import ContactEvent, EventKind, FieldChange, contact_event
from domain.ports import UnitOfWork, new_id
from domain.services import Services, visible_contact_id, visible_item
from domain.viewer import Viewer

MAX_NOTE_LENGTH = 50_000
"""Not on the help page; a guard against unbounded rows."""


class NoteSortField(StrEnum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


@dataclass(frozen=True)
class NoteFilter:
    """``search``: case-insensitive text the body contains."""

    search: str | None = None


@dataclass
class Note:
    location_id: str
    contact_id: str
    body: str
    author_id: str | None
    created_at: datetime
    updated_at: datetime
    id: str = field(default_factory=new_id)

    @staticmethod
    def check_body(body: str) -> str:
        text = body.strip()
        if not text:
            raise DomainError.single(ErrorCode.REQUIRED, "a note cannot be empty", "body")
        if len(text) > MAX_NOTE_LENGTH:
            raise DomainError.single(
                ErrorCode.TOO_LONG, f"a note has at most {MAX_NOTE_LENGTH} characters", "body"
            )
        return text

    def edit(self, body: str, now: datetime) -> list[FieldChange]:
        text = self.check_body(body)
        if text == self.body:
            return []
        before = self.summary()
        self.body, self.updated_at = text, now
        return [FieldChange("notes", before, self.summary())]

    def summary(self) -> dict[str, str]:
        return {"id": self.id, "body": self.body}


def _event(
    kind: EventKind, note: Note, viewer: Viewer, at: datetime, changes: list[FieldChange]
) -> ContactEvent:
    return contact_event(kind, note.contact_id, viewer, at, changes)


def _missing() -> DomainError:
    return DomainError.single(ErrorCode.NOT_FOUND, "no note with this id", "noteId")


async def add_note(svc: Services, viewer: Viewer, contact_id: str, body: str) -> Note:
    async with svc.uow() as uow:
        await visible_contact_id(uow, viewer, contact_id)
        now = svc.clock.now()
        note = Note(
            location_id=viewer.location_id,
            contact_id=contact_id,
            body=Note.check_body(body),
            author_id=viewer.user_id,
            created_at=now,
            updated_at=now,
        )
        await uow.notes.add(note)
        uow.record(
            _event(
                EventKind.NOTE_ADDED,
                note,
                viewer,
                now,
                [FieldChange("notes", None, note.summary())],
            )
        )
        await uow.commit()
        return note


async def _visible_note(viewer: Viewer, uow: UnitOfWork, note_id: str) -> Note:
    """A note of a contact the viewer may see; any other id is simply "not found"."""
    item = await uow.notes.get(viewer.location_id, note_id)
    return await visible_item(uow, viewer, item, _missing)


async def edit_note(svc: Services, viewer: Viewer, note_id: str, body: str) -> Note:
    async with svc.uow() as uow:
        note = await _visible_note(viewer, uow, note_id)
        now = svc.clock.now()
        changes = note.edit(body, now)
        if changes:
            if not await uow.notes.save(note):
                raise _missing()  # deleted meanwhile: nothing to edit, no event
            uow.record(_event(EventKind.NOTE_EDITED, note, viewer, now, changes))
            await uow.commit()
        return note


async def delete_note(svc: Services, viewer: Viewer, note_id: str) -> Note:
    async with svc.uow() as uow:
        note = await _visible_note(viewer, uow, note_id)
        if not await uow.notes.delete(note):
            raise _missing()  # a concurrent delete won: record one deletion, not two
        uow.record(
            _event(
                EventKind.NOTE_DELETED,
                note,
                viewer,
                svc.clock.now(),
                [FieldChange("notes", note.summary(), None)],
            )
        )
        await uow.commit()
        return note
