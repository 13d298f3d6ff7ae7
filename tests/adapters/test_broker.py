"""The Redis broker's recovery, at the seam between it and Redis: when a replay may start."""

from __future__ import annotations

import pytest

from adapters.broker import GAP, RedisBroker


class PausedPubSub:
    """A pub/sub whose SUBSCRIBE has been sent and not yet confirmed by Redis."""

    subscribed = True

    def __init__(self) -> None:
        self.channels: list[str] = []

    async def subscribe(self, *names: str) -> None:
        self.channels.extend(names)

    async def aclose(self) -> None:
        return None


async def test_after_an_outage_gap_waits_for_redis_to_confirm_the_channel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A replay started before Redis holds the subscription again could miss an event
    published in between: GAP (which starts the replay) goes out on the confirmation."""
    broker = RedisBroker("redis://127.0.0.1:1/0")  # never connected: the pub/sub is a fake
    pubsub = PausedPubSub()
    monkeypatch.setattr(broker.redis, "pubsub", lambda: pubsub)
    broker._pubsub = PausedPubSub()
    sub, _ = broker.local.add("channel")
    await broker._resubscribe()
    assert pubsub.channels == ["channel"]
    assert sub.queue.empty()  # sent, not confirmed: too early to replay
    broker._handle({"type": "subscribe", "channel": b"channel", "data": 1})
    assert sub.queue.get_nowait() is GAP
    broker._handle({"type": "subscribe", "channel": b"channel", "data": 1})  # a later one
    assert sub.queue.empty()
    await broker.redis.aclose()
