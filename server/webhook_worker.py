"""The webhook delivery worker: an asyncio task of every server process (when
CONTACT_GRAPH_WEBHOOKS_WORKER is on) that, every poll interval,

1. scans newly committed events into deliveries (``persistence/webhook_queue.py``),
2. leases the due deliveries in the database, so replicas share the work and never send one
   at the same time, and sends them concurrently -- a contact's later event only after its
   earlier one was delivered to that endpoint,
3. stores each attempt; a failure is retried with exponential backoff and jitter
   (``domain.webhooks.RetryPolicy``) until the retry window has passed, when the delivery is
   FAILED and its endpoint disabled with the reason.

Everything it knows is in the database: a restart (or a crash mid-send, once the lease has
run out) loses nothing, and an event is sent at least once -- receivers deduplicate on
``webhook-id``, the event's id. It needs no Redis and runs on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.webhooks import WebhookSender
from domain.ports import Clock, SystemClock
from domain.webhook_bodies import webhook_body
from domain.webhooks import RetryPolicy, WebhookAttempt
from persistence.webhook_queue import (
    SCAN_BATCH,
    Leased,
    finish_attempt,
    lease_due,
    scan_events,
)

log = logging.getLogger(__name__)


class WebhookWorker:
    def __init__(
        self,
        engine: AsyncEngine,
        sender: WebhookSender,
        *,
        policy: RetryPolicy | None = None,
        clock: Clock | None = None,
        poll_seconds: float = 1.0,
        batch: int = 20,
        gap_ttl: timedelta = timedelta(minutes=10),
        owner: str | None = None,
    ) -> None:
        self.engine = engine
        self.sender = sender
        self.policy = policy or RetryPolicy()
        self.clock = clock or SystemClock()
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.gap_ttl = gap_ttl
        self.owner = owner or f"worker-{uuid.uuid4()}"
        # a lease outlives an attempt's deadline with room to spare
        self.lease_for = timedelta(seconds=sender.deadline + 30)
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=self.owner)

    async def stop(self, grace: float = 5.0) -> None:
        """Let the round in progress finish (its sends and their results stored) for up to
        ``grace`` seconds, then cancel it: a send cut short goes out again once its lease
        has run out."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        _done, left = await asyncio.wait([task], timeout=grace)
        for pending in left:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pending
        self._stopping = asyncio.Event()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be away for a while: try again later
                log.exception("webhook worker round failed")
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.poll_seconds)

    async def run_once(self) -> bool:
        """One round: scan, lease, send. True when there may be more to do at once."""
        now = self.clock.now()
        scanned = await scan_events(self.engine, now, self.gap_ttl)
        leased = await lease_due(self.engine, self.owner, now, self.lease_for, self.batch)
        results = await asyncio.gather(
            *(self._deliver(item) for item in leased), return_exceptions=True
        )
        for item, result in zip(leased, results, strict=True):
            if isinstance(result, Exception):  # its lease runs out; it is sent again then
                log.error("webhook delivery %s failed", item.delivery.id, exc_info=result)
        return scanned >= SCAN_BATCH or len(leased) >= self.batch

    async def _deliver(self, item: Leased) -> None:
        endpoint, event = item.endpoint, item.event
        body = webhook_body(event, lambda contact_id: contact_id in item.located)
        at = self.clock.now()
        sent = await self.sender.send(endpoint.url, endpoint.secret, event.id, body, at)
        attempt = WebhookAttempt(
            delivery_id=item.delivery.id,
            at=at,
            status_code=sent.status_code,
            duration_ms=sent.duration_ms,
            error=sent.error,
        )
        retry_at, reason = None, None
        if not attempt.succeeded:
            failed = item.delivery
            failed.attempts += 1
            retry_at = self.policy.next_attempt(failed, at)
            if retry_at is None:
                reason = (
                    f"a delivery failed for {self.policy.give_up_after} "
                    f"({failed.attempts} attempts; last: {sent.error})"
                )[:1000]
                log.warning("webhook endpoint %s disabled: %s", endpoint.id, reason)
        await finish_attempt(self.engine, self.owner, item, attempt, retry_at, reason)
