"""Every GraphQL enum, registered once from the domain's own enums.

`strawberry.enum` decorates a class in place, so the domain class *is* the GraphQL enum:
annotations use it directly and resolvers need no conversion. `graphql_enum` does the same
and gives every value its description here, so `domain/` stays free of strawberry.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.types.enum import has_enum_definition

from domain.contact import ContactType, DndChannel, EmailLabel, PhoneLabel
from domain.contact_query import ContactSortField
from domain.custom_fields import CustomFieldType
from domain.errors import ErrorCode
from domain.events import EventKind

EnumT = TypeVar("EnumT", bound=Enum)


def graphql_enum(
    cls: type[EnumT], description: str, values: Mapping[EnumT, str], *, name: str | None = None
) -> type[EnumT]:
    """`strawberry.enum(cls, name=, description=)` with a description for each value; a
    member without one (or a stray key) fails at import, before a schema is built."""
    missing = [m.name for m in cls if m not in values]
    stray = [str(k) for k in values if not isinstance(k, cls)]
    if missing or stray:
        raise ValueError(f"{cls.__name__}: describe {missing}; not members: {stray}")
    registered: object = strawberry.enum(cls, name=name, description=description)
    assert has_enum_definition(registered)
    for value in registered.__strawberry_definition__.values:
        value.description = values[cls(value.value)]
    return cls


graphql_enum(
    ContactType,
    "Lead or customer.",
    {
        ContactType.LEAD: "A prospect that has not bought yet.",
        ContactType.CUSTOMER: "Someone who has bought.",
    },
)
graphql_enum(
    PhoneLabel,
    "Label of a phone number; each label on at most one number per contact.",
    {
        PhoneLabel.HOME: "A home number.",
        PhoneLabel.LANDLINE: "A fixed line.",
        PhoneLabel.MOBILE: "A mobile number.",
        PhoneLabel.WORK: "A work number.",
    },
)
graphql_enum(
    EmailLabel,
    "Label of an email address; each label on at most one address per contact.",
    {
        EmailLabel.HOME: "A personal address.",
        EmailLabel.WORK: "A work address.",
        EmailLabel.OTHER: "Any other address.",
    },
)
graphql_enum(
    DndChannel,
    "A channel Do-Not-Disturb can block; ALL blocks every channel.",
    {
        DndChannel.ALL: "Every channel at once.",
        DndChannel.SMS: "Text messages.",
        DndChannel.CALL: "Phone calls.",
        DndChannel.EMAIL: "Email.",
        DndChannel.FACEBOOK: "Facebook messages.",
        DndChannel.GMB: "Google Business Profile (formerly Google My Business) messages.",
        DndChannel.WHATSAPP: "WhatsApp messages.",
    },
)
graphql_enum(
    ContactSortField,
    "What contacts sort by.",
    {
        ContactSortField.CREATED_AT: "When the contact was created.",
        ContactSortField.UPDATED_AT: "When the contact last changed.",
        ContactSortField.FIRST_NAME: "First name.",
        ContactSortField.LAST_NAME: "Last name.",
        ContactSortField.BUSINESS_NAME: "Business name.",
    },
)
graphql_enum(
    CustomFieldType,
    "Data type of a custom field; a value must match its field's type.",
    {
        CustomFieldType.TEXT: "One line of text, at most 255 characters (CustomFieldText).",
        CustomFieldType.LARGE_TEXT: "Longer text, at most 10,000 characters (CustomFieldText).",
        CustomFieldType.NUMBER: "A number (CustomFieldNumber).",
        CustomFieldType.MONETARY: "An amount of money in minor units (CustomFieldMoney).",
        CustomFieldType.PHONE: "A phone number, stored as E.164 (CustomFieldText).",
        CustomFieldType.EMAIL: "An email address (CustomFieldText).",
        CustomFieldType.DATE: "A calendar date without a time (CustomFieldDate).",
        CustomFieldType.CHECKBOX: "Ticked or not (CustomFieldCheckbox).",
        CustomFieldType.SINGLE_OPTION: "One of the field's options (CustomFieldOption).",
        CustomFieldType.MULTIPLE_OPTIONS: "Any of the field's options (CustomFieldOptions).",
        CustomFieldType.FILE_UPLOAD: "Documents of the contact (CustomFieldFiles), in its "
        "Documents tab too.",
    },
)
graphql_enum(
    ErrorCode,
    "Why a mutation refused its input. A payload with errors changed nothing.",
    {
        ErrorCode.NOT_FOUND: "The id names nothing the viewer may see (missing, in another "
        "location, or not visible: never FORBIDDEN for that).",
        ErrorCode.REQUIRED: "A required value is missing, null or blank.",
        ErrorCode.INVALID_VALUE: "The value breaks a rule (a range, a format, a date in the "
        "future, ...); the message says which.",
        ErrorCode.INVALID_PHONE: "Not a phone number that can be dialled.",
        ErrorCode.INVALID_EMAIL: "Not an email address.",
        ErrorCode.TOO_LONG: "Longer than the field allows; the message gives the limit.",
        ErrorCode.LIMIT_EXCEEDED: "More items than allowed (phones, tags, followers, options, "
        "...); the message gives the limit.",
        ErrorCode.DUPLICATE: "Already there (the same phone or email on the contact, a "
        "repeated option, a taken key, a workflow the contact is already running).",
        ErrorCode.LABEL_TAKEN: "Another phone or email of the contact has this label.",
        ErrorCode.PRIMARY_NOT_DELETABLE: "The primary phone or email cannot be removed while "
        "others exist: make another one primary first.",
        ErrorCode.WRONG_VALUE_TYPE: "The value does not match the type the field takes.",
        ErrorCode.UNKNOWN_OPTION: "Not one of the custom field's options.",
        ErrorCode.FORBIDDEN: "The viewer may see this but not change it (e.g. admin only).",
        ErrorCode.CONFLICT: "Others kept changing the contact at the same time; try again.",
        ErrorCode.VERSION_CONFLICT: "The contact changed since the client read it: its "
        "`version` is not the `expectedVersion` given. Nothing was written; read it again.",
        ErrorCode.SLOT_UNAVAILABLE: "The time is not a free slot of the calendar (any more).",
        ErrorCode.IN_USE: "Still used by other records, so it cannot be deleted.",
        ErrorCode.FILE_TOO_LARGE: "A file has more bytes than allowed where it was sent "
        "(250 MiB for a document by default, less for a picture); the message gives the limit.",
        ErrorCode.FILE_TYPE_NOT_ALLOWED: "A file's bytes are not of a type allowed where it was "
        "sent (a document: PDF, Word, PowerPoint, CSV, PNG, JPEG, GIF, WebP, HEIC; a picture: "
        "JPEG, PNG, GIF or WebP), whatever its name says.",
        ErrorCode.IMAGE_TOO_LARGE: "The image has more pixels than allowed (a decompression "
        "bomb is refused before it is decoded); the message gives the limit.",
        ErrorCode.INVALID_IMAGE: "An image of an allowed type whose data cannot be decoded "
        "(truncated or corrupt).",
        ErrorCode.ARCHIVED: "The contact is archived: restore it first (contactMerge).",
        ErrorCode.MERGED: "The contact was merged into another: its id now reads as that "
        "contact, and it takes no changes of its own.",
        ErrorCode.CARD_DECLINED: "The card was declined; the message names the decline code "
        "(the payload lists the other saved cards to try).",
        ErrorCode.PAYMENT_REFUSED: "The payment provider refused the request (an unknown or "
        "unusable payment method, invalid parameters).",
        ErrorCode.PAYMENT_PROVIDER_UNAVAILABLE: "The payment provider did not answer, or payments "
        "are not configured: try again with the same idempotency key.",
        ErrorCode.IDEMPOTENCY_KEY_REUSED: "The idempotency key was used for a different charge.",
    },
    name="UserErrorCode",
)
graphql_enum(
    EventKind,
    "What kind of change happened.",
    {
        EventKind.CONTACT_CREATED: "The contact was created.",
        EventKind.CONTACT_UPDATED: "The contact's own fields changed (update or upsert).",
        EventKind.CONTACT_ARCHIVED: "The contact was archived.",
        EventKind.CONTACT_RESTORED: "The archived contact was restored.",
        EventKind.PHONE_ADDED: "A phone number was added.",
        EventKind.PHONE_UPDATED: "A phone number, its label or which one is primary changed.",
        EventKind.PHONE_REMOVED: "A phone number was removed.",
        EventKind.EMAIL_ADDED: "An email address was added.",
        EventKind.EMAIL_UPDATED: "An email address, its label or which one is primary changed.",
        EventKind.EMAIL_REMOVED: "An email address was removed.",
        EventKind.TAGS_ADDED: "Tags were added.",
        EventKind.TAGS_REMOVED: "Tags were removed.",
        EventKind.OWNER_CHANGED: "The owner changed.",
        EventKind.FOLLOWERS_ADDED: "Followers were added.",
        EventKind.FOLLOWERS_REMOVED: "Followers were removed.",
        EventKind.DND_CHANGED: "Do-Not-Disturb changed on one or more channels.",
        EventKind.CUSTOM_FIELDS_CHANGED: "Custom field values changed.",
        EventKind.NOTE_ADDED: "A note was added.",
        EventKind.NOTE_EDITED: "A note was edited.",
        EventKind.NOTE_DELETED: "A note was deleted.",
        EventKind.TASK_ADDED: "A task was added.",
        EventKind.TASK_UPDATED: "A task was edited.",
        EventKind.TASK_COMPLETED: "A task was completed.",
        EventKind.TASK_REOPENED: "A completed task was reopened.",
        EventKind.TASK_DELETED: "A task was deleted.",
        EventKind.INTERACTION_RECORDED: "An interaction (visit, form, call, email, ...) was "
        "recorded.",
        EventKind.ATTRIBUTION_RESET: "The first and latest attribution were forgotten; the "
        "interactions stay.",
        EventKind.WORKFLOW_ENROLLED: "The contact was enrolled in a workflow.",
        EventKind.WORKFLOW_STOPPED: "Someone took the contact out of a workflow.",
        EventKind.WORKFLOW_COMPLETED: "A workflow finished for the contact.",
        EventKind.COURSE_OFFER_GRANTED: "A course offer of the client portal was granted.",
        EventKind.COURSE_OFFER_REVOKED: "A course offer of the client portal was revoked.",
        EventKind.COMMUNITY_GROUP_ASSIGNED: "The contact was put in a community group.",
        EventKind.COMMUNITY_GROUP_REMOVED: "The contact was taken out of a community group.",
        EventKind.APPOINTMENT_BOOKED: "An appointment was booked.",
        EventKind.APPOINTMENT_RESCHEDULED: "An appointment moved to another time.",
        EventKind.APPOINTMENT_UPDATED: "An appointment's details or status changed.",
        EventKind.APPOINTMENT_CANCELLED: "An appointment was cancelled.",
        EventKind.ASSOCIATION_ADDED: "The contact was linked to a record.",
        EventKind.ASSOCIATION_LABELS_CHANGED: "The labels of a link changed.",
        EventKind.ASSOCIATION_REMOVED: "A link to a record was removed.",
        EventKind.OPPORTUNITY_CREATED: "An opportunity linked to the contact was created.",
        EventKind.OPPORTUNITY_UPDATED: "An opportunity linked to the contact changed.",
        EventKind.DOCUMENT_ADDED: "A document was added (uploaded or recorded).",
        EventKind.DOCUMENT_RENAMED: "A document was renamed.",
        EventKind.DOCUMENT_MOVED: "A document moved to another folder.",
        EventKind.DOCUMENT_DELETED: "A document was deleted.",
        EventKind.PICTURE_CHANGED: "The profile picture was set, replaced or removed.",
        EventKind.CONTACT_MERGED: "A duplicate was merged into a contact: recorded on both "
        "(the survivor, with what it took in, and the duplicate, archived).",
        EventKind.PAYMENT_METHOD_ADDED: "A card was saved on the contact.",
        EventKind.PAYMENT_METHOD_UPDATED: "A saved card's label changed.",
        EventKind.PAYMENT_METHOD_REMOVED: "A saved card was deleted.",
        EventKind.PAYMENT_SUCCEEDED: "A charge succeeded.",
        EventKind.PAYMENT_FAILED: "A charge was declined or failed.",
        EventKind.PAYMENT_ACTION_REQUIRED: "A charge waits for the card holder to authenticate.",
        EventKind.SUBSCRIPTION_CREATED: "A subscription was scheduled.",
        EventKind.SUBSCRIPTION_UPDATED: "A subscription's status or next bill date changed.",
        EventKind.SUBSCRIPTION_CANCELED: "A subscription was cancelled.",
        EventKind.INVOICE_CREATED: "An invoice was drafted.",
        EventKind.INVOICE_UPDATED: "A draft invoice's items, discounts, taxes or terms changed.",
        EventKind.INVOICE_SENT: "An invoice was sent (by email or SMS).",
        EventKind.INVOICE_PAID: "An invoice was paid.",
        EventKind.INVOICE_VOIDED: "An invoice was voided.",
    },
    name="ContactEventKind",
)

__all__ = [
    "ContactSortField",
    "ContactType",
    "CustomFieldType",
    "DndChannel",
    "EmailLabel",
    "ErrorCode",
    "EventKind",
    "PhoneLabel",
    "graphql_enum",
]
