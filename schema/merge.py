"""contactMerge: its input, payload, timeline item, and the mutation root field."""

from __future__ import annotations

from typing import Any, Self

import strawberry

from domain.events import ContactEvent, EventKind
from domain.merge import MERGE_FIELD, DroppedLabel, MergeResult
from resolvers import merge as r
from resolvers.common import Info, Outcome
from schema.activity import ContactActivity, register_activity
from schema.audit import ContactFieldChange
from schema.common import InputArg, UserError
from schema.contact import Contact
from schema.contact_payloads import ContactMutationPayload


@strawberry.input(description="Merge one contact (the duplicate) into another (the survivor).")
class ContactMergeInput:
    survivor_id: strawberry.ID = strawberry.field(
        description="The contact that stays and takes in the duplicate's data and items."
    )
    duplicate_id: strawberry.ID = strawberry.field(
        description="The contact merged away: archived as merged; its id then reads as the "
        "survivor. Not the survivor itself, not archived, not merged into another already."
    )


@strawberry.type(
    description="A phone or email that moved to the survivor without its label, because the "
    "survivor uses that label already (each label is on one number or address per contact)."
)
class ContactMergeDroppedLabel:
    kind: str = strawberry.field(description="`phone` or `email`.")
    value: str = strawberry.field(description="The number or address that moved.")
    label: str = strawberry.field(description="The label it had on the duplicate.")

    @classmethod
    def from_domain(cls, d: DroppedLabel) -> ContactMergeDroppedLabel:
        return cls(kind=d.kind, value=d.value, label=d.label)


@strawberry.type(description="Result of contactMerge.")
class ContactMergePayload(ContactMutationPayload):
    duplicate_id: strawberry.ID | None = strawberry.field(
        description="The contact merged away; null when the input was refused."
    )
    dropped_labels: list[ContactMergeDroppedLabel] = strawberry.field(
        description="What moved without its label; empty when nothing did (and on a repeat)."
    )

    @classmethod
    def from_merge(cls, outcome: Outcome[MergeResult]) -> Self:
        result = outcome.value
        if result is None:
            return cls(
                contact=None,
                user_errors=UserError.all_of(outcome.errors),
                duplicate_id=None,
                dropped_labels=[],
            )
        return cls(
            contact=Contact.from_domain(result.survivor),
            user_errors=[],
            duplicate_id=strawberry.ID(result.duplicate_id),
            dropped_labels=[ContactMergeDroppedLabel.from_domain(d) for d in result.dropped_labels],
        )


@strawberry.type(
    description="A duplicate was merged into a contact (CONTACT_MERGED), on both timelines: "
    "on the survivor with every field it took in, on the duplicate with its archiving."
)
class ContactMergedActivity(ContactActivity):
    survivor_id: strawberry.ID | None = strawberry.field(
        description="The contact that stayed; null if the viewer may not see it."
    )
    duplicate_id: strawberry.ID | None = strawberry.field(
        description="The contact merged away; null if the viewer may not see it (a merged "
        "contact's id reads as its survivor)."
    )
    changes: list[ContactFieldChange] = strawberry.field(
        description="What changed on this contact: the `merge` itself first, then the fields "
        "it took in (phones, emails, tags, followers, dnd.*, customFields.*, empty fields "
        "filled, attribution) or, on the duplicate, archivedAt."
    )


def _id(summary: Any, key: str) -> strawberry.ID | None:
    value = summary.get(key) if isinstance(summary, dict) else None
    return strawberry.ID(value) if isinstance(value, str) else None


def _merged_activity(e: ContactEvent, base: dict[str, Any]) -> ContactMergedActivity:
    merge = next((c.after for c in e.changes if c.field == MERGE_FIELD), None)
    return ContactMergedActivity(
        **base,
        survivor_id=_id(merge, "survivorId"),
        duplicate_id=_id(merge, "duplicateId"),
        changes=ContactFieldChange.all_of(e),
    )


register_activity([EventKind.CONTACT_MERGED], ContactMergedActivity, _merged_activity)


@strawberry.type(description="Merging duplicate contacts.")
class MergeMutation:
    @strawberry.mutation(
        description="Merge a duplicate into a survivor in one transaction: its phones, "
        "emails, tags, followers, DND, custom field values and every tab's items move; "
        "identical values collapse; the survivor's non-empty fields and values win; caps "
        "(11 phones, 11 emails, 10 followers, 100 tags) hold or the merge is refused "
        "(LIMIT_EXCEEDED) with nothing changed. The duplicate is archived as merged and its "
        "id reads as the survivor from then on. Merging it again into the same survivor "
        "returns the survivor and changes nothing. A restricted user merges only contacts "
        "they may see, both of them."
    )
    async def contact_merge(
        self, info: Info, input: InputArg[ContactMergeInput]
    ) -> ContactMergePayload:
        outcome = await r.merge(info, str(input.survivor_id), str(input.duplicate_id))
        return ContactMergePayload.from_merge(outcome)
