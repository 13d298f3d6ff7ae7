"""Prometheus metrics on /metrics: scraped before and after a few operations, each series
moves by what the operations did -- requests by outcome, latency, SQL per request (the same
count as the StatementCounter), the pool, live subscriptions and the broker's lag and gaps."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets
from pydantic import SecretStr
from watch_support import (
    Running,
    eventually,
    running,
    samples,
    scrape,
    serving,
    settings_for,
    watch,
)

from adapters.broker import GAP
from persistence.db import StatementCounter
from server.auth import issue_token
from server.metrics import OperationLabels

PROBE = (
    "query MetricsProbe($id: ID!) { contact(id: $id) { firstName customFields { field { key } } } }"
)
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture(scope="module")
async def watched(database_url: str) -> AsyncIterator[Running]:
    async with running(settings_for(database_url)) as app:
        yield app


def value(s: Samples, name: str, **labels: str) -> float:
    return s.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


async def test_requests_are_counted_by_operation_and_outcome(
    watched: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = watched.tenant()
    contact = await tenant.create_contact(firstName="Count")
    variables = {"id": contact["id"]}
    before = await scrape(watched.client)
    for _ in range(2):
        assert "errors" not in await tenant.raw(PROBE, variables, tenant.admin)
    assert (await tenant.raw(PROBE, variables, viewer=None))["errors"]  # no token
    bad = "query MetricsProbe($id: ID!) { contact(id: $id) { noSuchField } }"
    assert (await tenant.raw(bad, variables, tenant.admin))["errors"]
    twelve = [{"number": f"+1415555{i:04d}"} for i in range(100, 112)]
    made = await tenant.raw(
        "mutation MetricsMake($i: ContactCreateInput!) { contactCreate(input: $i) "
        "{ userErrors { code } } }",
        {"i": {"firstName": "Too", "phones": twelve}},
        tenant.admin,
    )
    assert made["data"]["contactCreate"]["userErrors"] == [{"code": "LIMIT_EXCEEDED"}]
    from resolvers import contact as resolvers

    async def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(resolvers, "custom_values", broken)  # a resolved field
    assert (await tenant.raw(PROBE, variables, tenant.admin))["errors"]
    after = await scrape(watched.client)

    total = "contact_graph_graphql_requests_total"
    probe = {"operation": "MetricsProbe"}
    assert moved(before, after, total, **probe, outcome="ok") == 2
    assert moved(before, after, total, **probe, outcome="unauthenticated") == 1
    assert moved(before, after, total, **probe, outcome="graphql_error") == 1
    assert moved(before, after, total, **probe, outcome="masked") == 1
    assert moved(before, after, total, operation="MetricsMake", outcome="user_error") == 1
    duration = "contact_graph_graphql_request_duration_seconds"
    assert moved(before, after, f"{duration}_count", **probe) == 5
    assert moved(before, after, f"{duration}_sum", **probe) > 0
    assert moved(before, after, f"{duration}_bucket", **probe, le="+Inf") == 5


async def test_sql_per_request_is_what_the_statement_counter_sees(watched: Running) -> None:
    tenant = watched.tenant()
    contact = await tenant.create_contact(firstName="Sql")
    engine = watched.app.state.runtime.engine
    before = await scrape(watched.client)
    with StatementCounter(engine) as counted:
        for _ in range(3):
            assert "errors" not in await tenant.raw(PROBE, {"id": contact["id"]}, tenant.admin)
    after = await scrape(watched.client)
    assert counted.count >= 3
    per_request = "contact_graph_graphql_request_sql_statements"
    probe = {"operation": "MetricsProbe"}
    assert moved(before, after, f"{per_request}_count", **probe) == 3
    assert moved(before, after, f"{per_request}_sum", **probe) == counted.count
    assert moved(before, after, "contact_graph_sql_statements_total") == counted.count
    assert moved(before, after, "contact_graph_sql_statement_duration_seconds_count") == (
        counted.count
    )
    assert moved(before, after, "contact_graph_graphql_request_sql_seconds_sum", **probe) > 0


async def test_the_pool_gauges_follow_checked_out_connections(watched: Running) -> None:
    engine = watched.app.state.runtime.engine
    at_rest = await scrape(watched.client)
    assert value(at_rest, "contact_graph_db_pool_checked_out") == 0
    pool_size = watched.app.state.runtime.settings.db_pool_size
    expected_size = 0 if engine.dialect.name == "sqlite" else pool_size
    assert value(at_rest, "contact_graph_db_pool_size") == expected_size
    async with engine.connect(), engine.connect():
        busy = await scrape(watched.client)
    assert value(busy, "contact_graph_db_pool_checked_out") == 2
    after = await scrape(watched.client)
    assert value(after, "contact_graph_db_pool_checked_out") == 0


async def test_reserved_webhook_counters_are_exported(watched: Running) -> None:
    s = await scrape(watched.client)
    for name in (
        "contact_graph_webhook_deliveries_total",
        "contact_graph_webhook_delivery_failures_total",
    ):
        assert s[(name, ())] == 0, name


async def test_live_subscriptions_broker_lag_and_gaps(watched: Running) -> None:
    tenant = watched.tenant()
    contact = await tenant.create_contact(firstName="Live")
    await tenant.mutate("contactTagsAdd", {"contactId": contact["id"], "tags": ["before"]})
    timeline = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { activity(first: 5) { edges { cursor } } } }",
        {"id": contact["id"]},
    )
    created = timeline["contact"]["activity"]["edges"][-1]["cursor"]  # the oldest event
    broker = watched.app.state.runtime.broker
    token = issue_token(tenant.admin, watched.settings)
    before = await scrape(watched.client)

    async def metric(name: str) -> float:
        return moved(before, await scrape(watched.client), name)

    async with (
        serving(watched.app) as address,
        websockets.connect(
            f"ws://{address}/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        ) as ws,
    ):

        async def receive() -> dict[str, Any]:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
            return message

        await watch(ws, token, contact["id"], after=created)
        assert (await receive())["type"] == "next"  # the tag added before: a replay

        async def subscribed() -> bool:
            return any(contact["id"] in name for name in broker.local.subscribers)

        await eventually(subscribed, "the subscription reached the broker")
        assert await metric("contact_graph_subscriptions_active") == 1
        assert await metric("contact_graph_broker_delivery_lag_seconds_count") == 0
        await tenant.mutate("contactTagsAdd", {"contactId": contact["id"], "tags": ["x"]})
        assert (await receive())["type"] == "next"

        async def lag_observed() -> bool:
            return await metric("contact_graph_broker_delivery_lag_seconds_count") == 1

        await eventually(lag_observed, "the delivery's lag is observed once it was sent")
        assert await metric("contact_graph_broker_delivery_lag_seconds_sum") > 0
        broker.local.deliver_all(GAP)  # as the Redis broker does when it reconnects

        async def gap_counted() -> bool:
            return await metric("contact_graph_broker_gaps_total") == 1

        await eventually(gap_counted, "the gap is counted")
    # the replay after a gap is not a live delivery
    assert await metric("contact_graph_broker_delivery_lag_seconds_count") == 1

    async def ended() -> bool:
        return await metric("contact_graph_subscriptions_active") == 0

    await eventually(ended, "the subscription ends with its socket")


async def test_metrics_can_require_a_token_or_be_off(database_url: str) -> None:
    token = SecretStr("scrape-secret")
    async with running(settings_for(database_url, metrics_token=token)) as app:
        refused = await app.client.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        wrong = await app.client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        allowed = await app.client.get(
            "/metrics", headers={"Authorization": "Bearer scrape-secret"}
        )
        assert allowed.status_code == 200
        assert samples(allowed.text)
    async with running(settings_for(database_url, metrics=False)) as app:
        assert (await app.client.get("/metrics")).status_code == 404


def test_operation_labels_are_bounded() -> None:
    labels = OperationLabels(limit=2)
    assert labels.label(None, admit=True) == "anonymous"
    assert labels.label("Stranger", admit=False) == "other"  # unauthenticated: not admitted
    assert labels.label("One", admit=True) == "One"
    assert labels.label("not a name!", admit=True) == "other"
    assert labels.label("Two", admit=True) == "Two"
    assert labels.label("Three", admit=True) == "other"  # past the limit
    assert labels.label("One", admit=False) == "One"  # admitted once, kept


async def test_a_failure_to_record_never_fails_the_request(
    watched: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("metrics broke")

    monkeypatch.setattr(watched.app.state.observability.metrics, "operation_done", broken)
    tenant = watched.tenant()
    body = await tenant.raw("query Fine { contacts(first: 1) { totalCount } }", {}, tenant.admin)
    assert body["data"] == {"contacts": {"totalCount": 0}}
    assert "errors" not in body
    assert any("metrics broke" in str(r.exc_info) for r in caplog.records)
