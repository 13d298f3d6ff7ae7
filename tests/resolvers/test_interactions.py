"""Outside interactions and attribution through the API: every kind, idempotency (also under
concurrency), refused input that writes nothing, first/latest/reset, the interactions list,
visibility and tenancy."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant

from persistence.tables import INTERACTION, LOCATION

INTERACTION_FIELDS = """id contactId externalId kind origin occurredAt recordedAt
  recordedBy { id } url referrer utmSource utmMedium utmCampaign utmTerm utmContent
  gclid fbclid msclkid campaignId sessionSource
  websiteVisit { pageUrl pageTitle } formSubmission { formId formName }
  surveySubmission { surveyId surveyName } call { direction durationSeconds outcome }
  email { direction subject } sms { direction excerpt }
  purchase { amount currency productId productName description }"""
RECORDED = f"interaction {{ {INTERACTION_FIELDS} }} duplicate"
ATTRIBUTION = """query($id: ID!) { contact(id: $id) { attribution {
  firstInteraction { id externalId kind sessionSource utmSource utmCampaign }
  latestInteraction { id externalId kind sessionSource } resetAt } } }"""
HISTORY = """query($id: ID!) { contact(id: $id) {
  interactions(first: 100) { totalCount edges { node { id externalId } } }
  auditLog(first: 100) { totalCount edges { node { kind actor { id }
    changes { field before after } } } } } }"""
LIST = """query($id: ID!, $first: Int, $after: String, $filter: ContactInteractionFilter,
  $orderBy: ContactInteractionOrderBy) { contact(id: $id) {
  interactions(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { externalId kind } } } } }"""

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)


def at(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def visit(external_id: str, hours: float = 0, **attribution: Any) -> dict[str, Any]:
    return {
        "externalId": external_id,
        "kind": "WEBSITE_VISIT",
        "occurredAt": at(hours),
        "websiteVisit": {"pageUrl": "https://shop.example.com/pricing", "pageTitle": "Pricing"},
        "attribution": attribution,
    }


async def record(t: Tenant, contact_id: str, input: dict[str, Any], **kw: Any) -> dict[str, Any]:
    payload = await t.mutate(
        "contactInteractionRecord", {"contactId": contact_id, **input}, selection=RECORDED, **kw
    )
    return payload


async def recorded(t: Tenant, contact_id: str, input: dict[str, Any]) -> dict[str, Any]:
    payload = await record(t, contact_id, input)
    assert payload["userErrors"] == [], payload["userErrors"]
    interaction: dict[str, Any] = payload["interaction"]
    return interaction


async def history(t: Tenant, contact_id: str) -> dict[str, Any]:
    contact: dict[str, Any] = (await t.gql(HISTORY, {"id": contact_id}))["contact"]
    return contact


async def attribution(t: Tenant, contact_id: str) -> dict[str, Any]:
    data = await t.gql(ATTRIBUTION, {"id": contact_id})
    result: dict[str, Any] = data["contact"]["attribution"]
    return result


def codes(payload: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    return [(tuple(e["field"]), e["code"]) for e in payload["userErrors"]]


EVERY_KIND: list[tuple[dict[str, Any], str, dict[str, Any]]] = [
    (
        {"kind": "WEBSITE_VISIT", "websiteVisit": {"pageUrl": "https://e.com/a", "pageTitle": "A"}},
        "websiteVisit",
        {"pageUrl": "https://e.com/a", "pageTitle": "A"},
    ),
    (
        {"kind": "FORM_SUBMISSION", "formSubmission": {"formId": "f-1", "formName": "Quote"}},
        "formSubmission",
        {"formId": "f-1", "formName": "Quote"},
    ),
    (
        {"kind": "SURVEY_SUBMISSION", "surveySubmission": {"surveyId": "s-1", "surveyName": "NPS"}},
        "surveySubmission",
        {"surveyId": "s-1", "surveyName": "NPS"},
    ),
    (
        {
            "kind": "CALL",
            "call": {"direction": "INBOUND", "durationSeconds": 95, "outcome": "ANSWERED"},
        },
        "call",
        {"direction": "INBOUND", "durationSeconds": 95, "outcome": "ANSWERED"},
    ),
    (
        {"kind": "EMAIL", "email": {"direction": "OUTBOUND", "subject": "Your quote"}},
        "email",
        {"direction": "OUTBOUND", "subject": "Your quote"},
    ),
    (
        {"kind": "SMS", "sms": {"direction": "INBOUND", "excerpt": "Yes, Tuesday works"}},
        "sms",
        {"direction": "INBOUND", "excerpt": "Yes, Tuesday works"},
    ),
    (
        {
            "kind": "PURCHASE",
            "purchase": {"amount": 4999, "currency": "usd", "productName": "Whitening kit"},
        },
        "purchase",
        {
            "amount": "4999",
            "currency": "USD",
            "productId": None,
            "productName": "Whitening kit",
            "description": None,
        },
    ),
]
DETAIL_FIELDS = [field for _, field, _ in EVERY_KIND]


async def test_every_kind_is_recorded_with_its_details_and_an_event(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Active")
    integration = tenant.viewer("integration-calls")
    for hours, (input, field, expected) in enumerate(EVERY_KIND):
        external_id = f"evt-{field}"
        payload = await record(
            tenant,
            c["id"],
            {"externalId": external_id, "occurredAt": at(hours), **input},
            viewer=integration,
        )
        assert payload["userErrors"] == []
        assert payload["duplicate"] is False
        i = payload["interaction"]
        assert (i["contactId"], i["externalId"], i["kind"]) == (c["id"], external_id, input["kind"])
        assert i["occurredAt"] == at(hours)
        assert i["origin"] == "INTEGRATION"
        assert i["recordedBy"] == {"id": "integration-calls"}
        assert i[field] == expected
        assert all(i[other] is None for other in DETAIL_FIELDS if other != field)
    record_ = await history(tenant, c["id"])
    assert record_["interactions"]["totalCount"] == 7
    newest_first = [e["node"]["externalId"] for e in record_["interactions"]["edges"]]
    assert newest_first == [f"evt-{f}" for f in reversed(DETAIL_FIELDS)]
    events = [e["node"] for e in record_["auditLog"]["edges"]]
    assert [e["kind"] for e in events] == ["INTERACTION_RECORDED"] * 7 + ["CONTACT_CREATED"]
    assert all(e["actor"] == {"id": "integration-calls"} for e in events[:7])
    purchase_event = events[0]
    summary = purchase_event["changes"][0]
    assert summary["field"] == "interactions"
    assert summary["before"] is None
    assert summary["after"]["kind"] == "PURCHASE"
    assert summary["after"]["externalId"] == "evt-purchase"
    assert summary["after"]["details"]["amount"] == 4999
    assert summary["after"]["attribution"]["sessionSource"] == "OTHER"
    # the first interaction also set first and latest; later ones moved only latest
    first_event = events[6]
    assert [ch["field"] for ch in first_event["changes"]] == [
        "interactions",
        "attribution.firstInteraction",
        "attribution.latestInteraction",
    ]
    assert [ch["field"] for ch in purchase_event["changes"]] == [
        "interactions",
        "attribution.latestInteraction",
    ]


async def test_attribution_data_is_stored_classified_and_in_the_event(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Clicked")
    url = (
        "https://shop.example.com/pricing?utm_source=google&utm_medium=cpc"
        "&utm_campaign=spring&gclid=Cj0KCQ"
    )
    i = await recorded(tenant, c["id"], visit("v1", url=url, utmTerm="dental implants"))
    assert i["url"] == url
    assert (i["utmSource"], i["utmMedium"], i["utmCampaign"], i["utmTerm"], i["gclid"]) == (
        "google",
        "cpc",
        "spring",
        "dental implants",
        "Cj0KCQ",
    )
    assert i["sessionSource"] == "PAID_SEARCH"
    organic = await recorded(
        tenant,
        c["id"],
        visit("v2", 1, url="https://shop.example.com/", referrer="https://bing.com/"),
    )
    assert organic["sessionSource"] == "ORGANIC_SEARCH"
    overridden = await recorded(
        tenant, c["id"], visit("v3", 2, url=url, sessionSource="REFERRAL", campaignId="123")
    )
    assert (overridden["sessionSource"], overridden["campaignId"]) == ("REFERRAL", "123")
    logged = await recorded(
        tenant,
        c["id"],
        {
            "externalId": "v4",
            "kind": "CALL",
            "occurredAt": at(3),
            "origin": "CRM_UI",
            "call": {"direction": "OUTBOUND", "outcome": "VOICEMAIL"},
        },
    )
    assert (logged["origin"], logged["sessionSource"]) == ("CRM_UI", "CRM_UI")
    assert logged["call"]["durationSeconds"] == 0
    events = [e["node"] for e in (await history(tenant, c["id"]))["auditLog"]["edges"]]
    summary = events[-2]["changes"][0]["after"]  # v1, right after CONTACT_CREATED
    assert summary["attribution"] == {
        "url": url,
        "referrer": None,
        "utmSource": "google",
        "utmMedium": "cpc",
        "utmCampaign": "spring",
        "utmTerm": "dental implants",
        "utmContent": None,
        "gclid": "Cj0KCQ",
        "fbclid": None,
        "msclkid": None,
        "campaignId": None,
        "sessionSource": "PAID_SEARCH",
    }
    assert summary["id"] == i["id"]
    assert summary["occurredAt"] == at(0)
    assert summary["details"] == {
        "pageUrl": "https://shop.example.com/pricing",
        "pageTitle": "Pricing",
    }


async def test_the_same_external_id_twice_is_recorded_once(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Twice")
    first = await record(tenant, c["id"], visit("evt-42", utmSource="facebook"))
    before = await history(tenant, c["id"])
    again = await record(tenant, c["id"], {**visit("evt-42", 5), "attribution": {"gclid": "x"}})
    assert again["userErrors"] == []
    assert again["duplicate"] is True
    # the stored interaction comes back as it was: the first write wins
    assert again["interaction"] == first["interaction"]
    after = await history(tenant, c["id"])
    assert after == before
    assert after["interactions"]["totalCount"] == 1
    assert after["auditLog"]["totalCount"] == 2  # created + one INTERACTION_RECORDED


async def test_ten_concurrent_identical_calls_record_one_row_and_one_event(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    c = await tenant.create_contact(firstName="Stampede")
    same = visit("evt-burst", url="https://shop.example.com/?utm_source=tiktok&utm_medium=cpc")
    payloads = await asyncio.gather(*(record(tenant, c["id"], same) for _ in range(10)))
    assert all(p["userErrors"] == [] for p in payloads)
    assert sorted(p["duplicate"] for p in payloads) == [False] + [True] * 9
    assert len({p["interaction"]["id"] for p in payloads}) == 1
    async with engine.connect() as conn:
        rows = await conn.scalar(
            select(func.count())
            .select_from(INTERACTION)
            .where(INTERACTION.c.location_id == tenant.location_id)
        )
    assert rows == 1
    after = await history(tenant, c["id"])
    kinds = [e["node"]["kind"] for e in after["auditLog"]["edges"]]
    assert kinds == ["INTERACTION_RECORDED", "CONTACT_CREATED"]
    attributed = await attribution(tenant, c["id"])
    assert attributed["firstInteraction"]["id"] == payloads[0]["interaction"]["id"]
    assert attributed["firstInteraction"]["sessionSource"] == "PAID_SOCIAL"


async def test_concurrent_interactions_of_one_contact_all_land_and_latest_is_the_newest(
    tenant: Tenant,
) -> None:
    c = await tenant.create_contact(firstName="Busy")
    first = await recorded(tenant, c["id"], visit("evt-0", 0))
    # the newest is sent first, so a lost update would leave an older one as latest
    payloads = await asyncio.gather(
        *(record(tenant, c["id"], visit(f"evt-{k}", k)) for k in range(12, 0, -1))
    )
    assert all(p["userErrors"] == [] and not p["duplicate"] for p in payloads)
    after = await history(tenant, c["id"])
    assert after["interactions"]["totalCount"] == 13
    assert after["auditLog"]["totalCount"] == 14
    attributed = await attribution(tenant, c["id"])
    assert attributed["firstInteraction"]["id"] == first["id"]
    assert attributed["latestInteraction"]["externalId"] == "evt-12"
    moves = [
        (ch["before"], ch["after"])
        for e in reversed(after["auditLog"]["edges"])
        for ch in e["node"]["changes"]
        if ch["field"] == "attribution.latestInteraction"
    ]
    # each move starts where the previous one ended: no two writers saw the same latest
    assert all(moves[k][1] == moves[k + 1][0] for k in range(len(moves) - 1))


@pytest.fixture
async def other_tenant(tenant: Tenant, engine: AsyncEngine) -> Tenant:
    location_id = str(uuid.uuid4())
    async with engine.begin() as conn:
        await conn.execute(
            insert(LOCATION).values(id=location_id, name="other", created_at=datetime.now(UTC))
        )
    return Tenant(tenant.client, tenant.settings, location_id)


async def test_external_ids_are_per_location(tenant: Tenant, other_tenant: Tenant) -> None:
    mine = await tenant.create_contact(firstName="Mine")
    theirs = await other_tenant.create_contact(firstName="Theirs")
    a = await record(tenant, mine["id"], visit("evt-shared"))
    b = await record(other_tenant, theirs["id"], visit("evt-shared"))
    assert (a["duplicate"], b["duplicate"]) == (False, False)
    assert a["interaction"]["id"] != b["interaction"]["id"]
    # and neither location can record on the other's contact
    crossed = await record(other_tenant, mine["id"], visit("evt-cross"))
    assert codes(crossed) == [(("input", "contactId"), "NOT_FOUND")]
    assert (await history(tenant, mine["id"]))["interactions"]["totalCount"] == 1


async def test_an_external_id_recorded_for_another_contact_is_refused(tenant: Tenant) -> None:
    ann = await tenant.create_contact(firstName="Ann")
    bob = await tenant.create_contact(firstName="Bob")
    await recorded(tenant, ann["id"], visit("evt-7"))
    refused = await record(tenant, bob["id"], visit("evt-7"))
    assert codes(refused) == [(("input", "externalId"), "DUPLICATE")]
    assert refused["interaction"] is None
    bob_after = await history(tenant, bob["id"])
    assert bob_after["interactions"]["totalCount"] == 0
    assert bob_after["auditLog"]["totalCount"] == 1
    assert await attribution(tenant, bob["id"]) == {
        "firstInteraction": None,
        "latestInteraction": None,
        "resetAt": None,
    }


async def test_details_that_do_not_match_the_kind_are_refused_and_nothing_is_written(
    tenant: Tenant,
) -> None:
    c = await tenant.create_contact(firstName="Strict")
    wrong = await record(
        tenant,
        c["id"],
        {
            "externalId": "evt-1",
            "kind": "CALL",
            "occurredAt": at(0),
            "websiteVisit": {"pageUrl": "https://e.com"},
        },
    )
    assert codes(wrong) == [
        (("input", "websiteVisit"), "WRONG_VALUE_TYPE"),
        (("input", "call"), "REQUIRED"),
    ]
    assert (wrong["interaction"], wrong["duplicate"]) == (None, False)
    extra = await record(
        tenant,
        c["id"],
        {
            "externalId": "evt-1",
            "kind": "SMS",
            "occurredAt": at(0),
            "sms": {"direction": "INBOUND", "excerpt": "hi"},
            "email": {"direction": "INBOUND"},
        },
    )
    assert codes(extra) == [(("input", "email"), "WRONG_VALUE_TYPE")]
    bad_values = await record(
        tenant,
        c["id"],
        {
            "externalId": "evt-1",
            "kind": "PURCHASE",
            "occurredAt": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "purchase": {"amount": -1, "currency": "dollars"},
        },
    )
    assert sorted(codes(bad_values)) == [
        (("input", "occurredAt"), "INVALID_VALUE"),
        (("input", "purchase", "amount"), "INVALID_VALUE"),
        (("input", "purchase", "currency"), "INVALID_VALUE"),
    ]
    after = await history(tenant, c["id"])
    assert after["interactions"]["totalCount"] == 0
    assert [e["node"]["kind"] for e in after["auditLog"]["edges"]] == ["CONTACT_CREATED"]
    assert (await attribution(tenant, c["id"]))["firstInteraction"] is None
    # the refused external id was not taken: it records normally now
    ok = await record(tenant, c["id"], visit("evt-1"))
    assert (ok["userErrors"], ok["duplicate"]) == ([], False)


async def test_first_stays_latest_moves_and_reset_starts_over(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Journey")
    ad = await recorded(
        tenant, c["id"], visit("ad", 0, utmSource="google", utmMedium="cpc", utmCampaign="spring")
    )
    news = await recorded(tenant, c["id"], visit("news", 24, utmMedium="email"))
    state = await attribution(tenant, c["id"])
    assert state["firstInteraction"] == {
        "id": ad["id"],
        "externalId": "ad",
        "kind": "WEBSITE_VISIT",
        "sessionSource": "PAID_SEARCH",
        "utmSource": "google",
        "utmCampaign": "spring",
    }
    assert state["latestInteraction"]["id"] == news["id"]
    assert state["latestInteraction"]["sessionSource"] == "OTHER"
    # a late webhook for something that happened before both moves neither
    await recorded(tenant, c["id"], visit("late", -48, referrer="https://t.co/x"))
    assert await attribution(tenant, c["id"]) == state
    # a newer interaction moves latest only
    call = await recorded(
        tenant,
        c["id"],
        {
            "externalId": "call",
            "kind": "CALL",
            "occurredAt": at(30),
            "call": {"direction": "INBOUND", "outcome": "MISSED"},
        },
    )
    moved = await attribution(tenant, c["id"])
    assert moved["firstInteraction"]["id"] == ad["id"]
    assert moved["latestInteraction"]["id"] == call["id"]

    reset = await tenant.mutate(
        "contactAttributionReset",
        {"contactId": c["id"]},
        selection="contact { id attribution { firstInteraction { id } "
        "latestInteraction { id } resetAt } }",
    )
    assert reset["userErrors"] == []
    cleared = reset["contact"]["attribution"]
    assert (cleared["firstInteraction"], cleared["latestInteraction"]) == (None, None)
    assert cleared["resetAt"] is not None
    events = [e["node"] for e in (await history(tenant, c["id"]))["auditLog"]["edges"]]
    assert events[0]["kind"] == "ATTRIBUTION_RESET"
    assert events[0]["changes"] == [
        {"field": "attribution.firstInteraction", "before": ad["id"], "after": None},
        {"field": "attribution.latestInteraction", "before": call["id"], "after": None},
    ]
    # resetting again changes nothing and records nothing
    again = await tenant.mutate(
        "contactAttributionReset", {"contactId": c["id"]}, selection="contact { id }"
    )
    assert again["userErrors"] == []
    assert (await history(tenant, c["id"]))["auditLog"]["totalCount"] == len(events)
    # the history stays; the next interaction (even an old one) becomes first and latest
    social = await recorded(tenant, c["id"], visit("social", -100, referrer="https://x.com/p"))
    fresh = await attribution(tenant, c["id"])
    assert fresh["firstInteraction"]["id"] == social["id"]
    assert fresh["latestInteraction"]["id"] == social["id"]
    assert fresh["firstInteraction"]["sessionSource"] == "SOCIAL_MEDIA"
    assert fresh["resetAt"] == cleared["resetAt"]
    assert (await history(tenant, c["id"]))["interactions"]["totalCount"] == 5


async def test_the_payload_contact_shows_the_new_attribution(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Payload")
    payload = await tenant.mutate(
        "contactInteractionRecord",
        {"contactId": c["id"], **visit("evt-p")},
        selection="interaction { id } contact { id attribution { firstInteraction { id } } "
        "interactions { totalCount } }",
    )
    assert payload["contact"]["id"] == c["id"]
    assert (
        payload["contact"]["attribution"]["firstInteraction"]["id"] == payload["interaction"]["id"]
    )
    assert payload["contact"]["interactions"]["totalCount"] == 1


async def test_the_interactions_list_filters_sorts_and_pages(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Listed")
    kinds = ["WEBSITE_VISIT", "CALL", "WEBSITE_VISIT", "CALL", "WEBSITE_VISIT"]
    for k, kind in enumerate(kinds):
        details = (
            {"websiteVisit": {"pageUrl": "https://e.com"}}
            if kind == "WEBSITE_VISIT"
            else {"call": {"direction": "INBOUND", "outcome": "ANSWERED"}}
        )
        # recorded in reverse order of occurrence: e0 happened last
        await recorded(
            tenant,
            c["id"],
            {"externalId": f"e{k}", "kind": kind, "occurredAt": at(10 - k), **details},
        )

    async def ids(**variables: Any) -> tuple[list[str], int]:
        data = await tenant.gql(LIST, {"id": c["id"], **variables})
        found = data["contact"]["interactions"]
        return [e["node"]["externalId"] for e in found["edges"]], found["totalCount"]

    assert await ids() == (["e0", "e1", "e2", "e3", "e4"], 5)
    assert await ids(filter={"kinds": ["CALL"]}) == (["e1", "e3"], 2)
    assert await ids(filter={"kinds": []}) == ([], 0)
    window = {"from": at(7), "to": at(10)}  # from inclusive, to exclusive
    assert await ids(filter={"occurredAt": window}) == (["e1", "e2", "e3"], 3)
    both = {"kinds": ["WEBSITE_VISIT"], "occurredAt": window}
    assert await ids(filter=both) == (["e2"], 1)
    by_recording = {"field": "RECORDED_AT", "direction": "ASC"}
    assert await ids(orderBy=by_recording) == (["e0", "e1", "e2", "e3", "e4"], 5)
    assert await ids(orderBy={"field": "OCCURRED_AT", "direction": "ASC"}) == (
        ["e4", "e3", "e2", "e1", "e0"],
        5,
    )
    for filter, order, expected in (
        (None, None, ["e0", "e1", "e2", "e3", "e4"]),
        ({"kinds": ["WEBSITE_VISIT"]}, by_recording, ["e0", "e2", "e4"]),
        (
            {"occurredAt": {"to": at(10)}},
            {"field": "OCCURRED_AT", "direction": "ASC"},
            ["e4", "e3", "e2", "e1"],
        ),
    ):
        seen, after = [], None
        while True:
            variables = {"id": c["id"], "first": 2, "after": after, "filter": filter}
            data = await tenant.gql(LIST, {**variables, "orderBy": order})
            page = data["contact"]["interactions"]
            assert page["totalCount"] == len(expected)
            seen += [e["node"]["externalId"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == expected, (filter, order)


@pytest.mark.parametrize(
    ("occurred", "message"),
    [
        ({"from": "2026-01-01T00:00:00"}, "`filter.occurredAt.from` needs a time zone"),
        ({"to": "2026-01-01T00:00:00"}, "`filter.occurredAt.to` needs a time zone"),
        (
            {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
            "`filter.occurredAt.from` must be before `filter.occurredAt.to`",
        ),
    ],
)
async def test_an_interaction_range_that_cannot_be_answered_is_refused(
    tenant: Tenant, occurred: dict[str, str], message: str
) -> None:
    c = await tenant.create_contact(firstName="Refused")
    body = await tenant.raw(LIST, {"id": c["id"], "filter": {"occurredAt": occurred}}, tenant.admin)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in body["errors"][0]["message"]


async def test_restricted_users_only_reach_contacts_they_own_or_follow(tenant: Tenant) -> None:
    hidden = await tenant.create_contact(firstName="Hidden", ownerId="user-eve")
    followed = await tenant.create_contact(firstName="Followed", followerIds=["user-dan"])
    await recorded(tenant, hidden["id"], visit("evt-h"))
    dan = tenant.viewer("user-dan", assigned_only=True)
    denied = await record(tenant, hidden["id"], visit("evt-d"), viewer=dan)
    assert codes(denied) == [(("input", "contactId"), "NOT_FOUND")]
    reset = await tenant.mutate(
        "contactAttributionReset",
        {"contactId": hidden["id"]},
        selection="contact { id }",
        viewer=dan,
    )
    assert codes(reset) == [(("input", "contactId"), "NOT_FOUND")]
    assert reset["contact"] is None
    # a repeat of an event of a contact Dan may not see tells him nothing either
    repeat = await record(tenant, hidden["id"], visit("evt-h"), viewer=dan)
    assert codes(repeat) == [(("input", "contactId"), "NOT_FOUND")]
    after = await history(tenant, hidden["id"])
    assert after["interactions"]["totalCount"] == 1
    assert (await attribution(tenant, hidden["id"]))["firstInteraction"] is not None
    seen = await tenant.gql(ATTRIBUTION, {"id": hidden["id"]}, viewer=dan)
    assert seen == {"contact": None}
    ok = await record(tenant, followed["id"], visit("evt-f"), viewer=dan)
    assert (ok["userErrors"], ok["interaction"]["recordedBy"]) == ([], {"id": "user-dan"})
    missing = await record(tenant, "no-such-contact", visit("evt-m"))
    assert codes(missing) == [(("input", "contactId"), "NOT_FOUND")]
