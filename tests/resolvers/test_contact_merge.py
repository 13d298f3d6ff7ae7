"""contactMerge (domain/merge.py): every rule through HTTP, on SQLite and PostgreSQL.

What moves and how conflicts resolve; every tab's items on the survivor afterwards; the
duplicate archived as merged, its id reading as the survivor in `contact` and `_entities`;
CONTACT_MERGED on both timelines; refusals that change nothing; who may merge; and a cost
that does not grow with the items moved.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant

from domain.calendars import Weekday
from persistence.db import StatementCounter
from persistence.tables import CONTACT, EVENT, LOCATION

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


def ok(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


def errors(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def merge(
    t: Tenant, survivor: str, duplicate: str, selection: str = MERGED, **kw: Any
) -> dict[str, Any]:
    return await t.mutate(
        "contactMerge", {"survivorId": survivor, "duplicateId": duplicate}, selection, **kw
    )


async def calendar(t: Tenant) -> str:
    made = ok(
        await t.mutate(
            "calendarCreate",
            {
                "name": "Calls",
                "timeZone": "UTC",
                "slotMinutes": 15,
                "availability": [
                    {"weekday": d.value, "start": "00:00", "end": "24:00"} for d in Weekday
                ],
                "teamMemberIds": ["u1"],
            },
            selection="calendar { id }",
        )
    )
    calendar_id: str = made["calendar"]["id"]
    return calendar_id


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
    cal = await calendar(t)
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
    assert [c["field"] for c in event["changes"]] == ["merge", "archivedAt", "mergedInto"]
