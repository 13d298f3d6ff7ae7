"""Event brokers: how committed events reach the subscriptions watching a contact.

Two implementations of one interface: in-process (the embedded default, one replica) and
Redis pub/sub (any number of replicas). Pub/sub can drop messages (a Redis restart, a slow
subscriber); instead of hiding that, a subscription receives :data:`GAP` and replays what it
missed from the database, which is the source of truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Any, Final

import orjson
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from domain.events import ContactEvent, EventKind, FieldChange
from domain.ports import Broker, contact_channel

log = logging.getLogger(__name__)


class _Gap:
    def __repr__(self) -> str:
        return "GAP"


GAP: Final = _Gap()
"""Delivered instead of events that may have been lost: replay from the database."""

Delivery = ContactEvent | _Gap
QUEUE_SIZE = 1_000
"""Events buffered per subscription; a subscriber further behind gets GAP and replays."""


def encode(event: ContactEvent) -> bytes:
    return orjson.dumps(
        {
            "id": event.id,
            "sequence": event.sequence,
            "kind": event.kind.value,
            "contact_id": event.contact_id,
            "location_id": event.location_id,
            "actor_id": event.actor_id,
            "occurred_at": event.occurred_at.isoformat(),
            "changes": [[c.field, c.before, c.after] for c in event.changes],
        }
    )


def decode(data: bytes | str) -> ContactEvent:
    raw: dict[str, Any] = orjson.loads(data)
    return ContactEvent(
        id=raw["id"],
        sequence=raw["sequence"],
        kind=EventKind(raw["kind"]),
        contact_id=raw["contact_id"],
        location_id=raw["location_id"],
        actor_id=raw["actor_id"],
        occurred_at=datetime.fromisoformat(raw["occurred_at"]),
        changes=tuple(FieldChange(f, b, a) for f, b, a in raw["changes"]),
    )


class Subscription:
    """One consumer's view of one channel: an async iterator of events and GAPs.

    ``direct``, set by a consumer waiting with nothing queued, takes an item in the
    broker's delivery instead (True: handled, in order, nothing to queue), so a fan-out
    to many local consumers need not wake each of them (``resolvers/activity.stream``)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Delivery] = asyncio.Queue(QUEUE_SIZE)
        self.direct: Callable[[Delivery], bool] | None = None

    def deliver(self, item: Delivery) -> None:
        direct = self.direct
        if direct is not None and self.queue.empty() and direct(item):
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            # too far behind: drop what is queued and tell it to replay from the database
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(GAP)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Delivery:
        return await self.queue.get()


class _LocalFanOut:
    """The subscriptions of this process, by channel."""

    def __init__(self) -> None:
        self.subscribers: dict[str, set[Subscription]] = defaultdict(set)

    def deliver(self, name: str, item: Delivery) -> None:
        for sub in list(self.subscribers.get(name, ())):
            sub.deliver(item)

    def deliver_all(self, item: Delivery) -> None:
        for name in list(self.subscribers):
            self.deliver(name, item)

    def add(self, name: str) -> tuple[Subscription, bool]:
        sub = Subscription()
        first = not self.subscribers[name]
        self.subscribers[name].add(sub)
        return sub, first

    def remove(self, name: str, sub: Subscription) -> bool:
        """Returns True when the channel has no local subscriber left."""
        subs = self.subscribers.get(name)
        if subs is None:
            return False
        subs.discard(sub)
        if not subs:
            del self.subscribers[name]
            return True
        return False


class InProcessBroker:
    """The embedded default: events reach subscriptions of this process only."""

    def __init__(self) -> None:
        self.local = _LocalFanOut()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, events: Sequence[ContactEvent]) -> None:
        for event in events:
            self.local.deliver(contact_channel(event.location_id, event.contact_id), event)

    @contextlib.asynccontextmanager
    async def subscribe(self, name: str) -> AsyncIterator[Subscription]:
        sub, _ = self.local.add(name)
        try:
            yield sub
        finally:
            self.local.remove(name, sub)


class RedisBroker:
    """Redis pub/sub shared by every replica; one pub/sub connection per process.

    If the connection to Redis breaks, or Redis is down when a channel is first subscribed,
    it reconnects with back-off, subscribes every local channel again, and sends each of their
    subscriptions GAP once Redis confirms the channel, so each replays from the database what
    it missed and goes on live from there: nothing published after the confirmation can be
    missed, nothing before it escapes the replay.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.redis: aioredis.Redis = aioredis.from_url(url)
        self.local = _LocalFanOut()
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._confirmed: dict[str, asyncio.Event] = {}
        self._broken = False
        """Set when the pub/sub connection must be rebuilt (the reader does it)."""
        self._replay_on_confirm: set[str] = set()
        """Channels subscribed again after an outage: GAP goes out when Redis confirms."""

    async def start(self) -> None:
        self._pubsub = self.redis.pubsub()
        self._reader = asyncio.create_task(self._read_forever(), name="redis-broker-reader")

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            await self._pubsub.aclose()
        await self.redis.aclose()

    async def publish(self, events: Sequence[ContactEvent]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.publish(contact_channel(event.location_id, event.contact_id), encode(event))
            await pipe.execute()

    @contextlib.asynccontextmanager
    async def subscribe(self, name: str) -> AsyncIterator[Subscription]:
        sub, first = self.local.add(name)
        try:
            if first:
                try:
                    await self._subscribe_channel(name)
                except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                    # the subscription replays from the database meanwhile; the reader
                    # reconnects, subscribes the channel and sends GAP once Redis confirms
                    log.warning("redis unavailable subscribing to %s (%s); retrying", name, exc)
                    self._broken = True
            yield sub
        finally:
            if self.local.remove(name, sub):
                with contextlib.suppress(RedisConnectionError, RedisTimeoutError):
                    await self._pubsub.unsubscribe(name)

    async def _subscribe_channel(self, name: str) -> None:
        """Subscribe and wait until Redis confirms, so nothing published after this returns
        can be missed (the caller replays from the database what came before)."""
        confirmed = self._confirmed.setdefault(name, asyncio.Event())
        confirmed.clear()
        await self._pubsub.subscribe(name)
        try:
            await asyncio.wait_for(confirmed.wait(), timeout=5)
        except TimeoutError:
            log.warning("redis did not confirm the subscription to %s in time", name)

    async def _read_forever(self) -> None:
        backoff = 0.1
        down = False
        while True:
            try:
                if self._broken:
                    self._broken = False  # a failure from here on sets it again
                    await self._resubscribe()
                    down, backoff = False, 0.1
                if not self._pubsub.subscribed:
                    await asyncio.sleep(0.05)
                    continue
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=False, timeout=1.0
                )
                if message is not None:
                    self._handle(message)
            except asyncio.CancelledError:
                raise
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                if not down:
                    log.warning("redis broker connection lost (%s); reconnecting", exc)
                    self.local.deliver_all(GAP)
                down = self._broken = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def _handle(self, message: dict[str, Any]) -> None:
        name = message["channel"].decode()
        if message["type"] == "subscribe":
            self._confirmed.setdefault(name, asyncio.Event()).set()
            if name in self._replay_on_confirm:
                self._replay_on_confirm.discard(name)
                self.local.deliver(name, GAP)
        elif message["type"] == "message":
            self.local.deliver(name, decode(message["data"]))

    async def _resubscribe(self) -> None:
        """After a lost connection: a fresh pub/sub and every local channel again. GAP waits
        for Redis's confirmation of each channel (``_handle``): a replay started before Redis
        has the subscription could miss an event published in between."""
        old, self._pubsub = self._pubsub, self.redis.pubsub()  # new subscribers use the new one
        channels = list(self.local.subscribers)
        self._replay_on_confirm = set(channels)
        with contextlib.suppress(Exception):
            await old.aclose()
        if channels:
            await self._pubsub.subscribe(*channels)
        log.info("redis broker reconnected; %d channels resubscribed", len(channels))


def create_broker(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else InProcessBroker()
