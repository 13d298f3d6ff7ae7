"""Webhook delivery against a real receiver on 127.0.0.1, on SQLite and PostgreSQL: signed
as Standard Webhooks says, in per-contact order, retried, resumed after a restart, never a
rolled-back change, never one event twice from two workers at once."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks.webhooks import Webhook
from support import Tenant
from webhook_receiver import Receiver
from webhook_support import (
    FAST,
    another_tenant,
    create_endpoint,
    delete_endpoints,
    deliveries,
    running_worker,
    scan_all,
)

from domain.events import ContactEvent, EventKind, FieldChange
from domain.webhooks import RetryPolicy
from persistence.mappers import event_row
from persistence.tables import EVENT
from persistence.webhook_queue import lease_due
from server.app import create_app
from server.settings import Settings


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    made = Receiver()
    await made.start()
    try:
        yield made
    finally:
        await made.stop()


@pytest.fixture
async def hooks(tenant: Tenant) -> AsyncIterator[Tenant]:
    """The tenant; its endpoints (and their deliveries) are deleted after the test, so no
    later test's worker keeps retrying them."""
    try:
        yield tenant
    finally:
        await delete_endpoints(tenant)


def by_contact(bodies: list[dict[str, Any]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for b in bodies:
        out[b["data"]["contactId"]].append(b["data"]["sequence"])
    return out


async def make_changes(t: Tenant, contacts: int = 2, notes: int = 3) -> list[str]:
    ids = []
    for i in range(contacts):
        c = await t.create_contact(firstName=f"Hooked {i}")
        ids.append(c["id"])
        for n in range(notes):
            added = await t.mutate(
                "contactNoteAdd",
                {"contactId": c["id"], "body": f"note {n}"},
                selection="note { id }",
            )
            assert added["userErrors"] == []
    return ids


async def test_every_change_arrives_signed_typed_and_in_order(
    hooks: Tenant, receiver: Receiver, engine: AsyncEngine
) -> None:
    made = await create_endpoint(hooks, receiver.url())
    ids = await make_changes(hooks)
    await hooks.mutate("contactTagsAdd", {"contactId": ids[0], "tags": ["vip"]})
    async with running_worker(engine):
        await receiver.wait_for(lambda: len(receiver.received) >= 9)
        await asyncio.sleep(0.2)
    assert len(receiver.received) == 9
    hook = Webhook(made["secret"])
    for got in receiver.received:
        body = hook.verify(got.body, got.headers)  # raises unless the signature is right
        assert got.headers["webhook-id"] == body["data"]["eventId"]
        assert got.headers["content-type"] == "application/json"
        assert body["data"]["locationId"] == hooks.location_id
    bodies = receiver.bodies()
    order = by_contact(bodies)
    assert set(order) == set(ids)
    assert all(seqs == sorted(seqs) for seqs in order.values())
    types = [b["type"] for b in bodies if b["data"]["contactId"] == ids[0]]
    assert types == ["contact.created", "note.added", "note.added", "note.added", "tags.added"]
    tagged = next(b for b in bodies if b["type"] == "tags.added")
    assert tagged["data"]["kind"] == "TAGS_ADDED"
    assert tagged["data"]["changes"][0]["field"] == "tags"
    assert "vip" in str(tagged["data"]["changes"][0]["after"])
    shown = await deliveries(hooks, made["webhookEndpoint"]["id"])
    assert {d["status"] for d in shown} == {"DELIVERED"}
    assert all(d["attempts"][0]["statusCode"] == 200 for d in shown)


async def test_a_tampered_body_does_not_verify(
    hooks: Tenant, receiver: Receiver, engine: AsyncEngine
) -> None:
    """(The premise of the test above: verify() does refuse.)"""
    made = await create_endpoint(hooks, receiver.url())
    await hooks.create_contact(firstName="Tamper")
    async with running_worker(engine):
        await receiver.wait_for(lambda: len(receiver.received) >= 1)
    got = receiver.received[0]
    with pytest.raises(Exception, match="signature"):
        Webhook(made["secret"]).verify(got.body.replace(b"Tamper", b"Tamp3r"), got.headers)


async def test_only_the_kinds_an_endpoint_wants_and_only_its_location(
    hooks: Tenant, receiver: Receiver, engine: AsyncEngine
) -> None:
    await create_endpoint(hooks, receiver.url("/notes"), eventKinds=["NOTE_ADDED"])
    await create_endpoint(hooks, receiver.url("/all"))
    other = await another_tenant(hooks, engine)
    await other.create_contact(firstName="Elsewhere")
    await make_changes(hooks, contacts=1, notes=2)
    async with running_worker(engine):
        await receiver.wait_for(lambda: len(receiver.received) >= 5)
        await asyncio.sleep(0.2)
    assert [b["type"] for b in receiver.bodies("/notes")] == ["note.added", "note.added"]
    assert len(receiver.bodies("/all")) == 3
    assert all(b["data"]["locationId"] == hooks.location_id for b in receiver.bodies())


async def test_failures_are_retried_with_their_attempts_shown(
    hooks: Tenant, receiver: Receiver, engine: AsyncEngine
) -> None:
    made = await create_endpoint(hooks, receiver.url())
    endpoint_id = made["webhookEndpoint"]["id"]
    receiver.status = 500
    await hooks.create_contact(firstName="Retried")
    async with running_worker(engine):
        await receiver.wait_for(lambda: len(receiver.received) >= 3)
        receiver.status = 204
        await receiver.wait_for(
            lambda: len(receiver.received) >= 1 and receiver.received[-1].path == "/hook"
        )
        for _ in range(100):
            shown = await deliveries(hooks, endpoint_id)
            if shown[0]["status"] == "DELIVERED":
                break
            await asyncio.sleep(0.05)
    (delivery,) = shown
    assert delivery["status"] == "DELIVERED"
    assert delivery["nextAttemptAt"] is None
    attempts = delivery["attempts"]  # newest first
    assert delivery["attemptCount"] == len(attempts) >= 4
    assert attempts[0]["statusCode"] == 204
    assert attempts[0]["error"] is None
    assert {a["statusCode"] for a in attempts[1:]} == {500}
    assert {a["error"] for a in attempts[1:]} == {"HTTP 500"}
    assert all(a["durationMs"] >= 0 for a in attempts)
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert len(ids) == 1  # the same message every time: receivers deduplicate on it


async def test_a_receiver_down_for_a_while_gets_everything_once_back(
    hooks: Tenant, receiver: Receiver, engine: AsyncEngine
) -> None:
    await create_endpoint(hooks, receiver.url())
    await receiver.stop()
    ids = await make_changes(hooks, contacts=3, notes=3)
    async with running_worker(engine):
        await asyncio.sleep(1.0)  # connection refused, again and again
        await receiver.start()
        await receiver.wait_for(lambda: len(receiver.received) >= 12)
        await asyncio.sleep(0.3)
    bodies = receiver.bodies()
    assert len(bodies) == 12
    assert len({b["data"]["eventId"] for b in bodies}) == 12
    order = by_contact(bodies)
    assert set(order) == set(ids)
    assert all(seqs == sorted(seqs) and len(seqs) == 4 for seqs in order.values())


async def test_a_contacts_later_event_waits_for_its_earlier_one(
    hooks: Tenant, receiver: Receiver, engine: AsyncEngine
) -> None:
    """A receiver that answers a contact's first event slowly and the others at once: many
    workers' rounds run meanwhile, and still no later event of a contact overtakes it."""
    await create_endpoint(hooks, receiver.url())
    receiver.delay = lambda body: 0.3 if body["type"] == "contact.created" else 0.0
    ids = await make_changes(hooks, contacts=2, notes=4)
    async with running_worker(engine), running_worker(engine):
        await receiver.wait_for(lambda: len(receiver.received) >= 10)
        await asyncio.sleep(0.3)
    order = by_contact(receiver.bodies())
    assert all(seqs == sorted(seqs) and len(seqs) == 5 for seqs in order.values())
    assert set(order) == set(ids)


async def test_two_workers_never_send_one_event_twice(
    hooks: Tenant, receiver: Receiver, engine: AsyncEngine
) -> None:
    await create_endpoint(hooks, receiver.url())
    receiver.delay = 0.02
    contacts = [(await hooks.create_contact(firstName=f"Twice {i}"))["id"] for i in range(12)]
    async with running_worker(engine), running_worker(engine), running_worker(engine):
        await receiver.wait_for(lambda: len(receiver.received) >= 12)
        await asyncio.sleep(0.5)
    sent = [r.headers["webhook-id"] for r in receiver.received]
    assert len(sent) == len(set(sent)) == 12
    assert {b["data"]["contactId"] for b in receiver.bodies()} == set(contacts)


async def test_a_rolled_back_change_is_never_sent(
    hooks: Tenant, receiver: Receiver, engine: AsyncEngine
) -> None:
    await create_endpoint(hooks, receiver.url())
    c = await hooks.create_contact(firstName="Rollback")
    ghost = ContactEvent(
        kind=EventKind.NOTE_ADDED,
        contact_id=c["id"],
        location_id=hooks.location_id,
        actor_id="user-admin",
        occurred_at=datetime.now(UTC),
        changes=(FieldChange("notes", None, {"id": "ghost", "body": "never"}),),
    )
    async with engine.connect() as conn:  # the event was written, then the change rolled back
        tx = await conn.begin()
        await conn.execute(insert(EVENT).values(event_row(ghost)))
        await tx.rollback()
    refused = await hooks.mutate(
        "contactNoteAdd", {"contactId": c["id"], "body": "  "}, selection="note { id }"
    )
    assert refused["userErrors"]  # a refused change records nothing either
    await hooks.mutate("contactTagsAdd", {"contactId": c["id"], "tags": ["after"]})
    async with running_worker(engine):
        await receiver.wait_for(lambda: len(receiver.received) >= 2)
        await asyncio.sleep(0.3)
    assert [b["type"] for b in receiver.bodies()] == ["contact.created", "tags.added"]
    assert ghost.id not in {b["data"]["eventId"] for b in receiver.bodies()}


async def test_an_event_that_commits_after_a_later_number_is_not_lost(
    hooks: Tenant, receiver: Receiver, engine: AsyncEngine, database_url: str
) -> None:
    """PostgreSQL hands out sequence numbers at insert: a transaction that inserted first
    can commit after one that inserted later and was already scanned. The scan keeps the
    number it passed as a gap and picks the event up once it commits."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: numbers cannot commit out of order")
    await create_endpoint(hooks, receiver.url())
    a = await hooks.create_contact(firstName="Slow")
    b = await hooks.create_contact(firstName="Fast")
    async with running_worker(engine):
        await receiver.wait_for(lambda: len(receiver.received) >= 2)
    receiver.received.clear()

    def note(contact_id: str) -> ContactEvent:
        return ContactEvent(
            kind=EventKind.NOTE_ADDED,
            contact_id=contact_id,
            location_id=hooks.location_id,
            actor_id="user-admin",
            occurred_at=datetime.now(UTC),
            changes=(FieldChange("notes", None, {"id": contact_id, "body": "late"}),),
        )

    early, late = note(a["id"]), note(b["id"])
    async with engine.connect() as first:
        tx = await first.begin()
        await first.execute(insert(EVENT).values(event_row(early)))  # the smaller number
        async with engine.begin() as second:
            await second.execute(insert(EVENT).values(event_row(late)))
        async with running_worker(engine):
            await receiver.wait_for(lambda: len(receiver.received) >= 1)
            await asyncio.sleep(0.2)
        assert [r.json["data"]["eventId"] for r in receiver.received] == [late.id]
        await tx.commit()
    async with running_worker(engine):
        await receiver.wait_for(lambda: len(receiver.received) >= 2)
    assert [r.json["data"]["eventId"] for r in receiver.received] == [late.id, early.id]


async def test_a_restart_resumes_where_the_last_worker_stopped(
    hooks: Tenant, receiver: Receiver, engine: AsyncEngine
) -> None:
    await create_endpoint(hooks, receiver.url())
    await hooks.create_contact(firstName="Before")
    async with running_worker(engine):
        await receiver.wait_for(lambda: len(receiver.received) >= 1)
    await hooks.create_contact(firstName="While stopped")
    async with running_worker(engine):
        await receiver.wait_for(lambda: len(receiver.received) >= 2)
        await asyncio.sleep(0.3)
    names = [b["data"]["changes"] for b in receiver.bodies()]
    assert len(names) == 2
    assert "Before" in str(names[0])
    assert "While stopped" in str(names[1])


async def test_a_delivery_leased_by_a_crashed_worker_goes_out_once_its_lease_ends(
    hooks: Tenant, receiver: Receiver, engine: AsyncEngine
) -> None:
    await create_endpoint(hooks, receiver.url())
    await hooks.create_contact(firstName="Crashed")
    now = datetime.now(UTC)
    await scan_all(engine, now)
    taken = await lease_due(engine, "crashed-worker", now, timedelta(seconds=1.5), limit=100)
    assert any(t.endpoint.url == receiver.url() for t in taken)  # ... and it never sends
    async with running_worker(engine):
        await asyncio.sleep(0.8)
        assert receiver.received == []  # the lease holds
        await receiver.wait_for(lambda: len(receiver.received) >= 1)
        await asyncio.sleep(0.2)
    assert len(receiver.received) == 1


async def test_an_endpoint_that_keeps_failing_is_disabled_and_can_be_redelivered(
    hooks: Tenant, receiver: Receiver, engine: AsyncEngine
) -> None:
    made = await create_endpoint(hooks, receiver.url())
    endpoint_id = made["webhookEndpoint"]["id"]
    receiver.status = 410
    await hooks.create_contact(firstName="Gone")
    brief = RetryPolicy(initial=0.05, max_delay=0.1, give_up_after=timedelta(seconds=0.5))
    async with running_worker(engine, policy=brief):
        for _ in range(200):
            shown = await hooks.gql(
                "query($id: ID!) { webhookEndpoint(id: $id) { enabled disabledReason } }",
                {"id": endpoint_id},
            )
            if not shown["webhookEndpoint"]["enabled"]:
                break
            await asyncio.sleep(0.05)
        assert shown["webhookEndpoint"]["enabled"] is False
        assert "HTTP 410" in shown["webhookEndpoint"]["disabledReason"]
        (failed,) = await deliveries(hooks, endpoint_id)
        assert failed["status"] == "FAILED"
        assert failed["nextAttemptAt"] is None
        tried = len(receiver.received)
        await hooks.create_contact(firstName="While disabled")  # not for a disabled endpoint
        receiver.status = 200
        retried = await hooks.mutate(
            "webhookDeliveryRetry",
            {"id": failed["id"]},
            selection="webhookDelivery { id status nextAttemptAt }",
        )
        assert retried["userErrors"] == []
        assert retried["webhookDelivery"]["status"] == "PENDING"
        await asyncio.sleep(0.3)
        assert len(receiver.received) == tried  # disabled: nothing goes out
        enabled = await hooks.mutate(
            "webhookEndpointUpdate",
            {"id": endpoint_id, "enabled": True},
            selection="webhookEndpoint { enabled disabledReason }",
        )
        assert enabled["webhookEndpoint"] == {"enabled": True, "disabledReason": None}
        await receiver.wait_for(lambda: len(receiver.received) > tried)
        await asyncio.sleep(0.3)
    assert len(receiver.received) == tried + 1
    assert receiver.received[-1].json["type"] == "contact.created"
    assert "Gone" in str(receiver.received[-1].json["data"]["changes"])
    (delivered,) = await deliveries(hooks, endpoint_id)
    assert delivered["status"] == "DELIVERED"


def test_the_fast_policy_is_fast() -> None:
    """(The premise of these tests: retries come within a fraction of a second.)"""
    assert all(FAST.delay(n) <= 0.2 for n in range(1, 20))


async def test_a_body_never_names_a_contact_of_another_location(
    hooks: Tenant, receiver: Receiver, engine: AsyncEngine
) -> None:
    """An event naming a contact (a link's other end) is checked against the endpoint's
    location before it is sent: one from elsewhere is redacted as the timeline redacts."""
    await create_endpoint(hooks, receiver.url())
    mine = await hooks.create_contact(firstName="Mine")
    linked = await hooks.create_contact(firstName="Linked")
    other = await another_tenant(hooks, engine)
    stranger = await other.create_contact(firstName="Stranger")

    def link(to: str) -> ContactEvent:
        return ContactEvent(
            kind=EventKind.ASSOCIATION_ADDED,
            contact_id=mine["id"],
            location_id=hooks.location_id,
            actor_id="user-admin",
            occurred_at=datetime.now(UTC),
            changes=(
                FieldChange(
                    "associations",
                    None,
                    {"id": to[:8], "objectType": "CONTACT", "objectId": to, "labels": ["x"]},
                ),
            ),
        )

    async with engine.begin() as conn:
        await conn.execute(insert(EVENT).values(event_row(link(linked["id"]))))
        await conn.execute(insert(EVENT).values(event_row(link(stranger["id"]))))
    async with running_worker(engine):
        await receiver.wait_for(lambda: len(receiver.received) >= 4)
    links = [b for b in receiver.bodies() if b["type"] == "association.added"]
    assert [b["data"]["redacted"] for b in links] == [False, True]
    assert links[0]["data"]["changes"][0]["after"]["objectId"] == linked["id"]
    assert links[1]["data"]["changes"][0]["after"]["objectId"] is None
    assert stranger["id"] not in str(receiver.bodies())


async def test_an_endpoint_deleted_while_it_is_being_sent_to(
    hooks: Tenant, receiver: Receiver, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """The attempt has nowhere to go: it is dropped quietly, and the worker goes on."""
    doomed = await create_endpoint(hooks, receiver.url("/doomed"))
    await create_endpoint(hooks, receiver.url("/kept"))
    receiver.delay = lambda body: 0.5
    await hooks.create_contact(firstName="In flight")
    async with running_worker(engine):
        await asyncio.sleep(0.2)  # both requests are being answered, slowly
        deleted = await hooks.mutate(
            "webhookEndpointDelete",
            {"id": doomed["webhookEndpoint"]["id"]},
            selection="webhookEndpoint { id }",
        )
        assert deleted["userErrors"] == []
        await receiver.wait_for(lambda: len(receiver.received) >= 2)
        receiver.delay = 0.0
        await hooks.create_contact(firstName="After")
        await receiver.wait_for(lambda: len(receiver.bodies("/kept")) >= 2)
    assert len(receiver.bodies("/doomed")) == 1
    worker_errors = [r for r in caplog.records if r.name == "server.webhook_worker"]
    assert worker_errors == []


async def test_the_servers_lifespan_runs_the_worker(
    receiver: Receiver, settings: Settings, engine: AsyncEngine
) -> None:
    """With CONTACT_GRAPH_WEBHOOKS_WORKER on (the default), the app delivers by itself."""
    own = settings.model_copy(
        update={
            "webhooks_worker": True,
            "webhooks_poll_seconds": 0.05,
            "outbound_allow_loopback": True,
        }
    )
    app = create_app(own)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            t = await another_tenant(Tenant(c, own, "unused"), engine)
            try:
                await create_endpoint(t, receiver.url())
                await t.create_contact(firstName="By itself")
                await receiver.wait_for(lambda: len(receiver.received) >= 1)
            finally:
                await delete_endpoints(t)
    assert receiver.bodies()[0]["type"] == "contact.created"


def test_the_development_settings_are_refused_in_production() -> None:
    for setting in ("webhooks_allow_http", "outbound_allow_loopback"):
        with pytest.raises(ValueError, match="for development only"):
            Settings(  # type: ignore[call-arg]
                environment="production", jwt_secret="s" * 40, _env_file=None, **{setting: True}
            )
