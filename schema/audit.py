"""The audit log: every change to a contact, with actor, time and field-level diff."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from domain import events as ev
from domain.activity import ActivityFilter
from persistence.tab_pages import PageRequest
from resolvers import activity as r
from resolvers.common import Info
from schema.common import Connection
from schema.user import User

REDACTED = (
    "True when contacts the viewer may not see (an assigned-only user's: neither owned nor "
    "followed) were left out: their ids are null or missing from lists, and what describes "
    "the link to them (a link's labels) is null. The item stays, so pages, counts and "
    "cursors are the same for every viewer."
)
"""The `redacted` field's description on every view of an event (domain/visibility.py)."""


@strawberry.type(description="One field's change: JSON values, null when unset.")
class ContactFieldChange:
    field: str = strawberry.field(
        description="The field, as named in the API (e.g. firstName, phones, dnd.SMS, "
        "customFields.<key>)."
    )
    before: JSON | None = strawberry.field(description="The value before the change.")
    after: JSON | None = strawberry.field(description="The value after the change.")
    redacted: bool = strawberry.field(
        description="True when contacts the viewer may not see were left out of `before` "
        "and `after`: their ids null or missing from lists, what describes the link to them "
        "(a link's labels) null."
    )

    @classmethod
    def all_of(cls, e: ev.ContactEvent) -> list[ContactFieldChange]:
        return [
            cls(field=c.field, before=c.before, after=c.after, redacted=c.redacted)
            for c in e.changes
        ]


@strawberry.type(description="A recorded change to a contact.")
class ContactAuditEvent:
    id: strawberry.ID = strawberry.field(description="The event's id.")
    kind: ev.EventKind = strawberry.field(description="What happened.")
    actor: User | None = strawberry.field(description="Who did it (null for the system).")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    changes: list[ContactFieldChange] = strawberry.field(description="What changed.")
    redacted: bool = strawberry.field(description=REDACTED)

    @classmethod
    def from_domain(cls, e: ev.ContactEvent) -> ContactAuditEvent:
        return cls(
            id=strawberry.ID(e.id),
            kind=e.kind,
            actor=User(id=strawberry.ID(e.actor_id)) if e.actor_id else None,
            occurred_at=e.occurred_at,
            changes=ContactFieldChange.all_of(e),
            redacted=e.redacted,
        )


@strawberry.type(description="A page of a contact's audit log.")
class ContactAuditConnection(Connection[ContactAuditEvent]):
    @classmethod
    async def for_contact(
        cls, info: Info, contact_id: str, request: PageRequest, f: ActivityFilter | None
    ) -> ContactAuditConnection:
        """``request`` and ``f`` as `schema.activity.event_request` made them."""
        events, cursors, has_next = await r.page(info, contact_id, request)

        async def count() -> int:
            return await r.count(info, contact_id, f)

        conn = cls.build(
            [ContactAuditEvent.from_domain(e) for e in events],
            cursors,
            has_next,
            request.after,
            count,
        )
        return conn  # type: ignore[return-value]
