"""The Mutation root: one mutation per logical action, `input` in, payload out."""

from __future__ import annotations

import strawberry

from domain.commands import NewCustomField
from resolvers import contact_mutations as r
from resolvers import custom_fields as rcf
from resolvers import pictures as rp
from resolvers.common import Info
from schema import contact_inputs as i
from schema import contact_payloads as p
from schema import custom_fields as cf
from schema.common import InputArg


@strawberry.type(
    description="Change the contact record. Every mutation returns userErrors "
    "instead of changing anything when its input breaks a rule."
)
class Mutation:
    @strawberry.mutation(
        description="Create a contact. Every call creates one: a contact has no natural "
        "identity here (contactUpsert matches by email or phone instead)."
    )
    async def contact_create(
        self, info: Info, input: InputArg[i.ContactCreateInput]
    ) -> p.ContactCreatePayload:
        return p.ContactCreatePayload.from_outcome(await r.create(info, input.to_draft()))

    @strawberry.mutation(
        description="Update the contact matching an email or phone of the "
        "input (emails first), or create one."
    )
    async def contact_upsert(
        self, info: Info, input: InputArg[i.ContactUpsertInput]
    ) -> p.ContactUpsertPayload:
        outcome = await r.upsert(info, input.to_draft())
        created = bool(outcome.value and outcome.value[1])
        return p.ContactUpsertPayload.from_outcome(outcome, created=created)

    @strawberry.mutation(description="Change a contact's own fields (patch: omitted fields stay).")
    async def contact_update(
        self, info: Info, input: InputArg[i.ContactUpdateInput]
    ) -> p.ContactUpdatePayload:
        return p.ContactUpdatePayload.from_outcome(
            await r.update(info, str(input.contact_id), input.profile_patch())
        )

    @strawberry.mutation(description="Archive a contact (it leaves the default lists).")
    async def contact_archive(
        self, info: Info, input: InputArg[i.ContactIdInput]
    ) -> p.ContactArchivePayload:
        return p.ContactArchivePayload.from_outcome(await r.archive(info, str(input.contact_id)))

    @strawberry.mutation(description="Bring an archived contact back.")
    async def contact_restore(
        self, info: Info, input: InputArg[i.ContactIdInput]
    ) -> p.ContactRestorePayload:
        return p.ContactRestorePayload.from_outcome(await r.restore(info, str(input.contact_id)))

    @strawberry.mutation(
        description="Add a phone number (at most 11; each label once). A number the contact "
        "already has, in any formatting, is no change: it stays as it is, with its label and "
        "primary flag (contactPhoneUpdate and contactPhoneSetPrimary change those)."
    )
    async def contact_phone_add(
        self, info: Info, input: InputArg[i.ContactPhoneAddInput]
    ) -> p.ContactPhoneAddPayload:
        return p.ContactPhoneAddPayload.from_outcome(
            await r.add_phone(info, str(input.contact_id), input.to_domain())
        )

    @strawberry.mutation(description="Change a phone number's digits or label.")
    async def contact_phone_update(
        self, info: Info, input: InputArg[i.ContactPhoneUpdateInput]
    ) -> p.ContactPhoneUpdatePayload:
        return p.ContactPhoneUpdatePayload.from_outcome(
            await r.update_point(info, str(input.contact_id), "phone", input.to_domain())
        )

    @strawberry.mutation(description="Make a phone number the primary one.")
    async def contact_phone_set_primary(
        self, info: Info, input: InputArg[i.ContactPhoneIdInput]
    ) -> p.ContactPhoneSetPrimaryPayload:
        return p.ContactPhoneSetPrimaryPayload.from_outcome(
            await r.set_primary(info, str(input.contact_id), "phone", str(input.phone_id))
        )

    @strawberry.mutation(
        description="Delete a phone number; the primary cannot be deleted "
        "while other numbers exist."
    )
    async def contact_phone_remove(
        self, info: Info, input: InputArg[i.ContactPhoneIdInput]
    ) -> p.ContactPhoneRemovePayload:
        return p.ContactPhoneRemovePayload.from_outcome(
            await r.remove_point(info, str(input.contact_id), "phone", str(input.phone_id))
        )

    @strawberry.mutation(
        description="Add an email address (at most 11; each label once). An address the "
        "contact already has, in any case, is no change: it stays as it is, with its label "
        "and primary flag (contactEmailUpdate changes its label, contactEmailSetPrimary "
        "makes it primary)."
    )
    async def contact_email_add(
        self, info: Info, input: InputArg[i.ContactEmailAddInput]
    ) -> p.ContactEmailAddPayload:
        return p.ContactEmailAddPayload.from_outcome(
            await r.add_email(info, str(input.contact_id), input.to_domain())
        )

    @strawberry.mutation(description="Change an email address or its label.")
    async def contact_email_update(
        self, info: Info, input: InputArg[i.ContactEmailUpdateInput]
    ) -> p.ContactEmailUpdatePayload:
        return p.ContactEmailUpdatePayload.from_outcome(
            await r.update_point(info, str(input.contact_id), "email", input.to_domain())
        )

    @strawberry.mutation(description="Make an email address the primary one.")
    async def contact_email_set_primary(
        self, info: Info, input: InputArg[i.ContactEmailIdInput]
    ) -> p.ContactEmailSetPrimaryPayload:
        return p.ContactEmailSetPrimaryPayload.from_outcome(
            await r.set_primary(info, str(input.contact_id), "email", str(input.email_id))
        )

    @strawberry.mutation(
        description="Delete an email address; the primary cannot be deleted "
        "while other addresses exist."
    )
    async def contact_email_remove(
        self, info: Info, input: InputArg[i.ContactEmailIdInput]
    ) -> p.ContactEmailRemovePayload:
        return p.ContactEmailRemovePayload.from_outcome(
            await r.remove_point(info, str(input.contact_id), "email", str(input.email_id))
        )

    @strawberry.mutation(description="Add tags; tags already there are kept once.")
    async def contact_tags_add(
        self, info: Info, input: InputArg[i.ContactTagsInput]
    ) -> p.ContactTagsAddPayload:
        return p.ContactTagsAddPayload.from_outcome(
            await r.add_tags(info, str(input.contact_id), input.tags)
        )

    @strawberry.mutation(description="Remove tags; other tags stay.")
    async def contact_tags_remove(
        self, info: Info, input: InputArg[i.ContactTagsInput]
    ) -> p.ContactTagsRemovePayload:
        return p.ContactTagsRemovePayload.from_outcome(
            await r.remove_tags(info, str(input.contact_id), input.tags)
        )

    @strawberry.mutation(description="Set or clear the owner.")
    async def contact_owner_set(
        self, info: Info, input: InputArg[i.ContactOwnerSetInput]
    ) -> p.ContactOwnerSetPayload:
        owner = str(input.owner_id) if input.owner_id is not None else None
        return p.ContactOwnerSetPayload.from_outcome(
            await r.set_owner(info, str(input.contact_id), owner)
        )

    @strawberry.mutation(description="Add followers (at most 10 in all).")
    async def contact_followers_add(
        self, info: Info, input: InputArg[i.ContactFollowersInput]
    ) -> p.ContactFollowersAddPayload:
        return p.ContactFollowersAddPayload.from_outcome(
            await r.add_followers(info, str(input.contact_id), [str(u) for u in input.user_ids])
        )

    @strawberry.mutation(description="Remove followers.")
    async def contact_followers_remove(
        self, info: Info, input: InputArg[i.ContactFollowersInput]
    ) -> p.ContactFollowersRemovePayload:
        return p.ContactFollowersRemovePayload.from_outcome(
            await r.remove_followers(info, str(input.contact_id), [str(u) for u in input.user_ids])
        )

    @strawberry.mutation(description="Switch Do-Not-Disturb on or off per channel.")
    async def contact_dnd_set(
        self, info: Info, input: InputArg[i.ContactDndSetInput]
    ) -> p.ContactDndSetPayload:
        settings = {s.channel: s.enabled for s in input.settings}
        return p.ContactDndSetPayload.from_outcome(
            await r.set_dnd(info, str(input.contact_id), settings)
        )

    @strawberry.mutation(
        description="Set or clear custom field values, each checked against its field's type."
    )
    async def contact_custom_field_values_set(
        self, info: Info, input: InputArg[i.ContactCustomFieldValuesSetInput]
    ) -> p.ContactCustomFieldValuesSetPayload:
        return p.ContactCustomFieldValuesSetPayload.from_outcome(
            await r.set_custom_values(info, str(input.contact_id), input.to_domain())
        )

    @strawberry.mutation(
        description="Make an image the contact's profile picture, sent as a multipart request "
        "(GraphQL multipart request spec). The server decodes it (JPEG, PNG, GIF or WebP; "
        "FILE_TYPE_NOT_ALLOWED, INVALID_IMAGE otherwise), refuses more than 20 MiB "
        "(FILE_TOO_LARGE) or 50 megapixels (IMAGE_TOO_LARGE; the defaults), cuts its centred "
        "square, removes its metadata (EXIF, GPS) and stores it in every ContactPictureSize. "
        "It replaces any "
        "picture, an auto-fetched one included; the old images are deleted once it is saved. "
        "The same image again is no change."
    )
    async def contact_picture_upload(
        self, info: Info, input: InputArg[i.ContactPictureUploadInput]
    ) -> p.ContactPictureUploadPayload:
        return p.ContactPictureUploadPayload.from_outcome(
            await rp.upload(info, str(input.contact_id), input.file)
        )

    @strawberry.mutation(
        description="Make an image document the contact's profile picture: the Media "
        "Library. The document is read, not moved (it stays in its folder); its image is "
        "processed as an upload's is (the same limits and errors, on `documentId`). A document "
        "the viewer may not see, or of another location, is NOT_FOUND. The same document again "
        "is no change."
    )
    async def contact_picture_set_from_document(
        self, info: Info, input: InputArg[i.ContactPictureSetFromDocumentInput]
    ) -> p.ContactPictureSetFromDocumentPayload:
        return p.ContactPictureSetFromDocumentPayload.from_outcome(
            await rp.from_document(info, str(input.contact_id), str(input.document_id))
        )

    @strawberry.mutation(
        description="Take the profile picture off a contact (its images are deleted once "
        "that is saved); a contact without one is no change."
    )
    async def contact_picture_remove(
        self, info: Info, input: InputArg[i.ContactPictureRemoveInput]
    ) -> p.ContactPictureRemovePayload:
        return p.ContactPictureRemovePayload.from_outcome(
            await rp.remove(info, str(input.contact_id))
        )

    @strawberry.mutation(
        description="Define a custom field (admins only). The key names it: the same key, "
        "name, type and options again returns the existing field; the key with anything "
        "else is DUPLICATE."
    )
    async def custom_field_create(
        self, info: Info, input: InputArg[cf.CustomFieldCreateInput]
    ) -> cf.CustomFieldCreatePayload:
        command = NewCustomField(input.key, input.name, input.data_type, tuple(input.options))
        return cf.CustomFieldCreatePayload.from_outcome(await rcf.create(info, command))

    @strawberry.mutation(description="Rename a custom field or add options (admins only).")
    async def custom_field_update(
        self, info: Info, input: InputArg[cf.CustomFieldUpdateInput]
    ) -> cf.CustomFieldUpdatePayload:
        return cf.CustomFieldUpdatePayload.from_outcome(
            await rcf.update(info, str(input.id), input.name, input.options)
        )

    @strawberry.mutation(
        description="Delete a custom field and all its values (admins only); NOT_FOUND once "
        "it is gone."
    )
    async def custom_field_delete(
        self, info: Info, input: InputArg[cf.CustomFieldDeleteInput]
    ) -> cf.CustomFieldDeletePayload:
        return cf.CustomFieldDeletePayload.from_outcome(await rcf.delete(info, str(input.id)))
