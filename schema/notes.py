"""Notes tab: `Contact.notes`, and add / edit / delete."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self, cast

import strawberry

from domain import notes as n
from domain.events import ContactEvent, EventKind
from resolvers import notes as r
from resolvers.common import Info, Outcome
from schema.activity import ActivityAction, ContactActivity, register_activity
from schema.common import (
    AfterArg,
    Connection,
    FirstArg,
    InputArg,
    SortDirection,
    UserError,
    tab_request,
)
from schema.enums import graphql_enum
from schema.user import User

graphql_enum(
    n.NoteSortField,
    "What a contact's notes sort by.",
    {
        n.NoteSortField.CREATED_AT: "When the note was added.",
        n.NoteSortField.UPDATED_AT: "When the note was last edited.",
    },
    name="ContactNoteSortField",
)


@strawberry.type(description="A note on a contact: its text, author and both timestamps.")
class ContactNote:
    id: strawberry.ID = strawberry.field(description="The note's id.")
    contact_id: strawberry.ID = strawberry.field(description="The contact it is about.")
    body: str = strawberry.field(description="The text.")
    author: User | None = strawberry.field(description="Who wrote it.")
    created_at: datetime = strawberry.field(description="When it was written.")
    updated_at: datetime = strawberry.field(description="When it was last edited.")

    @classmethod
    def from_domain(cls, note: n.Note) -> ContactNote:
        return cls(
            id=strawberry.ID(note.id),
            contact_id=strawberry.ID(note.contact_id),
            body=note.body,
            author=User(id=strawberry.ID(note.author_id)) if note.author_id else None,
            created_at=note.created_at,
            updated_at=note.updated_at,
        )


@strawberry.type(description="A note was added, edited or deleted.")
class ContactNoteActivity(ContactActivity):
    action: ActivityAction = strawberry.field(description="What happened to it.")
    note_id: strawberry.ID = strawberry.field(description="The note.")
    body: str = strawberry.field(
        description="Its text after the change (before it, for a deletion)."
    )


_NOTE_ACTIONS = {
    EventKind.NOTE_ADDED: ActivityAction.ADDED,
    EventKind.NOTE_EDITED: ActivityAction.UPDATED,
    EventKind.NOTE_DELETED: ActivityAction.DELETED,
}


def _note_activity(e: ContactEvent, base: dict[str, Any]) -> ContactNoteActivity:
    """Note events carry {id, body} before and/or after (domain/notes.py)."""
    change = e.changes[0]
    summary = change.after or change.before
    return ContactNoteActivity(
        **base,
        action=_NOTE_ACTIONS[e.kind],
        note_id=strawberry.ID(summary["id"]),
        body=summary["body"],
    )


register_activity(_NOTE_ACTIONS, ContactNoteActivity, _note_activity)


@strawberry.type(description="A page of a contact's notes.")
class ContactNoteConnection(Connection[ContactNote]):
    pass


@strawberry.input(description="Which notes to list. Every member given must hold.")
class ContactNoteFilter:
    search: str | None = strawberry.field(
        default=None,
        description="Only notes whose text contains this (case-insensitive; % and _ match "
        "themselves); blank matches every note.",
    )

    def to_domain(self) -> n.NoteFilter:
        return n.NoteFilter(search=self.search)


@strawberry.input(description="How to sort notes; default newest first by creation.")
class ContactNoteOrderBy:
    field: n.NoteSortField = strawberry.field(
        default=n.NoteSortField.CREATED_AT, description="Created or last edited."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Which way."
    )


notes_request = tab_request(ContactNoteOrderBy, ContactNoteFilter)


@strawberry.type
class ContactNotesFields:
    """`Contact.notes`; mixed into Contact (schema/contact.py)."""

    id: strawberry.ID

    @strawberry.field(description="The contact's notes, as a cursor connection.")
    async def notes(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactNoteFilter | None,
            strawberry.argument(description="Which notes; all of them if omitted."),
        ] = None,
        order_by: Annotated[
            ContactNoteOrderBy | None,
            strawberry.argument(description="Sort; default newest first."),
        ] = None,
    ) -> ContactNoteConnection:
        request = notes_request(first, after, filter, order_by)
        notes, cursors, has_next = await r.page(info, str(self.id), request)
        contact_id = str(self.id)

        async def count() -> int:
            return await r.count(info, contact_id, cast(n.NoteFilter, request.filter))

        conn = ContactNoteConnection.build(
            [ContactNote.from_domain(x) for x in notes], cursors, has_next, after, count
        )
        return conn  # type: ignore[return-value]


@strawberry.input(description="A new note (contactChange's `notesAdd` items).")
class ContactNoteInput:
    body: str = strawberry.field(description="The text; not empty.")


@strawberry.input(description="Add a note to a contact.")
class ContactNoteAddInput(ContactNoteInput):
    contact_id: strawberry.ID = strawberry.field(description="The contact.")


@strawberry.input(description="Change a note's text.")
class ContactNoteUpdateInput:
    note_id: strawberry.ID = strawberry.field(description="The note.")
    body: str = strawberry.field(description="The new text; not empty.")


@strawberry.input(description="Delete a note.")
class ContactNoteDeleteInput:
    note_id: strawberry.ID = strawberry.field(description="The note.")


@strawberry.interface(description="What every note mutation returns.")
class ContactNoteMutationPayload:
    note: ContactNote | None = strawberry.field(
        description="The note after the change (as it was, for a delete); null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[n.Note]) -> Self:
        return cls(
            note=ContactNote.from_domain(outcome.value) if outcome.value else None,
            user_errors=UserError.all_of(outcome.errors),
        )


@strawberry.type(description="Result of contactNoteAdd.")
class ContactNoteAddPayload(ContactNoteMutationPayload):
    pass


@strawberry.type(description="Result of contactNoteUpdate.")
class ContactNoteUpdatePayload(ContactNoteMutationPayload):
    pass


@strawberry.type(description="Result of contactNoteDelete.")
class ContactNoteDeletePayload(ContactNoteMutationPayload):
    pass


@strawberry.type
class NotesMutation:
    @strawberry.mutation(
        description="Add a note to a contact; every call adds one (the same text twice makes "
        "two notes)."
    )
    async def contact_note_add(
        self, info: Info, input: InputArg[ContactNoteAddInput]
    ) -> ContactNoteAddPayload:
        return ContactNoteAddPayload.from_outcome(
            await r.add(info, str(input.contact_id), input.body)
        )

    @strawberry.mutation(description="Edit a note's text; its creation time stays.")
    async def contact_note_update(
        self, info: Info, input: InputArg[ContactNoteUpdateInput]
    ) -> ContactNoteUpdatePayload:
        return ContactNoteUpdatePayload.from_outcome(
            await r.edit(info, str(input.note_id), input.body)
        )

    @strawberry.mutation(
        description="Delete a note; NOT_FOUND once it is gone (a retried delete: done)."
    )
    async def contact_note_delete(
        self, info: Info, input: InputArg[ContactNoteDeleteInput]
    ) -> ContactNoteDeletePayload:
        return ContactNoteDeletePayload.from_outcome(await r.delete(info, str(input.note_id)))
