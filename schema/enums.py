"""Every GraphQL enum, registered once from the domain's own enums.

`strawberry.enum` decorates a class in place, so the domain class *is* the GraphQL enum:
annotations use it directly and resolvers need no conversion.
"""

from __future__ import annotations

import strawberry

from domain.contact import ContactType, DndChannel, EmailLabel, PhoneLabel
from domain.contact_query import ContactSortField
from domain.custom_fields import CustomFieldType
from domain.errors import ErrorCode
from domain.events import EventKind

strawberry.enum(ContactType, description="Lead or customer.")
strawberry.enum(
    PhoneLabel, description="Label of a phone number; each label on at most one number per contact."
)
strawberry.enum(
    EmailLabel,
    description="Label of an email address; each label on at most one address per contact.",
)
strawberry.enum(
    DndChannel, description="A channel Do-Not-Disturb can block; ALL blocks every channel."
)
strawberry.enum(ContactSortField, description="What contacts sort by.")
strawberry.enum(
    CustomFieldType, description="Data type of a custom field; a value must match its field's type."
)
strawberry.enum(
    ErrorCode,
    name="UserErrorCode",
    description="Why a mutation refused its input. A payload with errors changed nothing.",
)
strawberry.enum(EventKind, name="ContactEventKind", description="What kind of change happened.")

__all__ = [
    "ContactSortField",
    "ContactType",
    "CustomFieldType",
    "DndChannel",
    "EmailLabel",
    "ErrorCode",
    "EventKind",
    "PhoneLabel",
]
