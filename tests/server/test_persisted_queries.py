"""Automatic persisted queries (Apollo's APQ protocol) and trusted documents."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import Tenant

from server.app import create_app
from server.auth import issue_token
from server.persisted import PersistedQueries, sha256
from server.settings import Settings

QUERY = "{ __typename }"
OTHER = "{ viewer: __typename }"


def apq(digest: str, query: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if query is not None:
        body["query"] = query
    return body


async def post(client: httpx.AsyncClient, body: dict[str, Any], token: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    result.pop("extensions", None)  # the operation's cost, not what these tests are about
    return result


def code(body: dict[str, Any]) -> str:
    assert "data" not in body, body
    (error,) = body["errors"]
    value: str = error["extensions"]["code"]
    return value


async def test_the_apq_handshake(tenant: Tenant) -> None:
    token = issue_token(tenant.admin, tenant.settings)
    query = "{ apq: __typename x" + tenant.location_id.replace("-", "") + ": __typename }"
    digest = sha256(query)
    first = await post(tenant.client, apq(digest), token)
    assert first["errors"][0]["message"] == "PersistedQueryNotFound"
    assert code(first) == "PERSISTED_QUERY_NOT_FOUND"
    stored = await post(tenant.client, apq(digest, query), token)
    assert stored["data"]["apq"] == "Query"
    again = await post(tenant.client, apq(digest), token)
    assert again == stored
    # GET with only the hash
    response = await tenant.client.get(
        "/graphql",
        params={"extensions": json.dumps(apq(digest)["extensions"])},
        headers={"Authorization": f"Bearer {token}", "accept": "application/json"},
    )
    assert response.json()["data"] == stored["data"]


async def test_a_hash_that_does_not_match_the_query_is_refused(tenant: Tenant) -> None:
    token = issue_token(tenant.admin, tenant.settings)
    wrong = await post(tenant.client, apq(sha256(OTHER), QUERY), token)
    assert wrong["errors"][0]["message"] == "provided sha does not match query"
    assert code(wrong) == "BAD_USER_INPUT"
    # and nothing was stored under that hash
    assert code(await post(tenant.client, apq(sha256(OTHER)), token)) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )
    bad_version = {"query": QUERY, "extensions": {"persistedQuery": {"version": 2}}}
    assert code(await post(tenant.client, bad_version, token)) == "PERSISTED_QUERY_NOT_SUPPORTED"


def test_the_cache_is_bounded() -> None:
    persisted = PersistedQueries(maxsize=2, trusted=None, enforce=False)
    queries = ["{ a: __typename }", "{ b: __typename }", "{ c: __typename }"]
    for q in queries:
        persisted.resolve(q, apq(sha256(q))["extensions"])
    assert list(persisted.cache) == [sha256(q) for q in queries[1:]]
    with pytest.raises(Exception, match="PersistedQueryNotFound"):
        persisted.resolve(None, apq(sha256(queries[0]))["extensions"])


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "trusted.json"
    path.write_text(json.dumps({sha256(QUERY): QUERY}))
    return path


async def client_for(
    database_url: str, manifest: Path, environment: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(  # type: ignore[call-arg]
        database_url=database_url,
        environment=environment,
        jwt_secret="a-production-secret-of-at-least-32-bytes",
        graphiql=False,
        trusted_documents=manifest,
        _env_file=None,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            client.settings = settings  # type: ignore[attr-defined]
            yield client


@pytest.mark.parametrize("environment", ["production", "development"])
async def test_trusted_documents(
    database_url: str, manifest: Path, environment: str, tenant: Tenant
) -> None:
    async for client in client_for(database_url, manifest, environment):
        settings: Settings = client.settings  # type: ignore[attr-defined]
        token = issue_token(tenant.admin, settings)
        listed = {"data": {"__typename": "Query"}}
        assert await post(client, {"query": QUERY}, token) == listed
        assert await post(client, apq(sha256(QUERY)), token) == listed  # by hash alone
        other = await post(client, {"query": OTHER}, token)
        hashed = await post(client, apq(sha256(OTHER), OTHER), token)
        if environment == "production":
            assert code(other) == "PERSISTED_QUERY_NOT_LISTED"
            assert code(hashed) == "PERSISTED_QUERY_NOT_LISTED"
        else:
            assert other["data"] == {"viewer": "Query"}
            assert hashed == other
