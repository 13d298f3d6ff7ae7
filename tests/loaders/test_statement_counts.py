"""No N+1: the statements a query costs do not grow with the number of contacts."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import httpx
from PIL import Image
from support import Tenant

from domain.calendars import Weekday
from domain.viewer import Viewer
from persistence.db import StatementCounter
from server.seed_tabs import demo_pdf, demo_png

PDF, PNG = demo_pdf("statements"), demo_png((0, 0, 0))

WHOLE_RECORD = """query($first: Int!) { contacts(first: $first) { totalCount edges { node {
  id fullName owner { id } followers { id } tags picture { url source updatedAt }
  phones { number label isPrimary } primaryPhone { number } emails { address }
  primaryEmail { address } dnd { channels { channel blocked } }
  customFields { field { key } value { __typename ... on CustomFieldFiles { files { name } } } }
  auditLog(first: 5) { totalCount edges { node { kind changes { field } } } }
  notes(first: 3) { totalCount edges { node { body } } }
  tasks(first: 3) { totalCount edges { node { title } } }
  attribution { firstInteraction { kind sessionSource utmSource } latestInteraction { kind } }
  interactions(first: 3) { totalCount edges { node { kind call { outcome } } } }
  workflows(filter: { states: [ACTIVE] }) { totalCount
    edges { node { workflowName workflow { id } } } }
  courseOffers(first: 3) { totalCount edges { node { offerName } } }
  communityGroups(first: 3) { totalCount edges { node { groupName } } }
  appointments(filter: {when: UPCOMING}, first: 3) { totalCount edges { node { title startAt } } }
  associations(first: 3) { totalCount edges { node { objectType labels { name }
    record { __typename ... on Contact { fullName } ... on Opportunity { name }
      ... on Company { name }
      ... on CustomObjectRecord { name contacts(first: 2, filter: { tags: { any: ["a"] } },
        orderBy: { field: FIRST_NAME }) { totalCount edges { node { id } } } } } } } }
  opportunities(first: 3) { totalCount edges { node { name status monetaryValue { amount } } } }
  documents(first: 3) { totalCount edges { node { name size downloadUrl } } }
  paymentMethods(first: 3) { totalCount edges { node { last4 label } } }
  payments(first: 3, filter: {statuses: [SUCCEEDED]}, orderBy: {field: AMOUNT}) {
    totalCount edges { node { amount { amount } status } } }
  subscriptions(first: 3) { totalCount edges { node { status items { name } } } }
  invoices(first: 3, orderBy: {field: TOTAL, direction: ASC}) {
    totalCount edges { node { total { amount } items { description } } } }
  } } } }"""

FILTERED_LISTS = """query($first: Int!, $from: DateTime!) { contacts(first: $first,
  filter: {search: "example.org", createdAt: {from: $from}},
  orderBy: {field: FIRST_NAME, direction: ASC}) {
  totalCount edges { node {
  auditLog(first: 2, filter: {kinds: [TAGS_ADDED], occurredAt: {from: $from}},
    orderBy: {direction: ASC}) { totalCount edges { node { kind } } }
  activity(first: 2, filter: {kinds: [NOTE_ADDED, TASK_ADDED], occurredAt: {from: $from}},
    orderBy: {field: OCCURRED_AT, direction: ASC}) { totalCount edges { node { kind } } }
  notes(first: 1, filter: {search: "NOTE"}, orderBy: {field: UPDATED_AT, direction: ASC}) {
    totalCount edges { node { body } } }
  tasks(first: 1, filter: {statuses: [OPEN], dueAt: {from: $from}, search: "task"},
    orderBy: {field: CREATED_AT, direction: DESC}) { totalCount edges { node { title } } }
  interactions(first: 1, filter: {kinds: [CALL], occurredAt: {from: "2025-01-01T00:00:00Z"}},
    orderBy: {field: RECORDED_AT, direction: ASC}) { totalCount edges { node { kind } } }
  appointments(first: 1, filter: {statuses: [CONFIRMED, UNCONFIRMED], startAt: {from: $from}},
    orderBy: {field: CREATED_AT, direction: DESC}) { totalCount edges { node { title } } }
  documents(first: 1, filter: {folders: [INTERNAL], sources: [UPLOAD], search: "PDF"},
    orderBy: {field: NAME, direction: ASC}) { totalCount edges { node { name } } }
  } } } }"""

ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Contact { id fullName tags phones { number } } } }"""


def picture(i: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (i * 5 % 256, 80, 160)).save(out, format="PNG")
    return out.getvalue()


async def seed_contacts(t: Tenant, n: int) -> list[str]:
    await t.mutate(
        "customFieldCreate",
        {"key": "score", "name": "S", "dataType": "NUMBER"},
        selection="customField { id }",
    )
    await t.mutate(
        "customFieldCreate",
        {"key": "scan", "name": "Scan", "dataType": "FILE_UPLOAD"},
        selection="customField { id }",
    )
    calendar = await t.mutate(
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
    first_slot = datetime.combine(date.today() + timedelta(days=2), time(), tzinfo=UTC)
    colleague = await t.mutate(
        "contactAssociationLabelCreate",
        {"name": "Colleague", "objectType": "CONTACT"},
        selection="label { id }",
    )
    # older than every contact below, so never on their page: its loads are the same for 1
    # contact and for 50
    partner = await t.create_contact(firstName="Partner")
    ids = []
    for i in range(n):
        c = await t.create_contact(
            firstName=f"P{i}",
            phones=[{"number": f"+1415555{i + 100:04d}", "label": "MOBILE"}],
            emails=[{"address": f"p{i}@example.org"}],
            tags=["a", f"t{i}"],
            ownerId="u1",
            followerIds=["u2", "u3"],
            dnd=[{"channel": "SMS", "enabled": i % 2 == 0}],
            customFields=[{"key": "score", "value": {"number": i}}],
        )
        await t.mutate("contactTagsAdd", {"contactId": c["id"], "tags": ["more"]})
        if i % 10 == 0 or i == n - 1:  # the picture is on the contact's row: no statement
            assert (await t.upload_picture(c["id"], picture(i)))["userErrors"] == []
        for k in range(2):
            await t.mutate(
                "contactNoteAdd",
                {"contactId": c["id"], "body": f"note {k}"},
                selection="note { id }",
            )
        for k in range(2):
            await t.mutate(
                "contactTaskAdd",
                {
                    "contactId": c["id"],
                    "title": f"task {k}",
                    "dueAt": f"2030-01-0{k + 1}T09:00:00Z",
                    "assigneeId": "u1",
                },
                selection="task { id }",
            )
        for k, kind in enumerate(("WEBSITE_VISIT", "CALL")):
            await t.mutate(
                "contactInteractionRecord",
                {
                    "contactId": c["id"],
                    "externalId": f"{c['id']}-{k}",
                    "kind": kind,
                    "occurredAt": f"2026-01-0{k + 1}T12:00:00Z",
                    "websiteVisit": {"pageUrl": "https://e.com"} if k == 0 else None,
                    "call": {"direction": "INBOUND", "outcome": "ANSWERED"} if k else None,
                    "attribution": {"utmSource": "google", "utmMedium": "cpc"},
                },
                selection="interaction { id }",
            )
        await t.mutate(
            "contactWorkflowEnroll",
            {"contactId": c["id"], "workflowId": "wf-1", "workflowName": "Welcome"},
            selection="enrollment { id }",
        )
        await t.mutate(
            "contactCourseOfferGrant",
            {"contactId": c["id"], "offerId": "offer-1", "offerName": "Yoga"},
            selection="courseOffer { offerName }",
        )
        await t.mutate(
            "contactCommunityGroupAssign",
            {"contactId": c["id"], "groupId": "group-1", "groupName": "Founders"},
            selection="communityGroup { groupName }",
        )
        for k in range(2):
            booked = await t.mutate(
                "contactAppointmentBook",
                {
                    "contactId": c["id"],
                    "calendarId": calendar["calendar"]["id"],
                    "start": (first_slot + timedelta(minutes=15 * (2 * i + k))).isoformat(),
                },
                selection="appointment { id }",
            )
            assert booked["userErrors"] == []
        # four links per contact; its first 3 (newest first) are a custom-object record, an
        # opportunity and the partner contact (labelled); the company, made first, is not
        links = [
            ("contactAssociationAdd", {"createCompany": {"name": f"Company {i}"}}),
            (
                "contactAssociationAdd",
                {
                    "targetId": partner["id"],
                    "targetType": "CONTACT",
                    "labelIds": [colleague["label"]["id"]],
                },
            ),
            (
                "contactOpportunityCreate",
                {
                    "name": f"Deal {i}",
                    "pipelineId": "sales",
                    "stage": "new",
                    "monetaryValue": {"amount": 1000 * i, "currency": "USD"},
                },
            ),
            (
                "contactAssociationAdd",
                {"createCustomObjectRecord": {"objectKey": "pets", "name": f"Pet {i}"}},
            ),
        ]
        for mutation, link in links:
            linked = await t.mutate(
                mutation, {"contactId": c["id"], **link}, selection="association { id }"
            )
            assert linked["userErrors"] == [], linked["userErrors"]
        for origin in ({"source": "UPLOAD"}, {"source": "CUSTOM_FIELD", "reference": "scan"}):
            uploaded = await t.upload(
                {"contactId": c["id"], "origin": origin}, [("a.pdf", PDF), ("b.png", PNG)]
            )
            assert uploaded.json()["data"]["contactDocumentsUpload"]["userErrors"] == []
        ids.append(c["id"])
    return ids


async def count(
    served: dict[str, httpx.AsyncClient],
    t: Tenant,
    query: str,
    variables: dict[str, object],
    viewer: Viewer | None = None,
    mode: str = "off",
) -> int:
    """The statements of one request to the app with compiled reads ``mode``: ``off``, the
    executor's loaders alone; ``on``, the compiled statements with their holes executed."""
    client = served[mode]
    tenant = replace(t, client=client)
    await tenant.gql("{ __typename }", {}, viewer)  # the location provisioned in this app
    with StatementCounter(client.app.state.runtime.engine) as counter:  # type: ignore[attr-defined]
        await tenant.gql(query, variables, viewer)
    return counter.count


async def test_whole_record_for_1_and_50_contacts_costs_the_same(
    tenant: Tenant, served: dict[str, httpx.AsyncClient]
) -> None:
    await seed_contacts(tenant, 50)
    one = await count(served, tenant, WHOLE_RECORD, {"first": 1})
    fifty = await count(served, tenant, WHOLE_RECORD, {"first": 50})
    assert one == fifty
    compiled = [await count(served, tenant, WHOLE_RECORD, {"first": n}, mode="on") for n in (1, 50)]
    assert compiled[0] == compiled[1], compiled  # the statement, its holes batched
    # 13 for the core (page, count, phones, emails, tags, followers, dnd, values, definitions,
    # audit page + count, notes page + count), 13 for tasks, attribution, interactions,
    # workflows, course offers, community groups (each a page + count) and appointments, 10
    # for associations (with the pets' filtered contacts) and opportunities, 3 for documents
    # (page, count, and the custom field's files by id), 8 for the Payments tab's cards,
    # payments, subscriptions and invoices: one statement per list, whatever the number of
    # contacts; pictures are columns of the contact's row
    assert fifty == 47
    pictures = (await tenant.gql(WHOLE_RECORD, {"first": 50}))["contacts"]["edges"]
    assert sum(1 for e in pictures if e["node"]["picture"]) == 6
    # every list filtered (ranges, enum lists, search) and sorted another way: still one
    # page and one count statement per list
    since = {"from": (datetime.now(UTC) - timedelta(days=1)).isoformat()}
    one = await count(served, tenant, FILTERED_LISTS, {"first": 1, **since})
    fifty = await count(served, tenant, FILTERED_LISTS, {"first": 50, **since})
    assert one == fifty == 16
    data = await tenant.gql(FILTERED_LISTS, {"first": 50, **since})
    assert data["contacts"]["totalCount"] == 50
    for edge in data["contacts"]["edges"]:
        lists = edge["node"]
        counts = {name: found["totalCount"] for name, found in lists.items()}
        assert counts == {
            "auditLog": 1,  # contactTagsAdd (creation is CONTACT_CREATED)
            "activity": 4,
            "notes": 2,
            "tasks": 2,
            "interactions": 1,
            "appointments": 2,
            "documents": 1,
        }
        assert all(found["edges"] for found in lists.values())


async def test_entities_for_1_and_50_representations_cost_the_same(
    tenant: Tenant, served: dict[str, httpx.AsyncClient]
) -> None:
    ids = await seed_contacts(tenant, 50)
    one = await count(served, tenant, ENTITIES, {"reps": [{"__typename": "Contact", "id": ids[0]}]})
    fifty = await count(
        served, tenant, ENTITIES, {"reps": [{"__typename": "Contact", "id": i} for i in ids]}
    )
    assert one == fifty == 3  # contacts, tags, phones
    reps = [{"__typename": "Contact", "id": i} for i in ids]
    compiled = [
        await count(served, tenant, ENTITIES, {"reps": r}, mode="on") for r in (reps[:1], reps)
    ]
    assert compiled[0] == compiled[1], compiled


NAVIGATION_OF_PAGE = """query($first: Int!, $list: ID!) { contacts(first: $first) {
  edges { node { id navigation(smartListId: $list) { position total
    previous { id firstName } next { id firstName } } } } } }"""


async def test_navigation_for_1_and_20_contacts_of_a_list_costs_the_same(
    tenant: Tenant, served: dict[str, httpx.AsyncClient]
) -> None:
    for i in range(25):
        await tenant.create_contact(firstName=f"P{i}")
    everyone = await tenant.mutate(
        "smartListCreate", {"name": "Everyone"}, selection="smartList { id }"
    )
    list_id = everyone["smartList"]["id"]
    variables: dict[str, object] = {"list": list_id}
    one = await count(served, tenant, NAVIGATION_OF_PAGE, {**variables, "first": 1})
    twenty = await count(served, tenant, NAVIGATION_OF_PAGE, {**variables, "first": 20})
    # the page, the list, every asked contact's place (one statement of window functions),
    # the one neighbour off the page (the 2nd, the 21st)
    assert one == twenty == 4
    compiled = [
        await count(served, tenant, NAVIGATION_OF_PAGE, {**variables, "first": n}, mode="on")
        for n in (1, 20)
    ]
    assert compiled[0] == compiled[1], compiled
    data = await tenant.gql(NAVIGATION_OF_PAGE, {**variables, "first": 20})
    navs = [e["node"]["navigation"] for e in data["contacts"]["edges"]]
    assert [(n["position"], n["total"]) for n in navs] == [(i + 1, 25) for i in range(20)]
    assert navs[0]["previous"] is None
    assert [n["next"]["firstName"] for n in navs] == [f"P{24 - i - 1}" for i in range(20)]


LISTS_WITH_CONTACTS = """query($first: Int!, $filter: ContactFilter, $orderBy: ContactOrderBy) {
  smartLists(first: $first) { edges { node {
  name contacts(first: 2, filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id firstName tags } } } } } } }"""


async def test_contacts_of_1_and_10_smart_lists_cost_the_same(
    tenant: Tenant, served: dict[str, httpx.AsyncClient]
) -> None:
    for i in range(10):
        for k in range(3):
            await tenant.create_contact(firstName=f"C{i}-{k}", tags=[f"t{i}"])
    orders = ["CREATED_AT", "FIRST_NAME", "LAST_NAME", "UPDATED_AT", "BUSINESS_NAME"]
    for i in range(10):
        created = await tenant.mutate(
            "smartListCreate",
            {
                "name": f"L{i}",
                "filter": {"tags": {"any": [f"t{i}"]}},
                "orderBy": {"field": orders[i % 5], "direction": "ASC" if i % 2 else "DESC"},
            },
            selection="smartList { id }",
        )
        assert created["userErrors"] == []
    one = await count(served, tenant, LISTS_WITH_CONTACTS, {"first": 1})
    ten = await count(served, tenant, LISTS_WITH_CONTACTS, {"first": 10})
    # the lists, every list's page (one UNION ALL), every list's count, the tags
    assert one == ten == 4
    data = await tenant.gql(LISTS_WITH_CONTACTS, {"first": 10})
    for edge in data["smartLists"]["edges"]:
        i = edge["node"]["name"][1:]
        contacts = edge["node"]["contacts"]
        assert contacts["totalCount"] == 3
        assert contacts["pageInfo"]["hasNextPage"] is True
        assert {e["node"]["firstName"][: len(i) + 2] for e in contacts["edges"]} == {f"C{i}-"}
        assert all(e["node"]["tags"] == [f"t{i}"] for e in contacts["edges"])
    # narrowed and re-sorted, every list still shares the one page statement and the count
    narrowed: dict[str, object] = {
        "filter": {"name": {"contains": "-1"}},
        "orderBy": {"field": "FIRST_NAME", "direction": "ASC"},
    }
    one = await count(served, tenant, LISTS_WITH_CONTACTS, {**narrowed, "first": 1})
    ten = await count(served, tenant, LISTS_WITH_CONTACTS, {**narrowed, "first": 10})
    assert one == ten == 4
    data = await tenant.gql(LISTS_WITH_CONTACTS, {**narrowed, "first": 10})
    for edge in data["smartLists"]["edges"]:
        i = edge["node"]["name"][1:]
        contacts = edge["node"]["contacts"]
        assert contacts["totalCount"] == 1
        assert [e["node"]["firstName"] for e in contacts["edges"]] == [f"C{i}-1"]


TIMELINES = """query($first: Int!) { contacts(first: $first) { edges { node {
  activity(first: 20) { edges { node { redacted ... on ContactAssociationActivity { objectId } } } }
  auditLog(first: 20) { edges { node { redacted changes { after } } } } } } } }"""


async def test_hiding_contacts_in_timelines_costs_one_statement_for_any_number_of_events(
    tenant: Tenant, served: dict[str, httpx.AsyncClient]
) -> None:
    """The contacts the events of every page name are checked in one batch, for a
    restricted viewer; an admin, who sees every contact, pays nothing for it."""
    dan = tenant.viewer("user-dan", assigned_only=True)
    hidden = [(await tenant.create_contact(firstName=f"H{i}"))["id"] for i in range(5)]
    mine = [
        (await tenant.create_contact(firstName=f"M{i}", ownerId="user-dan"))["id"]
        for i in range(10)
    ]

    async def link(contact_id: str, target_id: str) -> None:
        made = await tenant.mutate(
            "contactAssociationAdd",
            {"contactId": contact_id, "targetId": target_id, "targetType": "CONTACT"},
            selection="association { id }",
        )
        assert made["userErrors"] == []

    for contact_id in mine:
        await link(contact_id, hidden[0])
    costs = [await count(served, tenant, TIMELINES, {"first": n}, dan) for n in (1, 10)]
    for contact_id in mine:
        for target_id in hidden[1:]:
            await link(contact_id, target_id)
    costs += [await count(served, tenant, TIMELINES, {"first": n}, dan) for n in (1, 10)]
    admin = await count(served, tenant, TIMELINES, {"first": 10})
    # the contacts, the event pages (timeline and audit log: one batch), the named contacts
    assert costs == [3, 3, 3, 3]
    assert admin == 2
    data = await tenant.gql(TIMELINES, {"first": 10}, dan)
    for edge in data["contacts"]["edges"]:
        items = [e["node"] for e in edge["node"]["activity"]["edges"]]
        links = [n for n in items if "objectId" in n]
        assert [(n["objectId"], n["redacted"]) for n in links] == [(None, True)] * 5
