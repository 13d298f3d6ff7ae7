"""The JSON body of a webhook, one type per event kind.

Shaped as the Standard Webhooks specification recommends: ``{"type", "timestamp", "data"}``.
``type`` names what happened (``contact.created``, ``note.added``, ...), one per
:class:`EventKind` in :data:`WEBHOOK_TYPES` (a test fails for a kind without one, and
another when the README does not list it); ``data`` carries the contact, the event and its
field-level changes, the same summaries the audit log shows.

Visibility: an endpoint is managed only by admins who see every contact of its location
(``domain/webhooks.py``), and a body never names a contact of another location: every
contact a change names is checked against the endpoint's location before sending, and one
that is not there is redacted exactly as the timeline redacts it (``domain/visibility.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from domain.events import ContactEvent, EventKind
from domain.visibility import MaySee, redact


@dataclass(frozen=True)
class WebhookType:
    name: str
    """The body's ``type``."""
    description: str
    """What happened, for the README."""


def _types(*entries: tuple[EventKind, str, str]) -> Mapping[EventKind, WebhookType]:
    return MappingProxyType({kind: WebhookType(name, text) for kind, name, text in entries})


K = EventKind
WEBHOOK_TYPES: Mapping[EventKind, WebhookType] = _types(
    (K.CONTACT_CREATED, "contact.created", "a contact was created; `changes` has its fields"),
    (K.CONTACT_UPDATED, "contact.updated", "the contact's own fields changed"),
    (K.CONTACT_ARCHIVED, "contact.archived", "the contact was archived"),
    (K.CONTACT_RESTORED, "contact.restored", "the archived contact was restored"),
    (
        K.CONTACT_MERGED,
        "contact.merged",
        "a duplicate was merged into the survivor (sent for both: `merge` names both ids)",
    ),
    (K.PHONE_ADDED, "phone.added", "a phone number was added"),
    (K.PHONE_UPDATED, "phone.updated", "a number, its label or the primary one changed"),
    (K.PHONE_REMOVED, "phone.removed", "a phone number was removed"),
    (K.EMAIL_ADDED, "email.added", "an email address was added"),
    (K.EMAIL_UPDATED, "email.updated", "an address, its label or the primary one changed"),
    (K.EMAIL_REMOVED, "email.removed", "an email address was removed"),
    (K.TAGS_ADDED, "tags.added", "tags were added"),
    (K.TAGS_REMOVED, "tags.removed", "tags were removed"),
    (K.OWNER_CHANGED, "owner.changed", "the owner changed"),
    (K.FOLLOWERS_ADDED, "followers.added", "followers were added"),
    (K.FOLLOWERS_REMOVED, "followers.removed", "followers were removed"),
    (K.DND_CHANGED, "dnd.changed", "Do-Not-Disturb changed on one or more channels"),
    (K.CUSTOM_FIELDS_CHANGED, "custom_fields.changed", "custom field values changed"),
    (K.NOTE_ADDED, "note.added", "a note was added"),
    (K.NOTE_EDITED, "note.edited", "a note was edited"),
    (K.NOTE_DELETED, "note.deleted", "a note was deleted"),
    (K.TASK_ADDED, "task.added", "a task was added"),
    (K.TASK_UPDATED, "task.updated", "a task was edited"),
    (K.TASK_COMPLETED, "task.completed", "a task was completed"),
    (K.TASK_REOPENED, "task.reopened", "a completed task was reopened"),
    (K.TASK_DELETED, "task.deleted", "a task was deleted"),
    (K.INTERACTION_RECORDED, "interaction.recorded", "a visit, form, call, email... was recorded"),
    (K.ATTRIBUTION_RESET, "attribution.reset", "first and latest attribution were forgotten"),
    (K.WORKFLOW_ENROLLED, "workflow.enrolled", "the contact was enrolled in a workflow"),
    (K.WORKFLOW_STOPPED, "workflow.stopped", "someone took the contact out of a workflow"),
    (K.WORKFLOW_COMPLETED, "workflow.completed", "a workflow finished for the contact"),
    (K.COURSE_OFFER_GRANTED, "course_offer.granted", "a client-portal course offer was granted"),
    (K.COURSE_OFFER_REVOKED, "course_offer.revoked", "a client-portal course offer was revoked"),
    (K.COMMUNITY_GROUP_ASSIGNED, "community_group.assigned", "put in a community group"),
    (K.COMMUNITY_GROUP_REMOVED, "community_group.removed", "taken out of a community group"),
    (K.APPOINTMENT_BOOKED, "appointment.booked", "an appointment was booked"),
    (K.APPOINTMENT_RESCHEDULED, "appointment.rescheduled", "an appointment moved"),
    (K.APPOINTMENT_UPDATED, "appointment.updated", "an appointment's details or status changed"),
    (K.APPOINTMENT_CANCELLED, "appointment.cancelled", "an appointment was cancelled"),
    (K.ASSOCIATION_ADDED, "association.added", "the contact was linked to a record"),
    (K.ASSOCIATION_LABELS_CHANGED, "association.labels_changed", "a link's labels changed"),
    (K.ASSOCIATION_REMOVED, "association.removed", "a link to a record was removed"),
    (K.OPPORTUNITY_CREATED, "opportunity.created", "a linked opportunity was created"),
    (K.OPPORTUNITY_UPDATED, "opportunity.updated", "a linked opportunity changed"),
    (K.DOCUMENT_ADDED, "document.added", "a document was added (uploaded or recorded)"),
    (K.DOCUMENT_RENAMED, "document.renamed", "a document was renamed"),
    (K.DOCUMENT_MOVED, "document.moved", "a document moved to another folder"),
    (K.DOCUMENT_DELETED, "document.deleted", "a document was deleted"),
    (K.PICTURE_CHANGED, "picture.changed", "the profile picture was set, replaced or removed"),
    (K.PAYMENT_METHOD_ADDED, "payment_method.added", "a card was saved on the contact"),
    (K.PAYMENT_METHOD_UPDATED, "payment_method.updated", "a saved card's label changed"),
    (K.PAYMENT_METHOD_REMOVED, "payment_method.removed", "a saved card was deleted"),
    (K.PAYMENT_SUCCEEDED, "payment.succeeded", "a charge succeeded"),
    (K.PAYMENT_FAILED, "payment.failed", "a charge was declined or failed"),
    (K.PAYMENT_ACTION_REQUIRED, "payment.action_required", "a charge awaits authentication"),
    (K.SUBSCRIPTION_CREATED, "subscription.created", "a subscription was scheduled"),
    (K.SUBSCRIPTION_UPDATED, "subscription.updated", "its status or next bill date changed"),
    (K.SUBSCRIPTION_CANCELED, "subscription.canceled", "a subscription was cancelled"),
    (K.INVOICE_CREATED, "invoice.created", "an invoice was drafted"),
    (K.INVOICE_UPDATED, "invoice.updated", "a draft invoice's items, discounts or terms changed"),
    (K.INVOICE_SENT, "invoice.sent", "an invoice was sent (by email or SMS)"),
    (K.INVOICE_PAID, "invoice.paid", "an invoice was paid"),
    (K.INVOICE_VOIDED, "invoice.voided", "an invoice was voided"),
)
"""One entry per EventKind: a new kind needs its line here (tests/domain/test_webhook_bodies.py)."""


def webhook_type(kind: EventKind | str) -> WebhookType:
    found = WEBHOOK_TYPES.get(EventKind(kind))
    if found is None:
        raise LookupError(f"no webhook type for event kind {kind}")
    return found


def _z(iso: str) -> str:
    return iso.replace("+00:00", "Z")


def webhook_body(event: ContactEvent, may_see: MaySee) -> dict[str, Any]:
    """The body of ``event`` for an endpoint whose location holds the contacts ``may_see``
    accepts; contacts it refuses are redacted."""
    shown = redact(event, may_see)
    return {
        "type": webhook_type(event.kind).name,
        "timestamp": _z(event.occurred_at.isoformat()),
        "data": {
            "eventId": event.id,
            "sequence": event.sequence,
            "kind": event.kind.value,
            "locationId": event.location_id,
            "contactId": event.contact_id,
            "actorId": event.actor_id,
            "occurredAt": _z(event.occurred_at.isoformat()),
            "redacted": shown.redacted,
            "changes": [
                {"field": c.field, "before": c.before, "after": c.after} for c in shown.changes
            ],
        },
    }
