"""What webhook tests share: endpoints made through the API (and deleted after the test),
and a worker of the test's own that delivers to loopback receivers quickly."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant

from adapters.outbound import AddressGuard
from adapters.webhooks import WebhookSender
from domain.webhooks import RetryPolicy
from persistence.tables import LOCATION
from persistence.webhook_queue import SCAN_BATCH, scan_events
from server.webhook_worker import WebhookWorker


async def scan_all(engine: AsyncEngine, now: datetime | None = None) -> None:
    """Turn every committed event into deliveries. The tests' database holds every test's
    events and one scan reads at most SCAN_BATCH of them, so scan until the log is read."""
    at = now or datetime.now(UTC)
    while await scan_events(engine, at, timedelta(minutes=10)) == SCAN_BATCH:
        pass


FAST = RetryPolicy(initial=0.05, max_delay=0.2, give_up_after=timedelta(seconds=60))
ENDPOINT = "webhookEndpoint { id url eventKinds enabled disabledReason createdAt updatedAt }"
DELIVERIES = """query($id: ID!, $first: Int, $after: String, $filter: WebhookDeliveryFilter) {
  webhookEndpoint(id: $id) { id enabled disabledReason
    deliveries(first: $first, after: $after, filter: $filter) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { id eventId eventKind type contactId status attemptCount nextAttemptAt
        attempts { at statusCode durationMs error } } } } } }"""


async def create_endpoint(t: Tenant, url: str, **input: Any) -> dict[str, Any]:
    """The payload: ``webhookEndpoint`` and its ``secret``."""
    payload = await t.mutate(
        "webhookEndpointCreate", {"url": url, **input}, selection=f"secret {ENDPOINT}"
    )
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def delete_endpoints(t: Tenant) -> None:
    found = await t.gql("{ webhookEndpoints(first: 100) { edges { node { id } } } }")
    for edge in found["webhookEndpoints"]["edges"]:
        await t.mutate("webhookEndpointDelete", {"id": edge["node"]["id"]}, selection=ENDPOINT)


async def deliveries(t: Tenant, endpoint_id: str, **variables: Any) -> list[dict[str, Any]]:
    data = await t.gql(DELIVERIES, {"id": endpoint_id, "first": 100, **variables})
    return [e["node"] for e in data["webhookEndpoint"]["deliveries"]["edges"]]


@asynccontextmanager
async def running_worker(
    engine: AsyncEngine, policy: RetryPolicy = FAST, request_seconds: float = 2.0, **kw: Any
) -> AsyncIterator[WebhookWorker]:
    sender = WebhookSender(AddressGuard(allow_loopback=True), timeout=request_seconds)
    await sender.start()
    worker = WebhookWorker(engine, sender, policy=policy, poll_seconds=0.02, **kw)
    worker.start()
    try:
        yield worker
    finally:
        await worker.stop()
        await sender.stop()


async def another_tenant(t: Tenant, engine: AsyncEngine) -> Tenant:
    """A second location, as the `tenant` fixture makes one."""
    location_id = str(uuid.uuid4())
    async with engine.begin() as conn:
        await conn.execute(
            insert(LOCATION).values(id=location_id, name="other", created_at=datetime.now(UTC))
        )
    return Tenant(t.client, t.settings, location_id)
