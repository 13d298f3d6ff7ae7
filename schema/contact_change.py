"""`contactChange`: one atomic change across a contact's tabs (domain/contact_change.py).

Each member takes the input its own mutation takes, without the contact: a client that
knows `contactNoteAdd` knows `notesAdd`.
"""

from __future__ import annotations

from typing import Any, Self

import strawberry

from domain import commands as cmd
from domain import contact_change as cc
from domain.contact import KEEP
from resolvers import contact_change as r
from resolvers.common import Info, Outcome
from schema.common import InputArg, UserError
from schema.contact import Contact
from schema.contact_inputs import (
    ContactDndInput,
    ContactEmailInput,
    ContactEmailPatchInput,
    ContactFieldsInput,
    ContactPhoneInput,
    ContactPhonePatchInput,
)
from schema.custom_fields import CustomFieldValueByKeyInput
from schema.notes import ContactNote, ContactNoteInput
from schema.tasks import ContactTask, ContactTaskInput, ContactTaskUpdateInput

UNSET: Any = strawberry.UNSET


def _ids(values: list[strawberry.ID]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def _items(description: str) -> Any:
    return strawberry.field(default_factory=list, description=description)


@strawberry.input(
    description="Several edits of one contact's tabs, applied in one transaction: all of "
    "them, or none. Every member is optional and takes what its own mutation takes, without "
    "the contact; the parts run in the order of the members below (removals before "
    "additions; owner and followers last), each with its mutation's rules and events. Every "
    "user error of every part is returned at once, its `field` prefixed by the member and "
    "the item's index (['input', 'tasksAdd', '1', 'title']), and then nothing is written. "
    f"At most {cc.MAX_PARTS} items in all (LIMIT_EXCEEDED)."
)
class ContactChangeInput:
    contact_id: strawberry.ID = strawberry.field(
        description="The contact; NOT_FOUND for one the viewer may not see."
    )
    expected_version: int | None = strawberry.field(
        default=None,
        description="The `Contact.version` the client read: if the contact is at another "
        "version, the change is refused with VERSION_CONFLICT and nothing is written. "
        "Omitted: no check.",
    )
    update: ContactFieldsInput | None = strawberry.field(
        default=None, description="The contact's own fields, as contactUpdate takes them."
    )
    phones_remove: list[strawberry.ID] = _items("Phone numbers to delete (contactPhoneRemove).")
    phones_update: list[ContactPhonePatchInput] = _items(
        "Phone numbers to change (contactPhoneUpdate)."
    )
    phones_add: list[ContactPhoneInput] = _items("Phone numbers to add (contactPhoneAdd).")
    emails_remove: list[strawberry.ID] = _items("Email addresses to delete (contactEmailRemove).")
    emails_update: list[ContactEmailPatchInput] = _items(
        "Email addresses to change (contactEmailUpdate)."
    )
    emails_add: list[ContactEmailInput] = _items("Email addresses to add (contactEmailAdd).")
    tags_remove: list[str] = _items("Tags to remove (contactTagsRemove).")
    tags_add: list[str] = _items("Tags to add (contactTagsAdd).")
    dnd: list[ContactDndInput] = _items("Do-Not-Disturb channels to change (contactDndSet).")
    custom_fields: list[CustomFieldValueByKeyInput] = _items(
        "Custom field values to set or clear (contactCustomFieldValuesSet)."
    )
    notes_add: list[ContactNoteInput] = _items("Notes to add (contactNoteAdd).")
    tasks_add: list[ContactTaskInput] = _items("Tasks to add (contactTaskAdd).")
    tasks_update: list[ContactTaskUpdateInput] = _items(
        "Tasks of this contact to edit (contactTaskUpdate); another contact's is NOT_FOUND."
    )
    tasks_complete: list[strawberry.ID] = _items(
        "Tasks of this contact to complete (contactTaskComplete); another contact's is NOT_FOUND."
    )
    followers_remove: list[strawberry.ID] = _items("Followers to remove (contactFollowersRemove).")
    followers_add: list[strawberry.ID] = _items("Followers to add (contactFollowersAdd).")
    owner_id: strawberry.ID | None = strawberry.field(
        default=UNSET,
        description="The new owner (contactOwnerSet); null leaves it unowned, omitted keeps it.",
    )

    def to_domain(self) -> cc.ContactChange:
        return cc.ContactChange(
            contact_id=str(self.contact_id),
            expected_version=self.expected_version,
            profile=self.update.profile_patch() if self.update else {},
            phones_remove=_ids(self.phones_remove),
            phones_update=tuple(p.to_domain() for p in self.phones_update),
            phones_add=tuple(p.to_domain() for p in self.phones_add),
            emails_remove=_ids(self.emails_remove),
            emails_update=tuple(e.to_domain() for e in self.emails_update),
            emails_add=tuple(e.to_domain() for e in self.emails_add),
            tags_remove=tuple(self.tags_remove),
            tags_add=tuple(self.tags_add),
            dnd={s.channel: s.enabled for s in self.dnd},
            custom_values=tuple(
                cmd.CustomValueByKey(v.key, v.value.to_domain() if v.value else None)
                for v in self.custom_fields
            ),
            notes_add=tuple(n.body for n in self.notes_add),
            tasks_add=tuple(
                cc.NewTask(
                    t.title,
                    t.description,
                    t.due_at,
                    None if t.assignee_id is None else str(t.assignee_id),
                )
                for t in self.tasks_add
            ),
            tasks_update=tuple(
                cc.TaskEdit(str(t.task_id), t.to_domain()) for t in self.tasks_update
            ),
            tasks_complete=_ids(self.tasks_complete),
            followers_remove=_ids(self.followers_remove),
            followers_add=_ids(self.followers_add),
            owner_id=KEEP
            if self.owner_id is UNSET
            else (None if self.owner_id is None else str(self.owner_id)),
        )


@strawberry.type(description="Result of contactChange.")
class ContactChangePayload:
    contact: Contact | None = strawberry.field(
        description="The contact after the whole change (with its new `version`); null "
        "when the input was refused."
    )
    notes_added: list[ContactNote] = strawberry.field(
        description="The notes `notesAdd` made, in input order; empty on error."
    )
    tasks_added: list[ContactTask] = strawberry.field(
        description="The tasks `tasksAdd` made, in input order; empty on error."
    )
    tasks_updated: list[ContactTask] = strawberry.field(
        description="The tasks `tasksUpdate` named, as they are after it; empty on error."
    )
    tasks_completed: list[ContactTask] = strawberry.field(
        description="The tasks `tasksComplete` named, as they are after it; empty on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Every reason any part was refused; empty on success. A payload with "
        "errors changed nothing."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[cc.ContactChangeResult]) -> Self:
        errors = UserError.all_of(outcome.errors)
        done = outcome.value
        if done is None:
            return cls(
                contact=None,
                notes_added=[],
                tasks_added=[],
                tasks_updated=[],
                tasks_completed=[],
                user_errors=errors,
            )
        return cls(
            contact=Contact.from_domain(done.contact),
            notes_added=[ContactNote.from_domain(n) for n in done.notes_added],
            tasks_added=[ContactTask.from_domain(t) for t in done.tasks_added],
            tasks_updated=[ContactTask.from_domain(t) for t in done.tasks_updated],
            tasks_completed=[ContactTask.from_domain(t) for t in done.tasks_completed],
            user_errors=errors,
        )


@strawberry.type
class ContactChangeMutation:
    @strawberry.mutation(
        description="Apply edits to several tabs of one contact (fields, phones, emails, "
        "tags, DND, custom fields, notes, tasks, followers, owner) in one transaction: all or "
        "nothing, with every part's user errors at once, and an optional optimistic check "
        "(`expectedVersion`). Records the events the separate mutations would, published "
        "once it has committed. A change whose every part already holds writes nothing."
    )
    async def contact_change(
        self, info: Info, input: InputArg[ContactChangeInput]
    ) -> ContactChangePayload:
        return ContactChangePayload.from_outcome(await r.change(info, input.to_domain()))
