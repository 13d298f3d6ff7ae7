"""Events: every change to a contact, with who did it, when, and field-level before/after.

They are written in the same transaction as the change (the audit log and, later, the
activity timeline are views of them) and published to subscribers only after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from domain.ports import new_id

if TYPE_CHECKING:
    from domain.viewer import Viewer

JSONValue = Any
"""A value that survives a JSON round trip (str, int, float, bool, None, list, dict)."""


class EventKind(StrEnum):
    CONTACT_CREATED = "CONTACT_CREATED"
    CONTACT_UPDATED = "CONTACT_UPDATED"
    CONTACT_ARCHIVED = "CONTACT_ARCHIVED"
    CONTACT_RESTORED = "CONTACT_RESTORED"
    PHONE_ADDED = "PHONE_ADDED"
    PHONE_UPDATED = "PHONE_UPDATED"
    PHONE_REMOVED = "PHONE_REMOVED"
    EMAIL_ADDED = "EMAIL_ADDED"
    EMAIL_UPDATED = "EMAIL_UPDATED"
    EMAIL_REMOVED = "EMAIL_REMOVED"
    TAGS_ADDED = "TAGS_ADDED"
    TAGS_REMOVED = "TAGS_REMOVED"
    OWNER_CHANGED = "OWNER_CHANGED"
    FOLLOWERS_ADDED = "FOLLOWERS_ADDED"
    FOLLOWERS_REMOVED = "FOLLOWERS_REMOVED"
    DND_CHANGED = "DND_CHANGED"
    CUSTOM_FIELDS_CHANGED = "CUSTOM_FIELDS_CHANGED"
    NOTE_ADDED = "NOTE_ADDED"
    NOTE_EDITED = "NOTE_EDITED"
    NOTE_DELETED = "NOTE_DELETED"
    TASK_ADDED = "TASK_ADDED"
    TASK_UPDATED = "TASK_UPDATED"
    TASK_COMPLETED = "TASK_COMPLETED"
    TASK_REOPENED = "TASK_REOPENED"
    TASK_DELETED = "TASK_DELETED"
    INTERACTION_RECORDED = "INTERACTION_RECORDED"
    ATTRIBUTION_RESET = "ATTRIBUTION_RESET"
    WORKFLOW_ENROLLED = "WORKFLOW_ENROLLED"
    WORKFLOW_STOPPED = "WORKFLOW_STOPPED"
    WORKFLOW_COMPLETED = "WORKFLOW_COMPLETED"
    COURSE_OFFER_GRANTED = "COURSE_OFFER_GRANTED"
    COURSE_OFFER_REVOKED = "COURSE_OFFER_REVOKED"
    COMMUNITY_GROUP_ASSIGNED = "COMMUNITY_GROUP_ASSIGNED"
    COMMUNITY_GROUP_REMOVED = "COMMUNITY_GROUP_REMOVED"
    APPOINTMENT_BOOKED = "APPOINTMENT_BOOKED"
    APPOINTMENT_RESCHEDULED = "APPOINTMENT_RESCHEDULED"
    APPOINTMENT_UPDATED = "APPOINTMENT_UPDATED"
    APPOINTMENT_CANCELLED = "APPOINTMENT_CANCELLED"
    ASSOCIATION_ADDED = "ASSOCIATION_ADDED"
    ASSOCIATION_LABELS_CHANGED = "ASSOCIATION_LABELS_CHANGED"
    ASSOCIATION_REMOVED = "ASSOCIATION_REMOVED"
    OPPORTUNITY_CREATED = "OPPORTUNITY_CREATED"
    OPPORTUNITY_UPDATED = "OPPORTUNITY_UPDATED"
    DOCUMENT_ADDED = "DOCUMENT_ADDED"
    DOCUMENT_RENAMED = "DOCUMENT_RENAMED"
    DOCUMENT_MOVED = "DOCUMENT_MOVED"
    DOCUMENT_DELETED = "DOCUMENT_DELETED"
    PICTURE_CHANGED = "PICTURE_CHANGED"
    CONTACT_MERGED = "CONTACT_MERGED"
    PAYMENT_METHOD_ADDED = "PAYMENT_METHOD_ADDED"
    PAYMENT_METHOD_UPDATED = "PAYMENT_METHOD_UPDATED"
    PAYMENT_METHOD_REMOVED = "PAYMENT_METHOD_REMOVED"
    PAYMENT_SUCCEEDED = "PAYMENT_SUCCEEDED"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    PAYMENT_ACTION_REQUIRED = "PAYMENT_ACTION_REQUIRED"
    SUBSCRIPTION_CREATED = "SUBSCRIPTION_CREATED"
    SUBSCRIPTION_UPDATED = "SUBSCRIPTION_UPDATED"
    SUBSCRIPTION_CANCELED = "SUBSCRIPTION_CANCELED"
    INVOICE_CREATED = "INVOICE_CREATED"
    INVOICE_UPDATED = "INVOICE_UPDATED"
    INVOICE_SENT = "INVOICE_SENT"
    INVOICE_PAID = "INVOICE_PAID"
    INVOICE_VOIDED = "INVOICE_VOIDED"


@dataclass(frozen=True)
class FieldChange:
    """One field's move from ``before`` to ``after`` (JSON values; ``None`` means unset).

    ``redacted``: contacts the viewer may not see were left out (domain/visibility.py);
    only ever true on an event as read, never on one stored or published.
    """

    field: str
    before: JSONValue
    after: JSONValue
    redacted: bool = False


@dataclass(frozen=True)
class ContactEvent:
    """Something that happened to one contact. ``sequence`` is assigned by the store."""

    kind: EventKind
    contact_id: str
    location_id: str
    actor_id: str | None
    occurred_at: datetime
    changes: tuple[FieldChange, ...] = ()
    id: str = field(default_factory=new_id)
    sequence: int | None = None

    @property
    def redacted(self) -> bool:
        return any(c.redacted for c in self.changes)


def contact_event(
    kind: EventKind, contact_id: str, viewer: Viewer, at: datetime, changes: Iterable[FieldChange]
) -> ContactEvent:
    """An event on one contact, made by ``viewer`` in their location: how every use case
    records what it changed."""
    return ContactEvent(
        kind=kind,
        contact_id=contact_id,
        location_id=viewer.location_id,
        actor_id=viewer.user_id,
        occurred_at=at,
        changes=tuple(changes),
    )
