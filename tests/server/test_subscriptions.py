"""`contactActivity` over real websockets against real server processes: live delivery,
replay after a cursor, both protocols, visibility, sessions (a valid token to connect, closed
when it expires, malformed frames), and delivery across replicas, across a broker restart
and while the broker is down."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import jwt
from live_servers import (
    PrivateRedis,
    Server,
    closing,
    connection_init,
    live_client,
    live_socket,
    token_for,
)
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


async def test_no_session_without_a_valid_token(tenant: Tenant, servers: Any) -> None:
    """No connection_ack without a valid token: graphql-transport-ws closes 4403 at once
    (it used to ack, and fail each operation with UNAUTHENTICATED)."""
    server: Server = servers()
    expired = token_for(tenant.admin, ttl=timedelta(seconds=-10))
    for token in (None, "not-a-jwt", expired):
        async with live_socket(server.ws) as ws:
            payload = {"Authorization": f"Bearer {token}"} if token else {}
            await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            assert await closing(ws) == (4403, "Forbidden", []), token
    # the legacy graphql-ws protocol: connection_error with the reason, then close
    for token, message in (
        (
            None,
            'authentication required: send {"Authorization": "Bearer <JWT>"} as the '
            "connection_init payload",
        ),
        (expired, "the token has expired"),
    ):
        async with live_socket(server.ws, "graphql-ws") as ws:
            assert await connection_init(ws, token) == {
                "type": "connection_error",
                "payload": {"message": message},
            }
            assert (await closing(ws))[0] == 1011


async def test_the_socket_closes_when_the_token_expires(tenant: Tenant, servers: Any) -> None:
    """Subscriptions kept delivering after the token's exp, on both protocols."""
    server: Server = servers()
    contact = await tenant.create_contact(firstName="Ephemeral")
    admin = token_for(tenant.admin)
    short = token_for(tenant.admin, ttl=timedelta(seconds=3))
    expires_at = jwt.decode(short, options={"verify_signature": False})["exp"]
    async with (
        live_client(server.ws, short) as modern,
        live_client(server.ws, short, protocol="graphql-ws") as legacy,
    ):
        for client in (modern, legacy):
            await client.subscribe(SUBSCRIPTION, {"id": contact["id"]})
        await asyncio.sleep(0.3)
        await add_tag(server, admin, contact["id"], "while-valid")
        for client in (modern, legacy):
            (item,) = await client.items(1)
            assert item["tagsAdded"] == ["while-valid"]
        modern_end, legacy_end = await asyncio.gather(
            closing(modern.socket), closing(legacy.socket)
        )
    assert datetime.now(UTC).timestamp() >= expires_at
    assert modern_end == (4403, "Forbidden: the token has expired", [])
    assert legacy_end == (
        4403,
        "Forbidden: the token has expired",
        [
            {"type": "complete", "id": "1"},
            {"type": "connection_error", "payload": {"message": "the token has expired"}},
        ],
    )


SUBSCRIBE = {"id": "1", "type": "subscribe", "payload": {"query": "subscription { x }"}}


async def test_malformed_frames_close_with_4400(tenant: Tenant, servers: Any) -> None:
    """graphql-transport-ws: a frame that is not one of its messages closes the socket with
    4400. They closed it with 1006 and logged an ASGI traceback."""
    server: Server = servers()
    token = token_for(tenant.admin)
    frames = [
        "not json",
        "[1, 2]",
        '"subscribe"',
        "42",
        "null",
        '{"type": 1}',
        json.dumps({**SUBSCRIBE, "payload": "subscription { x }"}),
        json.dumps({**SUBSCRIBE, "id": 5}),
        json.dumps({**SUBSCRIBE, "payload": {"query": ["subscription { x }"]}}),
        json.dumps({**SUBSCRIBE, "payload": {"query": "{ x }", "variables": [1]}}),
        json.dumps({**SUBSCRIBE, "payload": {"query": "{ x }", "operationName": 1}}),
        '{"type": "complete", "id": [1]}',
    ]
    for frame in frames:
        async with live_client(server.ws, token) as client:
            await client.socket.send(frame)
            code, reason, messages = await closing(client.socket)
            assert (code, messages) == (4400, []), (frame, reason)
    async with live_socket(server.ws) as ws:  # before connection_init as well
        await ws.send("{not json")
        assert await closing(ws) == (4400, "WebSocket message must be valid JSON", [])
    async with live_client(server.ws, token) as client:  # the body limit holds for frames
        await client.socket.send(json.dumps({**SUBSCRIBE, "extensions": "x" * 1_000_001}))
        assert await closing(client.socket) == (1009, "messages are limited to 1000000 bytes", [])
    assert "Traceback" not in server.log.read_text()


async def test_malformed_frames_on_the_legacy_protocol(tenant: Tenant, servers: Any) -> None:
    """graphql-ws: an `error` for the operation the frame names; the socket stays usable."""
    server: Server = servers()
    contact = await tenant.create_contact(firstName="Legacy")
    token = token_for(tenant.admin)
    async with live_client(server.ws, token, protocol="graphql-ws") as client:
        for frame in ("[1]", "not json", '{"type": "start", "id": "1", "payload": "query"}'):
            await client.socket.send(frame)
        assert await client.next() == {
            "type": "error",
            "id": "1",
            "payload": {"message": "a 'start' message must have a payload with a string 'query'"},
        }
        await client.subscribe(SUBSCRIPTION, {"id": contact["id"]}, op_id="2")
        await asyncio.sleep(0.3)
        await add_tag(server, token, contact["id"], "still-open")
        (item,) = await client.items(1)
    assert item["tagsAdded"] == ["still-open"]
    assert "Traceback" not in server.log.read_text()


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


async def test_subscribing_while_the_broker_is_down_replays_then_goes_live(
    tenant: Tenant, servers: Any, private_redis: PrivateRedis
) -> None:
    """Redis down when the subscription starts: the database replays at once, the broker is
    retried, and once Redis is back the events committed meanwhile and after arrive, each
    once. (The subscription failed with a masked ConnectionError.)"""
    watcher: Server = servers(redis_url=private_redis.url)
    writer: Server = servers(redis_url=private_redis.url)
    contact = await tenant.create_contact(firstName="Patient")
    token = token_for(tenant.admin)
    timeline = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { activity(first: 1) { edges { cursor } } } }",
        {"id": contact["id"]},
    )
    (created,) = timeline["contact"]["activity"]["edges"]
    private_redis.stop()
    await add_tag(writer, token, contact["id"], "before")
    async with live_client(watcher.ws, token) as client:
        await client.subscribe(SUBSCRIPTION, {"id": contact["id"], "after": created["cursor"]})
        (replayed,) = await client.items(1)
        assert replayed["tagsAdded"] == ["before"]
        await add_tag(writer, token, contact["id"], "meanwhile")
        private_redis.start()
        await add_tag(writer, token, contact["id"], "after")
        items = await client.items(2, wait=30)
        assert [i["tagsAdded"] for i in items] == [["meanwhile"], ["after"]]
        await add_tag(writer, token, contact["id"], "live")
        (live,) = await client.items(1)
        assert live["tagsAdded"] == ["live"]
        await client.nothing_for(0.5)


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
