"""`contactActivity` over real websockets against real server processes: live delivery,
replay after a cursor, both protocols, visibility, and delivery across replicas and across
a broker restart."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
from live_servers import PrivateRedis, Server, live_client, token_for
from support import Tenant, every_field

from domain.calendars import Weekday
from domain.viewer import Viewer

SUBSCRIPTION = """subscription($id: ID!, $after: String) {
  contactActivity(contactId: $id, after: $after) {
    __typename id cursor kind actor { id }
    ... on ContactTagsActivity { tagsAdded tagsRemoved }
    ... on ContactNoteActivity { action body }
    ... on ContactChangedActivity { changes { field before after } }
  } }"""


async def post(server: Server, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            server.http,
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]


async def add_tag(server: Server, token: str, contact_id: str, tag: str) -> None:
    data = await post(
        server,
        token,
        """mutation($i: ContactTagsInput!) {
        contactTagsAdd(input: $i) { userErrors { code } } }""",
        {"i": {"contactId": contact_id, "tags": [tag]}},
    )
    assert data["contactTagsAdd"]["userErrors"] == []


async def test_live_items_arrive_in_order_typed(tenant: Tenant, servers: Any) -> None:
    server: Server = servers()
    contact = await tenant.create_contact(firstName="Live")
    token = token_for(tenant.admin)
    async with live_client(server.ws, token) as client:
        await client.subscribe(SUBSCRIPTION, {"id": contact["id"]})
        await asyncio.sleep(0.3)  # subscribed before the changes
        await add_tag(server, token, contact["id"], "first")
        await post(
            server,
            token,
            """mutation($i: ContactNoteAddInput!) {
            contactNoteAdd(input: $i) { userErrors { code } } }""",
            {"i": {"contactId": contact["id"], "body": "hello"}},
        )
        await post(
            server,
            token,
            """mutation($i: ContactUpdateInput!) {
            contactUpdate(input: $i) { userErrors { code } } }""",
            {"i": {"contactId": contact["id"], "lastName": "Wire"}},
        )
        tags, note, changed = await client.items(3)
    assert (tags["__typename"], tags["tagsAdded"], tags["actor"]) == (
        "ContactTagsActivity",
        ["first"],
        {"id": "user-admin"},
    )
    assert (note["__typename"], note["action"], note["body"]) == (
        "ContactNoteActivity",
        "ADDED",
        "hello",
    )
    assert changed["__typename"] == "ContactChangedActivity"
    assert changed["changes"] == [{"field": "lastName", "before": None, "after": "Wire"}]
    # the cursor a live item carries is the timeline's cursor for the same item
    timeline = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { activity(first: 3) { "
        "edges { cursor node { id cursor } } } } }",
        {"id": contact["id"]},
    )
    edges = timeline["contact"]["activity"]["edges"]
    assert [e["node"]["id"] for e in edges] == [changed["id"], note["id"], tags["id"]]
    assert [e["cursor"] for e in edges] == [changed["cursor"], note["cursor"], tags["cursor"]]


async def test_replay_after_a_cursor_then_live_without_gap_or_duplicate(
    tenant: Tenant, servers: Any
) -> None:
    server: Server = servers()
    contact = await tenant.create_contact(firstName="Replay")
    token = token_for(tenant.admin)
    for tag in ("a", "b", "c"):
        await add_tag(server, token, contact["id"], tag)
    timeline = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { activity(first: 10) { "
        "edges { cursor node { kind } } } } }",
        {"id": contact["id"]},
    )
    edges = timeline["contact"]["activity"]["edges"]  # c, b, a, created
    after_a = edges[2]["cursor"]
    async with live_client(server.ws, token) as client:
        await client.subscribe(SUBSCRIPTION, {"id": contact["id"], "after": after_a})
        replayed = await client.items(2)
        assert [i["tagsAdded"] for i in replayed] == [["b"], ["c"]]
        await add_tag(server, token, contact["id"], "d")
        (live,) = await client.items(1)
        assert live["tagsAdded"] == ["d"]
        await client.nothing_for(0.5)


async def test_legacy_graphql_ws_protocol(tenant: Tenant, servers: Any) -> None:
    server: Server = servers()
    contact = await tenant.create_contact(firstName="Legacy")
    token = token_for(tenant.admin)
    async with live_client(server.ws, token, protocol="graphql-ws") as client:
        await client.subscribe(SUBSCRIPTION, {"id": contact["id"]})
        await asyncio.sleep(0.3)
        await add_tag(server, token, contact["id"], "old-school")
        (item,) = await client.items(1)
    assert item["tagsAdded"] == ["old-school"]


async def test_refused_change_is_never_seen(tenant: Tenant, servers: Any) -> None:
    server: Server = servers()
    contact = await tenant.create_contact(firstName="Quiet")
    token = token_for(tenant.admin)
    async with live_client(server.ws, token) as client:
        await client.subscribe(SUBSCRIPTION, {"id": contact["id"]})
        await asyncio.sleep(0.3)
        refused = await post(
            server,
            token,
            """mutation($i: ContactTagsInput!) {
            contactTagsAdd(input: $i) { userErrors { code } } }""",
            {"i": {"contactId": contact["id"], "tags": ["   "]}},
        )
        assert refused["contactTagsAdd"]["userErrors"] == [{"code": "REQUIRED"}]
        await add_tag(server, token, contact["id"], "real")
        (item,) = await client.items(1)
    assert item["tagsAdded"] == ["real"]


async def test_visibility_and_tenancy_hold(tenant: Tenant, servers: Any) -> None:
    server: Server = servers()
    hidden = await tenant.create_contact(firstName="Hidden", ownerId="user-eve")
    restricted = token_for(tenant.viewer("user-dan", assigned_only=True))
    stranger = token_for(Viewer("user-x", "another-location"))
    for token in (restricted, stranger):
        async with live_client(server.ws, token) as client:
            await client.subscribe(SUBSCRIPTION, {"id": hidden["id"]})
            error = await client.error()
            assert error["message"] == "no contact with this id"
            assert error["extensions"]["code"] == "NOT_FOUND"


async def test_authentication_is_required(tenant: Tenant, servers: Any) -> None:
    server: Server = servers()
    contact = await tenant.create_contact(firstName="Guarded")
    async with live_client(server.ws, None) as client:
        await client.subscribe(SUBSCRIPTION, {"id": contact["id"]})
        error = await client.error()
        assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_change_on_one_replica_reaches_a_subscriber_on_another(
    tenant: Tenant, servers: Any, private_redis: PrivateRedis
) -> None:
    watcher: Server = servers(redis_url=private_redis.url)
    writer: Server = servers(redis_url=private_redis.url)
    contact = await tenant.create_contact(firstName="Replicated")
    token = token_for(tenant.admin)
    async with live_client(watcher.ws, token) as client:
        await client.subscribe(SUBSCRIPTION, {"id": contact["id"]})
        await asyncio.sleep(0.3)
        await add_tag(writer, token, contact["id"], "from-b")
        (item,) = await client.items(1)
    assert item["tagsAdded"] == ["from-b"]


async def test_nothing_is_lost_across_a_broker_restart(
    tenant: Tenant, servers: Any, private_redis: PrivateRedis
) -> None:
    watcher: Server = servers(redis_url=private_redis.url)
    writer: Server = servers(redis_url=private_redis.url)
    contact = await tenant.create_contact(firstName="Durable")
    token = token_for(tenant.admin)
    async with live_client(watcher.ws, token) as client:
        await client.subscribe(SUBSCRIPTION, {"id": contact["id"]})
        await asyncio.sleep(0.3)
        await add_tag(writer, token, contact["id"], "before")
        private_redis.stop()
        for tag in ("during-1", "during-2"):  # committed while the broker is down
            await add_tag(writer, token, contact["id"], tag)
        private_redis.start()
        await add_tag(writer, token, contact["id"], "after")
        items = await client.items(4, wait=30)
    assert [i["tagsAdded"] for i in items] == [["before"], ["during-1"], ["during-2"], ["after"]]


async def test_a_reconnecting_client_loses_nothing(tenant: Tenant, servers: Any) -> None:
    server: Server = servers()
    contact = await tenant.create_contact(firstName="Flaky")
    token = token_for(tenant.admin)
    async with live_client(server.ws, token) as client:
        await client.subscribe(SUBSCRIPTION, {"id": contact["id"]})
        await asyncio.sleep(0.3)
        await add_tag(server, token, contact["id"], "one")
        (first,) = await client.items(1)
    for tag in ("two", "three"):  # while disconnected
        await add_tag(server, token, contact["id"], tag)
    async with live_client(server.ws, token) as client:
        await client.subscribe(SUBSCRIPTION, {"id": contact["id"], "after": first["cursor"]})
        items = await client.items(2)
    assert [i["tagsAdded"] for i in items] == [["two"], ["three"]]


async def test_a_restricted_watcher_stops_receiving_once_the_contact_is_not_theirs(
    tenant: Tenant, servers: Any
) -> None:
    server: Server = servers()
    contact = await tenant.create_contact(
        firstName="Handover", ownerId="user-dan", emails=[{"address": "handover@example.org"}]
    )
    admin = token_for(tenant.admin)
    dan = token_for(tenant.viewer("user-dan", assigned_only=True))
    async with live_client(server.ws, dan) as client:
        await client.subscribe(SUBSCRIPTION, {"id": contact["id"]})
        await asyncio.sleep(0.3)
        await add_tag(server, admin, contact["id"], "seen")
        (seen,) = await client.items(1)
        assert seen["tagsAdded"] == ["seen"]
        # the owner changes through an upsert: a CONTACT_UPDATED event, not OWNER_CHANGED
        data = await post(
            server,
            admin,
            """mutation($i: ContactUpsertInput!) {
            contactUpsert(input: $i) { created userErrors { code } } }""",
            {"i": {"emails": [{"address": "handover@example.org"}], "ownerId": "user-eve"}},
        )
        assert data["contactUpsert"] == {"created": False, "userErrors": []}
        await add_tag(server, admin, contact["id"], "secret")
        # the stream ends as soon as the contact leaves Dan's sight: no "secret" for him
        assert (await client.next()) == {"id": "1", "type": "complete"}


async def test_a_restricted_watcher_reads_no_contact_hidden_from_them(
    tenant: Tenant, servers: Any
) -> None:
    """Live events go through the same rule as the timeline (domain/visibility.py): the
    other end of a link and a guest that Dan may not see are left out for him alone."""
    server: Server = servers()
    seen = await tenant.create_contact(firstName="Watched", ownerId="user-dan")
    hidden = await tenant.create_contact(firstName="Zebulon", ownerId="user-eve")
    made = await tenant.mutate(
        "contactAssociationLabelCreate",
        {"name": "Mentorship", "objectType": "CONTACT"},
        selection="label { id }",
    )
    week = [{"weekday": d, "start": "00:00", "end": "24:00"} for d in Weekday]
    calendar = await tenant.mutate(
        "calendarCreate",
        {"name": "Calls", "timeZone": "UTC", "availability": week, "teamMemberIds": ["u1"]},
        selection="calendar { id }",
    )
    admin = token_for(tenant.admin)
    dan = token_for(tenant.viewer("user-dan", assigned_only=True))
    everything = f"""subscription($id: ID!) {{
      contactActivity(contactId: $id) {every_field("ContactActivity")} }}"""
    async with live_client(server.ws, dan) as theirs, live_client(server.ws, admin) as ours:
        for client in (theirs, ours):
            await client.subscribe(everything, {"id": seen["id"]})
        await asyncio.sleep(0.3)
        linked = await post(
            server,
            admin,
            """mutation($i: ContactAssociationAddInput!) {
            contactAssociationAdd(input: $i) { userErrors { code } } }""",
            {
                "i": {
                    "contactId": seen["id"],
                    "targetId": hidden["id"],
                    "targetType": "CONTACT",
                    "labelIds": [made["label"]["id"]],
                }
            },
        )
        assert linked["contactAssociationAdd"]["userErrors"] == []
        start = datetime.combine(date.today() + timedelta(days=2), time(9), tzinfo=UTC)
        booked = await post(
            server,
            admin,
            """mutation($i: ContactAppointmentBookInput!) {
            contactAppointmentBook(input: $i) { userErrors { code } } }""",
            {
                "i": {
                    "contactId": seen["id"],
                    "calendarId": calendar["calendar"]["id"],
                    "start": start.isoformat(),
                    "attendeeContactIds": [hidden["id"]],
                }
            },
        )
        assert booked["contactAppointmentBook"]["userErrors"] == []
        for_dan, for_admin = await theirs.items(2), await ours.items(2)
    assert [i["kind"] for i in for_dan] == ["ASSOCIATION_ADDED", "APPOINTMENT_BOOKED"]
    assert [i["redacted"] for i in for_dan] == [True, True]
    assert [i["redacted"] for i in for_admin] == [False, False]
    text = json.dumps(for_dan)
    assert [x for x in (hidden["id"], "Zebulon", "Mentorship") if x in text] == []
    assert (for_dan[0]["objectId"], for_dan[0]["associationLabels"]) == (None, [])
    assert for_dan[1]["changes"][0]["after"]["attendeeContactIds"] == []
    assert (for_admin[0]["objectId"], for_admin[0]["associationLabels"]) == (
        hidden["id"],
        ["Mentorship"],
    )
    assert for_admin[1]["changes"][0]["after"]["attendeeContactIds"] == [hidden["id"]]
