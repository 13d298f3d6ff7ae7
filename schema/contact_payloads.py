"""Payloads of the contact mutations: the changed contact, or the errors that stopped it."""

from __future__ import annotations

from typing import Any, Self

import strawberry

from domain import contact as d
from resolvers.common import Outcome
from schema.common import UserError
from schema.contact import Contact


@strawberry.interface(description="What every contact mutation returns.")
class ContactMutationPayload:
    contact: Contact | None = strawberry.field(
        description="The contact as it is after the change; null when the input was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success. A payload with errors "
        "changed nothing."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[Any], **extra: Any) -> Self:
        value = outcome.value[0] if isinstance(outcome.value, tuple) else outcome.value
        return cls(
            contact=Contact.from_domain(value) if isinstance(value, d.Contact) else None,
            user_errors=UserError.all_of(outcome.errors),
            **extra,
        )


@strawberry.type(description="Result of contactCreate.")
class ContactCreatePayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactUpdate.")
class ContactUpdatePayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactArchive.")
class ContactArchivePayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactRestore.")
class ContactRestorePayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactPhoneAdd.")
class ContactPhoneAddPayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactPhoneUpdate.")
class ContactPhoneUpdatePayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactPhoneSetPrimary.")
class ContactPhoneSetPrimaryPayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactPhoneRemove.")
class ContactPhoneRemovePayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactEmailAdd.")
class ContactEmailAddPayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactEmailUpdate.")
class ContactEmailUpdatePayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactEmailSetPrimary.")
class ContactEmailSetPrimaryPayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactEmailRemove.")
class ContactEmailRemovePayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactTagsAdd.")
class ContactTagsAddPayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactTagsRemove.")
class ContactTagsRemovePayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactOwnerSet.")
class ContactOwnerSetPayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactFollowersAdd.")
class ContactFollowersAddPayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactFollowersRemove.")
class ContactFollowersRemovePayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactDndSet.")
class ContactDndSetPayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactCustomFieldValuesSet.")
class ContactCustomFieldValuesSetPayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactUpsert.")
class ContactUpsertPayload(ContactMutationPayload):
    created: bool = strawberry.field(
        description="True when no contact matched and a new one was created."
    )


@strawberry.type(description="Result of contactPictureUpload.")
class ContactPictureUploadPayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactPictureSetFromDocument.")
class ContactPictureSetFromDocumentPayload(ContactMutationPayload):
    pass


@strawberry.type(description="Result of contactPictureRemove.")
class ContactPictureRemovePayload(ContactMutationPayload):
    pass
