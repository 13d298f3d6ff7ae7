"""Webhook endpoints through the API: the rules of create / update / rotate / delete, the
secret shown once, admins who see every contact only, and the lists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant
from webhook_support import ENDPOINT, another_tenant, create_endpoint, delete_endpoints, scan_all

from domain.errors import DomainError
from domain.ports import SystemClock
from domain.services import Services
from domain.viewer import Role
from domain.webhooks import MAX_ENDPOINTS, EndpointPatch
from domain.webhooks import create_endpoint as create_in_domain
from persistence.db import StatementCounter
from persistence.tables import WEBHOOK_DELIVERY
from persistence.uow import SqlUnitOfWork

URL = "https://hooks.example.com/in"
SECRET_FIELDS = ("secret", "signingSecret", "whsec")


@pytest.fixture
async def hooks(tenant: Tenant) -> AsyncIterator[Tenant]:
    try:
        yield tenant
    finally:
        await delete_endpoints(tenant)


def codes(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_create_shows_the_secret_once_and_the_endpoint_never(hooks: Tenant) -> None:
    made = await create_endpoint(hooks, URL, eventKinds=["NOTE_ADDED", "CONTACT_CREATED"])
    assert made["secret"].startswith("whsec_")
    endpoint = made["webhookEndpoint"]
    assert endpoint["url"] == URL
    assert endpoint["eventKinds"] == ["CONTACT_CREATED", "NOTE_ADDED"]
    assert endpoint["enabled"] is True
    assert endpoint["disabledReason"] is None
    listed = await hooks.gql(
        "{ webhookEndpoints { totalCount edges { node { id url eventKinds } } } }"
    )
    assert listed["webhookEndpoints"]["totalCount"] == 1
    assert made["secret"] not in str(listed)
    schema = await hooks.gql('{ __type(name: "WebhookEndpoint") { fields { name } } }')
    names = {f["name"] for f in schema["__type"]["fields"]}
    assert not any(s.lower() in n.lower() for n in names for s in SECRET_FIELDS)
    rotated = await hooks.mutate(
        "webhookEndpointSecretRotate", {"id": endpoint["id"]}, selection=f"secret {ENDPOINT}"
    )
    assert rotated["userErrors"] == []
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != made["secret"]


@pytest.mark.parametrize(
    ("input", "errors"),
    [
        ({"url": "ftp://hooks.example.com/"}, [(["input", "url"], "INVALID_VALUE")]),
        ({"url": "https://u:p@hooks.example.com/"}, [(["input", "url"], "INVALID_VALUE")]),
        ({"url": ""}, [(["input", "url"], "REQUIRED")]),
        ({"url": URL, "eventKinds": []}, [(["input", "eventKinds"], "REQUIRED")]),
        (
            {"url": "nope", "eventKinds": []},
            [(["input", "url"], "INVALID_VALUE"), (["input", "eventKinds"], "REQUIRED")],
        ),
    ],
)
async def test_bad_input_is_a_typed_error_and_writes_nothing(
    hooks: Tenant, input: dict[str, Any], errors: list[tuple[list[str], str]]
) -> None:
    payload = await hooks.mutate("webhookEndpointCreate", input, selection=f"secret {ENDPOINT}")
    assert codes(payload) == errors
    assert payload["webhookEndpoint"] is None
    assert payload["secret"] is None
    listed = await hooks.gql("{ webhookEndpoints { totalCount } }")
    assert listed["webhookEndpoints"]["totalCount"] == 0


async def test_https_is_required_without_the_development_setting(
    hooks: Tenant, engine: AsyncEngine
) -> None:
    """(The test app allows http:// for its receivers; production's default does not.)"""
    svc = Services(
        uow=lambda: SqlUnitOfWork(engine),
        clock=SystemClock(),
        files=None,  # type: ignore[arg-type]
    )
    with pytest.raises(DomainError, match="https://"):
        await create_in_domain(svc, hooks.admin, EndpointPatch(url="http://hooks.example.com/"))
    made = await create_in_domain(svc, hooks.admin, EndpointPatch(url=URL))
    assert made.url == URL


async def test_only_admins_who_see_every_contact(hooks: Tenant) -> None:
    made = await create_endpoint(hooks, URL)
    endpoint_id = made["webhookEndpoint"]["id"]
    for viewer in (
        hooks.viewer("user-plain"),
        hooks.viewer("user-restricted-admin", role=Role.ADMIN, assigned_only=True),
    ):
        for mutation, input in (
            ("webhookEndpointCreate", {"url": URL}),
            ("webhookEndpointUpdate", {"id": endpoint_id, "enabled": False}),
            ("webhookEndpointSecretRotate", {"id": endpoint_id}),
            ("webhookEndpointDelete", {"id": endpoint_id}),
            ("webhookDeliveryRetry", {"id": endpoint_id}),
        ):
            payload = await hooks.mutate(mutation, input, selection="__typename", viewer=viewer)
            assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"], mutation
        for query in (
            "{ webhookEndpoints { totalCount } }",
            f'{{ webhookEndpoint(id: "{endpoint_id}") {{ id }} }}',
        ):
            body = await hooks.raw(query, viewer=viewer)
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert URL not in str(body)
    still = await hooks.gql(
        "query($id: ID!) { webhookEndpoint(id: $id) { enabled } }", {"id": endpoint_id}
    )
    assert still["webhookEndpoint"] == {"enabled": True}


async def test_another_locations_endpoint_is_not_found(hooks: Tenant, engine: AsyncEngine) -> None:
    theirs = await another_tenant(hooks, engine)
    made = await create_endpoint(theirs, URL)
    endpoint_id = made["webhookEndpoint"]["id"]
    try:
        found = await hooks.gql(
            "query($id: ID!) { webhookEndpoint(id: $id) { id } }", {"id": endpoint_id}
        )
        assert found["webhookEndpoint"] is None
        for mutation in ("webhookEndpointUpdate", "webhookEndpointDelete"):
            payload = await hooks.mutate(mutation, {"id": endpoint_id}, selection=ENDPOINT)
            assert codes(payload) == [(["input", "id"], "NOT_FOUND")]
    finally:
        await delete_endpoints(theirs)


async def test_update_changes_only_what_it_names(hooks: Tenant) -> None:
    made = await create_endpoint(hooks, URL, eventKinds=["NOTE_ADDED"])
    endpoint_id = made["webhookEndpoint"]["id"]
    changed = await hooks.mutate(
        "webhookEndpointUpdate", {"id": endpoint_id, "enabled": False}, selection=ENDPOINT
    )
    assert changed["webhookEndpoint"]["enabled"] is False
    assert changed["webhookEndpoint"]["eventKinds"] == ["NOTE_ADDED"]
    every = await hooks.mutate(
        "webhookEndpointUpdate", {"id": endpoint_id, "eventKinds": None}, selection=ENDPOINT
    )
    assert every["webhookEndpoint"]["eventKinds"] is None  # null: every kind
    assert every["webhookEndpoint"]["url"] == URL
    bad = await hooks.mutate(
        "webhookEndpointUpdate", {"id": endpoint_id, "url": "ftp://x"}, selection=ENDPOINT
    )
    assert codes(bad) == [(["input", "url"], "INVALID_VALUE")]
    kept = await hooks.gql(
        "query($id: ID!) { webhookEndpoint(id: $id) { url } }", {"id": endpoint_id}
    )
    assert kept["webhookEndpoint"]["url"] == URL


async def test_at_most_twenty_endpoints_a_location(hooks: Tenant) -> None:
    for i in range(MAX_ENDPOINTS):
        await create_endpoint(hooks, f"{URL}/{i}")
    payload = await hooks.mutate("webhookEndpointCreate", {"url": URL}, selection=ENDPOINT)
    assert [e["code"] for e in payload["userErrors"]] == ["LIMIT_EXCEEDED"]


async def test_deliveries_page_and_filter(hooks: Tenant, engine: AsyncEngine) -> None:
    made = await create_endpoint(hooks, URL)
    endpoint_id = made["webhookEndpoint"]["id"]
    for i in range(3):
        await hooks.create_contact(firstName=f"Paged {i}")
    await scan_all(engine)
    query = """query($id: ID!, $after: String, $filter: WebhookDeliveryFilter) {
      webhookEndpoint(id: $id) { deliveries(first: 2, after: $after, filter: $filter) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { type status attemptCount attempts { statusCode } } } } } }"""
    first = (await hooks.gql(query, {"id": endpoint_id}))["webhookEndpoint"]["deliveries"]
    assert first["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"] is True
    after = first["pageInfo"]["endCursor"]
    rest = (await hooks.gql(query, {"id": endpoint_id, "after": after}))["webhookEndpoint"]
    assert len(rest["deliveries"]["edges"]) == 1
    nodes = [e["node"] for e in first["edges"] + rest["deliveries"]["edges"]]
    assert {(n["type"], n["status"], n["attemptCount"]) for n in nodes} == {
        ("contact.created", "PENDING", 0)
    }
    none = await hooks.gql(query, {"id": endpoint_id, "filter": {"statuses": ["DELIVERED"]}})
    assert none["webhookEndpoint"]["deliveries"]["totalCount"] == 0


ENDPOINTS_DEEP = """{ webhookEndpoints(first: 20) { totalCount edges { node { id
  deliveries(first: 5) { totalCount edges { node { id type attempts { statusCode } } } } } } } }"""


async def test_endpoints_with_deliveries_and_attempts_cost_the_same_for_one_or_many(
    hooks: Tenant, engine: AsyncEngine
) -> None:
    async def statements() -> int:
        with StatementCounter(engine) as counter:
            await hooks.gql(ENDPOINTS_DEEP)
        return counter.count

    await create_endpoint(hooks, URL)
    await hooks.create_contact(firstName="Counted")
    await scan_all(engine)
    one = await statements()
    for i in range(4):
        await create_endpoint(hooks, f"{URL}/{i}")
    await hooks.create_contact(firstName="Counted again")
    await scan_all(engine)
    assert await statements() == one


async def test_endpoints_sort_and_filter_over_pages(hooks: Tenant) -> None:
    made = [await create_endpoint(hooks, f"{URL}/{name}") for name in ("b", "c", "a")]
    await hooks.mutate(
        "webhookEndpointUpdate",
        {"id": made[1]["webhookEndpoint"]["id"], "enabled": False},
        selection=ENDPOINT,
    )
    query = """query($after: String, $filter: WebhookEndpointFilter,
      $orderBy: WebhookEndpointOrderBy) {
      webhookEndpoints(first: 2, after: $after, filter: $filter, orderBy: $orderBy) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { url } } } }"""

    async def urls(**variables: Any) -> tuple[list[str], int]:
        out, after, total = [], None, 0
        while True:
            page = (await hooks.gql(query, {**variables, "after": after}))["webhookEndpoints"]
            out += [e["node"]["url"].rsplit("/", 1)[1] for e in page["edges"]]
            total = page["totalCount"]
            if not page["pageInfo"]["hasNextPage"]:
                return out, total
            after = page["pageInfo"]["endCursor"]

    assert await urls() == (["b", "c", "a"], 3)
    assert await urls(orderBy={"field": "URL", "direction": "DESC"}) == (["c", "b", "a"], 3)
    assert await urls(filter={"enabled": True}, orderBy={"field": "URL"}) == (["a", "b"], 2)
    assert await urls(filter={"enabled": False}) == (["c"], 1)


async def test_deliveries_sort_over_pages(hooks: Tenant, engine: AsyncEngine) -> None:
    made = await create_endpoint(hooks, URL)
    for i in range(3):
        await hooks.create_contact(firstName=f"Sorted {i}")
        await scan_all(engine)
    query = """query($id: ID!, $after: String, $orderBy: WebhookDeliveryOrderBy) {
      webhookEndpoint(id: $id) { deliveries(first: 2, after: $after, orderBy: $orderBy) {
        pageInfo { hasNextPage endCursor } edges { node { createdAt } } } } }"""

    async def times(order: dict[str, str]) -> list[str]:
        out, after = [], None
        while True:
            data = await hooks.gql(
                query, {"id": made["webhookEndpoint"]["id"], "after": after, "orderBy": order}
            )
            page = data["webhookEndpoint"]["deliveries"]
            out += [e["node"]["createdAt"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return out
            after = page["pageInfo"]["endCursor"]

    newest_first = await times({"field": "CREATED_AT"})
    assert len(newest_first) == 3
    assert newest_first == sorted(newest_first, reverse=True)
    oldest_first = await times({"field": "UPDATED_AT", "direction": "ASC"})
    assert oldest_first == list(reversed(newest_first))


async def test_enabling_an_endpoint_gives_its_pending_deliveries_a_fresh_window(
    hooks: Tenant, engine: AsyncEngine
) -> None:
    made = await create_endpoint(hooks, URL)
    endpoint_id = made["webhookEndpoint"]["id"]
    await hooks.create_contact(firstName="Waiting")
    await scan_all(engine)
    off = {"id": endpoint_id, "enabled": False}
    await hooks.mutate("webhookEndpointUpdate", off, selection=ENDPOINT)
    long_ago = datetime.now(UTC) - timedelta(days=10)
    async with engine.begin() as conn:
        await conn.execute(
            update(WEBHOOK_DELIVERY)
            .where(WEBHOOK_DELIVERY.c.endpoint_id == endpoint_id)
            .values(started_at=long_ago, next_attempt_at=long_ago)
        )
    await hooks.mutate("webhookEndpointUpdate", {**off, "enabled": True}, selection=ENDPOINT)
    async with engine.connect() as conn:
        started = (
            await conn.execute(
                select(WEBHOOK_DELIVERY.c.started_at).where(
                    WEBHOOK_DELIVERY.c.endpoint_id == endpoint_id
                )
            )
        ).scalar_one()
    assert datetime.now(UTC) - started < timedelta(minutes=1)
