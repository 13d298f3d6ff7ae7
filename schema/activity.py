"""The activity timeline (typed items, newest first) and its live subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from domain import events as ev
from domain.activity import ActivityFilter, EventSortField
from domain.contact import DndChannel
from persistence.tab_pages import PageRequest
from resolvers import activity as r
from resolvers.common import Info
from schema.audit import REDACTED, ContactFieldChange
from schema.common import (
    AfterArg,
    Connection,
    DateTimeRange,
    FirstArg,
    SortDirection,
    time_range,
)
from schema.enums import graphql_enum
from schema.fanout import LIVE, LiveSink, live_sink
from schema.user import User

if TYPE_CHECKING:
    from schema.contact import Contact


class ActivityAction(StrEnum):
    ADDED = "ADDED"
    UPDATED = "UPDATED"
    COMPLETED = "COMPLETED"
    REOPENED = "REOPENED"
    DELETED = "DELETED"
    BOOKED = "BOOKED"
    RESCHEDULED = "RESCHEDULED"
    CANCELLED = "CANCELLED"
    ENROLLED = "ENROLLED"
    STOPPED = "STOPPED"
    GRANTED = "GRANTED"
    REVOKED = "REVOKED"
    ASSIGNED = "ASSIGNED"
    REMOVED = "REMOVED"


graphql_enum(
    ActivityAction,
    "What happened to a tab's item (a note, a task, an appointment, a workflow "
    "enrolment, a course offer, a community group, ...).",
    {
        ActivityAction.ADDED: "The item was added.",
        ActivityAction.UPDATED: "The item changed.",
        ActivityAction.COMPLETED: "The item was completed (a task, a workflow).",
        ActivityAction.REOPENED: "A completed task was reopened.",
        ActivityAction.DELETED: "The item was deleted.",
        ActivityAction.BOOKED: "An appointment was booked.",
        ActivityAction.RESCHEDULED: "An appointment moved to another time.",
        ActivityAction.CANCELLED: "An appointment was cancelled.",
        ActivityAction.ENROLLED: "The contact was enrolled in a workflow.",
        ActivityAction.STOPPED: "The contact was taken out of a workflow.",
        ActivityAction.GRANTED: "A course offer was granted.",
        ActivityAction.REVOKED: "A course offer was revoked.",
        ActivityAction.ASSIGNED: "The contact was put in a community group.",
        ActivityAction.REMOVED: "The item was removed (a community group, a link).",
    },
)


@strawberry.interface(description="Something that happened to or with a contact.")
class ContactActivity:
    id: strawberry.ID = strawberry.field(description="The event's id.")
    cursor: str = strawberry.field(
        description="Position in the timeline: pass as `after` to `activity` or to the "
        "`contactActivity` subscription to resume right after this item."
    )
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    kind: ev.EventKind = strawberry.field(description="What happened.")
    actor: User | None = strawberry.field(description="Who did it; null for the system.")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    redacted: bool = strawberry.field(description=REDACTED)

    @strawberry.field(
        description="The contact as an entity, so a gateway can join fields of other "
        "subgraphs onto an item; null if the viewer may not see it (any more)."
    )
    async def contact(self, info: Info) -> Annotated[Contact, strawberry.lazy(".contact")] | None:
        from schema.contact import Contact  # schema/contact.py imports this module

        found = await info.context.loaders.contact.load(str(self.contact_id))
        return None if found is None else Contact.from_domain(found)


def base_fields(e: ev.ContactEvent) -> dict[str, Any]:
    return {
        "id": strawberry.ID(e.id),
        "cursor": r.cursor_of(e),
        "contact_id": strawberry.ID(e.contact_id),
        "kind": e.kind,
        "actor": User(id=strawberry.ID(e.actor_id)) if e.actor_id else None,
        "occurred_at": e.occurred_at,
        "redacted": e.redacted,
    }


@strawberry.type(description="The contact was created, with the fields it was given.")
class ContactCreatedActivity(ContactActivity):
    fields: list[ContactFieldChange] = strawberry.field(description="Initial values.")


@strawberry.type(
    description="Fields of the contact changed (profile, phones, emails, custom fields, "
    "archive and restore), with before and after values."
)
class ContactChangedActivity(ContactActivity):
    changes: list[ContactFieldChange] = strawberry.field(description="What changed.")


@strawberry.type(description="Tags were added or removed.")
class ContactTagsActivity(ContactActivity):
    tags_added: list[str] = strawberry.field(description="Tags added.")
    tags_removed: list[str] = strawberry.field(description="Tags removed.")


@strawberry.type(description="The owner changed.")
class ContactOwnerActivity(ContactActivity):
    previous_owner: User | None = strawberry.field(description="Owner before.")
    owner: User | None = strawberry.field(description="Owner after.")


@strawberry.type(description="Followers were added or removed.")
class ContactFollowersActivity(ContactActivity):
    followers_added: list[User] = strawberry.field(description="Followers added.")
    followers_removed: list[User] = strawberry.field(description="Followers removed.")


@strawberry.type(description="Do-Not-Disturb changed on one channel.")
class ContactDndChange:
    channel: DndChannel = strawberry.field(description="The channel (ALL: every channel).")
    enabled: bool = strawberry.field(description="DND is now on.")


@strawberry.type(description="Do-Not-Disturb changed.")
class ContactDndActivity(ContactActivity):
    channels: list[ContactDndChange] = strawberry.field(description="Channels changed.")


@strawberry.type(description="Any other change, with its field-level before and after.")
class ContactOtherActivity(ContactActivity):
    changes: list[ContactFieldChange] = strawberry.field(description="What changed.")


Builder = Callable[[ev.ContactEvent, dict[str, Any]], ContactActivity]
_BUILDERS: dict[ev.EventKind, Builder] = {}
_TYPES: list[type] = []


def register_activity(kinds: Iterable[ev.EventKind], item_type: type, build: Builder) -> None:
    """Each tab registers the timeline type of its events (and how to build it) here, so
    this module needs to know no tab."""
    for kind in kinds:
        _BUILDERS[kind] = build
    if item_type not in _TYPES:
        _TYPES.append(item_type)


def timeline_types() -> list[type]:
    """Every concrete timeline type, for the schema (an interface alone registers none)."""
    return [*CORE_TYPES, *_TYPES]


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def activity_from_domain(e: ev.ContactEvent) -> ContactActivity:
    """The typed timeline item for one event."""
    k, base = ev.EventKind, base_fields(e)
    first = e.changes[0] if e.changes else ev.FieldChange("", None, None)
    if e.kind is k.CONTACT_CREATED:
        return ContactCreatedActivity(**base, fields=ContactFieldChange.all_of(e))
    if e.kind in (k.TAGS_ADDED, k.TAGS_REMOVED, k.FOLLOWERS_ADDED, k.FOLLOWERS_REMOVED):
        before, after = _listed(first.before), _listed(first.after)
        added = [x for x in after if x not in before]
        removed = [x for x in before if x not in after]
        if e.kind in (k.TAGS_ADDED, k.TAGS_REMOVED):
            return ContactTagsActivity(**base, tags_added=added, tags_removed=removed)
        return ContactFollowersActivity(
            **base,
            followers_added=[User(id=strawberry.ID(u)) for u in added],
            followers_removed=[User(id=strawberry.ID(u)) for u in removed],
        )
    if e.kind is k.OWNER_CHANGED:
        return ContactOwnerActivity(
            **base,
            previous_owner=User(id=strawberry.ID(first.before)) if first.before else None,
            owner=User(id=strawberry.ID(first.after)) if first.after else None,
        )
    if e.kind is k.DND_CHANGED:
        return ContactDndActivity(
            **base,
            channels=[
                ContactDndChange(channel=DndChannel(c.field.split(".", 1)[1]), enabled=c.after)
                for c in e.changes
            ],
        )
    if e.kind in _BUILDERS:
        return _BUILDERS[e.kind](e, base)
    if e.kind.name.startswith(("CONTACT_", "PHONE_", "EMAIL_", "CUSTOM_FIELDS_")):
        return ContactChangedActivity(**base, changes=ContactFieldChange.all_of(e))
    return ContactOtherActivity(**base, changes=ContactFieldChange.all_of(e))


CORE_TYPES: tuple[type, ...] = (
    ContactCreatedActivity,
    ContactChangedActivity,
    ContactTagsActivity,
    ContactOwnerActivity,
    ContactFollowersActivity,
    ContactDndActivity,
    ContactOtherActivity,
)


@strawberry.type(description="A page of a contact's activity.")
class ContactActivityConnection(Connection[ContactActivity]):
    pass


graphql_enum(
    EventSortField,
    "What a contact's activity and audit log sort by.",
    {
        EventSortField.OCCURRED_AT: "When it happened (`occurredAt`), in the exact order the "
        "events were recorded (no ties), so any item's cursor, in either direction, resumes "
        "the `contactActivity` subscription.",
    },
    name="ContactEventSortField",
)


@strawberry.input(description="Which activity to list; every member given must hold.")
class ContactActivityFilter:
    kinds: list[ev.EventKind] | None = strawberry.field(
        default=None,
        description="Only events of these kinds; an empty list matches none; every kind when "
        "omitted.",
    )
    occurred_at: DateTimeRange | None = strawberry.field(
        default=None,
        description="Only those that happened in this range: `from` inclusive, `to` "
        "exclusive; both need a time zone.",
    )

    def to_domain(self) -> ActivityFilter:
        return ActivityFilter(
            kinds=tuple(dict.fromkeys(self.kinds)) if self.kinds is not None else None,
            occurred=time_range(self.occurred_at, "filter.occurredAt"),
        )


@strawberry.input(description="How to sort activity; default newest first.")
class ContactActivityOrderBy:
    field: EventSortField = strawberry.field(
        default=EventSortField.OCCURRED_AT, description="What to sort by."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Which way."
    )


@strawberry.input(
    description="Which audit-log entries to list (the same event log as the activity); "
    "every member given must hold."
)
class ContactAuditFilter(ContactActivityFilter):
    pass


@strawberry.input(description="How to sort the audit log; default newest first.")
class ContactAuditOrderBy(ContactActivityOrderBy):
    pass


def event_request(
    first: int | None,
    after: str | None,
    filter: ContactActivityFilter | None,
    order_by: ContactActivityOrderBy | None,
) -> tuple[PageRequest, ActivityFilter | None]:
    """The page of the event log that `activity` or `auditLog` asked for, and its filter."""
    f = filter.to_domain() if filter else None
    order = order_by or ContactActivityOrderBy()
    return r.request(first, after, f, order.field, order.direction == SortDirection.DESC), f


@strawberry.type
class ContactActivityFields:
    """`Contact.activity`; mixed into Contact (schema/contact.py)."""

    id: strawberry.ID

    @strawberry.field(
        description="Everything that happened to and with the contact (newest first by "
        "default), as typed items. Use an item's `cursor` to resume the `contactActivity` "
        "subscription."
    )
    async def activity(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactActivityFilter | None,
            strawberry.argument(description="Kinds and time; every event if omitted."),
        ] = None,
        order_by: Annotated[
            ContactActivityOrderBy | None,
            strawberry.argument(description="Sort; default newest first."),
        ] = None,
    ) -> ContactActivityConnection:
        request, f = event_request(first, after, filter, order_by)
        events, cursors, has_next = await r.page(info, str(self.id), request)
        contact_id = str(self.id)

        async def count() -> int:
            return await r.count(info, contact_id, f)

        conn = ContactActivityConnection.build(
            [activity_from_domain(e) for e in events], cursors, has_next, after, count
        )
        return conn  # type: ignore[return-value]


@strawberry.type
class ActivitySubscription:
    @strawberry.subscription(
        description="Each new activity item of a contact as it is committed. With `after` "
        "(a cursor from `activity` or from an earlier item) it first replays what was "
        "missed, then continues live: no gap, no duplicate, across reconnects."
    )
    async def contact_activity(
        self,
        info: Info,
        contact_id: Annotated[
            strawberry.ID, strawberry.argument(description="The contact to watch.")
        ],
        after: Annotated[
            str | None, strawberry.argument(description="Resume after this cursor.")
        ] = None,
    ) -> AsyncGenerator[ContactActivity, None]:
        sink = live_sink()
        deliver_now = None if sink is None else _deliver_now(sink)
        async for event in r.stream(info, str(contact_id), after, deliver_now):
            item = LIVE.item(event, activity_from_domain)  # one item for every subscriber
            if sink is None or not await sink.send(item):
                yield item


def _deliver_now(sink: LiveSink) -> Callable[[ev.ContactEvent], bool]:
    """An event's item written by ``sink`` from the broker's delivery, if it can be."""
    send_now = sink.send_now

    def deliver_now(event: ev.ContactEvent) -> bool:
        return send_now(LIVE.item(event, activity_from_domain))

    return deliver_now
