"""The activity timeline: typed items, newest first, filtered by kind and time, paged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from support import Tenant, ok

TIMELINE = """query($id: ID!, $first: Int, $after: String, $filter: ContactActivityFilter,
  $orderBy: ContactActivityOrderBy) {
  contact(id: $id) { activity(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { __typename id cursor kind actor { id } occurredAt
      ... on ContactCreatedActivity { fields { field after } }
      ... on ContactChangedActivity { changes { field before after } }
      ... on ContactTagsActivity { tagsAdded tagsRemoved }
      ... on ContactOwnerActivity { previousOwner { id } owner { id } }
      ... on ContactFollowersActivity { followersAdded { id } followersRemoved { id } }
      ... on ContactDndActivity { channels { channel enabled } }
      ... on ContactNoteActivity { action noteId body }
      ... on ContactTaskActivity { action taskId title }
      ... on ContactAppointmentActivity { action appointmentId title startAt endAt status
        changes { field before after } }
      ... on ContactWorkflowActivity { action workflow { id } workflowName }
      ... on ContactCourseOfferActivity { action offer { id } offerName }
      ... on ContactCommunityGroupActivity { action group { id } groupName }
      ... on ContactInteractionActivity { interaction { %s } }
      ... on ContactAttributionResetActivity { previousFirstInteractionId
        previousLatestInteractionId }
    } } } } }"""
INTERACTION_FIELDS = """id contactId externalId kind origin occurredAt recordedAt
  recordedBy { id } url referrer utmSource utmMedium utmCampaign utmTerm utmContent
  gclid fbclid msclkid campaignId sessionSource
  websiteVisit { pageUrl pageTitle } formSubmission { formId formName }
  surveySubmission { surveyId surveyName } call { direction durationSeconds outcome }
  email { direction subject } sms { direction excerpt }
  purchase { amount currency productId productName description }"""
TIMELINE = TIMELINE % INTERACTION_FIELDS
AUDIT = """query($id: ID!, $first: Int, $after: String, $filter: ContactAuditFilter,
  $orderBy: ContactAuditOrderBy) { contact(id: $id) { auditLog(first: $first, after: $after,
  filter: $filter, orderBy: $orderBy) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { kind occurredAt changes { after } } } } } }"""


async def timeline(t: Tenant, contact_id: str, **variables: Any) -> dict[str, Any]:
    data = await t.gql(TIMELINE, {"id": contact_id, "first": 50, **variables})
    result: dict[str, Any] = data["contact"]["activity"]
    return result


async def test_every_change_is_a_typed_item_newest_first(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Story", tags=["a"])
    cid = c["id"]
    await tenant.mutate("contactUpdate", {"contactId": cid, "lastName": "Teller"})
    await tenant.mutate("contactTagsAdd", {"contactId": cid, "tags": ["b"]})
    await tenant.mutate("contactTagsRemove", {"contactId": cid, "tags": ["a"]})
    await tenant.mutate("contactOwnerSet", {"contactId": cid, "ownerId": "user-1"})
    await tenant.mutate("contactFollowersAdd", {"contactId": cid, "userIds": ["user-2"]})
    await tenant.mutate(
        "contactDndSet", {"contactId": cid, "settings": [{"channel": "SMS", "enabled": True}]}
    )
    note = await tenant.mutate(
        "contactNoteAdd", {"contactId": cid, "body": "met"}, selection="note { id }"
    )
    task = await tenant.mutate(
        "contactTaskAdd",
        {
            "contactId": cid,
            "title": "Call back",
            "dueAt": "2030-01-01T09:00:00Z",
            "assigneeId": "user-1",
        },
        selection="task { id }",
    )
    nodes = [e["node"] for e in (await timeline(tenant, cid))["edges"]]
    assert [n["__typename"] for n in nodes] == [
        "ContactTaskActivity",
        "ContactNoteActivity",
        "ContactDndActivity",
        "ContactFollowersActivity",
        "ContactOwnerActivity",
        "ContactTagsActivity",
        "ContactTagsActivity",
        "ContactChangedActivity",
        "ContactCreatedActivity",
    ]
    task_item, note_item, dnd, followers, owner, removed, added, changed, created = nodes
    assert (task_item["action"], task_item["taskId"], task_item["title"]) == (
        "ADDED",
        task["task"]["id"],
        "Call back",
    )
    assert (note_item["action"], note_item["noteId"], note_item["body"]) == (
        "ADDED",
        note["note"]["id"],
        "met",
    )
    assert dnd["channels"] == [{"channel": "SMS", "enabled": True}]
    assert followers["followersAdded"] == [{"id": "user-2"}]
    assert followers["followersRemoved"] == []
    assert owner == {**owner, "previousOwner": None, "owner": {"id": "user-1"}}
    assert (added["tagsAdded"], added["tagsRemoved"]) == (["b"], [])
    assert (removed["tagsAdded"], removed["tagsRemoved"]) == ([], ["a"])
    assert changed["changes"] == [{"field": "lastName", "before": None, "after": "Teller"}]
    assert {"field": "firstName", "after": "Story"} in created["fields"]
    assert all(n["actor"] == {"id": "user-admin"} for n in nodes)
    occurred = [n["occurredAt"] for n in nodes]
    assert occurred == sorted(occurred, reverse=True)


async def test_filter_by_kind_and_time_and_page(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Filter")
    cid = c["id"]
    for tag in ("a", "b", "c"):
        await tenant.mutate("contactTagsAdd", {"contactId": cid, "tags": [tag]})
    tags_only = await timeline(tenant, cid, filter={"kinds": ["TAGS_ADDED"]})
    assert tags_only["totalCount"] == 3
    assert [e["node"]["tagsAdded"] for e in tags_only["edges"]] == [["c"], ["b"], ["a"]]
    assert (await timeline(tenant, cid, filter={"kinds": []}))["totalCount"] == 0
    everything = await timeline(tenant, cid)
    second_tag_time = everything["edges"][1]["node"]["occurredAt"]
    since = await timeline(tenant, cid, filter={"occurredAt": {"from": second_tag_time}})
    assert [e["node"]["kind"] for e in since["edges"]] == ["TAGS_ADDED", "TAGS_ADDED"]
    until = await timeline(tenant, cid, filter={"occurredAt": {"to": second_tag_time}})
    assert [e["node"]["kind"] for e in until["edges"]] == ["TAGS_ADDED", "CONTACT_CREATED"]
    created_time = everything["edges"][3]["node"]["occurredAt"]
    both = {"kinds": ["TAGS_ADDED"], "occurredAt": {"from": created_time, "to": second_tag_time}}
    assert [
        e["node"]["tagsAdded"] for e in (await timeline(tenant, cid, filter=both))["edges"]
    ] == [["a"]]
    first_page = await timeline(tenant, cid, first=2)
    assert first_page["pageInfo"]["hasNextPage"] is True
    rest = await timeline(tenant, cid, first=10, after=first_page["pageInfo"]["endCursor"])
    kinds = [e["node"]["kind"] for e in first_page["edges"] + rest["edges"]]
    assert kinds == ["TAGS_ADDED"] * 3 + ["CONTACT_CREATED"]
    assert first_page["edges"][0]["cursor"] == first_page["edges"][0]["node"]["cursor"]


async def test_oldest_first_pages_with_cursors_that_resume_the_subscription(
    tenant: Tenant,
) -> None:
    c = await tenant.create_contact(firstName="Oldest")
    cid = c["id"]
    for tag in ("a", "b", "c"):
        await tenant.mutate("contactTagsAdd", {"contactId": cid, "tags": [tag]})
    oldest = {"field": "OCCURRED_AT", "direction": "ASC"}
    seen, after = [], None
    while True:
        page = await timeline(tenant, cid, first=1, after=after, orderBy=oldest)
        assert page["totalCount"] == 4
        # the same position the subscription's `after` takes, whichever the direction
        assert [e["cursor"] for e in page["edges"]] == [e["node"]["cursor"] for e in page["edges"]]
        seen += [e["node"].get("tagsAdded") or e["node"]["kind"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["CONTACT_CREATED", ["a"], ["b"], ["c"]]
    tags = {"kinds": ["TAGS_ADDED"]}
    page = await timeline(tenant, cid, first=2, filter=tags, orderBy=oldest)
    rest = await timeline(
        tenant, cid, filter=tags, orderBy=oldest, after=page["pageInfo"]["endCursor"]
    )
    assert [e["node"]["tagsAdded"] for e in page["edges"] + rest["edges"]] == [["a"], ["b"], ["c"]]
    assert (page["totalCount"], rest["totalCount"]) == (3, 3)


async def test_the_audit_log_filters_sorts_and_pages_like_the_timeline(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Audited")
    cid = c["id"]
    for tag in ("a", "b"):
        await tenant.mutate("contactTagsAdd", {"contactId": cid, "tags": [tag]})
    await tenant.mutate("contactUpdate", {"contactId": cid, "lastName": "Log"})

    async def audit(**variables: Any) -> dict[str, Any]:
        data = await tenant.gql(AUDIT, {"id": cid, **variables})
        log: dict[str, Any] = data["contact"]["auditLog"]
        return log

    newest = await audit()
    assert [e["node"]["kind"] for e in newest["edges"]] == [
        "CONTACT_UPDATED",
        "TAGS_ADDED",
        "TAGS_ADDED",
        "CONTACT_CREATED",
    ]
    tags = await audit(filter={"kinds": ["TAGS_ADDED"]}, orderBy={"direction": "ASC"})
    assert [e["node"]["changes"][0]["after"] for e in tags["edges"]] == [["a"], ["a", "b"]]
    assert tags["totalCount"] == 2
    second = newest["edges"][2]["node"]["occurredAt"]
    later = await audit(filter={"occurredAt": {"from": second}}, first=1)
    assert (later["totalCount"], later["pageInfo"]["hasNextPage"]) == (3, True)
    rest = await audit(
        filter={"occurredAt": {"from": second}}, after=later["pageInfo"]["endCursor"]
    )
    assert [e["node"]["kind"] for e in later["edges"] + rest["edges"]] == [
        "CONTACT_UPDATED",
        "TAGS_ADDED",
        "TAGS_ADDED",
    ]


async def test_activity_and_audit_ranges_that_cannot_be_answered_are_refused(
    tenant: Tenant,
) -> None:
    c = await tenant.create_contact(firstName="Refused")
    for query, occurred, message in (
        (TIMELINE, {"from": "2026-01-01T00:00:00"}, "`filter.occurredAt.from` needs a time zone"),
        (AUDIT, {"to": "2026-01-01T00:00:00"}, "`filter.occurredAt.to` needs a time zone"),
        (
            TIMELINE,
            {"from": "2026-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
            "`filter.occurredAt.from` must be before `filter.occurredAt.to`",
        ),
        (
            AUDIT,
            {"from": "2026-01-02T00:00:00+02:00", "to": "2026-01-01T00:00:00Z"},
            "must be before",
        ),
    ):
        variables = {"id": c["id"], "filter": {"occurredAt": occurred}}
        body = await tenant.raw(query, variables, tenant.admin)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", occurred
        assert message in body["errors"][0]["message"]


async def test_activity_follows_visibility(tenant: Tenant) -> None:
    hidden = await tenant.create_contact(firstName="Hidden", ownerId="user-eve")
    dan = tenant.viewer("user-dan", assigned_only=True)
    data = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { activity { totalCount } } }",
        {"id": hidden["id"]},
        viewer=dan,
    )
    assert data == {"contact": None}


async def nodes_of(t: Tenant, contact_id: str, **variables: Any) -> list[dict[str, Any]]:
    """The timeline's items, oldest first, without the contact's creation."""
    edges = (await timeline(t, contact_id, **variables))["edges"]
    return [e["node"] for e in reversed(edges) if e["node"]["kind"] != "CONTACT_CREATED"]


async def test_appointment_items_carry_what_their_events_record(tenant: Tenant) -> None:
    cid = (await tenant.create_contact(firstName="Booked"))["id"]
    everyday = [
        {"weekday": d, "start": "09:00", "end": "17:00"}
        for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
    ]
    calendar = ok(
        await tenant.mutate(
            "calendarCreate",
            {
                "name": "Consultations",
                "timeZone": "America/New_York",
                "slotMinutes": 30,
                "availability": everyday,
                "teamMemberIds": ["ann"],
            },
            selection="calendar { id }",
        )
    )["calendar"]
    tomorrow = datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=1)
    ten, eleven = (
        datetime(
            tomorrow.year, tomorrow.month, tomorrow.day, h, tzinfo=ZoneInfo("America/New_York")
        )
        for h in (10, 11)
    )
    selection = "appointment { id title status startAt endAt }"
    booked = ok(
        await tenant.mutate(
            "contactAppointmentBook",
            {
                "contactId": cid,
                "calendarId": calendar["id"],
                "start": ten.isoformat(),
                "title": "Intro",
            },
            selection=selection,
        )
    )["appointment"]
    aid = booked["id"]
    edited = {"appointmentId": aid, "title": "Intro call"}
    ok(await tenant.mutate("contactAppointmentUpdate", edited, selection=selection))
    moved = {"appointmentId": aid, "start": eleven.isoformat()}
    rescheduled = ok(await tenant.mutate("contactAppointmentUpdate", moved, selection=selection))[
        "appointment"
    ]
    ok(await tenant.mutate("contactAppointmentCancel", {"appointmentId": aid}, selection=selection))

    items = await nodes_of(tenant, cid)
    assert [n["__typename"] for n in items] == ["ContactAppointmentActivity"] * 4
    assert [n["kind"] for n in items] == [
        "APPOINTMENT_BOOKED",
        "APPOINTMENT_UPDATED",
        "APPOINTMENT_RESCHEDULED",
        "APPOINTMENT_CANCELLED",
    ]
    assert {n["appointmentId"] for n in items} == {aid}
    fields = ("action", "title", "startAt", "endAt", "status")
    assert [tuple(n[f] for f in fields) for n in items] == [
        ("BOOKED", "Intro", booked["startAt"], booked["endAt"], "CONFIRMED"),
        ("UPDATED", "Intro call", None, None, None),
        ("RESCHEDULED", None, rescheduled["startAt"], rescheduled["endAt"], None),
        ("CANCELLED", None, None, None, "CANCELLED"),
    ]
    assert items[1]["changes"] == [
        {
            "field": "appointments",
            "before": {"id": aid, "title": "Intro"},
            "after": {"id": aid, "title": "Intro call"},
        }
    ]
    assert items[3]["changes"] == [
        {
            "field": "appointments",
            "before": {"id": aid, "status": "CONFIRMED"},
            "after": {"id": aid, "status": "CANCELLED"},
        }
    ]


async def test_workflow_items_name_the_workflow(tenant: Tenant) -> None:
    cid = (await tenant.create_contact(firstName="Enrolled"))["id"]
    for workflow_id, name in (("wf-1", "Onboarding"), ("wf-2", "Nurture")):
        enrolment = {"contactId": cid, "workflowId": workflow_id, "workflowName": name}
        ok(await tenant.mutate("contactWorkflowEnroll", enrolment, selection="enrollment { id }"))
    ref = {"contactId": cid, "workflowId": "wf-1"}
    ok(await tenant.mutate("contactWorkflowStop", ref, selection="enrollment { id }"))
    ref = {"contactId": cid, "workflowId": "wf-2"}
    ok(await tenant.mutate("contactWorkflowComplete", ref, selection="enrollment { id }"))

    items = await nodes_of(tenant, cid)
    assert {n["__typename"] for n in items} == {"ContactWorkflowActivity"}
    assert [(n["kind"], n["action"], n["workflow"]["id"], n["workflowName"]) for n in items] == [
        ("WORKFLOW_ENROLLED", "ENROLLED", "wf-1", "Onboarding"),
        ("WORKFLOW_ENROLLED", "ENROLLED", "wf-2", "Nurture"),
        ("WORKFLOW_STOPPED", "STOPPED", "wf-1", "Onboarding"),
        ("WORKFLOW_COMPLETED", "COMPLETED", "wf-2", "Nurture"),
    ]


async def test_client_portal_items_name_the_offer_or_group(tenant: Tenant) -> None:
    cid = (await tenant.create_contact(firstName="Member"))["id"]
    offer = {"contactId": cid, "offerId": "offer-1", "offerName": "Masterclass"}
    group = {"contactId": cid, "groupId": "group-1", "groupName": "Alumni"}
    ok(await tenant.mutate("contactCourseOfferGrant", offer, selection="contact { id }"))
    ok(await tenant.mutate("contactCommunityGroupAssign", group, selection="contact { id }"))
    del offer["offerName"], group["groupName"]
    ok(await tenant.mutate("contactCourseOfferRevoke", offer, selection="contact { id }"))
    ok(await tenant.mutate("contactCommunityGroupRemove", group, selection="contact { id }"))

    def brief(n: dict[str, Any]) -> tuple[Any, ...]:
        if n["__typename"] == "ContactCourseOfferActivity":
            return (n["__typename"], n["action"], n["offer"]["id"], n["offerName"])
        return (n["__typename"], n["action"], n["group"]["id"], n["groupName"])

    items = await nodes_of(tenant, cid)
    assert [brief(n) for n in items] == [
        ("ContactCourseOfferActivity", "GRANTED", "offer-1", "Masterclass"),
        ("ContactCommunityGroupActivity", "ASSIGNED", "group-1", "Alumni"),
        ("ContactCourseOfferActivity", "REVOKED", "offer-1", "Masterclass"),
        ("ContactCommunityGroupActivity", "REMOVED", "group-1", "Alumni"),
    ]
    assert [n["kind"] for n in items] == [
        "COURSE_OFFER_GRANTED",
        "COMMUNITY_GROUP_ASSIGNED",
        "COURSE_OFFER_REVOKED",
        "COMMUNITY_GROUP_REMOVED",
    ]


async def test_interaction_items_show_the_interaction_as_recorded(tenant: Tenant) -> None:
    cid = (await tenant.create_contact(firstName="Visitor"))["id"]
    occurred = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    selection = f"interaction {{ {INTERACTION_FIELDS} }}"
    visit = {
        "contactId": cid,
        "externalId": "visit-1",
        "kind": "WEBSITE_VISIT",
        "occurredAt": occurred.isoformat(),
        "websiteVisit": {"pageUrl": "https://shop.example.com/pricing", "pageTitle": "Pricing"},
        "attribution": {
            "url": "https://shop.example.com/pricing?utm_source=google&utm_medium=cpc",
            "utmCampaign": "spring",
            "gclid": "g-1",
        },
    }
    call = {
        "contactId": cid,
        "externalId": "call-1",
        "kind": "CALL",
        "occurredAt": (occurred + timedelta(hours=1)).isoformat(),
        "call": {"direction": "INBOUND", "durationSeconds": 95, "outcome": "ANSWERED"},
    }
    recorded = [
        ok(await tenant.mutate("contactInteractionRecord", x, selection=selection))["interaction"]
        for x in (visit, call)
    ]
    ok(
        await tenant.mutate(
            "contactAttributionReset", {"contactId": cid}, selection="contact { id }"
        )
    )

    items = await nodes_of(tenant, cid)
    assert [n["__typename"] for n in items] == [
        "ContactInteractionActivity",
        "ContactInteractionActivity",
        "ContactAttributionResetActivity",
    ]
    assert [n["kind"] for n in items] == [
        "INTERACTION_RECORDED",
        "INTERACTION_RECORDED",
        "ATTRIBUTION_RESET",
    ]
    assert [n["interaction"] for n in items[:2]] == recorded
    paid = recorded[0]
    assert (paid["utmSource"], paid["utmMedium"], paid["sessionSource"]) == (
        "google",
        "cpc",
        "PAID_SEARCH",
    )
    assert items[0]["occurredAt"] == paid["recordedAt"]
    reset = items[2]
    assert (reset["previousFirstInteractionId"], reset["previousLatestInteractionId"]) == (
        recorded[0]["id"],
        recorded[1]["id"],
    )


async def test_no_two_timeline_types_give_one_field_name_two_types(tenant: Tenant) -> None:
    """Clients select every item type in one query: a field name shared by two types must
    have the same type in both, or the query is invalid without aliases."""
    data = await tenant.gql(
        """{ __type(name: "ContactActivity") { possibleTypes { name fields { name
          type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
        } } } }"""
    )
    seen: dict[str, tuple[str, Any]] = {}
    for item in data["__type"]["possibleTypes"]:
        for f in item["fields"]:
            first = seen.setdefault(f["name"], (item["name"], f["type"]))
            assert first[1] == f["type"], (f["name"], first[0], item["name"])
    assert {"action", "title", "changes", "status"} <= seen.keys()


async def test_associations_and_opportunities_are_typed_items(tenant: Tenant) -> None:
    ann = await tenant.create_contact(firstName="Ann")
    bob = await tenant.create_contact(firstName="Bob")
    linked = await tenant.mutate(
        "contactAssociationAdd",
        {"contactId": ann["id"], "targetId": bob["id"], "targetType": "CONTACT"},
        selection="association { id }",
    )
    assert linked["userErrors"] == []
    deal = await tenant.mutate(
        "contactOpportunityCreate",
        {"contactId": ann["id"], "name": "Big deal", "pipelineId": "sales", "stage": "new"},
        selection="association { id }",
    )
    assert deal["userErrors"] == []
    query = """query($id: ID!) { contact(id: $id) { activity(first: 5) { edges { node {
      __typename
      ... on ContactAssociationActivity { action associationId objectType objectId }
      ... on ContactOpportunityActivity { action opportunityName } } } } } }"""
    nodes = [
        e["node"]
        for e in (await tenant.gql(query, {"id": ann["id"]}))["contact"]["activity"]["edges"]
    ]
    typenames = [n["__typename"] for n in nodes]
    assert "ContactOpportunityActivity" in typenames
    opportunity = next(n for n in nodes if n["__typename"] == "ContactOpportunityActivity")
    assert opportunity == {
        "__typename": "ContactOpportunityActivity",
        "action": "ADDED",
        "opportunityName": "Big deal",
    }
    contact_link = next(
        n
        for n in nodes
        if n["__typename"] == "ContactAssociationActivity" and n["objectType"] == "CONTACT"
    )
    assert contact_link["action"] == "ADDED"
    assert contact_link["objectId"] == bob["id"]
    assert contact_link["associationId"] == linked["association"]["id"]
    assert "ContactOtherActivity" not in typenames
