"""The event log's three views: activity timeline, audit log, live subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable

from graphql import GraphQLError

from domain.activity import ActivityFilter, EventSortField
from domain.events import ContactEvent
from domain.ports import contact_channel, direct_delivery
from domain.visibility import named_contacts, redact
from persistence.activity import events_after, last_sequence
from persistence.mappers import event_from_row
from persistence.paging import InvalidCursor, cursor_int, decode_cursor, encode_cursor
from persistence.tab_pages import PageRequest
from resolvers.common import Info, bad_cursor, page_request, tab_page

VISIBILITY_FIELDS = frozenset({"owner", "followers"})
"""A restricted viewer sees a contact as its owner or a follower: only events that change
one of these fields (whatever their kind -- an upsert changes the owner too) can take the
contact out of their sight."""


def may_change_visibility(event: ContactEvent) -> bool:
    return any(change.field in VISIBILITY_FIELDS for change in event.changes)


def cursor_of(event: ContactEvent) -> str:
    """The same cursor the timeline's edges carry, so either resumes a subscription."""
    return encode_cursor([event.sequence, event.id])


SORT_COLUMNS = {EventSortField.OCCURRED_AT: "sequence"}
"""The log's commit order: `occurredAt` order, exact (no ties), and the position every
cursor carries -- so any item's cursor, in either direction, resumes the subscription."""


def request(
    first: int | None,
    after: str | None,
    f: ActivityFilter | None,
    field: EventSortField,
    descending: bool,
) -> PageRequest:
    """The timeline's or the audit log's page, checked before any loader sees it."""
    return page_request(first, after, SORT_COLUMNS[field], descending, f)


async def page(
    info: Info, contact_id: str, request: PageRequest
) -> tuple[list[ContactEvent], list[str], bool]:
    """A page of the timeline or the audit log, as the viewer may see it."""
    events, cursors, has_next = await tab_page(
        info.context.loaders.activity, contact_id, request, event_from_row
    )
    return await as_seen(info, events), cursors, has_next


async def as_seen(info: Info, events: list[ContactEvent]) -> list[ContactEvent]:
    """The events without the contacts the viewer may not see (domain/visibility.py), the
    contacts they name checked through the contact loader: one statement for every page of
    a response, none for a viewer who sees every contact."""
    ctx = info.context
    named = sorted(named_contacts(events)) if ctx.viewer.assigned_only else []
    if not named:
        return events
    found = await ctx.loaders.contact.load_many(named)
    visible = {contact_id for contact_id, c in zip(named, found, strict=True) if c is not None}
    return [redact(e, visible.__contains__) for e in events]


async def count(info: Info, contact_id: str, f: ActivityFilter | None) -> int:
    return await info.context.loaders.activity_count.load((contact_id, f))


def _sequence_of(after: str) -> int:
    try:
        sequence, _ = decode_cursor(after, 2)
        return cursor_int(after, sequence)
    except InvalidCursor as exc:
        raise bad_cursor(exc) from exc


async def _visible(info: Info, contact_id: str) -> bool:
    """Checked with fresh loaders: the websocket's context outlives many events."""
    return await info.context.fresh_loaders().contact.load(contact_id) is not None


async def stream(
    info: Info,
    contact_id: str,
    after: str | None,
    deliver_now: Callable[[ContactEvent], bool] | None = None,
) -> AsyncGenerator[ContactEvent, None]:
    """Each new event of a contact, as it is committed, with no gap and no duplicate.

    Subscribes to the broker first, then replays from the database what came after the
    client's cursor (nothing, without one), then goes live, skipping anything already sent.
    A GAP from the broker (Redis reconnected, subscriber too slow) replays again from the
    last event sent: the database, not the broker, is the source of truth.

    ``deliver_now`` (the live sink's ``send_now``) may take a live event in the broker's
    delivery instead of this generator yielding it -- while it waits with nothing queued,
    and only an event needing no await here (no visibility re-check, no redaction): the
    same checks and order, without waking the subscriber's task per event.
    """
    ctx = info.context
    viewer = ctx.viewer
    start = _sequence_of(after) if after else None
    if not await _visible(info, contact_id):
        raise GraphQLError("no contact with this id", extensions={"code": "NOT_FOUND"})
    async with ctx.broker.subscribe(contact_channel(viewer.location_id, contact_id)) as live:
        async with ctx.engine.connect() as conn:
            last = start if start is not None else await last_sequence(conn, contact_id)
        replaying = True
        observer = ctx.live_observer

        def take(item: object) -> bool:
            """A live event delivered here and now (False: it goes to the queue)."""
            nonlocal last
            if not isinstance(item, ContactEvent) or deliver_now is None:
                return False
            assert item.sequence is not None
            if item.sequence <= last:
                return True  # already sent: replayed, then delivered live as well
            if viewer.assigned_only and (may_change_visibility(item) or named_contacts([item])):
                return False  # a visibility re-check or a redaction: the awaiting way
            ctx.forget_loaders()
            try:
                if not deliver_now(item):
                    return False
            except Exception:  # raised again in the subscriber's own task
                return False
            last = item.sequence
            observer.delivered(item.occurred_at)
            return True

        direct = deliver_now is not None
        try:
            while True:
                is_live = not replaying
                if replaying:
                    async with ctx.engine.connect() as conn:
                        events = await events_after(conn, contact_id, last)
                    replaying = bool(events)
                else:
                    direct = direct and direct_delivery(live, take)
                    try:
                        item = await anext(live)
                    finally:
                        if direct:
                            direct_delivery(live, None)
                    replaying = not isinstance(item, ContactEvent)
                    events = [item] if isinstance(item, ContactEvent) else []
                    if replaying:
                        observer.gap()
                for event in events:
                    assert event.sequence is not None
                    if event.sequence <= last:
                        continue  # already sent: replayed, then delivered live as well
                    if (
                        viewer.assigned_only
                        and may_change_visibility(event)
                        and not await _visible(info, contact_id)
                    ):
                        return  # no longer theirs to watch
                    last = event.sequence
                    ctx.forget_loaders()
                    (seen,) = await as_seen(info, [event])
                    yield seen
                    if is_live:  # resumed once the event was sent: its lag from occurredAt
                        observer.delivered(event.occurred_at)
        finally:
            if direct:
                direct_delivery(live, None)
