"""contactChange: several tabs in one transaction -- all of it or nothing, every part's
errors at once, one optimistic check, and the events of the separate mutations, published
only once the change has committed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from live_servers import Server, live_client, token_for
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from support import Tenant

from domain.events import ContactEvent
from persistence.tables import CONTACT, EVENT, NOTE, TAG, TASK

SELECTION = """contact { id version firstName lastName tags followers { id } owner { id }
  phones { number label } emails { address } dnd { channels { channel enabled } }
  customFields { field { key } value { ... on CustomFieldNumber { number } } } }
  notesAdded { id body } tasksAdded { id title status } tasksUpdated { id title }
  tasksCompleted { id status }"""
AUDIT = """query($id: ID!) { contact(id: $id) { auditLog(first: 50) {
  edges { node { kind actor { id } changes { field } } } } } }"""
TASK_SELECTION = "task { id }"
DUE = "2030-01-01T09:00:00Z"


def task(title: str | None = "Call back", **kw: Any) -> dict[str, Any]:
    return {"title": title, "dueAt": DUE, "assigneeId": "user-admin", **kw}


async def change(t: Tenant, input: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return await t.mutate("contactChange", input, selection=SELECTION, **kw)


def errors(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def audit(t: Tenant, contact_id: str) -> list[tuple[str, str, list[str]]]:
    """The contact's events, oldest first: kind, actor and the changed fields."""
    data = await t.gql(AUDIT, {"id": contact_id})
    nodes = [e["node"] for e in data["contact"]["auditLog"]["edges"]]
    return [
        (n["kind"], n["actor"]["id"], [c["field"] for c in n["changes"]]) for n in reversed(nodes)
    ]


async def stored(engine: AsyncEngine, contact_id: str) -> dict[str, Any]:
    """What the database holds for the contact, read past the API."""
    async with engine.connect() as conn:
        head = (
            await conn.execute(
                select(CONTACT.c.version, CONTACT.c.updated_at, CONTACT.c.first_name).where(
                    CONTACT.c.id == contact_id
                )
            )
        ).one()
        counts = {}
        for name, table in (("events", EVENT), ("notes", NOTE), ("tasks", TASK), ("tags", TAG)):
            counts[name] = (
                await conn.execute(
                    select(func.count()).select_from(table).where(table.c.contact_id == contact_id)
                )
            ).scalar_one()
    return {"head": tuple(head), **counts}


@pytest.fixture
def published(
    tenant: Tenant, engine: AsyncEngine, app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> list[list[tuple[str, bool]]]:
    """Each batch the broker is handed: every event's kind, and whether another connection
    already sees it stored (it does once committed, never before)."""
    batches: list[list[tuple[str, bool]]] = []
    broker = app.state.runtime.broker
    publish = broker.publish

    async def recording(events: Sequence[ContactEvent]) -> None:
        mine = [e for e in events if e.location_id == tenant.location_id]
        if mine:
            async with engine.connect() as conn:
                seen = set(
                    (
                        await conn.execute(
                            select(EVENT.c.id).where(EVENT.c.id.in_([e.id for e in mine]))
                        )
                    ).scalars()
                )
            batches.append([(e.kind.value, e.id in seen) for e in mine])
        await publish(events)

    monkeypatch.setattr(broker, "publish", recording)
    return batches


async def record(t: Tenant, **draft: Any) -> tuple[dict[str, Any], str]:
    """A contact with a phone, an email, a tag, a follower and an open task."""
    c = await t.create_contact(
        firstName="Rita",
        phones=[{"number": "+14155550100", "label": "MOBILE"}],
        emails=[{"address": "rita@example.org"}],
        tags=["old"],
        followerIds=["user-2"],
        **draft,
    )
    added = await t.mutate("contactTaskAdd", {"contactId": c["id"], **task()}, TASK_SELECTION)
    return c, added["task"]["id"]


async def test_every_part_applies_with_the_events_of_the_separate_mutations(
    tenant: Tenant, published: list[list[tuple[str, bool]]]
) -> None:
    await tenant.mutate(
        "customFieldCreate",
        {"key": "score", "name": "Score", "dataType": "NUMBER"},
        selection="customField { id }",
    )
    together, together_task = await record(tenant)
    apart, apart_task = await record(tenant)
    del published[:]

    def parts(c: dict[str, Any]) -> dict[str, Any]:
        return {
            "phonesUpdate": [{"phoneId": c["phones"][0]["id"], "label": "HOME"}],
            "phonesAdd": [{"number": "+14155550101", "label": "WORK"}],
            "emailsRemove": [c["emails"][0]["id"]],
            "emailsAdd": [{"address": "rita@work.example.org"}],
        }

    payload = await change(
        tenant,
        {
            "contactId": together["id"],
            "expectedVersion": 0,
            "update": {"lastName": "Levi"},
            **parts(together),
            "tagsRemove": ["old"],
            "tagsAdd": ["vip"],
            "dnd": [{"channel": "SMS", "enabled": True}],
            "customFields": [{"key": "score", "value": {"number": 7}}],
            "notesAdd": [{"body": "Met at the fair"}, {"body": "Sent the offer"}],
            "tasksAdd": [task("Send contract")],
            "tasksUpdate": [{"taskId": together_task, "title": "Call back soon"}],
            "tasksComplete": [together_task],
            "followersRemove": ["user-2"],
            "followersAdd": ["user-3"],
            "ownerId": "user-4",
        },
    )
    assert payload["userErrors"] == []
    c = payload["contact"]
    assert (c["firstName"], c["lastName"], c["tags"]) == ("Rita", "Levi", ["vip"])
    assert c["phones"] == [
        {"number": "+14155550100", "label": "HOME"},
        {"number": "+14155550101", "label": "WORK"},
    ]
    assert c["emails"] == [{"address": "rita@work.example.org"}]
    assert [d for d in c["dnd"]["channels"] if d["enabled"]] == [
        {"channel": "SMS", "enabled": True}
    ]
    assert c["customFields"] == [{"field": {"key": "score"}, "value": {"number": 7}}]
    assert (c["followers"], c["owner"]) == ([{"id": "user-3"}], {"id": "user-4"})
    assert c["version"] > 0
    assert [n["body"] for n in payload["notesAdded"]] == ["Met at the fair", "Sent the offer"]
    assert [(t["title"], t["status"]) for t in payload["tasksAdded"]] == [("Send contract", "OPEN")]
    assert payload["tasksUpdated"] == [{"id": together_task, "title": "Call back soon"}]
    assert payload["tasksCompleted"] == [{"id": together_task, "status": "COMPLETED"}]
    read = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { version notes { totalCount } "
        "tasks { totalCount } } }",
        {"id": together["id"]},
    )
    assert read["contact"] == {
        "version": c["version"],
        "notes": {"totalCount": 2},
        "tasks": {"totalCount": 2},
    }

    # the same edits through the separate mutations, in contactChange's order
    cid, p = apart["id"], parts(apart)
    steps: list[tuple[str, dict[str, Any], str]] = [
        ("contactUpdate", {"lastName": "Levi"}, ""),
        ("contactPhoneUpdate", p["phonesUpdate"][0], ""),
        ("contactPhoneAdd", p["phonesAdd"][0], ""),
        ("contactEmailRemove", {"emailId": p["emailsRemove"][0]}, ""),
        ("contactEmailAdd", p["emailsAdd"][0], ""),
        ("contactTagsRemove", {"tags": ["old"]}, ""),
        ("contactTagsAdd", {"tags": ["vip"]}, ""),
        ("contactDndSet", {"settings": [{"channel": "SMS", "enabled": True}]}, ""),
        (
            "contactCustomFieldValuesSet",
            {"values": [{"key": "score", "value": {"number": 7}}]},
            "",
        ),
        ("contactNoteAdd", {"body": "Met at the fair"}, "note { id }"),
        ("contactNoteAdd", {"body": "Sent the offer"}, "note { id }"),
        ("contactTaskAdd", task("Send contract"), TASK_SELECTION),
        ("contactTaskUpdate", {"taskId": apart_task, "title": "Call back soon"}, TASK_SELECTION),
        ("contactTaskComplete", {"taskId": apart_task}, TASK_SELECTION),
        ("contactFollowersRemove", {"userIds": ["user-2"]}, ""),
        ("contactFollowersAdd", {"userIds": ["user-3"]}, ""),
        ("contactOwnerSet", {"ownerId": "user-4"}, ""),
    ]
    one_by_one = []
    for name, input, selection in steps:
        named = input if "taskId" in input else {"contactId": cid, **input}
        done = await tenant.mutate(name, named, selection=selection)
        assert done["userErrors"] == [], (name, done["userErrors"])
        one_by_one.append(published.pop())

    assert (await audit(tenant, together["id"]))[2:] == (await audit(tenant, cid))[2:]
    assert len(await audit(tenant, cid)) == 2 + len(steps)
    # one batch, after the one commit, with the events the separate mutations published
    (batch,) = published
    assert batch == [event for separate in one_by_one for event in separate]
    assert all(seen for _, seen in batch)


async def test_an_invalid_task_leaves_the_update_and_the_note_unwritten(
    tenant: Tenant, engine: AsyncEngine, published: list[list[tuple[str, bool]]]
) -> None:
    """The issue's document: contactUpdate + contactNoteAdd + an invalid contactTaskAdd."""
    c, _ = await record(tenant)
    before = await stored(engine, c["id"])
    audit_before = await audit(tenant, c["id"])
    del published[:]
    payload = await change(
        tenant,
        {
            "contactId": c["id"],
            "update": {"firstName": "Changed"},
            "notesAdd": [{"body": "Should not stay"}],
            "tasksAdd": [task("Fine"), task(None)],
        },
    )
    assert errors(payload) == [(["input", "tasksAdd", "1", "title"], "REQUIRED")]
    assert payload["contact"] is None
    assert payload["notesAdded"] == []
    assert await stored(engine, c["id"]) == before  # no note, no task, no event, same contact
    assert before["notes"] == 0
    assert before["head"][2] == "Rita"
    assert await audit(tenant, c["id"]) == audit_before
    assert published == []


async def test_errors_of_every_part_come_at_once_with_their_paths(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    c, task_id = await record(tenant)
    other, other_task = await record(tenant)
    before = await stored(engine, c["id"])
    payload = await change(
        tenant,
        {
            "contactId": c["id"],
            "update": {"dateOfBirth": "2199-01-01"},
            "phonesAdd": [{"number": "+14155550102"}, {"number": "not a phone"}],
            "phonesRemove": ["no-such-phone"],
            "emailsAdd": [{"address": "nope"}],
            "tagsAdd": ["fine", "  "],
            "followersAdd": [f"user-{i}" for i in range(11)],
            "customFields": [{"key": "missing", "value": {"number": 1}}],
            "notesAdd": [{"body": "ok"}, {"body": " "}],
            "tasksAdd": [task(None, dueAt=None)],
            "tasksUpdate": [{"taskId": task_id, "assigneeId": None}, {"taskId": other_task}],
            "tasksComplete": ["no-such-task"],
        },
    )
    assert errors(payload) == [
        (["input", "update", "dateOfBirth"], "INVALID_VALUE"),
        (["input", "phonesRemove", "0"], "NOT_FOUND"),
        (["input", "phonesAdd", "1", "number"], "INVALID_PHONE"),
        (["input", "emailsAdd", "0", "address"], "INVALID_EMAIL"),
        (["input", "tagsAdd", "1"], "REQUIRED"),
        (["input", "customFields", "0", "key"], "NOT_FOUND"),
        (["input", "notesAdd", "1", "body"], "REQUIRED"),
        (["input", "tasksAdd", "0", "title"], "REQUIRED"),
        (["input", "tasksAdd", "0", "dueAt"], "REQUIRED"),
        (["input", "tasksUpdate", "0", "assigneeId"], "REQUIRED"),
        (["input", "tasksUpdate", "1", "taskId"], "NOT_FOUND"),  # another contact's task
        (["input", "tasksComplete", "0"], "NOT_FOUND"),
        (["input", "followersAdd"], "LIMIT_EXCEEDED"),
    ]
    assert await stored(engine, c["id"]) == before
    assert (await stored(engine, other["id"]))["tasks"] == 1


async def test_expected_version(tenant: Tenant, engine: AsyncEngine) -> None:
    c, _ = await record(tenant)
    version = await tenant.gql("query($id: ID!) { contact(id: $id) { version } }", c)
    assert version == {"contact": {"version": 0}}
    before = await stored(engine, c["id"])
    stale = await change(
        tenant,
        {"contactId": c["id"], "expectedVersion": 3, "tagsAdd": ["x"], "notesAdd": [{"body": "x"}]},
    )
    assert errors(stale) == [(["input", "expectedVersion"], "VERSION_CONFLICT")]
    assert await stored(engine, c["id"]) == before
    fresh = await change(tenant, {"contactId": c["id"], "expectedVersion": 0, "tagsAdd": ["x"]})
    assert fresh["userErrors"] == []
    assert fresh["contact"]["version"] == 1
    # the client read 0; it has changed since
    again = await change(tenant, {"contactId": c["id"], "expectedVersion": 0, "tagsAdd": ["y"]})
    assert errors(again) == [(["input", "expectedVersion"], "VERSION_CONFLICT")]
    # notes and tasks are the contact's tabs, not its record: they leave the version alone
    notes = await change(
        tenant, {"contactId": c["id"], "expectedVersion": 1, "notesAdd": [{"body": "n"}]}
    )
    assert notes["userErrors"] == []
    assert notes["contact"]["version"] == 1


async def test_a_restricted_viewer_may_change_only_contacts_they_see(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    ben = tenant.viewer("user-ben", assigned_only=True)
    hidden, _ = await record(tenant, ownerId="user-other")
    mine, _ = await record(tenant, ownerId="user-ben")
    before = await stored(engine, hidden["id"])
    for contact_id in (hidden["id"], "no-such-contact"):
        refused = await change(
            tenant,
            {"contactId": contact_id, "tagsAdd": ["x"], "notesAdd": [{"body": "x"}]},
            viewer=ben,
        )
        assert errors(refused) == [(["input", "contactId"], "NOT_FOUND")]
        assert "version" not in refused["userErrors"][0]["message"]
    assert await stored(engine, hidden["id"]) == before
    # with a version too: the hidden contact's version is not told either
    probe = await change(tenant, {"contactId": hidden["id"], "expectedVersion": 7}, viewer=ben)
    assert errors(probe) == [(["input", "contactId"], "NOT_FOUND")]
    ok = await change(tenant, {"contactId": mine["id"], "tagsAdd": ["x"]}, viewer=ben)
    assert ok["userErrors"] == []
    assert ok["contact"]["tags"] == ["old", "x"]
    # giving the contact away is the last part: everything before it was still theirs
    away = await change(
        tenant,
        {"contactId": mine["id"], "notesAdd": [{"body": "handed over"}], "ownerId": "user-x"},
        viewer=ben,
    )
    assert away["userErrors"] == []
    assert away["notesAdded"][0]["body"] == "handed over"


async def test_an_empty_change_or_too_many_items(tenant: Tenant, engine: AsyncEngine) -> None:
    c, _ = await record(tenant)
    before = await stored(engine, c["id"])
    empty = await change(tenant, {"contactId": c["id"]})
    assert empty["userErrors"] == []
    assert empty["contact"]["id"] == c["id"]
    many = await change(tenant, {"contactId": c["id"], "notesAdd": [{"body": "n"}] * 101})
    assert errors(many) == [(["input"], "LIMIT_EXCEEDED")]
    assert await stored(engine, c["id"]) == before


async def test_concurrent_changes_lose_nothing(tenant: Tenant) -> None:
    c, _ = await record(tenant)

    async def one(i: int) -> dict[str, Any]:
        return await change(
            tenant,
            {"contactId": c["id"], "tagsAdd": [f"t{i}"], "notesAdd": [{"body": f"n{i}"}]},
        )

    payloads = await asyncio.gather(*(one(i) for i in range(8)))
    assert all(p["userErrors"] == [] for p in payloads), payloads
    data = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { version tags notes { totalCount } } }",
        {"id": c["id"]},
    )
    assert sorted(data["contact"]["tags"]) == sorted(["old", *(f"t{i}" for i in range(8))])
    assert data["contact"]["notes"]["totalCount"] == 8
    assert data["contact"]["version"] == 8


async def test_one_of_concurrent_changes_from_one_version_wins(tenant: Tenant) -> None:
    """Clients that all read version 0: the check and the change are one step, so exactly
    one of them gets through and the others are told the contact changed."""
    c, _ = await record(tenant)

    async def one(i: int) -> list[str]:
        payload = await change(
            tenant,
            {"contactId": c["id"], "expectedVersion": 0, "tagsAdd": [f"t{i}"]},
        )
        return [e["code"] for e in payload["userErrors"]]

    codes = await asyncio.gather(*(one(i) for i in range(6)))
    assert sorted(codes) == [[]] + [["VERSION_CONFLICT"]] * 5
    data = await tenant.gql("query($id: ID!) { contact(id: $id) { version tags } }", c)
    assert data["contact"]["version"] == 1
    assert len(data["contact"]["tags"]) == 2


LIVE = """subscription($id: ID!) { contactActivity(contactId: $id) {
  __typename kind ... on ContactNoteActivity { body }
  ... on ContactTagsActivity { tagsAdded } } }"""


async def test_live_subscribers_see_a_change_once_it_committed(
    tenant: Tenant, servers: Any
) -> None:
    """Over a real websocket: a refused change sends nothing; an applied one sends each part's
    item, in the parts' order."""
    server: Server = servers()
    c, _ = await record(tenant)
    token = token_for(tenant.admin)
    query = "mutation($i: ContactChangeInput!) { contactChange(input: $i) { userErrors { code } } }"

    async def post(input: dict[str, Any]) -> list[str]:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                server.http,
                json={"query": query, "variables": {"i": {"contactId": c["id"], **input}}},
                headers={"Authorization": f"Bearer {token}"},
            )
        return [e["code"] for e in response.json()["data"]["contactChange"]["userErrors"]]

    async with live_client(server.ws, token) as client:
        await client.subscribe(LIVE, {"id": c["id"]})
        await asyncio.sleep(0.3)  # subscribed before the changes
        refused = {"tagsAdd": ["x"], "notesAdd": [{"body": "no"}], "tasksAdd": [task(None)]}
        assert await post(refused) == ["REQUIRED"]
        await client.nothing_for(0.5)
        assert await post({"tagsAdd": ["x"], "notesAdd": [{"body": "yes"}]}) == []
        tags, note = await client.items(2)
        await client.nothing_for(0.3)
    assert (tags["kind"], tags["tagsAdded"]) == ("TAGS_ADDED", ["x"])
    assert (note["kind"], note["body"]) == ("NOTE_ADDED", "yes")
