"""Live fan-out (schema/fanout.py): one execution of a subscription's selection per event and
(document, variables, viewer scope), the same bytes to every subscriber of that key, never
a payload shared across viewers who may see different things."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
import websockets
from live_servers import LiveClient, connection_init
from watch_support import Running, eventually, running, serving, settings_for
from websockets.frames import Frame, Opcode

from domain.events import ContactEvent, EventKind, FieldChange
from domain.ports import contact_channel
from domain.viewer import Role, Viewer
from persistence.migrate import upgrade_async
from schema.fanout import LIVE, viewer_scope
from server.auth import issue_token
from server.websocket import frame_header

SELECTION = """subscription($id: ID!) {
  contactActivity(contactId: $id) {
    __typename id cursor kind redacted actor { id }
    ... on ContactTagsActivity { tagsAdded }
    ... on ContactAssociationActivity { objectId associationLabels }
  } }"""


@pytest.fixture(scope="module")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fanout') / 'fanout.db'}"
    await upgrade_async(url)
    return url


@pytest.fixture(scope="module")
async def app(sqlite_url: str) -> AsyncIterator[Running]:
    async with running(settings_for(sqlite_url)) as app:
        yield app


@dataclass(frozen=True)
class Watcher:
    """One socket: who is asking, over which protocol, under which operation id."""

    viewer: Viewer
    protocol: str = "graphql-transport-ws"
    op_id: str = "1"
    compressed: bool = False
    """permessage-deflate: the server's frames take the ASGI way, not the raw one."""


@contextlib.asynccontextmanager
async def watchers(
    app: Running, address: str, who: list[Viewer] | list[Watcher], contact_id: str
) -> AsyncIterator[list[tuple[Any, LiveClient]]]:
    """One socket per watcher, each subscribed and reaching the broker."""
    specs = [w if isinstance(w, Watcher) else Watcher(w) for w in who]
    async with contextlib.AsyncExitStack() as stack:
        out = []
        for spec in specs:
            ws = await stack.enter_async_context(
                websockets.connect(
                    f"ws://{address}/graphql",
                    subprotocols=[spec.protocol],  # type: ignore[list-item]
                    compression="deflate" if spec.compressed else None,
                )
            )
            ack = await connection_init(ws, issue_token(spec.viewer, app.settings))
            assert ack["type"] == "connection_ack", ack
            client = LiveClient(ws, spec.protocol)
            await client.subscribe(SELECTION, {"id": contact_id}, spec.op_id)
            out.append((ws, client))
        await eventually(
            lambda: subscribed(app, contact_id, len(specs)), "every subscription reached the broker"
        )
        yield out


async def subscribed(app: Running, contact_id: str, n: int) -> bool:
    broker = app.app.state.runtime.broker
    subs = [s for name, s in broker.local.subscribers.items() if contact_id in name]
    return sum(len(s) for s in subs) == n


async def raw_next(ws: Any) -> str:
    while True:
        raw: str = await asyncio.wait_for(ws.recv(), 10)
        if json.loads(raw)["type"] not in ("ping", "pong", "ka"):
            return raw


def payload_of(frame: str, protocol: str, op_id: str) -> str:
    """The frame's payload bytes, after checking the frame is exactly this operation's
    head (its id spliced in) around them."""
    quoted = orjson.dumps(op_id).decode()
    head = (
        f'{{"id":{quoted},"type":"next","payload":'
        if protocol == "graphql-transport-ws"
        else f'{{"type":"data","id":{quoted},"payload":'
    )
    assert frame.startswith(head), frame
    assert frame.endswith("}"), frame
    return frame[len(head) : -1]


async def test_many_subscribers_of_one_key_share_one_execution_and_the_same_bytes(
    app: Running,
) -> None:
    tenant = app.tenant()
    contact = await tenant.create_contact(firstName="Watched")
    who = [Watcher(tenant.admin, op_id=op_id) for op_id in ["1", "two", 'q"3', *"abcdefghi"]]
    async with (
        serving(app.app) as address,
        watchers(app, address, who, contact["id"]) as subs,
    ):
        executions, frames_written, direct = LIVE.executions, LIVE.frames, LIVE.direct
        tags = ["one", "two", "three"]
        for tag in tags:
            await tenant.mutate("contactTagsAdd", {"contactId": contact["id"], "tags": [tag]})
        frames = [[await raw_next(ws) for _ in tags] for ws, _ in subs]
        executions, frames_written = LIVE.executions - executions, LIVE.frames - frames_written
        direct = LIVE.direct - direct
    # each event executed once for the twelve subscribers, and written by their sinks; after
    # an operation's first event, from the broker's delivery (no wake-up per subscriber)
    assert executions == len(tags)
    assert frames_written == len(tags) * len(who)
    assert direct == (len(tags) - 1) * len(who)
    # the same payload bytes for all, in order; only the operation id differs
    payloads = [
        [payload_of(f, "graphql-transport-ws", w.op_id) for f in fs]
        for fs, w in zip(frames, who, strict=True)
    ]
    assert all(p == payloads[0] for p in payloads)
    items = [orjson.loads(p)["data"]["contactActivity"] for p in payloads[0]]
    assert [i["tagsAdded"] for i in items] == [[t] for t in tags]
    # the bytes strawberry's own send would write: compact, in its key order
    for frame in (fs[0] for fs in frames):
        message = json.loads(frame)
        assert orjson.dumps(message).decode() == frame
        assert list(message) == ["id", "type", "payload"]
        assert list(message["payload"]) == ["data", "extensions"]


async def test_both_protocols_raw_or_compressed_share_the_same_payload(app: Running) -> None:
    tenant = app.tenant()
    contact = await tenant.create_contact(firstName="Watched")
    legacy = "graphql-ws"
    who = [
        Watcher(tenant.admin),
        Watcher(tenant.admin, legacy, "1"),
        Watcher(tenant.admin, legacy, "x-2", compressed=True),
        Watcher(tenant.admin, op_id="y", compressed=True),
    ]
    async with serving(app.app) as address, watchers(app, address, who, contact["id"]) as subs:
        executions = LIVE.executions
        await tenant.mutate("contactTagsAdd", {"contactId": contact["id"], "tags": ["old"]})
        frames = [await raw_next(ws) for ws, _ in subs]
        assert LIVE.executions - executions == 1
        payloads = [payload_of(f, w.protocol, w.op_id) for f, w in zip(frames, who, strict=True)]
        assert all(p == payloads[0] for p in payloads)
        for frame in frames:  # what strawberry's legacy handler would write, byte for byte
            assert orjson.dumps(json.loads(frame)).decode() == frame
        assert json.loads(frames[1])["payload"]["data"]["contactActivity"]["tagsAdded"] == ["old"]
        # a stopped legacy operation gets its `complete` and nothing more; the others go on
        (_, _), (stopped, stopped_client), *_ = subs
        await stopped.send(json.dumps({"id": "1", "type": "stop"}))
        assert (await stopped_client.next())["type"] == "complete"
        await eventually(lambda: subscribed(app, contact["id"], 3), "the stop reached the broker")
        await tenant.mutate("contactTagsAdd", {"contactId": contact["id"], "tags": ["new"]})
        for (ws, _), w in zip(subs, who, strict=True):
            if ws is not stopped:
                tagged = orjson.loads(payload_of(await raw_next(ws), w.protocol, w.op_id))
                assert tagged["data"]["contactActivity"]["tagsAdded"] == ["new"]
        await stopped_client.nothing_for(0.3)


async def test_subscribers_whose_sockets_die_mid_fan_out_do_not_stop_the_others(
    app: Running,
) -> None:
    tenant = app.tenant()
    contact = await tenant.create_contact(firstName="Watched")
    async with (
        serving(app.app) as address,
        watchers(app, address, [tenant.admin] * 8, contact["id"]) as subs,
    ):
        dying, living = subs[::2], subs[1::2]
        executions = LIVE.executions
        # the sockets die without a close frame, the event already on its way to them
        await tenant.mutate("contactTagsAdd", {"contactId": contact["id"], "tags": ["one"]})
        for ws, _ in dying:
            ws.transport.abort()
        await tenant.mutate("contactTagsAdd", {"contactId": contact["id"], "tags": ["two"]})
        for _, client in living:
            assert [i["tagsAdded"] for i in await client.items(2)] == [["one"], ["two"]]
        assert LIVE.executions - executions == 2
        await eventually(
            lambda: subscribed(app, contact["id"], len(living)), "the dead sockets left the broker"
        )
        direct = LIVE.direct
        await tenant.mutate("contactTagsAdd", {"contactId": contact["id"], "tags": ["three"]})
        for _, client in living:
            assert [i["tagsAdded"] for i in await client.items(1)] == [["three"]]
        # written from the broker's delivery, the dead sockets no obstacle
        assert LIVE.direct - direct == len(living)


async def test_events_taking_either_way_reach_each_subscriber_in_order(app: Running) -> None:
    """A restricted viewer's event that needs a visibility re-check goes through the
    subscriber's own task; the events after it, written from the broker's delivery for
    everyone else, reach that viewer after it, never before, each frame with its own id."""
    tenant = app.tenant()
    contact = await tenant.create_contact(firstName="Watched", ownerId="user-dan")
    dan = tenant.viewer("user-dan", assigned_only=True)
    who = [Watcher(tenant.admin, op_id="a"), Watcher(dan, op_id="d"), Watcher(dan, op_id="e")]
    async with serving(app.app) as address, watchers(app, address, who, contact["id"]) as subs:
        await tenant.mutate("contactTagsAdd", {"contactId": contact["id"], "tags": ["first"]})
        for _, client in subs:
            assert [i["tagsAdded"] for i in await client.items(1)] == [["first"]]
        direct = LIVE.direct
        await tenant.mutate(
            "contactFollowersAdd", {"contactId": contact["id"], "userIds": ["user-eve"]}
        )
        for tag in ("second", "third"):
            await tenant.mutate("contactTagsAdd", {"contactId": contact["id"], "tags": [tag]})
        for (ws, _), w in zip(subs, who, strict=True):
            frames = [await raw_next(ws) for _ in range(3)]
            items = [
                orjson.loads(payload_of(f, w.protocol, w.op_id))["data"]["contactActivity"]
                for f in frames
            ]
            assert [i["__typename"] for i in items] == [
                "ContactFollowersActivity",
                "ContactTagsActivity",
                "ContactTagsActivity",
            ]
            assert [i["tagsAdded"] for i in items[1:]] == [["second"], ["third"]]
        # the followers' event went Dan's own way, twice; the admin's three were direct (Dan's
        # tags too, unless his task was still busy with the re-check when they came)
        assert 3 <= LIVE.direct - direct <= 3 * len(who) - 2
        # two events in one delivery (as Redis hands a burst over): Dan's tags must queue
        # behind his followers' event, which waits for its re-check, never overtake it
        base = {"contact_id": contact["id"], "location_id": tenant.location_id}
        now, kinds = datetime.now(UTC), EventKind
        burst = [
            ContactEvent(
                kinds.FOLLOWERS_REMOVED,
                actor_id=None,
                occurred_at=now,
                changes=(FieldChange("followers", ["user-eve"], []),),
                sequence=10**9,
                **base,
            ),
            ContactEvent(
                kinds.TAGS_ADDED,
                actor_id=None,
                occurred_at=now,
                changes=(FieldChange("tags", [], ["fourth"]),),
                sequence=10**9 + 1,
                **base,
            ),
        ]
        local = app.app.state.runtime.broker.local
        for event in burst:
            local.deliver(contact_channel(tenant.location_id, contact["id"]), event)
        for _, client in subs:
            items = await client.items(2)
            assert [i["__typename"] for i in items] == [
                "ContactFollowersActivity",
                "ContactTagsActivity",
            ]
            assert items[1]["tagsAdded"] == ["fourth"]


async def test_viewers_who_may_see_different_things_never_share_a_payload(
    app: Running,
) -> None:
    tenant = app.tenant()
    seen = await tenant.create_contact(firstName="Watched", ownerId="user-dan")
    hidden = await tenant.create_contact(firstName="Zebulon", ownerId="user-zed")
    dan = tenant.viewer("user-dan", assigned_only=True)
    eve = tenant.viewer("user-eve", assigned_only=True)  # follows `seen`: sees it, not more
    await tenant.mutate("contactFollowersAdd", {"contactId": seen["id"], "userIds": ["user-eve"]})
    viewers = [tenant.admin, tenant.admin, dan, dan, eve]
    async with serving(app.app) as address, watchers(app, address, viewers, seen["id"]) as subs:

        async def next_items() -> list[dict[str, Any]]:
            return [
                json.loads(await raw_next(ws))["payload"]["data"]["contactActivity"]
                for ws, _ in subs
            ]

        before = LIVE.executions
        await tenant.mutate("contactTagsAdd", {"contactId": seen["id"], "tags": ["x"]})
        tagged = await next_items()
        # one execution per scope: the admins', Dan's, Eve's (restricted: each their own)
        assert LIVE.executions - before == 3
        assert all(item == tagged[0] for item in tagged)

        before = LIVE.executions
        await tenant.mutate(
            "contactAssociationAdd",
            {"contactId": seen["id"], "targetId": hidden["id"], "targetType": "CONTACT"},
            selection="association { id }",
        )
        linked = await next_items()
        # the admins share one; an event redacted for a viewer is that subscriber's own
        assert LIVE.executions - before == 4
    admin, admin2, for_dan, for_dan2, for_eve = linked
    assert admin == admin2
    assert for_dan == for_dan2
    assert (admin["objectId"], admin["redacted"]) == (hidden["id"], False)
    for item in (for_dan, for_eve):
        assert (item["objectId"], item["redacted"]) == (None, True)
        assert hidden["id"] not in json.dumps(item)


async def test_an_unsubscribed_watcher_gets_nothing_more_and_the_others_carry_on(
    app: Running,
) -> None:
    tenant = app.tenant()
    contact = await tenant.create_contact(firstName="Watched")
    async with (
        serving(app.app) as address,
        watchers(app, address, [tenant.admin] * 3, contact["id"]) as subs,
    ):
        (gone, _), *staying = subs
        await gone.send(json.dumps({"id": "1", "type": "complete"}))
        broker = app.app.state.runtime.broker

        async def left() -> bool:
            subs = [s for name, s in broker.local.subscribers.items() if contact["id"] in name]
            return sum(len(s) for s in subs) == 2

        await eventually(left, "the completed subscription left the broker")
        before = LIVE.executions
        await tenant.mutate("contactTagsAdd", {"contactId": contact["id"], "tags": ["after"]})
        frames = [await raw_next(ws) for ws, _ in staying]
        assert LIVE.executions - before == 1
        assert frames[0] == frames[1]
        with contextlib.suppress(TimeoutError):
            message = await asyncio.wait_for(gone.recv(), 0.5)
            raise AssertionError(f"unexpected message after complete: {message}")


def test_the_scope_is_what_visibility_reads() -> None:
    def v(user: str, **kw: Any) -> Viewer:
        return Viewer(user_id=user, location_id="loc", **kw)

    # unrestricted users of a location see the same contacts: one scope
    assert viewer_scope(v("ann")) == viewer_scope(v("bob"))
    assert viewer_scope(v("ann", can_charge=True)) == viewer_scope(v("bob"))
    # restricted users each see their own; another location or role is another scope
    assert viewer_scope(v("ann", assigned_only=True)) != viewer_scope(v("bob", assigned_only=True))
    assert viewer_scope(v("ann", assigned_only=True)) != viewer_scope(v("ann"))
    assert viewer_scope(v("ann")) != viewer_scope(Viewer(user_id="ann", location_id="other"))
    assert viewer_scope(v("ann", role=Role.ADMIN)) != viewer_scope(v("ann"))


@pytest.mark.parametrize("size", [0, 1, 125, 126, 400, 65535, 65536, 70000])
def test_a_raw_frame_is_the_frame_the_websockets_library_writes(size: int) -> None:
    data = b"x" * size
    expected = Frame(Opcode.TEXT, data).serialize(mask=False, extensions=[])
    assert frame_header(size) + data == expected
