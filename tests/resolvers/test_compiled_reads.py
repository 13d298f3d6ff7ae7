"""Compiled reads answer byte for byte what the executor answers (docs/compiled-reads.md).

Each operation is posted to two apps over the same database: the shared test app (verify:
it serves the executor's answer, and logs a difference, which fails the test) and one with
``CONTACT_GRAPH_COMPILED_READS=on``, whose answer comes from the compiled SQL. The bodies
must be equal bytes: data, nulls, key order, timestamps, enums, cursors and the cost report.
Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from support import Tenant

from domain.viewer import Viewer
from persistence.db import StatementCounter
from persistence.tables import (
    APPOINTMENT,
    CALENDAR,
    DOCUMENT,
    INVOICE,
    LOCATION,
    NOTE,
    PAYMENT,
    PAYMENT_METHOD,
    SUBSCRIPTION,
)
from server.app import create_app
from server.settings import Settings

DND_STATE = "channel enabled blocked changedBy { id } changedAt __typename"
RECORD_FIELDS = (
    "phones { id number label isPrimary __typename } emails { id address label isPrimary } "
    "primaryPhone { id number label isPrimary } primaryEmail { address isPrimary __typename } "
    f"tags followers {{ id __typename }} dnd {{ __typename allChannels {{ {DND_STATE} }} "
    f"channels {{ {DND_STATE} }} }}"
)
"""The record's own lists: child tables, each a correlated subquery of the contact's."""
CONTACT_FIELDS = (
    "id firstName lastName fullName type source timeZone dateOfBirth businessName website "
    "createdAt updatedAt version archivedAt archived __typename "
    "address { line1 line2 city state postalCode country __typename } owner { id } " + RECORD_FIELDS
)
NOTE_FIELDS = "id contactId body createdAt updatedAt author { id } __typename"
TASK_FIELDS = (
    "id contactId title description dueAt status completedAt createdAt updatedAt "
    "assignee { id } completedBy { id } createdBy { id } __typename"
)
INTERACTION_FIELDS = (
    "id contactId externalId kind origin occurredAt recordedAt recordedBy { id } url referrer "
    "utmSource utmMedium utmCampaign utmTerm utmContent gclid fbclid msclkid campaignId "
    "sessionSource __typename"
)
WORKFLOW_FIELDS = (
    "id contactId workflow { id __typename } workflowName state enrolledAt enrolledBy { id } "
    "endedAt endedBy { id } endReason __typename"
)
OFFER_FIELDS = "offer { id __typename } offerName grantedAt grantedBy { id } __typename"
GROUP_FIELDS = "group { id } groupName assignedAt assignedBy { id __typename } __typename"
APPOINTMENT_FIELDS = (
    "id contactId type status title description meetingLocation teamMember { id __typename } "
    "timeZone startAt endAt createdBy { id } createdAt updatedAt cancelledAt __typename"
)
CARD_FIELDS = (
    "id contactId brand last4 expMonth expYear label providerId addedBy { id } createdAt __typename"
)
PAYMENT_FIELDS = (
    "id contactId amount { amount currency __typename } description status paymentMethodId "
    "card failureCode failureMessage invoiceId idempotencyKey chargedBy { id } createdAt "
    "updatedAt __typename"
)
SUBSCRIPTION_FIELDS = (
    "id contactId status paymentMethodId billStartDate nextBillAt canceledAt createdBy { id } "
    "createdAt __typename"
)
INVOICE_FIELDS = (
    "id contactId status currency dueDate memo sentVia sentTo sentAt paidAt paymentId "
    "voidedAt createdBy { id } createdAt updatedAt __typename"
)
DOCUMENT_FIELDS = (
    "id contactId name size contentType sha256 folder subFolder source sourceReference "
    "addedBy { id } createdAt updatedAt __typename"
)
OPPORTUNITY_FIELDS = (
    "id name pipelineId stage status monetaryValue { amount currency __typename } createdAt "
    "updatedAt __typename"
)
PAGE = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename }"

ONE = f"""query($id: ID!, $n: Int, $after: String) {{ contact(id: $id) {{ {CONTACT_FIELDS}
  notes(first: $n, after: $after) {{ totalCount {PAGE}
    edges {{ cursor node {{ {NOTE_FIELDS} }} }} }}
  tasks(first: 2) {{ totalCount {PAGE} edges {{ cursor node {{ {TASK_FIELDS} }} }} }}
  interactions(first: 2) {{ totalCount {PAGE} edges {{ cursor node {{ {INTERACTION_FIELDS} }} }} }}
  workflows(first: 2) {{ totalCount {PAGE} edges {{ cursor node {{ {WORKFLOW_FIELDS} }} }} }}
  courseOffers {{ totalCount {PAGE} edges {{ cursor node {{ {OFFER_FIELDS} }} }} }}
  communityGroups(first: 1) {{ totalCount {PAGE} edges {{ cursor node {{ {GROUP_FIELDS} }} }} }}
  appointments(first: 2) {{ totalCount {PAGE} edges {{ cursor node {{ {APPOINTMENT_FIELDS} }} }} }}
  past: appointments(filter: {{when: PAST}}) {{ totalCount edges {{ node {{ id }} }} }}
  attribution {{ resetAt firstInteraction {{ {INTERACTION_FIELDS} }} latestInteraction {{ id }} }}
  paymentMethods(first: 2) {{ totalCount {PAGE} edges {{ cursor node {{ {CARD_FIELDS} }} }} }}
  payments(first: 2) {{ totalCount {PAGE} edges {{ cursor node {{ {PAYMENT_FIELDS} }} }} }}
  subscriptions {{ totalCount {PAGE} edges {{ cursor node {{ {SUBSCRIPTION_FIELDS} }} }} }}
  invoices(first: 2) {{ totalCount {PAGE} edges {{ cursor node {{ {INVOICE_FIELDS} }} }} }}
  documents(first: 3) {{ totalCount {PAGE} edges {{ cursor node {{ {DOCUMENT_FIELDS} }} }} }}
  opportunities(first: 2) {{ totalCount {PAGE} edges {{ cursor node {{ {OPPORTUNITY_FIELDS} }} }} }}
}} }}"""

SHAPES = """query Shapes($id: ID!, $yes: Boolean!, $no: Boolean!) {
  __typename
  first: contact(id: $id) { ...Head  extra: fullName @include(if: $yes) hidden: id @skip(if: $yes)
    ... on Contact { lastName @include(if: $no) type }
    later: notes(first: 1, orderBy: {field: UPDATED_AT, direction: ASC}) {
      edges { node { body } cursor } pageInfo { endCursor } } }
  again: contact(id: $id) { id ... @include(if: $no) { firstName } }
  missing: contact(id: "no-such-contact") { id }
}
fragment Head on Contact { id name: firstName tasks(filter: {statuses: [OPEN], search: "call"})
  { totalCount edges { node { title status } } } }"""

LIST = f"""query($n: Int, $after: String, $filter: ContactFilter, $order: ContactOrderBy) {{
  contacts(first: $n, after: $after, filter: $filter, orderBy: $order) {{ totalCount {PAGE}
    edges {{ cursor node {{ {CONTACT_FIELDS}
      notes(first: 1) {{ edges {{ node {{ body }} }} }}
      interactions(first: 1) {{ edges {{ node {{ kind occurredAt }} }} }}
      workflows(filter: {{states: [ACTIVE]}}) {{ totalCount }}
      courseOffers(first: 1) {{ edges {{ cursor node {{ offerName }} }} }}
      communityGroups {{ totalCount edges {{ node {{ group {{ id }} }} }} }}
      appointments(first: 1) {{ totalCount edges {{ node {{ title startAt }} }} }}
      attribution {{ latestInteraction {{ kind occurredAt }} }}
      payments(first: 1) {{ totalCount edges {{ node {{ amount {{ amount }} status }} }} }}
      invoices(filter: {{statuses: [SENT]}}) {{ totalCount }}
      documents(first: 1) {{ edges {{ node {{ name subFolder }} }} }}
      opportunities {{ totalCount edges {{ node {{ name monetaryValue {{ amount }} }} }} }}
      }} }} }} }}"""

HOLED_LIST = """query($n: Int) { contacts(first: $n) { edges { node { id firstName tags
  phones { number } tasks(first: 1) { edges { node { isOverdue } } } } } } }"""

ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
  __typename ... on Contact { id fullName owner { id } tasks(first: 1) { totalCount } } } }"""

NASTY = 'Zoë "quoted" \\ back\nslash\t\u2028 😀 <>&\''


@pytest.fixture(scope="module")
async def compiled_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app over the same database that answers from the compiled SQL."""
    app: Starlette = create_app(settings.model_copy(update={"compiled_reads": "on"}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            c.app = app  # type: ignore[attr-defined]
            yield c


async def both(
    t: Tenant,
    compiled: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
    viewer: Viewer | None = None,
    statements: int | None = None,
) -> dict[str, Any]:
    """Posts to both apps; their bodies must be the same bytes. Returns the data.
    ``statements``: how many the compiled app may run (one per root field: no holes)."""
    body = {"query": query, "variables": variables}
    headers = t.headers(viewer or t.admin)
    executed = await t.client.post("/graphql", json=body, headers=headers)
    reads = compiled.app.state.runtime.compiled_reads  # type: ignore[attr-defined]
    before = reads.answered
    with StatementCounter(compiled.app.state.runtime.engine) as counter:  # type: ignore[attr-defined]
        answered = await compiled.post("/graphql", json=body, headers=headers)
    assert reads.answered == before + 1, f"not compiled: {answered.text[:3000]}"
    if statements is not None:
        assert counter.count == statements, f"holes: {answered.text[:3000]}"
    assert executed.status_code == answered.status_code == 200
    assert answered.content == executed.content
    found: dict[str, Any] = orjson.loads(executed.content)
    assert "errors" not in found, found
    return found["data"]  # type: ignore[no-any-return]


async def record(t: Tenant, engine: AsyncEngine, **fields: Any) -> str:
    c = await t.create_contact(**fields)
    for body in ("call back", NASTY, "third", ""):
        if body:
            await t.mutate(
                "contactNoteAdd", {"contactId": c["id"], "body": body}, selection="note { id }"
            )
    for k, title in enumerate(("call", "send quote", "call again")):
        await t.mutate(
            "contactTaskAdd",
            {
                "contactId": c["id"],
                "title": title,
                "dueAt": f"2030-01-0{k + 1}T09:00:00Z",
                "assigneeId": "u1",
            },
            selection="task { id }",
        )
    await actions(t, str(c["id"]))
    await appointments(engine, t.location_id, str(c["id"]))
    await payments(engine, t.location_id, str(c["id"]))
    await stored_documents(engine, t.location_id, str(c["id"]))
    return str(c["id"])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def appointments(engine: AsyncEngine, location_id: str, contact_id: str) -> None:
    """Past, ongoing and upcoming appointments (far from any test run's "now"), one
    cancelled, two starting at once; inserted as the booking would store them."""
    calendar_id, now = str(uuid.uuid4()), datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    async with engine.begin() as conn:
        await conn.execute(
            insert(CALENDAR).values(
                id=calendar_id,
                location_id=location_id,
                name="Demo",
                slot_minutes=30,
                time_zone="Europe/Paris",
                created_at=now,
                updated_at=now,
            )
        )
        for i, (start, end, status, kind) in enumerate(
            (
                ("2020-05-01 09:00:00", "2020-05-01 09:30:00", "CONFIRMED", "MEETING"),
                ("2020-05-01 09:00:00", "2020-05-01 10:00:00", "CANCELLED", "SERVICE"),
                ("2021-01-01 08:00:00.5", "2100-01-01 00:00:00", "UNCONFIRMED", "MEETING"),
                ("2100-03-01 09:00:00", "2100-03-01 09:30:00", "CONFIRMED", "SERVICE"),
                ("2100-03-01 09:00:00", "2100-03-01 09:45:00", "UNCONFIRMED", "MEETING"),
            )
        ):
            await conn.execute(
                insert(APPOINTMENT).values(
                    id=str(uuid.uuid4()),
                    location_id=location_id,
                    contact_id=contact_id,
                    calendar_id=calendar_id,
                    appointment_type=kind,
                    status=status,
                    title=f"visit {i}" if i else NASTY,
                    description=None if i % 2 else f"about {i}",
                    meeting_location="https://meet.example/x" if i == 3 else None,
                    team_member_id=f"u{i % 2}",
                    attendee_contact_ids=[],
                    time_zone="Europe/Paris",
                    start_at=at(start),
                    end_at=at(end),
                    created_by="u1" if i % 2 else None,
                    created_at=now,
                    updated_at=now,
                    cancelled_at=now if status == "CANCELLED" else None,
                )
            )


async def payments(engine: AsyncEngine, location_id: str, contact_id: str) -> None:
    """The Payments tab's four lists, inserted as the payment flows store them: ties on
    the sort, an amount past 32 bits, nulls, each status and channel."""
    now = datetime(2026, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
    whole = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
    common = {"location_id": location_id, "contact_id": contact_id}
    cards = [str(uuid.uuid4()) for _ in range(3)]
    async with engine.begin() as conn:
        for i, card in enumerate(cards):
            await conn.execute(
                insert(PAYMENT_METHOD).values(
                    id=card,
                    **common,
                    provider_id=f"pm_{contact_id}_{i}",
                    brand="visa" if i else "amex",
                    last4=f"424{i}",
                    exp_month=i + 1,
                    exp_year=2030 + i,
                    label=NASTY if i == 1 else None,
                    created_by="u1" if i else None,
                    created_at=now if i < 2 else whole,
                    updated_at=now,
                )
            )
        for i, (amount, status) in enumerate(
            ((1999, "SUCCEEDED"), (2**40 + 1, "FAILED"), (1999, "REQUIRES_ACTION"), (5, "PENDING"))
        ):
            await conn.execute(
                insert(PAYMENT).values(
                    id=str(uuid.uuid4()),
                    **common,
                    idempotency_key=f"{contact_id}-charge-{i}",
                    amount=amount,
                    currency="EUR" if i % 2 else "USD",
                    description=NASTY if i == 0 else f"charge {i}",
                    payment_method_id=cards[i % 3] if i != 3 else None,
                    card="Visa •••• 4241" if i != 3 else None,
                    status=status,
                    provider_id=f"pi_{i}" if i else None,
                    failure_code="card_declined" if status == "FAILED" else None,
                    failure_message="Your card was declined." if status == "FAILED" else None,
                    invoice_id=None,
                    created_by="u1" if i % 2 else None,
                    created_at=now if i < 2 else whole + timedelta(days=i),
                    updated_at=now,
                )
            )
        for i, status in enumerate(("ACTIVE", "CANCELED", "SCHEDULED")):
            await conn.execute(
                insert(SUBSCRIPTION).values(
                    id=str(uuid.uuid4()),
                    **common,
                    idempotency_key=f"{contact_id}-sub-{i}",
                    currency="USD",
                    items=[{"name": "Plan", "amount": 900, "interval": "MONTH", "quantity": 1}],
                    payment_method_id=cards[0],
                    bill_start=None if i == 0 else datetime(2026, 6, i).date(),
                    status=status,
                    next_bill_at=None if status == "CANCELED" else now,
                    canceled_at=whole if status == "CANCELED" else None,
                    created_by="u2" if i else None,
                    created_at=now,
                    updated_at=now,
                )
            )
        for i, (status, via) in enumerate((("DRAFT", None), ("SENT", "EMAIL"), ("PAID", "SMS"))):
            await conn.execute(
                insert(INVOICE).values(
                    id=str(uuid.uuid4()),
                    **common,
                    currency="USD",
                    lines=[{"description": "Work", "quantity": 2, "unit_amount": 1000}],
                    discounts=[],
                    taxes=[],
                    total=2000 + i,
                    bill_to={"name": NASTY},
                    due_date=datetime(2026, 7, 1 + i).date() if i else None,
                    memo=NASTY if i == 1 else None,
                    status=status,
                    sent_via=via,
                    sent_to="a@x.io" if via else None,
                    sent_at=now if via else None,
                    paid_at=whole if status == "PAID" else None,
                    payment_id=None,
                    voided_at=None,
                    created_by="u1",
                    created_at=now if i else whole,
                    updated_at=now,
                )
            )


DOCUMENTS = (
    ("b.pdf", "UPLOAD", "INTERNAL", None),
    ("Ábaco.docx", "CUSTOM_FIELD", "INTERNAL", "cf-1"),
    ("a.png", "CUSTOM_FIELD", "SENT", "cf-2"),
    (NASTY, "SENT", "SENT", "contract-1"),
    ("form.pdf", "FORM", "RECEIVED", "sub-1"),
    ("survey.csv", "SURVEY", "INTERNAL", "sub-2"),
)
"""Each source in and out of its home folder (the sub-folder shows only at home)."""


async def stored_documents(engine: AsyncEngine, location_id: str, contact_id: str) -> None:
    """The documents tab, inserted as uploads store them: ties on the time and size."""
    now = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    async with engine.begin() as conn:
        for i, (name, source, folder, reference) in enumerate(DOCUMENTS):
            await conn.execute(
                insert(DOCUMENT).values(
                    id=str(uuid.uuid4()),
                    location_id=location_id,
                    contact_id=contact_id,
                    name=name,
                    content_type="application/pdf",
                    size=1000 * (i % 3),
                    sha256=f"{i:064x}",
                    folder=folder,
                    source=source,
                    source_ref=reference,
                    added_by="u1" if i % 2 else None,
                    created_at=now if i < 3 else now + timedelta(hours=i),
                    updated_at=datetime(2026, 3, 4, tzinfo=UTC) if i == 4 else now,
                )
            )


INTERACTIONS = (
    {
        "externalId": "visit",
        "kind": "WEBSITE_VISIT",
        "occurredAt": "2026-03-01T09:00:00Z",
        "websiteVisit": {"pageUrl": "https://e.com/p?utm_source=google&gclid=g1"},
        "attribution": {"url": "https://e.com/p?utm_source=google&gclid=g1", "utmTerm": NASTY},
    },
    {
        "externalId": "call",
        "kind": "CALL",
        "occurredAt": "2026-03-02T09:30:00.250000+02:00",
        "origin": "CRM_UI",
        "call": {"direction": "INBOUND", "outcome": "ANSWERED", "durationSeconds": 60},
    },
    {
        "externalId": "sms",
        "kind": "SMS",
        "occurredAt": "2026-03-01T09:00:00Z",  # the visit's time: ordered by id then
        "sms": {"direction": "OUTBOUND", "excerpt": "hi"},
        "attribution": {"sessionSource": "REFERRAL", "referrer": "https://x.io"},
    },
)
OPPORTUNITIES = (
    ("beta", "OPEN", {"amount": str(2**40 + 7), "currency": "usd"}),
    ("Ábaco", "WON", None),
    (NASTY, "OPEN", {"amount": 0, "currency": "EUR"}),
)
OFFERS = (("o-b", "beta"), ("o-a", "Ábaco"), ("o-c", "alpha"))
GROUPS = (("g-2", "Zed"), ("g-1", "ábaco"))


async def actions(t: Tenant, contact_id: str) -> None:
    """The Actions panel's tabs and the interactions: each list in more than one page, with
    ties, nulls and names that sort by collation."""
    for i, interaction in enumerate(INTERACTIONS):
        done = await t.mutate(
            "contactInteractionRecord",
            {"contactId": contact_id, **interaction, "externalId": f"{contact_id}-{i}"},
            selection="interaction { id }",
        )
        assert done["userErrors"] == [], done
    for workflow_id, verb in (("w1", "Complete"), ("w2", "Stop"), ("w3", None), ("w1", None)):
        done = await t.mutate(
            "contactWorkflowEnroll",
            {"contactId": contact_id, "workflowId": workflow_id, "workflowName": f"{NASTY} wf"},
            selection="enrollment { id }",
        )
        assert done["userErrors"] == [], done
        if verb:
            await t.mutate(
                f"contactWorkflow{verb}",
                {"contactId": contact_id, "workflowId": workflow_id},
                selection="enrollment { id }",
            )
    for name, status, value in OPPORTUNITIES:
        done = await t.mutate(
            "contactOpportunityCreate",
            {
                "contactId": contact_id,
                "name": name,
                "pipelineId": "sales",
                "stage": "proposal",
                "status": status,
                **({"monetaryValue": value} if value else {}),
            },
            selection="opportunity { id }",
        )
        assert done["userErrors"] == [], done
    for offer_id, name in OFFERS:
        await t.mutate(
            "contactCourseOfferGrant",
            {"contactId": contact_id, "offerId": offer_id, "offerName": name},
            selection="courseOffer { offerName }",
        )
    for group_id, name in GROUPS:
        await t.mutate(
            "contactCommunityGroupAssign",
            {"contactId": contact_id, "groupId": group_id, "groupName": name},
            selection="communityGroup { groupName }",
        )


async def whole_second_note(engine: AsyncEngine, contact_id: str) -> None:
    """A timestamp without microseconds: isoformat leaves out `.000000`."""
    async with engine.begin() as conn:
        await conn.execute(
            update(NOTE)
            .where(NOTE.c.contact_id == contact_id, NOTE.c.body == "third")
            .values(created_at=datetime(2026, 5, 1, 9, 0, tzinfo=UTC))
        )


LISTED = {
    "phones": [
        {"number": "+14155550100", "label": "MOBILE"},
        {"number": "+14155550102"},
        {"number": "+14155550101", "label": "WORK", "primary": True},
    ],
    "emails": [{"address": "b@x.io", "label": "OTHER"}, {"address": "a@x.io", "label": "HOME"}],
    "tags": ["zeta", "alpha", "mid"],
    "followerIds": ["u9", "u1"],
    "dnd": [{"channel": "SMS", "enabled": True}, {"channel": "EMAIL", "enabled": False}],
}
"""Several of each, neither sorted nor first-is-primary: the loaders' ``position`` order."""


async def test_one_contact_with_its_tabs(
    tenant: Tenant, engine: AsyncEngine, compiled_client: httpx.AsyncClient
) -> None:
    cid = await record(
        tenant,
        engine,
        **LISTED,
        firstName=NASTY,
        lastName="Ünïcode",
        businessName="",
        website="https://e.com",
        dateOfBirth="1990-02-03",
        ownerId="u1",
        source="ads",
        address={"line1": "1 Main St", "city": "Paris", "country": "FR"},
    )
    await whole_second_note(engine, cid)
    data = await both(tenant, compiled_client, ONE, {"id": cid, "n": 2})
    notes = data["contact"]["notes"]
    assert notes["totalCount"] == 3
    assert notes["pageInfo"]["hasNextPage"] is True
    after = notes["pageInfo"]["endCursor"]
    second = await both(tenant, compiled_client, ONE, {"id": cid, "n": 2, "after": after})
    assert [e["node"]["body"] for e in second["contact"]["notes"]["edges"]] == [
        "third"
    ]  # made older than the others
    assert second["contact"]["notes"]["pageInfo"]["hasPreviousPage"] is True
    await both(tenant, compiled_client, ONE, {"id": cid, "n": 0})
    await both(tenant, compiled_client, ONE, {"id": cid, "n": 100})
    found = data["contact"]
    assert [p["number"] for p in found["phones"]] == [
        "+14155550100",
        "+14155550102",
        "+14155550101",
    ]
    assert found["primaryPhone"]["label"] == "WORK"
    assert found["tags"] == ["zeta", "alpha", "mid"]
    assert [f["id"] for f in found["followers"]] == ["u9", "u1"]
    assert [(s["channel"], s["blocked"]) for s in found["dnd"]["channels"][:3]] == [
        ("SMS", True),
        ("CALL", False),
        ("EMAIL", False),
    ]
    empty = await tenant.create_contact()  # no names, no notes, no tasks, no lists
    nothing = await both(tenant, compiled_client, ONE, {"id": empty["id"]})
    assert nothing["contact"]["fullName"] is None
    assert nothing["contact"]["notes"]["edges"] == []
    assert nothing["contact"]["phones"] == nothing["contact"]["tags"] == []
    assert nothing["contact"]["primaryEmail"] is None
    assert nothing["contact"]["dnd"]["allChannels"]["changedAt"] is None
    blocked = await tenant.create_contact(
        emails=[{"address": "only@x.io"}], dnd=[{"channel": "ALL", "enabled": True}]
    )
    every = await both(tenant, compiled_client, ONE, {"id": blocked["id"]})
    assert all(s["blocked"] and not s["enabled"] for s in every["contact"]["dnd"]["channels"])


TAB = """query($id: ID!, $n: Int, $after: String, $filter: {filter}, $order: {order}) {{
  contact(id: $id) {{ id {tab}(first: $n, after: $after, filter: $filter, orderBy: $order) {{
    totalCount {page} edges {{ cursor node {{ {fields} }} }} }} }} }}"""
TABS = {
    "interactions": ("ContactInteraction", INTERACTION_FIELDS),
    "workflows": ("ContactWorkflow", WORKFLOW_FIELDS),
    "courseOffers": ("ContactCourseOffer", OFFER_FIELDS),
    "communityGroups": ("ContactCommunityGroup", GROUP_FIELDS),
    "appointments": ("ContactAppointment", APPOINTMENT_FIELDS),
    "payments": ("ContactPayment", PAYMENT_FIELDS),
    "subscriptions": ("ContactSubscription", SUBSCRIPTION_FIELDS),
    "invoices": ("ContactInvoice", INVOICE_FIELDS),
    "documents": ("ContactDocument", DOCUMENT_FIELDS),
    "opportunities": ("ContactOpportunity", OPPORTUNITY_FIELDS),
}
TAB_CASES: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]] = [
    ("interactions", None, None),
    ("interactions", None, {"field": "RECORDED_AT", "direction": "ASC"}),
    ("interactions", {"kinds": ["SMS", "WEBSITE_VISIT"]}, {"direction": "ASC"}),
    ("interactions", {"occurredAt": {"from": "2026-03-02T00:00:00Z"}}, None),
    ("interactions", {"kinds": []}, None),
    ("workflows", None, None),
    ("workflows", {"states": ["PAST"]}, {"field": "ENROLLED_AT", "direction": "ASC"}),
    ("workflows", {"states": ["ACTIVE"]}, {"field": "CHANGED_AT"}),
    ("courseOffers", None, None),
    ("courseOffers", None, {"field": "NAME"}),
    ("courseOffers", {"offerIds": ["o-a", "o-c", "nope"]}, {"field": "NAME", "direction": "DESC"}),
    ("communityGroups", None, {"field": "NAME", "direction": "ASC"}),
    ("communityGroups", {"groupIds": []}, None),
    ("appointments", None, None),
    ("appointments", {"when": "PAST"}, None),
    ("appointments", {"when": "PAST", "statuses": ["CONFIRMED"]}, {"direction": "ASC"}),
    ("appointments", {"search": "VISIT"}, {"field": "CREATED_AT", "direction": "DESC"}),
    ("appointments", {"startAt": {"from": "2100-01-01T00:00:00Z"}}, {"field": "UPDATED_AT"}),
    ("payments", None, None),
    ("payments", None, {"field": "AMOUNT", "direction": "ASC"}),
    ("payments", {"statuses": ["FAILED", "SUCCEEDED", "REQUIRES_ACTION"]}, {"field": "AMOUNT"}),
    ("payments", {"statuses": []}, None),
    ("subscriptions", None, {"direction": "ASC"}),
    ("subscriptions", {"statuses": ["CANCELED"]}, None),
    ("invoices", None, None),
    ("invoices", {"statuses": ["SENT", "PAID"]}, {"field": "TOTAL", "direction": "ASC"}),
    ("documents", None, None),
    ("documents", None, {"field": "NAME", "direction": "ASC"}),
    ("documents", {"folders": ["INTERNAL", "SENT"]}, {"field": "SIZE"}),
    ("documents", {"sources": ["CUSTOM_FIELD"], "search": "A"}, {"field": "UPDATED_AT"}),
    ("documents", {"folders": []}, None),
    ("opportunities", None, None),
    ("opportunities", None, {"field": "NAME", "direction": "ASC"}),
    ("opportunities", {"statuses": ["OPEN"]}, {"field": "UPDATED_AT", "direction": "ASC"}),
]


def tab_query(tab: str, prefix: str, fields: str) -> str:
    """``TAB`` for one tab list (its filter and order input types named after ``prefix``)."""
    return TAB.format(
        filter=f"{prefix}Filter", order=f"{prefix}OrderBy", tab=tab, page=PAGE, fields=fields
    )


async def every_page(
    t: Tenant, compiled: httpx.AsyncClient, query: str, tab: str, variables: dict[str, Any]
) -> tuple[list[Any], int]:
    """Every page of ``contact.<tab>``, each compared on both paths (one statement each),
    the next page asked with the last one's ``endCursor``; the nodes and ``totalCount``."""
    variables = dict(variables)
    seen: list[Any] = []
    while True:
        data = await both(t, compiled, query, variables, statements=1)
        listed = data["contact"][tab]
        seen += [e["node"] for e in listed["edges"]]
        if not listed["pageInfo"]["hasNextPage"]:
            return seen, listed["totalCount"]
        variables["after"] = listed["pageInfo"]["endCursor"]


CARDS = f"""query($id: ID!, $n: Int, $after: String, $order: ContactPaymentMethodOrderBy) {{
  contact(id: $id) {{ id paymentMethods(first: $n, after: $after, orderBy: $order) {{
    totalCount {PAGE} edges {{ cursor node {{ {CARD_FIELDS} }} }} }} }} }}"""


async def test_the_payments_tab_pages_filters_and_sorts(
    tenant: Tenant, engine: AsyncEngine, compiled_client: httpx.AsyncClient
) -> None:
    """Cards on file, in both orders, every page, cursors from one path paging the other
    (the payments, subscriptions and invoices are TAB_CASES)."""
    cid = (await tenant.create_contact(firstName="Payer"))["id"]
    await payments(engine, tenant.location_id, cid)
    await statements_of(compiled_client, tenant.headers(tenant.admin))  # location provisioned
    for order in (None, {"direction": "ASC"}):
        variables = {"id": cid, "n": 1, "order": order}
        seen, total = await every_page(tenant, compiled_client, CARDS, "paymentMethods", variables)
        assert len(seen) == total == 3
    amounts = await both(
        tenant,
        compiled_client,
        tab_query("payments", "ContactPayment", PAYMENT_FIELDS),
        {"id": cid, "order": {"field": "AMOUNT"}},
    )
    edges = amounts["contact"]["payments"]["edges"]
    assert [e["node"]["amount"]["amount"] for e in edges] == [str(2**40 + 1), "1999", "1999", "5"]


async def test_the_actions_tabs_page_filter_and_sort(
    tenant: Tenant, engine: AsyncEngine, compiled_client: httpx.AsyncClient
) -> None:
    """Interactions, workflows, course offers and community groups: every page of each order
    and filter, cursors from one path paging the other, in one statement."""
    cid = await record(tenant, engine, firstName="Actions")
    await statements_of(compiled_client, tenant.headers(tenant.admin))  # location provisioned
    for tab, list_filter, order in TAB_CASES:
        query = tab_query(tab, *TABS[tab])
        variables = {"id": cid, "n": 2, "filter": list_filter, "order": order}
        seen, total = await every_page(tenant, compiled_client, query, tab, variables)
        assert len(seen) == total, (tab, list_filter, order)
    names = await both(
        tenant,
        compiled_client,
        tab_query("courseOffers", "ContactCourseOffer", OFFER_FIELDS),
        {"id": cid, "order": {"field": "NAME"}},
    )
    offers = [e["node"]["offerName"] for e in names["contact"]["courseOffers"]["edges"]]
    assert offers == ["Ábaco", "alpha", "beta"]  # by collation, not code point
    states = await both(
        tenant,
        compiled_client,
        tab_query("workflows", "ContactWorkflow", WORKFLOW_FIELDS),
        {"id": cid},
    )
    enrolments = [e["node"] for e in states["contact"]["workflows"]["edges"]]
    assert {(e["state"], e["endReason"]) for e in enrolments} == {
        ("ACTIVE", None),
        ("PAST", "COMPLETED"),
        ("PAST", "STOPPED"),
    }


ATTRIBUTION = f"""query($id: ID!) {{
  contact(id: $id) {{ id attribution {{ __typename resetAt
    firstInteraction {{ {INTERACTION_FIELDS} }} latest: latestInteraction {{ id occurredAt }} }} }}
  contacts(first: 5) {{ edges {{ node {{ id attribution {{ resetAt
    firstInteraction {{ externalId kind }} latestInteraction {{ {INTERACTION_FIELDS} }} }} }} }} }}
}}"""


async def test_attribution_first_latest_and_reset(
    tenant: Tenant, engine: AsyncEngine, compiled_client: httpx.AsyncClient
) -> None:
    """First and latest interaction (a later-reported older one moves neither), none without
    interactions, both null after a reset and then the next one recorded."""
    recorded = (await tenant.create_contact(firstName="R"))["id"]
    await actions(tenant, recorded)
    bare = (await tenant.create_contact(firstName="B"))["id"]
    reset = (await tenant.create_contact(firstName="S"))["id"]
    await actions(tenant, reset)
    done = await tenant.mutate(
        "contactAttributionReset", {"contactId": reset}, selection="contact { id }"
    )
    assert done["userErrors"] == [], done
    cleared = (await tenant.create_contact(firstName="C"))["id"]
    await actions(tenant, cleared)
    await tenant.mutate(
        "contactAttributionReset", {"contactId": cleared}, selection="contact { id }"
    )
    await tenant.mutate(
        "contactInteractionRecord",
        {"contactId": cleared, **INTERACTIONS[2], "externalId": f"{cleared}-after"},
        selection="interaction { id }",
    )
    await statements_of(compiled_client, tenant.headers(tenant.admin))  # the location provisioned
    for cid in (recorded, bare, reset, cleared):
        data = await both(tenant, compiled_client, ATTRIBUTION, {"id": cid}, statements=2)
    seen = {e["node"]["id"]: e["node"]["attribution"] for e in data["contacts"]["edges"]}
    assert seen[recorded]["firstInteraction"]["externalId"] == f"{recorded}-0"
    assert seen[recorded]["latestInteraction"]["externalId"] == f"{recorded}-1"
    assert seen[bare] == {"resetAt": None, "firstInteraction": None, "latestInteraction": None}
    assert seen[reset]["resetAt"]
    assert seen[reset]["firstInteraction"] is None
    assert seen[cleared]["firstInteraction"]["externalId"] == f"{cleared}-after"


UPCOMING = """query($id: ID!) { contact(id: $id) { appointments { totalCount
  edges { node { title endAt } } } past: appointments(filter: {when: PAST}) { totalCount } } }"""


async def test_appointments_split_at_each_requests_now(
    tenant: Tenant, engine: AsyncEngine, compiled_client: httpx.AsyncClient
) -> None:
    """The statement is kept across requests, and each one binds its own "now": an
    appointment that ends between two requests is upcoming, then past."""
    cid = (await tenant.create_contact(firstName="Soon"))["id"]
    await appointments(engine, tenant.location_id, cid)
    ends = datetime.now(UTC) + timedelta(seconds=5)  # time for the first two requests, loaded
    async with engine.begin() as conn:
        await conn.execute(
            update(APPOINTMENT)
            .where(APPOINTMENT.c.contact_id == cid, APPOINTMENT.c.title == "visit 2")
            .values(end_at=ends)
        )
    await statements_of(compiled_client, tenant.headers(tenant.admin))
    before = await both(tenant, compiled_client, UPCOMING, {"id": cid}, statements=1)
    assert before["contact"]["appointments"]["totalCount"] == 3
    await asyncio.sleep((ends - datetime.now(UTC)).total_seconds() + 0.2)
    after = await both(tenant, compiled_client, UPCOMING, {"id": cid}, statements=1)
    assert after["contact"]["appointments"]["totalCount"] == 2
    assert after["contact"]["past"]["totalCount"] == 3


async def test_aliases_fragments_and_directives(
    tenant: Tenant, engine: AsyncEngine, compiled_client: httpx.AsyncClient
) -> None:
    cid = await record(tenant, engine, firstName="Ada", lastName="Lovelace")
    for yes in (True, False):
        data = await both(tenant, compiled_client, SHAPES, {"id": cid, "yes": yes, "no": not yes})
        assert data["missing"] is None
        assert ("extra" in data["first"]) is yes


async def test_the_contacts_list_pages_filters_and_sorts(
    tenant: Tenant, engine: AsyncEngine, compiled_client: httpx.AsyncClient
) -> None:
    for name in ("Émile", "zoe", "Bob", NASTY):
        await record(tenant, engine, firstName=name, tags=["vip"] if name == "Bob" else [])
    orders = [
        None,
        {"field": "FIRST_NAME", "direction": "ASC"},
        {"field": "UPDATED_AT"},
        {"field": "LAST_NAME", "direction": "DESC"},
    ]
    for order in orders:
        data = await both(tenant, compiled_client, LIST, {"n": 2, "order": order})
        after = data["contacts"]["pageInfo"]["endCursor"]
        await both(tenant, compiled_client, LIST, {"n": 2, "order": order, "after": after})
    found = await both(tenant, compiled_client, LIST, {"filter": {"tags": {"any": ["vip"]}}})
    assert [e["node"]["firstName"] for e in found["contacts"]["edges"]] == ["Bob"]
    await both(tenant, compiled_client, LIST, {"filter": {"search": "zo"}, "n": 0})


async def other_location(tenant: Tenant, engine: AsyncEngine) -> Tenant:
    location_id = str(uuid.uuid4())
    async with engine.begin() as conn:
        await conn.execute(
            insert(LOCATION).values(id=location_id, name="other", created_at=datetime.now(UTC))
        )
    return Tenant(tenant.client, tenant.settings, location_id)


async def test_visibility_and_tenancy(
    tenant: Tenant, engine: AsyncEngine, compiled_client: httpx.AsyncClient
) -> None:
    dan = tenant.viewer("user-dan", assigned_only=True)
    owned = await record(tenant, engine, firstName="Owned", ownerId="user-dan")
    followed = await record(tenant, engine, firstName="Followed", followerIds=["user-dan"])
    hidden = await record(tenant, engine, firstName="Hidden", ownerId="someone-else")
    elsewhere = await record(await other_location(tenant, engine), engine, firstName="Elsewhere")
    seen = await both(tenant, compiled_client, LIST, {}, dan)
    assert {e["node"]["firstName"] for e in seen["contacts"]["edges"]} == {"Owned", "Followed"}
    assert seen["contacts"]["totalCount"] == 2
    for cid, visible in ((owned, True), (followed, True), (hidden, False), (elsewhere, False)):
        data = await both(tenant, compiled_client, ONE, {"id": cid}, dan)
        assert (data["contact"] is not None) is visible
    assert (await both(tenant, compiled_client, ONE, {"id": elsewhere}))["contact"] is None
    reps = [
        {"__typename": "Contact", "id": i}
        for i in (hidden, owned, "nope", elsewhere, owned, followed)
    ]
    items = (await both(tenant, compiled_client, ENTITIES, {"reps": reps}, dan))["_entities"]
    assert [i and i["id"] for i in items] == [None, owned, None, None, owned, followed]
    await both(tenant, compiled_client, ENTITIES, {"reps": reps})
    await both(tenant, compiled_client, ENTITIES, {"reps": []})


async def test_what_does_not_compile_is_answered_by_the_executor(
    tenant: Tenant, compiled_client: httpx.AsyncClient
) -> None:
    """A field outside the catalog, a bad argument, a forged cursor: the executor's answer
    (errors included) from both apps."""
    c = await tenant.create_contact(firstName="Tags", tags=["a"])
    for query, variables in (
        ("query($id: ID!) { contact(id: $id) { id tags picture { source } } }", {"id": c["id"]}),
        (
            "query($id: ID!) { contact(id: $id) { notes(first: 500) { totalCount } } }",
            {"id": c["id"]},
        ),
        (
            'query($id: ID!) { contact(id: $id) { notes(after: "forged") { totalCount } } }',
            {"id": c["id"]},
        ),
        ('{ contacts(after: "forged") { totalCount } }', {}),
        ('{ contacts(after: "") { totalCount } }', {}),
        ('{ contacts(filter: {createdAt: {from: "2026-01-01T00:00:00"}}) { totalCount } }', {}),
        (
            "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
            {"r": [{"__typename": "Nope", "id": "x"}]},
        ),
    ):
        body = {"query": query, "variables": variables}
        headers = tenant.headers(tenant.viewer("u1"))
        executed = await tenant.client.post("/graphql", json=body, headers=headers)
        answered = await compiled_client.post("/graphql", json=body, headers=headers)
        assert answered.content == executed.content, query
        print("XX", executed.text[:400])


HOLES = """query($id: ID!, $reps: [_Any!]!) {
  customFields { key }
  contact(id: $id) { id tags firstName phones { number label isPrimary }
    notes(first: 2) { edges { node { body } } }
    overdue: tasks(first: 2) { edges { node { title isOverdue } } } mergedInto { id }
    interactions(first: 2) { edges { node { kind call { outcome } } } }
    appointments { edges { node { title calendar { name } } } } workflows { totalCount }
    subscriptions(first: 1) { edges { node { status items { name amount { amount } } } } }
    invoices(first: 2) { edges { node { status total { amount currency } } } }
    opportunities(first: 1) { edges { node { name contacts { totalCount } } } }
    attribution { firstInteraction { kind websiteVisit { pageUrl } } } }
  contacts(first: 5) { totalCount edges { cursor node { id tags fullName
    tasks(first: 1) { edges { node { isOverdue } } } } } }
  _entities(representations: $reps) { ... on Contact { id emails { address } lastName } }
}"""


async def test_fields_that_do_not_compile_are_filled_by_the_executor(
    tenant: Tenant, engine: AsyncEngine, compiled_client: httpx.AsyncClient
) -> None:
    """A root field or a contact's field outside the catalog is answered by the executor in
    its place, the rest by the statement: one answer, the executor's bytes."""
    phones = [{"number": "+14155550100", "label": "MOBILE"}]
    first = await record(tenant, engine, firstName="Holes", tags=["vip", "new"], phones=phones)
    second = (await tenant.create_contact(firstName="B", emails=[{"address": "b@x.io"}]))["id"]
    reps = [{"__typename": "Contact", "id": i} for i in (second, "nope", first)]
    data = await both(tenant, compiled_client, HOLES, {"id": first, "reps": reps})
    assert data["contact"]["tags"] == ["vip", "new"]
    assert data["contact"]["phones"][0]["label"] == "MOBILE"
    assert data["_entities"][0]["emails"] == [{"address": "b@x.io"}]
    assert data["_entities"][1] is None
    calls = [e["node"]["call"] for e in data["contact"]["interactions"]["edges"]]
    assert {"outcome": "ANSWERED"} in calls
    assert data["contact"]["appointments"]["edges"][0]["node"]["calendar"] == {"name": "Demo"}
    items = data["contact"]["subscriptions"]["edges"][0]["node"]["items"]
    assert items == [{"name": "Plan", "amount": {"amount": "900"}}]
    assert data["contact"]["opportunities"]["edges"][0]["node"]["contacts"] == {"totalCount": 1}
    restricted = tenant.viewer("u1", assigned_only=True)
    await both(tenant, compiled_client, HOLES, {"id": first, "reps": reps}, restricted)


async def test_an_error_in_a_hole_is_the_executors(
    tenant: Tenant, compiled_client: httpx.AsyncClient
) -> None:
    """An executed field's error has the path and locations the executor gives it; one that
    nulls a contact or the data sends the whole operation to the executor."""
    c = await tenant.create_contact(firstName="Err")
    reads = compiled_client.app.state.runtime.compiled_reads  # type: ignore[attr-defined]
    for query, compiled in (
        ('query($id: ID!) { contact(id: $id) { id } webhookEndpoint(id: "x") { id } }', True),
        ("query($id: ID!) { contact(id: $id) { id activity(first: 500) { totalCount } } }", False),
        (
            "query($id: ID!) { contact(id: $id) { id } smartLists(first: 500) { totalCount } }",
            False,
        ),
    ):
        body = {"query": query, "variables": {"id": c["id"]}}
        headers = tenant.headers(tenant.viewer("u1"))  # not an admin: FORBIDDEN
        executed = await tenant.client.post("/graphql", json=body, headers=headers)
        before = reads.answered
        answered = await compiled_client.post("/graphql", json=body, headers=headers)
        assert answered.content == executed.content, query
        assert executed.json()["errors"], query
        assert reads.answered == before + compiled, query


async def statements_of(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    await client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)


async def test_one_statement_per_root_field_for_1_and_50_contacts(
    tenant: Tenant, engine: AsyncEngine, compiled_client: httpx.AsyncClient
) -> None:
    ids = [await record(tenant, engine, **LISTED, firstName=f"P{i}") for i in range(3)]
    ids += [(await tenant.create_contact(firstName=f"Q{i}"))["id"] for i in range(47)]
    compiled_engine: AsyncEngine = compiled_client.app.state.runtime.engine  # type: ignore[attr-defined]
    headers = tenant.headers(tenant.admin)

    await statements_of(compiled_client, headers)  # the location provisioned

    async def statements(query: str, variables: dict[str, Any]) -> int:
        with StatementCounter(compiled_engine) as counter:
            response = await compiled_client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        assert "errors" not in response.json()
        return counter.count

    assert await statements(LIST, {"n": 1}) == await statements(LIST, {"n": 50}) == 1
    reps = [{"__typename": "Contact", "id": i} for i in ids]
    assert (
        await statements(ENTITIES, {"reps": reps[:1]})
        == await statements(ENTITIES, {"reps": reps})
        == 1
    )
    assert await statements(ONE, {"id": ids[0]}) == 1
    holes = await statements(HOLED_LIST, {"n": 1})
    assert holes == await statements(HOLED_LIST, {"n": 50})
    assert (
        await statements(SHAPES, {"id": ids[0], "yes": True, "no": False}) == 3
    )  # 3 contact fields


LEAVES = [
    "id",
    "firstName",
    "lastName",
    "fullName",
    "type",
    "createdAt",
    "version",
    "archived",
    "archivedAt",
    "dateOfBirth",
    "__typename",
    "owner { id }",
    "address { city country }",
    "tags",
    "phones { id number label isPrimary }",
    "primaryPhone { number label __typename }",
    "emails { address label isPrimary }",
    "primaryEmail { id isPrimary }",
    "followers { id }",
    "dnd { allChannels { channel enabled blocked changedAt } }",
    "dnd { channels { channel blocked changedBy { id } __typename } __typename }",
    "attribution { resetAt firstInteraction { id kind occurredAt utmTerm } }",
    "attribution { __typename latestInteraction { id sessionSource recordedBy { id } } }",
]
NOTE_LEAVES = ["id", "body", "createdAt", "updatedAt", "author { id }", "__typename"]
TASK_LEAVES = ["id", "title", "status", "dueAt", "completedAt", "assignee { id }", "description"]
INTERACTION_LEAVES = [
    "id",
    "kind",
    "origin",
    "occurredAt",
    "recordedBy { id }",
    "utmTerm",
    "sessionSource",
    "__typename",
]
WORKFLOW_LEAVES = ["id", "workflow { id }", "state", "endedAt", "endedBy { id }", "endReason"]
OFFER_LEAVES = ["offer { id }", "offerName", "grantedAt", "grantedBy { id }", "__typename"]
GROUP_LEAVES = ["group { id }", "groupName", "assignedAt", "assignedBy { id }"]
CARD_LEAVES = ["id", "brand", "last4", "expMonth", "label", "addedBy { id }", "createdAt"]
PAYMENT_LEAVES = [
    "id",
    "amount { amount currency }",
    "status",
    "paymentMethodId",
    "failureCode",
    "chargedBy { id }",
    "createdAt",
]
SUBSCRIPTION_LEAVES = ["id", "status", "billStartDate", "nextBillAt", "canceledAt"]
INVOICE_LEAVES = ["id", "status", "dueDate", "memo", "sentVia", "paidAt", "createdBy { id }"]
DOCUMENT_LEAVES = ["id", "name", "size", "folder", "subFolder", "source", "addedBy { id }"]
OPPORTUNITY_LEAVES = ["id", "name", "status", "monetaryValue { amount currency }", "createdAt"]
APPOINTMENT_LEAVES = [
    "id",
    "type",
    "status",
    "title",
    "description",
    "teamMember { id }",
    "startAt",
    "cancelledAt",
    "createdBy { id }",
]


def selection(draw: st.DrawFn, leaves: list[str]) -> str:
    picked = draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=5))
    out = []
    for i, leaf in enumerate(picked):
        alias = f"a{i}: " if draw(st.booleans()) else ""
        out.append(alias + leaf)
    return " ".join(dict.fromkeys(out))


@st.composite
def documents(draw: st.DrawFn) -> str:
    parts = [selection(draw, LEAVES)]
    for tab, leaves in (
        ("notes", NOTE_LEAVES),
        ("tasks", TASK_LEAVES),
        ("interactions", INTERACTION_LEAVES),
        ("workflows", WORKFLOW_LEAVES),
        ("courseOffers", OFFER_LEAVES),
        ("communityGroups", GROUP_LEAVES),
        ("appointments", APPOINTMENT_LEAVES),
        ("paymentMethods", CARD_LEAVES),
        ("payments", PAYMENT_LEAVES),
        ("subscriptions", SUBSCRIPTION_LEAVES),
        ("invoices", INVOICE_LEAVES),
        ("documents", DOCUMENT_LEAVES),
        ("opportunities", OPPORTUNITY_LEAVES),
    ):
        if draw(st.booleans()):
            first = draw(
                st.sampled_from(["", "(first: 0)", "(first: 1)", "(first: 2)", "(first: 5)"])
            )
            conn = draw(
                st.lists(
                    st.sampled_from(
                        [
                            "totalCount",
                            PAGE,
                            "__typename",
                            f"edges {{ cursor node {{ {selection(draw, leaves)} }} }}",
                        ]
                    ),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            )
            parts.append(f"{tab}{first} {{ {' '.join(conn)} }}")
    if len(parts) == 1 and set(re.sub(r"a\d+: ", "", parts[0]).split()) == {"__typename"}:
        parts.append("id")  # a contact of __typename alone is the executor's (no statement)
    if draw(st.booleans()):
        parts = [f"... on Contact {{ {' '.join(parts)} }}"]
    body = " ".join(parts)
    if draw(st.booleans()):
        return f"query($id: ID!) {{ contact(id: $id) {{ {body} }} }}"
    return (
        f"query($id: ID!) {{ contacts(first: 3) {{ edges {{ node {{ {body} }} }} }} "
        f"one: contact(id: $id) {{ {body} }} }}"
    )


@pytest.fixture(scope="module")
async def seeded(
    settings: Settings,
    compiled_client: httpx.AsyncClient,
    client: httpx.AsyncClient,
    engine: AsyncEngine,
) -> tuple[Tenant, str]:
    t = await other_location(Tenant(client, settings, ""), engine)
    ids = [await record(t, engine, **LISTED, firstName="A")]
    ids += [await record(t, engine, firstName=n) for n in (NASTY, "")]
    tasks = "query($id: ID!) { contact(id: $id) { tasks(first: 1) { edges { node { id } } } } }"
    found = await t.gql(tasks, {"id": ids[0]})
    task_id = found["contact"]["tasks"]["edges"][0]["node"]["id"]
    await t.mutate("contactTaskComplete", {"taskId": task_id}, selection="task { id }")
    await statements_of(compiled_client, t.headers(t.admin))  # the location provisioned
    return t, ids[0]


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=documents())
async def test_generated_selections_answer_alike(
    seeded: tuple[Tenant, str], compiled_client: httpx.AsyncClient, document: str
) -> None:
    t, cid = seeded
    roots = 2 if "contacts(" in document else 1
    await both(t, compiled_client, document, {"id": cid}, statements=roots)


def test_the_catalog_names_fields_of_the_schema() -> None:
    """Every compiled field exists on its GraphQL type (a renamed field fails here, not as a
    silent fallback), and stored enum values map to the schema's enum names."""
    from graphql import GraphQLEnumType, GraphQLObjectType

    from domain.contact import ContactType, DndChannel, EmailLabel, PhoneLabel
    from persistence.compiled import catalog
    from server.app import schema_for

    schema = schema_for(Settings(_env_file=None))._schema  # type: ignore[call-arg]
    for name, spec in catalog.types().items():
        graphql_type = schema.get_type(name)
        assert isinstance(graphql_type, GraphQLObjectType), name
        for field in (*spec.fields, *spec.objects, *spec.lists, *spec.records):
            assert field in graphql_type.fields, f"{name}.{field}"
    for enum, stored in (
        ("ContactType", ContactType),
        ("PhoneLabel", PhoneLabel),
        ("EmailLabel", EmailLabel),
        ("DndChannel", DndChannel),
    ):
        graphql_enum = schema.get_type(enum)
        assert isinstance(graphql_enum, GraphQLEnumType)
        assert {str(v.value) for v in graphql_enum.values.values()} == {t.value for t in stored}
        assert set(graphql_enum.values) == {t.name for t in stored}
