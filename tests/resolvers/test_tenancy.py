"""Tenancy and visibility: another location's contact, and a contact a restricted user
neither owns nor follows, behave exactly like ids that do not exist -- everywhere."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant

from persistence.tables import LOCATION
from server.settings import Settings

ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Contact { id firstName } } }"""


@pytest.fixture
async def other_tenant(
    client: httpx.AsyncClient, settings: Settings, engine: AsyncEngine
) -> Tenant:
    location_id = str(uuid.uuid4())
    async with engine.begin() as conn:
        await conn.execute(
            insert(LOCATION).values(id=location_id, name="other", created_at=datetime.now(UTC))
        )
    return Tenant(client, settings, location_id)


async def test_another_locations_contact_is_invisible(tenant: Tenant, other_tenant: Tenant) -> None:
    mine = await tenant.create_contact(firstName="Mine", emails=[{"address": "x@y.io"}])
    theirs = await other_tenant.create_contact(firstName="Theirs", emails=[{"address": "x@y.io"}])
    one = await tenant.gql("query($id: ID!) { contact(id: $id) { id } }", {"id": theirs["id"]})
    assert one == {"contact": None}
    listed = await tenant.gql("{ contacts { totalCount edges { node { id } } } }")
    assert listed["contacts"] == {"totalCount": 1, "edges": [{"node": {"id": mine["id"]}}]}
    entities = await tenant.gql(
        ENTITIES,
        {
            "reps": [
                {"__typename": "Contact", "id": theirs["id"]},
                {"__typename": "Contact", "id": mine["id"]},
            ]
        },
    )
    assert entities["_entities"] == [None, {"id": mine["id"], "firstName": "Mine"}]
    # writes: exactly as for an id that does not exist
    for input in (
        {"contactId": theirs["id"], "firstName": "Hacked"},
        {"contactId": "missing", "firstName": "Hacked"},
    ):
        payload = await tenant.mutate("contactUpdate", input)
        assert payload["userErrors"] == [
            {
                "field": ["input", "contactId"],
                "code": "NOT_FOUND",
                "message": "no contact with this id",
            }
        ]
    # upsert by the same email does not reach across locations: it creates
    upsert = await tenant.mutate(
        "contactUpsert",
        {"emails": [{"address": "x@y.io"}], "firstName": "Again"},
        selection="created contact { id }",
    )
    assert upsert["contact"]["id"] == mine["id"]
    still = await other_tenant.gql(
        "query($id: ID!) { contact(id: $id) { firstName } }", {"id": theirs["id"]}
    )
    assert still == {"contact": {"firstName": "Theirs"}}


async def test_restricted_user_sees_only_owned_or_followed(tenant: Tenant) -> None:
    dan = tenant.viewer("user-dan", assigned_only=True)
    owned = await tenant.create_contact(firstName="Owned", ownerId="user-dan")
    followed = await tenant.create_contact(firstName="Followed", followerIds=["user-dan"])
    hidden = await tenant.create_contact(firstName="Hidden", ownerId="user-eve")
    listed = await tenant.gql(
        """{ contacts(orderBy: {field: FIRST_NAME, direction: ASC}) {
        totalCount edges { node { firstName } } } }""",
        viewer=dan,
    )
    assert listed["contacts"] == {
        "totalCount": 2,
        "edges": [{"node": {"firstName": "Followed"}}, {"node": {"firstName": "Owned"}}],
    }
    assert (
        await tenant.gql(
            "query($id: ID!) { contact(id: $id) { id } }", {"id": hidden["id"]}, viewer=dan
        )
    ) == {"contact": None}
    entities = await tenant.gql(
        ENTITIES,
        {
            "reps": [
                {"__typename": "Contact", "id": i}
                for i in (owned["id"], hidden["id"], followed["id"])
            ]
        },
        viewer=dan,
    )
    assert [e and e["firstName"] for e in entities["_entities"]] == ["Owned", None, "Followed"]
    denied = await tenant.mutate(
        "contactTagsAdd", {"contactId": hidden["id"], "tags": ["x"]}, viewer=dan
    )
    assert [e["code"] for e in denied["userErrors"]] == ["NOT_FOUND"]
    # followers have owner-level permissions: Dan edits the contact he follows
    edited = await tenant.mutate(
        "contactTagsAdd", {"contactId": followed["id"], "tags": ["x"]}, viewer=dan
    )
    assert edited["contact"]["tags"] == ["x"]
    # the unrestricted admin sees all three
    assert (await tenant.gql("{ contacts { totalCount } }"))["contacts"]["totalCount"] == 3


async def test_restricted_creator_becomes_owner(tenant: Tenant) -> None:
    dan = tenant.viewer("user-dan", assigned_only=True)
    made = await tenant.create_contact(viewer=dan, firstName="Mine now")
    assert made["owner"] == {"id": "user-dan"}
    seen = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { firstName } }", {"id": made["id"]}, viewer=dan
    )
    assert seen == {"contact": {"firstName": "Mine now"}}
