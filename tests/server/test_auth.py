"""Tokens over HTTP: every claim is checked, not only the signature, and a valid token for a
location the database has never seen provisions the location on first use."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant

from domain.viewer import Viewer
from persistence.db import StatementCounter
from persistence.tables import LOCATION
from server.auth import credentials_from_token
from server.settings import Settings

QUERY = {"query": "{ contacts { totalCount } }"}


def signed(settings: Settings, **overrides: object) -> str:
    """A correctly signed token with valid claims, then ``overrides`` (None drops one)."""
    claims: dict[str, Any] = {
        "sub": "user-admin",
        "location_id": str(uuid.uuid4()),
        "role": "ADMIN",
        "assigned_only": False,
        "exp": int(time.time()) + 600,
    }
    claims |= overrides
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


async def ask(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


SUB = "the token's 'sub' claim must be 1-64 characters of A-Z a-z 0-9 _ . : @ -"
LOCATION_ID = "the token's 'location_id' claim must be 1-36 characters of A-Z a-z 0-9 _ . -"
ROLE = "the token's 'role' claim must be ADMIN or USER"
EXP = "the token's 'exp' claim must be a number"
ASSIGNED_ONLY = "the token's 'assigned_only' claim must be a boolean"


FRACTIONAL = object()
"""Stands for an `exp` with a fraction of a second, ten minutes from when the test runs."""


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        pytest.param({"sub": ""}, SUB, id="sub-empty"),
        pytest.param({"sub": 42}, SUB, id="sub-number"),
        pytest.param({"sub": ["user"]}, SUB, id="sub-list"),
        pytest.param({"sub": "u" * 65}, SUB, id="sub-too-long"),
        pytest.param({"sub": "user\x00admin"}, SUB, id="sub-nul"),
        pytest.param({"sub": "user admin"}, SUB, id="sub-space"),
        pytest.param({"sub": "user\n"}, SUB, id="sub-newline"),
        pytest.param({"location_id": ""}, LOCATION_ID, id="location-empty"),
        pytest.param({"location_id": "l" * 37}, LOCATION_ID, id="location-too-long"),
        pytest.param({"location_id": 7}, LOCATION_ID, id="location-number"),
        pytest.param({"location_id": "loc\x00"}, LOCATION_ID, id="location-nul"),
        pytest.param({"location_id": "a:b"}, LOCATION_ID, id="location-colon"),
        pytest.param({"location_id": "café"}, LOCATION_ID, id="location-non-ascii"),
        pytest.param({"role": "OWNER"}, ROLE, id="role-unknown"),
        pytest.param({"role": "admin"}, ROLE, id="role-lower-case"),
        pytest.param({"role": 1}, ROLE, id="role-number"),
        pytest.param({"role": ["ADMIN"]}, ROLE, id="role-list"),
        pytest.param({"exp": str(int(time.time()) + 600)}, EXP, id="exp-string"),
        pytest.param({"exp": True}, EXP, id="exp-boolean"),
        pytest.param({"assigned_only": "false"}, ASSIGNED_ONLY, id="assigned-only-string"),
        pytest.param({"assigned_only": 1}, ASSIGNED_ONLY, id="assigned-only-number"),
        pytest.param({"assigned_only": None}, None, id="assigned-only-absent-is-fine"),
        pytest.param({"exp": FRACTIONAL}, None, id="exp-fractional-is-fine"),
        pytest.param({"sub": "auth0:ab.c@x_y-z", "role": "USER"}, None, id="sub-punctuation"),
    ],
)
async def test_each_claim_is_validated(
    tenant: Tenant, claims: dict[str, object], message: str | None
) -> None:
    if claims.get("exp") is FRACTIONAL:  # from now, not from collection: suites run long
        claims = {**claims, "exp": time.time() + 600.5}
    body = await ask(tenant.client, signed(tenant.settings, **claims))
    if message is None:
        assert body["data"] == {"contacts": {"totalCount": 0}}
        assert "errors" not in body
        return
    assert body["data"] is None
    (error,) = body["errors"]
    assert (error["message"], error["extensions"]["code"]) == (message, "UNAUTHENTICATED")


@pytest.mark.parametrize("claim", ["sub", "location_id", "role", "exp"])
async def test_a_missing_claim_is_refused(tenant: Tenant, claim: str) -> None:
    body = await ask(tenant.client, signed(tenant.settings, **{claim: None}))
    (error,) = body["errors"]
    assert error["message"] == f'the token is not valid: Token is missing the "{claim}" claim'
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_viewer_claims_are_decoded(tenant: Tenant) -> None:
    from server.auth import issue_token

    restricted = Viewer("u", tenant.location_id, assigned_only=True)
    credentials = credentials_from_token(issue_token(restricted, tenant.settings), tenant.settings)
    assert credentials.viewer == restricted
    assert credentials.expires_at > time.time() + 86_400


CREATE = """mutation($input: ContactCreateInput!) {
  contactCreate(input: $input) { contact { id firstName } userErrors { code } } }"""
READ = "query($id: ID!) { contact(id: $id) { firstName } }"


async def test_a_brand_new_location_is_provisioned_on_first_use(
    client: httpx.AsyncClient, settings: Settings, engine: AsyncEngine
) -> None:
    # a location no row exists for: the first write was a masked foreign-key violation
    new = Tenant(client, settings, str(uuid.uuid4()))
    created = await new.gql(CREATE, {"input": {"firstName": "Pioneer"}})
    contact = created["contactCreate"]["contact"]
    assert created["contactCreate"]["userErrors"] == []
    assert (await new.gql(READ, {"id": contact["id"]}))["contact"] == {"firstName": "Pioneer"}
    # once per location per process: later requests do not insert again
    with StatementCounter(engine) as counter:
        await new.gql(READ, {"id": contact["id"]})
    assert not [s for s in counter.statements if "INSERT INTO location" in s]


async def test_concurrent_first_requests_of_a_new_location_all_succeed(
    client: httpx.AsyncClient, settings: Settings, engine: AsyncEngine
) -> None:
    new = Tenant(client, settings, str(uuid.uuid4()))
    with StatementCounter(engine) as counter:
        results = await asyncio.gather(
            *(new.gql(CREATE, {"input": {"firstName": f"Racer {i}"}}) for i in range(10))
        )
    assert all(r["contactCreate"]["userErrors"] == [] for r in results)
    names = await new.gql("{ contacts(first: 20) { totalCount } }")
    assert names["contacts"]["totalCount"] == 10
    # one insert for all ten: they waited for the same one
    assert len([s for s in counter.statements if "INSERT INTO location" in s]) == 1
    async with engine.connect() as conn:
        rows = await conn.scalar(
            select(func.count()).select_from(LOCATION).where(LOCATION.c.id == new.location_id)
        )
    assert rows == 1


async def test_another_process_provisioning_the_same_location_is_harmless(
    client: httpx.AsyncClient, settings: Settings, engine: AsyncEngine
) -> None:
    """The row may already be there (another replica, or a restart forgot the cache)."""
    from persistence.locations import LocationProvisioner

    location_id = str(uuid.uuid4())
    other_replica = LocationProvisioner(engine)
    await other_replica.ensure(location_id)
    new = Tenant(client, settings, location_id)
    created = await new.gql(CREATE, {"input": {"firstName": "Second"}})
    assert created["contactCreate"]["userErrors"] == []
