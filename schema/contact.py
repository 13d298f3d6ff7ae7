"""The Contact entity and the small groups it is made of (help page: header, Contact Info,
General Info, Additional Info, DND, phones, emails, followers)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from domain import contact as d
from resolvers import contact as r
from resolvers.common import Info
from schema.activity import (
    ContactActivityFields,
    ContactAuditFilter,
    ContactAuditOrderBy,
    event_request,
)
from schema.appointments import ContactAppointmentsFields
from schema.association_fields import ContactAssociationsFields
from schema.client_portal import ContactClientPortalFields
from schema.common import AfterArg, FirstArg
from schema.documents import ContactDocumentsFields
from schema.enums import ContactType, DndChannel, EmailLabel, PhoneLabel
from schema.interactions import ContactInteractionsFields
from schema.invoices import ContactInvoicesFields
from schema.notes import ContactNotesFields
from schema.payments import ContactPaymentsFields
from schema.pictures import ContactPicture
from schema.smart_lists import ContactNavigationFields
from schema.tasks import ContactTasksFields
from schema.user import User
from schema.workflows import ContactWorkflowsFields

if TYPE_CHECKING:
    from schema.audit import ContactAuditConnection
    from schema.custom_fields import ContactCustomFieldValue


@strawberry.type(description="A phone number of a contact (at most 11: 1 primary + 10).")
class ContactPhone:
    id: strawberry.ID = strawberry.field(description="Id of this number on the contact.")
    number: str = strawberry.field(description="The number in E.164 form, e.g. +14155550100.")
    label: PhoneLabel | None = strawberry.field(description="Home, landline, mobile or work.")
    is_primary: bool = strawberry.field(
        description="The default number; it cannot be deleted until another is primary."
    )

    @classmethod
    def from_domain(cls, p: d.ContactPoint) -> ContactPhone:
        return cls(
            id=strawberry.ID(p.id),
            number=p.value,
            label=d.PhoneLabel(p.label) if p.label else None,
            is_primary=p.is_primary,
        )


@strawberry.type(description="An email address of a contact (at most 11: 1 primary + 10).")
class ContactEmail:
    id: strawberry.ID = strawberry.field(description="Id of this address on the contact.")
    address: str = strawberry.field(description="The normalised address.")
    label: EmailLabel | None = strawberry.field(description="Home, work or other.")
    is_primary: bool = strawberry.field(
        description="The address every contact action uses by default."
    )

    @classmethod
    def from_domain(cls, p: d.ContactPoint) -> ContactEmail:
        return cls(
            id=strawberry.ID(p.id),
            address=p.value,
            label=d.EmailLabel(p.label) if p.label else None,
            is_primary=p.is_primary,
        )


@strawberry.type(description="A postal address (General Info).")
class ContactAddress:
    line1: str | None = strawberry.field(description="Street and number.")
    line2: str | None = strawberry.field(description="Apartment, suite, floor.")
    city: str | None = strawberry.field(description="City.")
    state: str | None = strawberry.field(description="State, province or region.")
    postal_code: str | None = strawberry.field(description="Postal or ZIP code.")
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 country code.")

    @classmethod
    def from_domain(cls, a: d.Address) -> ContactAddress:
        return cls(
            line1=a.line1,
            line2=a.line2,
            city=a.city,
            state=a.state,
            postal_code=a.postal_code,
            country=a.country,
        )


@strawberry.type(description="Do-Not-Disturb on one channel.")
class ContactDndState:
    channel: DndChannel = strawberry.field(description="The channel.")
    enabled: bool = strawberry.field(description="DND was switched on for this channel itself.")
    blocked: bool = strawberry.field(
        description="The channel may not be used: it, or ALL, is switched on."
    )
    changed_by: User | None = strawberry.field(description="Who changed it last.")
    changed_at: datetime | None = strawberry.field(description="When it was changed last.")


@strawberry.type(
    description="Do-Not-Disturb per channel: SMS, calls, email, Facebook, GMB, "
    "WhatsApp, and all channels at once."
)
class ContactDnd:
    all_channels: ContactDndState = strawberry.field(
        description="DND on every channel at once (channel ALL)."
    )
    channels: list[ContactDndState] = strawberry.field(
        description="Each channel, in a fixed order, whether or not it was ever set."
    )

    @classmethod
    def from_domain(cls, settings: list[d.DndSetting]) -> ContactDnd:
        by_channel = {s.channel: s for s in settings}
        all_on = bool(by_channel.get(d.DndChannel.ALL) and by_channel[d.DndChannel.ALL].enabled)

        def state(channel: d.DndChannel) -> ContactDndState:
            s = by_channel.get(channel)
            enabled = bool(s and s.enabled)
            return ContactDndState(
                channel=channel,
                enabled=enabled,
                blocked=enabled or all_on,
                changed_by=User(id=strawberry.ID(s.changed_by)) if s and s.changed_by else None,
                changed_at=s.changed_at if s else None,
            )

        return cls(
            all_channels=state(d.DndChannel.ALL),
            channels=[state(c) for c in d.DndChannel if c is not d.DndChannel.ALL],
        )


@strawberry.federation.type(
    keys=["id"],
    description="One person the business knows: everything the contact record shows. Other "
    "subgraphs extend it by `id`.",
)
class Contact(
    ContactNotesFields,
    ContactTasksFields,
    ContactInteractionsFields,
    ContactWorkflowsFields,
    ContactClientPortalFields,
    ContactNavigationFields,
    ContactAppointmentsFields,
    ContactAssociationsFields,
    ContactActivityFields,
    ContactDocumentsFields,
    ContactPaymentsFields,
    ContactInvoicesFields,
):
    id: strawberry.ID = strawberry.field(description="The contact's id.")
    first_name: str | None = strawberry.field(description="First name.")
    last_name: str | None = strawberry.field(description="Last name.")
    full_name: str | None = strawberry.field(description="First and last name together.")
    type: ContactType = strawberry.field(description="Lead or customer.")
    source: str | None = strawberry.field(description="Where the contact came from.")
    time_zone: str | None = strawberry.field(description="IANA time zone, e.g. Europe/Paris.")
    date_of_birth: date | None = strawberry.field(description="Date of birth.")
    business_name: str | None = strawberry.field(description="Business name (General Info).")
    address: ContactAddress = strawberry.field(description="Postal address (General Info).")
    website: str | None = strawberry.field(description="Website (General Info).")
    created_at: datetime = strawberry.field(description="When the contact was created.")
    updated_at: datetime = strawberry.field(description="When anything on it last changed.")
    version: int = strawberry.field(
        description="Grows with every change to the contact's own record (fields, phones, "
        "emails, tags, owner, followers, DND, custom fields); not with its tabs' items. Pass "
        "it as contactChange's `expectedVersion` to refuse a change made on stale data."
    )
    archived_at: datetime | None = strawberry.field(
        description="When it was archived; archived contacts are left out of `contacts` "
        "unless asked for."
    )
    owner: User | None = strawberry.field(description="The team member who owns the contact.")
    picture: ContactPicture | None = strawberry.field(
        description="The profile picture (record header, conversation threads, opportunity "
        "cards); null when it has none. Set with contactPictureUpload; a contact from a "
        "social integration gets its social profile picture automatically."
    )
    merged_into_id: strawberry.Private[str | None] = None

    @classmethod
    def from_domain(cls, c: d.Contact) -> Contact:
        p = c.profile
        return cls(
            id=strawberry.ID(c.id),
            first_name=p.first_name,
            last_name=p.last_name,
            full_name=c.full_name,
            type=p.contact_type,
            source=p.source,
            time_zone=p.time_zone,
            date_of_birth=p.date_of_birth,
            business_name=p.business_name,
            address=ContactAddress.from_domain(p.address),
            website=p.website,
            created_at=c.created_at,
            updated_at=c.updated_at,
            version=c.version,
            archived_at=c.archived_at,
            owner=User(id=strawberry.ID(c.owner_id)) if c.owner_id else None,
            picture=ContactPicture.from_domain(c),
            merged_into_id=c.merged_into_id,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_: Any) -> Contact | None:
        """Gateway entity lookup: through the contact loader, so N representations cost one
        statement, with the same tenancy and visibility rules as `contact`."""
        found = await r.contact(info, str(id))
        return None if found is None else cls.from_domain(found)

    @strawberry.field(
        description="The contact this one was merged into (contactMerge), null if it was "
        "not. Reading a merged contact by id (`contact`, `_entities`) gives that contact "
        "instead, so this is seen on a merged record only where lists show archived contacts "
        "(`contacts(filter: {archived: true})`)."
    )
    async def merged_into(self, info: Info) -> Contact | None:
        if self.merged_into_id is None:
            return None
        found = await r.contact(info, self.merged_into_id)
        return None if found is None else Contact.from_domain(found)

    @strawberry.field(description="True once archived.")
    def archived(self) -> bool:
        return self.archived_at is not None

    @strawberry.field(
        description="Up to 10 team members notified of interactions; they have "
        "owner-level permissions on the contact."
    )
    async def followers(self, info: Info) -> list[User]:
        return [User(id=strawberry.ID(u)) for u in await r.followers(info, self.id)]

    @strawberry.field(description="Tags, lower-case, in the order they were added.")
    async def tags(self, info: Info) -> list[str]:
        return await r.tags(info, self.id)

    @strawberry.field(
        description="Phone numbers, primary first is not guaranteed: use "
        "`isPrimary` or `primaryPhone`."
    )
    async def phones(self, info: Info) -> list[ContactPhone]:
        return [ContactPhone.from_domain(p) for p in await r.phones(info, self.id)]

    @strawberry.field(description="The primary phone number, if any.")
    async def primary_phone(self, info: Info) -> ContactPhone | None:
        primary = next((p for p in await r.phones(info, self.id) if p.is_primary), None)
        return ContactPhone.from_domain(primary) if primary else None

    @strawberry.field(description="Email addresses.")
    async def emails(self, info: Info) -> list[ContactEmail]:
        return [ContactEmail.from_domain(p) for p in await r.emails(info, self.id)]

    @strawberry.field(description="The primary email: what contact actions send to.")
    async def primary_email(self, info: Info) -> ContactEmail | None:
        primary = next((p for p in await r.emails(info, self.id) if p.is_primary), None)
        return ContactEmail.from_domain(primary) if primary else None

    @strawberry.field(description="Do-Not-Disturb per channel.")
    async def dnd(self, info: Info) -> ContactDnd:
        return ContactDnd.from_domain(await r.dnd(info, self.id))

    @strawberry.field(
        description="Custom field values (Additional Info), each with its "
        "definition; fields without a value are left out."
    )
    async def custom_fields(
        self, info: Info
    ) -> list[Annotated[ContactCustomFieldValue, strawberry.lazy(".custom_fields")]]:
        from schema.custom_fields import ContactCustomFieldValue

        return [
            ContactCustomFieldValue.from_domain(df, v)
            for df, v in await r.custom_values(info, self.id)
        ]

    @strawberry.field(
        description="Every change to the contact (newest first by default): who changed "
        "which field from what to what."
    )
    async def audit_log(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactAuditFilter | None,
            strawberry.argument(description="Kinds and time; every change if omitted."),
        ] = None,
        order_by: Annotated[
            ContactAuditOrderBy | None,
            strawberry.argument(description="Sort; default newest first."),
        ] = None,
    ) -> Annotated[ContactAuditConnection, strawberry.lazy(".audit")]:
        from schema.audit import ContactAuditConnection

        request, f = event_request(first, after, filter, order_by)
        return await ContactAuditConnection.for_contact(info, self.id, request, f)
