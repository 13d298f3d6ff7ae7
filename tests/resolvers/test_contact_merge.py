"""contactMerge (domain/merge.py): every rule through HTTP, on SQLite and PostgreSQL.

What moves and how conflicts resolve; every tab's items on the survivor afterwards; the
duplicate archived as merged, its id reading as the survivor in `contact` and `_entities`;
CONTACT_MERGED on both timelines; refusals that change nothing; who may merge; and a cost
that does not grow with the items moved.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant, ok, open_calendar

from persistence.db import StatementCounter
from persistence.tables import CONTACT, EVENT, LOCATION, PAYMENT_CUSTOMER

MERGED = """contact { id firstName lastName businessName website source
  address { line1 city } owner { id } followers { id } tags
  phones { id number label isPrimary } emails { id address label isPrimary }
  dnd { channels { channel enabled } }
  customFields { field { key } value { ... on CustomFieldNumber { number }
    ... on CustomFieldText { text } } } }
duplicateId droppedLabels { kind value label }"""
TABS = """query($id: ID!) { contact(id: $id) { id
  notes(first: 100) { totalCount } tasks(first: 100) { totalCount }
  interactions(first: 100) { totalCount } appointments(first: 100) { totalCount }
  documents(first: 100) { totalCount } workflows(first: 100) { totalCount }
  courseOffers(first: 100) { totalCount } communityGroups(first: 100) { totalCount }
  associations(first: 100) { totalCount edges { node { objectType
    record { __typename ... on Contact { id } ... on Opportunity { name } } } } }
  attribution { firstInteraction { externalId } latestInteraction { externalId } } } }"""
TIMELINE = """query($id: ID!) { contact(id: $id) { id activity(first: 100) { edges { node {
  kind ... on ContactMergedActivity { survivorId duplicateId redacted
    changes { field before after } } } } } } }"""
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def errors(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def merge(
    t: Tenant, survivor: str, duplicate: str, selection: str = MERGED, **kw: Any
) -> dict[str, Any]:
    return await t.mutate(
        "contactMerge", {"survivorId": survivor, "duplicateId": duplicate}, selection, **kw
    )


SLOT = [0]


async def fill_tabs(t: Tenant, cid: str, calendar_id: str, n: int = 1, tag: str = "") -> None:
    """``n`` items on every tab of the contact (links: to an opportunity each)."""
    start = datetime.combine(date.today() + timedelta(days=2), time(), tzinfo=UTC)
    for k in range(n):
        ref = {"contactId": cid}
        ok(await t.mutate("contactNoteAdd", {**ref, "body": f"n{k}"}, "note { id }"))
        task = {**ref, "title": f"t{k}", "dueAt": "2030-01-01T09:00:00Z", "assigneeId": "u1"}
        ok(await t.mutate("contactTaskAdd", task, "task { id }"))
        visit = {
            **ref,
            "externalId": f"{tag}{cid}-{k}",
            "kind": "WEBSITE_VISIT",
            "occurredAt": f"2026-01-{k + 10:02d}T12:00:00Z",
            "websiteVisit": {"pageUrl": "https://shop.example.com"},
        }
        ok(await t.mutate("contactInteractionRecord", visit, "interaction { id }"))
        SLOT[0] += 1
        booking = {
            **ref,
            "calendarId": calendar_id,
            "start": (start + timedelta(minutes=15 * SLOT[0])).isoformat(),
        }
        ok(await t.mutate("contactAppointmentBook", booking, "appointment { id }"))
        sent = await t.upload(ref, [(f"{k}.pdf", PDF)], selection="documents { id }")
        ok(sent.json()["data"]["contactDocumentsUpload"])
        enrol = {**ref, "workflowId": f"{tag}wf-{k}", "workflowName": "W"}
        ok(await t.mutate("contactWorkflowEnroll", enrol, "enrollment { id }"))
        offer = {**ref, "offerId": f"{tag}offer-{k}", "offerName": "Yoga"}
        ok(await t.mutate("contactCourseOfferGrant", offer, "contact { id }"))
        group = {**ref, "groupId": f"{tag}group-{k}", "groupName": "Founders"}
        ok(await t.mutate("contactCommunityGroupAssign", group, "contact { id }"))
        deal = {**ref, "name": f"{tag}Deal {k}", "pipelineId": "sales", "stage": "new"}
        ok(await t.mutate("contactOpportunityCreate", deal, "opportunity { id }"))


def totals(record: dict[str, Any]) -> dict[str, int]:
    return {
        k: v["totalCount"] for k, v in record.items() if isinstance(v, dict) and "totalCount" in v
    }


async def test_the_duplicates_data_moves_by_the_stated_rules(tenant: Tenant) -> None:
    t = tenant
    for key, kind in (("score", "NUMBER"), ("plan", "TEXT")):
        field = {"key": key, "name": key, "dataType": kind}
        ok(await t.mutate("customFieldCreate", field, "customField { id }"))
    survivor = await t.create_contact(
        firstName="Ann",
        businessName="",
        ownerId="u1",
        phones=[{"number": "+14155550100", "label": "MOBILE", "primary": True}],
        emails=[{"address": "ann@example.org", "label": "WORK"}],
        tags=["vip"],
        followerIds=["u2"],
        dnd=[{"channel": "SMS", "enabled": False}, {"channel": "EMAIL", "enabled": True}],
        customFields=[{"key": "score", "value": {"number": 1}}],
    )
    duplicate = await t.create_contact(
        firstName="Annie",
        lastName="Lee",
        businessName="Lee Ltd",
        website="https://lee.example.com",
        address={"line1": "1 Main St", "city": "Springfield"},
        ownerId="u9",
        phones=[
            {"number": "+14155550100", "label": "WORK"},  # the same number: collapses
            {"number": "+14155550199", "label": "MOBILE", "primary": True},  # label taken
        ],
        emails=[{"address": "ANN@example.org"}, {"address": "lee@example.org", "label": "HOME"}],
        tags=["vip", "lead"],
        followerIds=["u2", "u3"],
        dnd=[{"channel": "SMS", "enabled": True}],
        customFields=[
            {"key": "score", "value": {"number": 9}},
            {"key": "plan", "value": {"text": "gold"}},
        ],
    )
    s, d = survivor["id"], duplicate["id"]
    merged = ok(await merge(t, s, d))
    c = merged["contact"]
    assert (c["id"], merged["duplicateId"]) == (s, d)
    # the survivor's non-empty fields win; empty ones are filled (the address as a whole)
    assert (c["firstName"], c["lastName"], c["businessName"]) == ("Ann", "Lee", "Lee Ltd")
    assert c["website"] == "https://lee.example.com"
    assert c["address"] == {"line1": "1 Main St", "city": "Springfield"}
    assert c["owner"] == {"id": "u1"}
    # identical values collapse; a moved number whose label is taken loses it, and says so
    assert [(p["number"], p["label"], p["isPrimary"]) for p in c["phones"]] == [
        ("+14155550100", "MOBILE", True),
        ("+14155550199", None, False),
    ]
    assert merged["droppedLabels"] == [
        {"kind": "phone", "value": "+14155550199", "label": "MOBILE"}
    ]
    assert [(e["address"], e["label"]) for e in c["emails"]] == [
        ("ann@example.org", "WORK"),
        ("lee@example.org", "HOME"),
    ]
    assert c["tags"] == ["vip", "lead"]
    assert c["followers"] == [{"id": "u2"}, {"id": "u3"}]
    dnd = {x["channel"]: x["enabled"] for x in c["dnd"]["channels"]}
    assert (dnd["SMS"], dnd["EMAIL"], dnd["CALL"]) == (True, True, False)  # on for either
    values = {v["field"]["key"]: v["value"] for v in c["customFields"]}
    assert values == {"score": {"number": 1.0}, "plan": {"text": "gold"}}  # survivor wins

    # the duplicate's id reads as the survivor, as `contact` and as an entity
    read = await t.gql("query($id: ID!) { contact(id: $id) { id phones { number } } }", {"id": d})
    assert read["contact"]["id"] == s
    entities = await t.gql(
        "query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Contact { id } } }",
        {"reps": [{"__typename": "Contact", "id": d}, {"__typename": "Contact", "id": s}]},
    )
    assert entities["_entities"] == [{"id": s}, {"id": s}]
    # archived as merged: in the archived list, pointing at the survivor, its data gone
    archived = await t.gql(
        """{ contacts(filter: {archived: true}, first: 10) { edges { node { id archived
        mergedInto { id } phones { id } tags } } } }"""
    )
    assert [e["node"] for e in archived["contacts"]["edges"]] == [
        {"id": d, "archived": True, "mergedInto": {"id": s}, "phones": [], "tags": []}
    ]
    # a phone lookup (upsert) finds the survivor, not the archive
    upserted = await t.mutate(
        "contactUpsert", {"phones": [{"number": "+14155550199"}]}, "contact { id } created"
    )
    assert (upserted["contact"]["id"], upserted["created"]) == (s, False)


async def test_every_tabs_items_move_and_events_are_on_both_timelines(tenant: Tenant) -> None:
    t = tenant
    cal = await open_calendar(t)
    s = (await t.create_contact(firstName="Survivor"))["id"]
    d = (await t.create_contact(firstName="Duplicate"))["id"]
    await fill_tabs(t, s, cal, 1, "s-")
    await fill_tabs(t, d, cal, 2, "d-")
    before = totals((await t.gql(TABS, {"id": s}))["contact"])
    assert set(before.values()) == {1}
    ok(await merge(t, s, d, "contact { id }"))
    after = (await t.gql(TABS, {"id": s}))["contact"]
    assert totals(after) == dict.fromkeys(before, 3)
    assert totals((await t.gql(TABS, {"id": d}))["contact"]) == totals(after)  # d reads as s

    # CONTACT_MERGED on both timelines (the duplicate's, through the archived list)
    merge_change = {"survivorId": s, "duplicateId": d}
    mine = (await t.gql(TIMELINE, {"id": s}))["contact"]["activity"]["edges"][0]["node"]
    assert (mine["kind"], mine["survivorId"], mine["duplicateId"]) == ("CONTACT_MERGED", s, d)
    assert mine["changes"][0] == {"field": "merge", "before": None, "after": merge_change}
    theirs = await t.gql(
        """{ contacts(filter: {archived: true}, first: 10) { edges { node { id
        activity(first: 1) { edges { node { kind ... on ContactMergedActivity {
          survivorId duplicateId changes { field after } } } } } } } } }"""
    )
    (node,) = [e["node"] for e in theirs["contacts"]["edges"]]
    event = node["activity"]["edges"][0]["node"]
    assert (node["id"], event["kind"], event["survivorId"]) == (d, "CONTACT_MERGED", s)
    assert [c["field"] for c in event["changes"]] == ["merge", "archivedAt"]


async def link(t: Tenant, contact_id: str, target_id: str, labels: list[str] = ()) -> str:  # type: ignore[assignment]
    made = ok(
        await t.mutate(
            "contactAssociationAdd",
            {
                "contactId": contact_id,
                "targetId": target_id,
                "targetType": "CONTACT",
                "labelIds": list(labels),
            },
            selection="association { id }",
        )
    )
    association_id: str = made["association"]["id"]
    return association_id


LINKS = """query($id: ID!) { contact(id: $id) { associations(first: 100) { totalCount
  edges { node { record { ... on Contact { id } } labels { label { name } } } } } } }"""


async def linked(t: Tenant, cid: str) -> list[tuple[str, list[str]]]:
    data = await t.gql(LINKS, {"id": cid})
    return sorted(
        (e["node"]["record"]["id"], [x["label"]["name"] for x in e["node"]["labels"]])
        for e in data["contact"]["associations"]["edges"]
    )


async def test_links_between_them_go_and_clashes_keep_the_survivors(tenant: Tenant) -> None:
    t = tenant
    made = await t.mutate(
        "contactAssociationLabelCreate",
        {"name": "Friend", "objectType": "CONTACT"},
        selection="label { id }",
    )
    friend = made["label"]["id"]
    s, d, x, y = [(await t.create_contact(firstName=n))["id"] for n in "SDXY"]
    await link(t, s, d)  # between the two: deleted
    await link(t, s, x, [friend])  # both linked to x: the survivor's link stays
    await link(t, x, d)
    await link(t, d, y)  # only the duplicate's: moves, y's side now names s
    ok(await merge(t, s, d, "contact { id }"))
    assert await linked(t, s) == sorted([(x, ["Friend"]), (y, [])])
    assert await linked(t, x) == [(s, ["Friend"])]
    assert await linked(t, y) == [(s, [])]


async def test_one_per_contact_items_keep_the_survivors(tenant: Tenant) -> None:
    t = tenant
    s, d = [(await t.create_contact(firstName=n))["id"] for n in "SD"]
    for cid, name in ((s, "Survivor's"), (d, "Duplicate's")):
        enrol = {"contactId": cid, "workflowId": "wf-1", "workflowName": name}
        ok(await t.mutate("contactWorkflowEnroll", enrol, "enrollment { id }"))
        offer = {"contactId": cid, "offerId": "offer-1", "offerName": name}
        ok(await t.mutate("contactCourseOfferGrant", offer, "contact { id }"))
        group = {"contactId": cid, "groupId": "group-1", "groupName": name}
        ok(await t.mutate("contactCommunityGroupAssign", group, "contact { id }"))
    # an ended enrolment is history, not a clash: it moves
    stop = {"contactId": d, "workflowId": "wf-1"}
    ok(await t.mutate("contactWorkflowStop", stop, "enrollment { id }"))
    again = {"contactId": d, "workflowId": "wf-1", "workflowName": "Duplicate's again"}
    ok(await t.mutate("contactWorkflowEnroll", again, "enrollment { id }"))
    ok(await merge(t, s, d, "contact { id }"))
    data = await t.gql(
        """query($id: ID!) { contact(id: $id) {
        workflows(first: 10) { edges { node { workflowName state } } }
        courseOffers(first: 10) { edges { node { offerName } } }
        communityGroups(first: 10) { edges { node { groupName } } } } }""",
        {"id": s},
    )
    c = data["contact"]
    assert sorted(
        (e["node"]["workflowName"], e["node"]["state"]) for e in c["workflows"]["edges"]
    ) == [
        ("Duplicate's", "PAST"),
        ("Survivor's", "ACTIVE"),
    ]
    assert [e["node"]["offerName"] for e in c["courseOffers"]["edges"]] == ["Survivor's"]
    assert [e["node"]["groupName"] for e in c["communityGroups"]["edges"]] == ["Survivor's"]


async def visit(t: Tenant, cid: str, external_id: str, occurred: str) -> None:
    recorded = {
        "contactId": cid,
        "externalId": external_id,
        "kind": "WEBSITE_VISIT",
        "occurredAt": occurred,
        "websiteVisit": {"pageUrl": "https://shop.example.com"},
    }
    ok(await t.mutate("contactInteractionRecord", recorded, "interaction { id }"))


ATTRIBUTION = """query($id: ID!) { contact(id: $id) { attribution {
  firstInteraction { externalId } latestInteraction { externalId } } } }"""


async def attribution(t: Tenant, cid: str) -> tuple[str | None, str | None]:
    a = (await t.gql(ATTRIBUTION, {"id": cid}))["contact"]["attribution"]
    return tuple(  # type: ignore[return-value]
        (a[k] or {}).get("externalId") for k in ("firstInteraction", "latestInteraction")
    )


async def test_attribution_keeps_the_earlier_first_interaction(tenant: Tenant) -> None:
    t = tenant
    s, d, e, f = [(await t.create_contact(firstName=n))["id"] for n in "SDEF"]
    await visit(t, s, "s-1", "2026-03-01T00:00:00Z")
    await visit(t, d, "d-1", "2026-01-01T00:00:00Z")  # happened first
    await visit(t, d, "d-2", "2026-02-01T00:00:00Z")
    await visit(t, s, "s-2", "2026-04-01T00:00:00Z")  # happened last
    ok(await merge(t, s, d, "contact { id }"))
    assert await attribution(t, s) == ("d-1", "s-2")
    # the other way round the survivor's stay; a duplicate without interactions moves none
    await visit(t, e, "e-1", "2026-05-01T00:00:00Z")
    ok(await merge(t, s, e, "contact { id }"))
    assert await attribution(t, s) == ("d-1", "e-1")
    ok(await merge(t, s, f, "contact { id }"))
    assert await attribution(t, s) == ("d-1", "e-1")


RECORD = """query($id: ID!) { contact(id: $id) { id archived version: updatedAt
  phones { number } emails { address } tags followers { id }
  notes(first: 10) { totalCount } auditLog(first: 1) { totalCount } } }"""


async def snapshot(t: Tenant, *ids: str) -> list[Any]:
    return [(await t.gql(RECORD, {"id": cid}))["contact"] for cid in ids]


async def test_refused_merges_change_nothing(tenant: Tenant, engine: AsyncEngine) -> None:
    t = tenant
    phones = [{"number": f"+1415555{n:04d}"} for n in range(12)]
    s = (await t.create_contact(firstName="S", phones=phones[:6], followerIds=["u1"]))["id"]
    d = (await t.create_contact(firstName="D", phones=phones[6:], tags=["x"]))["id"]
    ok(await t.mutate("contactNoteAdd", {"contactId": d, "body": "hi"}, "note { id }"))
    before = await snapshot(t, s, d)
    refused = await merge(t, s, d)
    assert errors(refused) == [(["input", "duplicateId", "phones"], "LIMIT_EXCEEDED")]
    assert "12 phones" in refused["userErrors"][0]["message"]
    assert refused["contact"] is None
    assert await snapshot(t, s, d) == before

    # every cap it breaks, at once
    many = [f"u{n}" for n in range(2, 12)]
    ok(await t.mutate("contactFollowersAdd", {"contactId": d, "userIds": many}))
    before = await snapshot(t, s, d)
    refused = await merge(t, s, d)
    assert errors(refused) == [
        (["input", "duplicateId", "phones"], "LIMIT_EXCEEDED"),
        (["input", "duplicateId", "followers"], "LIMIT_EXCEEDED"),
    ]

    # into itself, unknown ids, another location's contact
    other_location = str(uuid.uuid4())
    async with engine.begin() as conn:
        await conn.execute(
            insert(LOCATION).values(id=other_location, name="x", created_at=datetime.now(UTC))
        )
    stranger = Tenant(t.client, t.settings, other_location)
    theirs = (await stranger.create_contact(firstName="Theirs"))["id"]
    assert errors(await merge(t, s, s)) == [(["input", "duplicateId"], "INVALID_VALUE")]
    assert errors(await merge(t, s, str(uuid.uuid4()))) == [(["input", "duplicateId"], "NOT_FOUND")]
    assert errors(await merge(t, theirs, d)) == [(["input", "survivorId"], "NOT_FOUND")]
    assert errors(await merge(t, s, theirs)) == [(["input", "duplicateId"], "NOT_FOUND")]

    # archived contacts, on either side
    a = (await t.create_contact(firstName="Archived"))["id"]
    ok(await t.mutate("contactArchive", {"contactId": a}))
    assert errors(await merge(t, a, d)) == [(["input", "survivorId"], "ARCHIVED")]
    assert errors(await merge(t, s, a)) == [(["input", "duplicateId"], "ARCHIVED")]
    assert await snapshot(t, s, d) == before


async def test_a_merged_contact_merges_and_changes_no_more(tenant: Tenant) -> None:
    t = tenant
    s, d, other = [(await t.create_contact(firstName=n))["id"] for n in ("S", "D", "O")]
    ok(await merge(t, s, d, "contact { id }"))
    # already merged into another; and a merged contact cannot take in one either
    assert errors(await merge(t, other, d)) == [(["input", "duplicateId"], "MERGED")]
    assert errors(await merge(t, d, other)) == [(["input", "survivorId"], "MERGED")]
    # writes to its id: it is not theirs to restore or to give items of its own
    restore = await t.mutate("contactRestore", {"contactId": d})
    assert errors(restore) == [(["input", "contactId"], "NOT_FOUND")]
    note = await t.mutate("contactNoteAdd", {"contactId": d, "body": "x"}, "note { id }")
    assert errors(note) == [(["input", "contactId"], "NOT_FOUND")]


async def test_merging_the_survivor_later_moves_what_was_merged_into_it(tenant: Tenant) -> None:
    t = tenant
    a, b, c = [(await t.create_contact(firstName=n))["id"] for n in "ABC"]
    ok(await merge(t, b, a, "contact { id }"))
    ok(await merge(t, c, b, "contact { id }"))
    for cid in (a, b, c):
        assert (await t.gql(RECORD, {"id": cid}))["contact"]["id"] == c
    archived = await t.gql(
        "{ contacts(filter: {archived: true}, first: 10) "
        "{ edges { node { id mergedInto { id } } } } }"
    )
    assert sorted(
        (e["node"]["id"], e["node"]["mergedInto"]["id"]) for e in archived["contacts"]["edges"]
    ) == sorted([(a, c), (b, c)])


async def test_a_restricted_user_merges_only_contacts_they_may_see(tenant: Tenant) -> None:
    t = tenant
    dan = t.viewer("user-dan", assigned_only=True)
    mine = (await t.create_contact(firstName="Mine", ownerId="user-dan"))["id"]
    followed = (await t.create_contact(firstName="Followed", followerIds=["user-dan"]))["id"]
    hidden = (await t.create_contact(firstName="Hidden", ownerId="user-eve"))["id"]
    before = await snapshot(t, mine, hidden)
    refused = await merge(t, mine, hidden, viewer=dan)
    assert errors(refused) == [(["input", "duplicateId"], "NOT_FOUND")]
    refused = await merge(t, hidden, mine, viewer=dan)
    assert errors(refused) == [(["input", "survivorId"], "NOT_FOUND")]
    assert await snapshot(t, mine, hidden) == before
    merged = ok(await merge(t, mine, followed, "contact { id followers { id } }", viewer=dan))
    assert merged["contact"] == {"id": mine, "followers": [{"id": "user-dan"}]}
    # the merged id reads as the survivor for Dan too
    read = await t.gql("query($id: ID!) { contact(id: $id) { id } }", {"id": followed}, dan)
    assert read["contact"] == {"id": mine}


async def test_the_cost_does_not_grow_with_the_items_moved(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    t = tenant
    cal = await open_calendar(t)
    partner = (await t.create_contact(firstName="Partner"))["id"]
    counts = []
    for n, tag in ((1, "a-"), (4, "b-")):
        s = (
            await t.create_contact(firstName="S", tags=["s"], phones=[{"number": "+14155550100"}])
        )["id"]
        d = (
            await t.create_contact(
                firstName="D",
                phones=[{"number": f"+1415555{n}{k:03d}"} for k in range(n)],
                emails=[{"address": f"{tag}{k}@example.org"} for k in range(n)],
                tags=[f"{tag}{k}" for k in range(n)],
                followerIds=[f"{tag}{k}" for k in range(n)],
            )
        )["id"]
        await fill_tabs(t, d, cal, n, tag)
        for k in range(n):
            other = (await t.create_contact(firstName=f"Linked {k}"))["id"]
            await link(t, d, other)
        await link(t, d, partner)
        with StatementCounter(engine) as counter:
            ok(await merge(t, s, d, "contact { id }"))
        counts.append(counter.count)
        tabs = totals((await t.gql(TABS, {"id": s}))["contact"])
        assert tabs == {**dict.fromkeys(tabs, n), "associations": 2 * n + 1}
    assert counts[0] == counts[1], counts


async def test_events_are_stored_on_both_contacts(tenant: Tenant, engine: AsyncEngine) -> None:
    t = tenant
    s, d = [(await t.create_contact(firstName=n))["id"] for n in "SD"]
    ok(await merge(t, s, d, "contact { id }"))
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(EVENT.c.contact_id, EVENT.c.kind).where(
                    EVENT.c.kind == "CONTACT_MERGED", EVENT.c.location_id == t.location_id
                )
            )
        ).all()
        merged_into = (
            await conn.execute(select(CONTACT.c.merged_into_id).where(CONTACT.c.id == d))
        ).scalar_one()
    assert sorted(r.contact_id for r in rows) == sorted([s, d])
    assert merged_into == s


async def test_a_survivor_the_viewer_may_not_see_is_withheld(tenant: Tenant) -> None:
    """Dan owned the duplicate; an admin merged it into Eve's contact. Its id now reads as
    Eve's contact, which Dan may not see; the archived record's timeline keeps the event
    but not the survivor's id."""
    t = tenant
    dan = t.viewer("user-dan", assigned_only=True)
    eves = (await t.create_contact(firstName="Eve's", ownerId="user-eve"))["id"]
    dans = (await t.create_contact(firstName="Dan's", ownerId="user-dan"))["id"]
    ok(await merge(t, eves, dans, "contact { id }"))
    assert (await t.gql("query($id: ID!) { contact(id: $id) { id } }", {"id": dans}, dan)) == {
        "contact": None
    }
    archive = """{ contacts(filter: {archived: true}, first: 10) { edges { node { id
      mergedInto { id } activity(first: 1) { edges { node { kind redacted
        ... on ContactMergedActivity { survivorId duplicateId
          changes { field after redacted } } } } } } } } }"""
    for viewer, survivor in ((dan, None), (t.admin, eves)):
        data = await t.gql(archive, viewer=viewer)
        (node,) = [e["node"] for e in data["contacts"]["edges"]]
        event = node["activity"]["edges"][0]["node"]
        assert node["id"] == dans
        assert node["mergedInto"] == (survivor and {"id": survivor})
        assert (event["kind"], event["survivorId"], event["duplicateId"]) == (
            "CONTACT_MERGED",
            survivor,
            dans,
        )
        assert event["redacted"] is (survivor is None)
        assert event["changes"][0]["after"] == {"survivorId": survivor, "duplicateId": dans}
        assert eves not in str(data) or survivor is not None


PAYMENTS = """query($id: ID!) { contact(id: $id) { id
  paymentMethods { totalCount } payments { totalCount }
  subscriptions { totalCount } invoices { totalCount } } }"""


async def card(t: Tenant, contact_id: str) -> str:
    added = ok(
        await t.mutate(
            "contactPaymentMethodAdd",
            {"contactId": contact_id, "paymentMethod": "pm_card_visa"},
            selection="paymentMethod { id }",
        )
    )
    card_id: str = added["paymentMethod"]["id"]
    return card_id


async def charge(t: Tenant, contact_id: str, card_id: str) -> dict[str, Any]:
    return await t.mutate(
        "contactCharge",
        {
            "contactId": contact_id,
            "amount": "1000",
            "currency": "usd",
            "description": "Plan",
            "paymentMethodId": card_id,
        },
        selection="payment { status }",
    )


async def customers(engine: AsyncEngine, *contact_ids: str) -> dict[str, str]:
    """Each contact's customer at the payment provider."""
    pc = PAYMENT_CUSTOMER.c
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(pc.contact_id, pc.customer_id).where(pc.contact_id.in_(contact_ids))
        )
        return {r.contact_id: r.customer_id for r in rows}


async def test_payments_move_with_the_provider_customer(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    t = tenant
    s, d = [(await t.create_contact(firstName=n))["id"] for n in "SD"]
    card_id = await card(t, d)
    assert ok(await charge(t, d, card_id))["payment"]["status"] == "SUCCEEDED"
    items = [{"name": "Gym", "amount": 4900, "interval": "MONTH", "quantity": 1}]
    subscribe = {"contactId": d, "currency": "usd", "items": items, "paymentMethodId": card_id}
    ok(await t.mutate("contactSubscriptionCreate", subscribe, "subscription { id }"))
    invoice = {"currency": "usd", "items": [{"description": "Setup", "unitAmount": 100}]}
    made = {"contactId": d, "invoice": invoice}
    ok(await t.mutate("contactInvoiceCreate", made, "invoice { id }"))
    customers_before = await customers(engine, s, d)
    ok(await merge(t, s, d, "contact { id }"))
    assert await customers(engine, s, d) == {s: customers_before[d]}
    tab = (await t.gql(PAYMENTS, {"id": s}))["contact"]
    assert totals(tab) == {"paymentMethods": 1, "payments": 1, "subscriptions": 1, "invoices": 1}
    # the duplicate's customer at the provider came along: its card charges as the survivor's
    assert ok(await charge(t, s, card_id))["payment"]["status"] == "SUCCEEDED"

    # two contacts that are both customers there are not merged: a card has one customer
    other = (await t.create_contact(firstName="Other"))["id"]
    await card(t, other)
    before = await t.gql(PAYMENTS, {"id": other}), await t.gql(PAYMENTS, {"id": s})
    refused = await merge(t, s, other)
    assert errors(refused) == [(["input", "duplicateId"], "CONFLICT")]
    assert (await t.gql(PAYMENTS, {"id": other}), await t.gql(PAYMENTS, {"id": s})) == before


async def test_concurrent_merges_of_one_pair_merge_once(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    t = tenant
    s, d = [(await t.create_contact(firstName=n, tags=[n.lower()]))["id"] for n in "SD"]
    ok(await t.mutate("contactNoteAdd", {"contactId": d, "body": "hi"}, "note { id }"))
    same = await asyncio.gather(*(merge(t, s, d, "contact { id tags }") for _ in range(5)))
    assert [p["contact"] for p in same] == [{"id": s, "tags": ["s", "d"]}] * 5
    # the other way round at once: one wins, the other finds its survivor merged
    a, b = [(await t.create_contact(firstName=n))["id"] for n in "AB"]
    crossed = await asyncio.gather(
        merge(t, a, b, "contact { id }"), merge(t, b, a, "contact { id }")
    )
    codes = sorted(e["code"] for p in crossed for e in p["userErrors"])
    assert codes == ["MERGED"], crossed
    async with engine.connect() as conn:
        kinds = (
            (
                await conn.execute(
                    select(EVENT.c.contact_id).where(
                        EVENT.c.kind == "CONTACT_MERGED", EVENT.c.location_id == t.location_id
                    )
                )
            )
            .scalars()
            .all()
        )
    assert len(kinds) == 4  # two merges, each on both contacts
    notes = (await t.gql(TABS, {"id": s}))["contact"]["notes"]["totalCount"]
    assert notes == 1
