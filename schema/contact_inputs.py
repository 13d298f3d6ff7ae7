"""Inputs of the contact core's mutations; each knows how to become a domain command."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry.file_uploads import Upload

from domain import commands as cmd
from domain import contact as d
from domain.contact import KEEP
from schema.custom_fields import CustomFieldValueByKeyInput
from schema.enums import ContactType, DndChannel, EmailLabel, PhoneLabel

UNSET: Any = strawberry.UNSET


def _given(**members: Any) -> dict[str, Any]:
    """Only the members the client sent (omitted = unchanged, null = cleared)."""
    return {k: v for k, v in members.items() if v is not strawberry.UNSET}


@strawberry.input(description="Postal address; omitted members keep their value, null clears.")
class ContactAddressInput:
    line1: str | None = strawberry.field(default=UNSET, description="Street and number.")
    line2: str | None = strawberry.field(default=UNSET, description="Apartment, suite, floor.")
    city: str | None = strawberry.field(default=UNSET, description="City.")
    state: str | None = strawberry.field(default=UNSET, description="State or region.")
    postal_code: str | None = strawberry.field(default=UNSET, description="Postal code.")
    country: str | None = strawberry.field(
        default=UNSET, description="ISO 3166-1 alpha-2 code, e.g. US."
    )

    def to_domain(self) -> dict[str, Any]:
        return _given(
            line1=self.line1,
            line2=self.line2,
            city=self.city,
            state=self.state,
            postal_code=self.postal_code,
            country=self.country,
        )


@strawberry.input(
    description="The contact's own fields (Contact Info and General Info). "
    "Omitted fields are left as they are; null clears a field."
)
class ContactFieldsInput:
    first_name: str | None = strawberry.field(default=UNSET, description="First name.")
    last_name: str | None = strawberry.field(default=UNSET, description="Last name.")
    type: ContactType | None = strawberry.field(default=UNSET, description="Lead or customer.")
    source: str | None = strawberry.field(default=UNSET, description="Where it came from.")
    time_zone: str | None = strawberry.field(default=UNSET, description="IANA time zone.")
    date_of_birth: date | None = strawberry.field(default=UNSET, description="Not in the future.")
    business_name: str | None = strawberry.field(default=UNSET, description="Business name.")
    address: ContactAddressInput | None = strawberry.field(
        default=UNSET, description="Postal address."
    )
    website: str | None = strawberry.field(default=UNSET, description="Web address.")

    def profile_patch(self) -> dict[str, Any]:
        patch = _given(
            first_name=self.first_name,
            last_name=self.last_name,
            contact_type=self.type,
            source=self.source,
            time_zone=self.time_zone,
            date_of_birth=self.date_of_birth,
            business_name=self.business_name,
            website=self.website,
        )
        if self.address is not UNSET:
            patch["address"] = self.address.to_domain() if self.address else d.Address()
        return patch


@strawberry.input(description="A phone number to add.")
class ContactPhoneInput:
    number: str = strawberry.field(
        description="Any common format; without +country it is "
        "read in the configured default region."
    )
    label: PhoneLabel | None = strawberry.field(default=None, description="Optional label.")
    primary: bool = strawberry.field(
        default=False, description="Make it the primary number (the first number always is)."
    )

    def to_domain(self) -> cmd.NewPhone:
        return cmd.NewPhone(self.number, self.label, self.primary)


@strawberry.input(description="An email address to add.")
class ContactEmailInput:
    address: str = strawberry.field(description="The address.")
    label: EmailLabel | None = strawberry.field(default=None, description="Optional label.")
    primary: bool = strawberry.field(
        default=False, description="Make it the primary address (the first always is)."
    )

    def to_domain(self) -> cmd.NewEmail:
        return cmd.NewEmail(self.address, self.label, self.primary)


@strawberry.input(description="Do-Not-Disturb on one channel.")
class ContactDndInput:
    channel: DndChannel = strawberry.field(description="The channel; ALL means every channel.")
    enabled: bool = strawberry.field(description="Block (true) or allow (false) it.")


@strawberry.input(
    description="A new contact. Every rule of the record applies: at most 11 "
    "phones and 11 emails, one label per number, 10 followers."
)
class ContactCreateInput(ContactFieldsInput):
    phones: list[ContactPhoneInput] = strawberry.field(
        default_factory=list, description="Phone numbers."
    )
    emails: list[ContactEmailInput] = strawberry.field(
        default_factory=list, description="Email addresses."
    )
    tags: list[str] = strawberry.field(default_factory=list, description="Tags.")
    owner_id: strawberry.ID | None = strawberry.field(
        default=UNSET,
        description="Owner (a team member's id). A restricted creator who "
        "names none becomes the owner.",
    )
    follower_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Up to 10 followers."
    )
    dnd: list[ContactDndInput] = strawberry.field(
        default_factory=list, description="Do-Not-Disturb settings."
    )
    custom_fields: list[CustomFieldValueByKeyInput] = strawberry.field(
        default_factory=list, description="Custom field values by key."
    )
    social_picture_url: str | None = strawberry.field(
        default=None,
        description="The contact's profile picture on the social platform it came from (an "
        "https URL of at most 2,048 characters). Used only when the contact's source is a "
        "social integration's (Facebook Lead Ads, Facebook Messenger, Instagram DM, WhatsApp) "
        "and it has no uploaded picture: fetched in the background once the contact is saved. "
        "A private profile, a timeout or anything that is not an image leaves it without a "
        "picture; the mutation never waits for it nor fails because of it.",
    )

    def to_draft(self) -> cmd.ContactDraft:
        return cmd.ContactDraft(
            profile=self.profile_patch(),
            phones=tuple(p.to_domain() for p in self.phones),
            emails=tuple(e.to_domain() for e in self.emails),
            tags=tuple(self.tags),
            owner_id=KEEP if self.owner_id is UNSET else self.owner_id,
            follower_ids=tuple(str(f) for f in self.follower_ids),
            dnd={s.channel: s.enabled for s in self.dnd},
            custom_values=tuple(
                cmd.CustomValueByKey(v.key, v.value.to_domain() if v.value else None)
                for v in self.custom_fields
            ),
            social_picture_url=self.social_picture_url,
        )


@strawberry.input(
    description="Find a contact by any of the given emails, then phones, and "
    "update it; create it when none matches."
)
class ContactUpsertInput(ContactCreateInput):
    pass


@strawberry.input(description="Change a contact's own fields; omitted fields stay as they are.")
class ContactUpdateInput(ContactFieldsInput):
    contact_id: strawberry.ID = strawberry.field(description="The contact.")


@strawberry.input(description="Names one contact.")
class ContactIdInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")


@strawberry.input(description="Add a phone number to a contact.")
class ContactPhoneAddInput(ContactPhoneInput):
    contact_id: strawberry.ID = strawberry.field(description="The contact.")


@strawberry.input(
    description="A change to a phone number of the contact (contactChange's `phonesUpdate` items)."
)
class ContactPhonePatchInput:
    phone_id: strawberry.ID = strawberry.field(description="The number to change.")
    number: str | None = strawberry.field(default=None, description="New number.")
    label: PhoneLabel | None = strawberry.field(
        default=UNSET,
        description="New label; null removes it.",
    )

    def to_domain(self) -> cmd.PointUpdate:
        return cmd.PointUpdate(
            str(self.phone_id), self.number, KEEP if self.label is UNSET else self.label
        )


@strawberry.input(description="Change a phone number's digits and/or label.")
class ContactPhoneUpdateInput(ContactPhonePatchInput):
    contact_id: strawberry.ID = strawberry.field(description="The contact.")


@strawberry.input(description="Names one phone number of a contact.")
class ContactPhoneIdInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    phone_id: strawberry.ID = strawberry.field(description="The number.")


@strawberry.input(description="Add an email address to a contact.")
class ContactEmailAddInput(ContactEmailInput):
    contact_id: strawberry.ID = strawberry.field(description="The contact.")


@strawberry.input(
    description="A change to an email address of the contact (contactChange's `emailsUpdate` "
    "items)."
)
class ContactEmailPatchInput:
    email_id: strawberry.ID = strawberry.field(description="The address to change.")
    address: str | None = strawberry.field(default=None, description="New address.")
    label: EmailLabel | None = strawberry.field(
        default=UNSET,
        description="New label; null removes it.",
    )

    def to_domain(self) -> cmd.PointUpdate:
        return cmd.PointUpdate(
            str(self.email_id), self.address, KEEP if self.label is UNSET else self.label
        )


@strawberry.input(description="Change an email address and/or its label.")
class ContactEmailUpdateInput(ContactEmailPatchInput):
    contact_id: strawberry.ID = strawberry.field(description="The contact.")


@strawberry.input(description="Names one email address of a contact.")
class ContactEmailIdInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    email_id: strawberry.ID = strawberry.field(description="The address.")


@strawberry.input(description="Tags to add to or remove from a contact; other tags stay.")
class ContactTagsInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    tags: list[str] = strawberry.field(description="Tags (trimmed, lower-cased).")


@strawberry.input(description="Set or clear a contact's owner.")
class ContactOwnerSetInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    owner_id: strawberry.ID | None = strawberry.field(
        description="A team member's id; null leaves it unowned."
    )


@strawberry.input(description="Followers to add to or remove from a contact.")
class ContactFollowersInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    user_ids: list[strawberry.ID] = strawberry.field(description="Team members' ids.")


@strawberry.input(description="Change Do-Not-Disturb on some channels; others stay.")
class ContactDndSetInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    settings: list[ContactDndInput] = strawberry.field(description="Channels to change.")


@strawberry.input(description="Set or clear custom field values; other fields stay.")
class ContactCustomFieldValuesSetInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    values: list[CustomFieldValueByKeyInput] = strawberry.field(description="Values by key.")

    def to_domain(self) -> list[cmd.CustomValueByKey]:
        return [
            cmd.CustomValueByKey(v.key, v.value.to_domain() if v.value else None)
            for v in self.values
        ]


@strawberry.input(description="Make an image the contact's profile picture.")
class ContactPictureUploadInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    file: Upload = strawberry.field(
        description="The image, as a file part of a multipart request (GraphQL multipart "
        "request spec): JPEG, PNG, GIF (its first frame) or WebP, judged by its bytes; by "
        "default at most 20 MiB and 50 megapixels (the server's settings)."
    )


@strawberry.input(
    description="Make one of the location's image documents (the Media Library) the contact's "
    "profile picture."
)
class ContactPictureSetFromDocumentInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    document_id: strawberry.ID = strawberry.field(
        description="A document (Contact.documents) the viewer may see, of any contact of the "
        "location, whose bytes are a JPEG, PNG, GIF or WebP image."
    )


@strawberry.input(description="Take the profile picture off a contact.")
class ContactPictureRemoveInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
