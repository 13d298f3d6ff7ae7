"""The delivery worker's queries: turning committed events into deliveries, leasing the due
ones, and storing how an attempt went. Any number of workers (replicas) may run them at once.

**Scanning the log.** Sequence numbers are handed out when events are inserted, not when
they commit, so on PostgreSQL a number can become visible after a higher one (SQLite has one
writer at a time and cannot do this). The scan position therefore keeps, besides the highest
sequence read, the *gaps* below it: numbers no committed event had when the scan passed
them. Each scan reads the events after the position and those filling a gap; a gap is
forgotten once filled, or after ``gap_ttl`` (a number whose transaction rolled back stays
unfilled for ever; a commit never takes that long after its insert). Nothing waits on a gap:
later events are delivered meanwhile. This cannot break a contact's order: before numbering
its events a unit of work locks their contacts' rows until it commits
(``persistence/uow.py``), so a contact's later event is never visible before its earlier
one. The position row is locked while a scan runs, so two scanners never read the same gap
twice; the unique (endpoint, event) key makes a repeated scan harmless anyway.

**Leasing.** A delivery is due when it is PENDING, its time has come, its endpoint is
enabled, no other worker holds an unexpired lease on it, and no earlier event of the same
contact is still PENDING for the same endpoint (per-contact order). One statement takes the
lease: ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)`` on PostgreSQL, the same
conditional UPDATE of ``lease_until`` on SQLite, whose single writer serialises it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.events import ContactEvent
from domain.ports import new_id
from domain.visibility import named_contacts
from domain.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from persistence.mappers import event_from_row
from persistence.tables import CONTACT, EVENT, WEBHOOK_ATTEMPT, WEBHOOK_DELIVERY, WEBHOOK_SCAN
from persistence.tables import WEBHOOK_ENDPOINT as ENDPOINT
from persistence.webhooks import attempt_row, delivery_from_row, endpoint_from_row

WD, WE = WEBHOOK_DELIVERY.c, ENDPOINT.c
POSITION = "events"
PENDING = DeliveryStatus.PENDING.value
SCAN_BATCH = 500
"""Events one scan reads at most."""
MAX_GAP_RUN = 1000
"""More missing numbers in a row than this are a jump of the sequence (PostgreSQL skips up
to its cache size after a crash; an admin may restart it), not transactions in flight."""


@dataclass(frozen=True)
class ScanPosition:
    sequence: int
    gaps: dict[int, datetime]


def _next_position(
    position: ScanPosition, read: Sequence[int], now: datetime, gap_ttl: timedelta
) -> ScanPosition:
    """The position after reading the sequences ``read`` (ascending)."""
    gaps = {s: at for s, at in position.gaps.items() if s not in read and now - at < gap_ttl}
    last = position.sequence
    for sequence in read:
        if sequence > last:
            if sequence - last <= MAX_GAP_RUN:
                gaps.update(dict.fromkeys(range(last + 1, sequence), now))
            last = sequence
    return ScanPosition(last, gaps)


async def _locked_position(conn: AsyncConnection, now: datetime) -> ScanPosition:
    if conn.dialect.name == "sqlite":  # take the write lock before reading (one scanner)
        await conn.execute(
            update(WEBHOOK_SCAN).where(WEBHOOK_SCAN.c.name == POSITION).values(name=POSITION)
        )
    stmt = select(WEBHOOK_SCAN).where(WEBHOOK_SCAN.c.name == POSITION).with_for_update()
    row = (await conn.execute(stmt)).mappings().first()
    if row is None:  # a database made without the migration's first row
        top = select(EVENT.c.sequence).order_by(EVENT.c.sequence.desc()).limit(1)
        start = (await conn.execute(top)).scalar() or 0
        await conn.execute(
            insert(WEBHOOK_SCAN).values(name=POSITION, sequence=start, gaps=[], updated_at=now)
        )
        return ScanPosition(start, {})
    gaps = {int(s): datetime.fromisoformat(at) for s, at in row["gaps"]}
    return ScanPosition(int(row["sequence"]), gaps)


async def scan_events(
    engine: AsyncEngine, now: datetime, gap_ttl: timedelta, batch: int = SCAN_BATCH
) -> int:
    """Turn the next committed events into deliveries for the enabled endpoints that want
    them; returns how many events were read (``batch`` at most: call again while it is)."""
    async with engine.begin() as conn:
        position = await _locked_position(conn, now)
        wanted = or_(EVENT.c.sequence > position.sequence, EVENT.c.sequence.in_(position.gaps))
        stmt = select(EVENT).where(wanted).order_by(EVENT.c.sequence).limit(batch)
        events = [event_from_row(r) for r in (await conn.execute(stmt)).mappings()]
        await _deliveries_for(conn, events, now)
        after = _next_position(position, [e.sequence or 0 for e in events], now, gap_ttl)
        if after != position:
            await conn.execute(
                update(WEBHOOK_SCAN)
                .where(WEBHOOK_SCAN.c.name == POSITION)
                .values(
                    sequence=after.sequence,
                    gaps=[[s, at.isoformat()] for s, at in sorted(after.gaps.items())],
                    updated_at=now,
                )
            )
        return len(events)


async def _deliveries_for(
    conn: AsyncConnection, events: Sequence[ContactEvent], now: datetime
) -> None:
    locations = {e.location_id for e in events}
    if not locations:
        return
    stmt = select(ENDPOINT).where(WE.location_id.in_(locations), WE.enabled)
    endpoints = [endpoint_from_row(r) for r in (await conn.execute(stmt)).mappings()]
    rows = [
        {
            "id": new_id(),
            "location_id": e.location_id,
            "endpoint_id": endpoint.id,
            "event_id": e.id,
            "event_sequence": e.sequence,
            "event_kind": e.kind.value,
            "contact_id": e.contact_id,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "started_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for e in events
        for endpoint in endpoints
        if endpoint.location_id == e.location_id
        and endpoint.wants(e.kind)
        and (e.sequence or 0) > endpoint.start_after_sequence
    ]
    if rows:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        await conn.execute(dialect.insert(WEBHOOK_DELIVERY).on_conflict_do_nothing(), rows)


@dataclass(frozen=True)
class Leased:
    """A delivery this worker may send until ``until``, with what it needs to send it.
    ``located``: the contacts the event names that are in the endpoint's location."""

    delivery: WebhookDelivery
    endpoint: WebhookEndpoint
    event: ContactEvent
    located: frozenset[str]
    until: datetime


def _due(now: datetime, limit: int, skip_locked: bool) -> Any:
    candidate, earlier = WEBHOOK_DELIVERY.alias("candidate"), WEBHOOK_DELIVERY.alias("earlier")
    c = candidate.c
    blocked = exists().where(
        earlier.c.endpoint_id == c.endpoint_id,
        earlier.c.contact_id == c.contact_id,
        earlier.c.status == PENDING,
        earlier.c.event_sequence < c.event_sequence,
    )
    stmt = (
        select(c.id)
        .where(
            c.status == PENDING,
            c.next_attempt_at <= now,
            or_(c.lease_until.is_(None), c.lease_until < now),
            c.endpoint_id.in_(select(WE.id).where(WE.enabled)),
            ~blocked,
        )
        .order_by(c.next_attempt_at, c.event_sequence)
        .limit(limit)
    )
    return stmt.with_for_update(skip_locked=True) if skip_locked else stmt


async def lease_due(
    engine: AsyncEngine, owner: str, now: datetime, lease_for: timedelta, limit: int = 20
) -> list[Leased]:
    """Lease up to ``limit`` due deliveries for ``owner``, oldest due first."""
    until = now + lease_for
    async with engine.begin() as conn:
        skip_locked = conn.dialect.name == "postgresql"
        stmt = (
            update(WEBHOOK_DELIVERY)
            .where(
                WD.id.in_(_due(now, limit, skip_locked)),
                WD.status == PENDING,
                or_(WD.lease_until.is_(None), WD.lease_until < now),
            )
            .values(lease_owner=owner, lease_until=until)
            .returning(WD.id)
        )
        ids = list((await conn.execute(stmt)).scalars())
        if not ids:
            return []
        return await _leased(conn, ids, until)


async def _leased(conn: AsyncConnection, ids: list[str], until: datetime) -> list[Leased]:
    rows = (await conn.execute(select(WEBHOOK_DELIVERY).where(WD.id.in_(ids)))).mappings()
    deliveries = [delivery_from_row(r) for r in rows]
    endpoint_ids = {d.endpoint_id for d in deliveries}
    found = await conn.execute(select(ENDPOINT).where(WE.id.in_(endpoint_ids)))
    endpoints = {r["id"]: endpoint_from_row(r) for r in found.mappings()}
    found = await conn.execute(
        select(EVENT).where(EVENT.c.id.in_({d.event_id for d in deliveries}))
    )
    events = {r["id"]: event_from_row(r) for r in found.mappings()}
    named = named_contacts(events.values())
    located: set[tuple[str, str]] = set()
    if named:
        stmt = select(CONTACT.c.location_id, CONTACT.c.id).where(CONTACT.c.id.in_(named))
        located = {(loc, cid) for loc, cid in (await conn.execute(stmt)).all()}
    out = []
    for d in sorted(deliveries, key=lambda d: d.event_sequence):
        event = events[d.event_id]
        here = frozenset(cid for loc, cid in located if loc == d.location_id)
        out.append(Leased(d, endpoints[d.endpoint_id], event, here, until))
    return out


async def finish_attempt(
    engine: AsyncEngine,
    owner: str,
    leased: Leased,
    attempt: WebhookAttempt,
    next_attempt_at: datetime | None,
    disable_reason: str | None = None,
) -> bool:
    """Store the attempt, and the delivery's new state if ``owner`` still holds its lease:
    DELIVERED for a success, PENDING until ``next_attempt_at``, or FAILED (None) -- then the
    endpoint is disabled with ``disable_reason``. Returns whether the lease was still held."""
    d = leased.delivery
    if attempt.succeeded:
        status, due = DeliveryStatus.DELIVERED, d.next_attempt_at
    elif next_attempt_at is not None:
        status, due = DeliveryStatus.PENDING, next_attempt_at
    else:
        status, due = DeliveryStatus.FAILED, d.next_attempt_at
    async with engine.begin() as conn:
        try:
            async with conn.begin_nested():  # the endpoint may have been deleted meanwhile
                await conn.execute(
                    insert(WEBHOOK_ATTEMPT).values(attempt_row(attempt, d.location_id))
                )
        except IntegrityError:
            return False
        result = await conn.execute(
            update(WEBHOOK_DELIVERY)
            .where(WD.id == d.id, WD.lease_owner == owner, WD.lease_until == leased.until)
            .values(
                status=status.value,
                attempts=WD.attempts + 1,
                next_attempt_at=due,
                lease_owner=None,
                lease_until=None,
                updated_at=attempt.at,
            )
        )
        held = bool(result.rowcount == 1)
        if held and status is DeliveryStatus.FAILED and disable_reason is not None:
            await conn.execute(
                update(ENDPOINT)
                .where(and_(WE.id == d.endpoint_id, WE.enabled))
                .values(enabled=False, disabled_reason=disable_reason, updated_at=attempt.at)
            )
        return held
