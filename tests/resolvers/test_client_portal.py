"""Client portal in the Actions panel: course offers granted and revoked, community groups
assigned and removed -- idempotent, audited, and only on contacts the viewer may see."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant

from persistence.tables import LOCATION

OFFER = "courseOffer { offer { id } offerName grantedAt grantedBy { id } }"
GROUP = "communityGroup { group { id } groupName assignedAt assignedBy { id } }"
PORTAL = """courseOffers { totalCount
    edges { cursor node { offer { id } offerName grantedAt grantedBy { id } } } }
  communityGroups { totalCount
    edges { cursor node { group { id } groupName assignedAt assignedBy { id } } } }"""
RECORD = f"""query($id: ID!) {{ contact(id: $id) {{ {PORTAL}
  auditLog(first: 100) {{ totalCount edges {{ node {{ kind actor {{ id }}
    changes {{ field before after }} }} }} }} }} }}"""


def offers(contact: dict[str, Any]) -> list[dict[str, Any]]:
    """The contact's course offers (one page), checking its count on the way."""
    connection = contact["courseOffers"]
    assert connection["totalCount"] == len(connection["edges"])
    return [e["node"] for e in connection["edges"]]


def groups(contact: dict[str, Any]) -> list[dict[str, Any]]:
    connection = contact["communityGroups"]
    assert connection["totalCount"] == len(connection["edges"])
    return [e["node"] for e in connection["edges"]]


async def record(t: Tenant, contact_id: str) -> dict[str, Any]:
    data = await t.gql(RECORD, {"id": contact_id})
    contact: dict[str, Any] = data["contact"]
    return contact


async def grant(t: Tenant, contact_id: str, offer_id: str, name: str, **kw: Any) -> Any:
    return await t.mutate(
        "contactCourseOfferGrant",
        {"contactId": contact_id, "offerId": offer_id, "offerName": name},
        selection=f"{OFFER} contact {{ id {PORTAL} }}",
        **kw,
    )


async def revoke(t: Tenant, contact_id: str, offer_id: str, **kw: Any) -> Any:
    return await t.mutate(
        "contactCourseOfferRevoke",
        {"contactId": contact_id, "offerId": offer_id},
        selection=f"{OFFER} contact {{ id {PORTAL} }}",
        **kw,
    )


async def assign(t: Tenant, contact_id: str, group_id: str, name: str, **kw: Any) -> Any:
    return await t.mutate(
        "contactCommunityGroupAssign",
        {"contactId": contact_id, "groupId": group_id, "groupName": name},
        selection=f"{GROUP} contact {{ id {PORTAL} }}",
        **kw,
    )


async def remove(t: Tenant, contact_id: str, group_id: str, **kw: Any) -> Any:
    return await t.mutate(
        "contactCommunityGroupRemove",
        {"contactId": contact_id, "groupId": group_id},
        selection=f"{GROUP} contact {{ id {PORTAL} }}",
        **kw,
    )


async def test_grant_and_revoke_course_offers(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Learner")
    ben = tenant.viewer("user-ben")
    granted = await grant(tenant, c["id"], "offer-1", " Yoga 101 ", viewer=ben)
    assert granted["userErrors"] == []
    offer = granted["courseOffer"]
    assert offer["offer"] == {"id": "offer-1"}
    assert offer["offerName"] == "Yoga 101"
    assert offer["grantedBy"] == {"id": "user-ben"}
    assert offers(granted["contact"]) == [offer]  # the payload reads the new state
    second = await grant(tenant, c["id"], "offer-2", "Pilates")
    assert [o["offer"]["id"] for o in offers(second["contact"])] == [
        "offer-1",
        "offer-2",
    ]

    revoked = await revoke(tenant, c["id"], "offer-1")
    assert revoked["userErrors"] == []
    assert revoked["courseOffer"] == offer  # what was revoked
    assert [o["offer"]["id"] for o in offers(revoked["contact"])] == ["offer-2"]

    contact = await record(tenant, c["id"])
    assert [o["offer"]["id"] for o in offers(contact)] == ["offer-2"]
    events = [e["node"] for e in contact["auditLog"]["edges"]]
    assert [(e["kind"], e["actor"]["id"]) for e in events[:3]] == [
        ("COURSE_OFFER_REVOKED", "user-admin"),
        ("COURSE_OFFER_GRANTED", "user-admin"),
        ("COURSE_OFFER_GRANTED", "user-ben"),
    ]
    assert events[2]["changes"] == [
        {"field": "courseOffers", "before": None, "after": {"id": "offer-1", "name": "Yoga 101"}}
    ]
    assert events[0]["changes"] == [
        {"field": "courseOffers", "before": {"id": "offer-1", "name": "Yoga 101"}, "after": None}
    ]


async def test_granting_twice_and_revoking_nothing_change_nothing(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Retry")
    first = (await grant(tenant, c["id"], "offer-1", "Yoga"))["courseOffer"]
    before = await record(tenant, c["id"])
    again = await grant(tenant, c["id"], "offer-1", "Yoga (renamed)", viewer=tenant.viewer("u2"))
    assert again["userErrors"] == []
    assert again["courseOffer"] == first  # the first grant stays: time, name and grantor
    assert await record(tenant, c["id"]) == before  # no new row, no event
    nothing = await revoke(tenant, c["id"], "offer-never")
    assert nothing["userErrors"] == []
    assert nothing["courseOffer"] is None
    assert offers(nothing["contact"]) == [first]
    assert await record(tenant, c["id"]) == before


async def test_assign_and_remove_community_groups(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Member")
    assigned = await assign(tenant, c["id"], "group-1", "Founders")
    assert assigned["userErrors"] == []
    group = assigned["communityGroup"]
    assert (group["group"], group["groupName"], group["assignedBy"]) == (
        {"id": "group-1"},
        "Founders",
        {"id": "user-admin"},
    )
    assert groups(assigned["contact"]) == [group]
    assert offers(assigned["contact"]) == []  # groups and offers are separate
    before = await record(tenant, c["id"])
    assert (await assign(tenant, c["id"], "group-1", "Other"))["communityGroup"] == group
    assert await record(tenant, c["id"]) == before
    removed = await remove(tenant, c["id"], "group-1")
    assert removed["communityGroup"] == group
    assert groups(removed["contact"]) == []
    again = await remove(tenant, c["id"], "group-1")
    assert (again["userErrors"], again["communityGroup"]) == ([], None)
    kinds = [e["node"]["kind"] for e in (await record(tenant, c["id"]))["auditLog"]["edges"]]
    assert kinds[:2] == ["COMMUNITY_GROUP_REMOVED", "COMMUNITY_GROUP_ASSIGNED"]
    assert kinds.count("COMMUNITY_GROUP_ASSIGNED") == 1
    assert kinds.count("COMMUNITY_GROUP_REMOVED") == 1


async def test_ids_and_names_are_checked_and_refusals_change_nothing(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Strict")
    before = await record(tenant, c["id"])
    cases = [
        (await grant(tenant, c["id"], "  ", "Yoga"), "offerId", "REQUIRED"),
        (await grant(tenant, c["id"], "offer-1", ""), "offerName", "REQUIRED"),
        (await grant(tenant, c["id"], "o" * 65, "Yoga"), "offerId", "TOO_LONG"),
        (await assign(tenant, c["id"], "group-1", "g" * 256), "groupName", "TOO_LONG"),
        (await revoke(tenant, c["id"], ""), "offerId", "REQUIRED"),
        (await grant(tenant, "missing", "offer-1", "Yoga"), "contactId", "NOT_FOUND"),
    ]
    for payload, field, code in cases:
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["input", field], code)
        ]
        assert payload["contact"] is None
        assert payload.get("courseOffer", payload.get("communityGroup")) is None
    assert await record(tenant, c["id"]) == before


async def test_concurrent_grants_of_one_offer_store_it_once(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Raced")
    results = await asyncio.gather(*(grant(tenant, c["id"], "offer-1", "Yoga") for _ in range(10)))
    assert all(r["userErrors"] == [] for r in results)
    assert len({r["courseOffer"]["grantedAt"] for r in results}) == 1  # all see the one grant
    contact = await record(tenant, c["id"])
    assert len(offers(contact)) == 1
    kinds = [e["node"]["kind"] for e in contact["auditLog"]["edges"]]
    assert kinds.count("COURSE_OFFER_GRANTED") == 1


async def test_portal_follows_tenancy_and_visibility(tenant: Tenant, engine: AsyncEngine) -> None:
    hidden = await tenant.create_contact(firstName="Hidden", ownerId="user-eve")
    await grant(tenant, hidden["id"], "offer-1", "Yoga")
    await assign(tenant, hidden["id"], "group-1", "Founders")
    before = await record(tenant, hidden["id"])
    dan = tenant.viewer("user-dan", assigned_only=True)
    for payload in (
        await grant(tenant, hidden["id"], "offer-2", "Pilates", viewer=dan),
        await revoke(tenant, hidden["id"], "offer-1", viewer=dan),
        await assign(tenant, hidden["id"], "group-2", "Others", viewer=dan),
        await remove(tenant, hidden["id"], "group-1", viewer=dan),
    ):
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["input", "contactId"], "NOT_FOUND")
        ]
    assert await record(tenant, hidden["id"]) == before
    follower = await tenant.create_contact(firstName="Followed", followerIds=["user-dan"])
    assert (await grant(tenant, follower["id"], "offer-1", "Yoga", viewer=dan))["userErrors"] == []

    other = Tenant(tenant.client, tenant.settings, str(uuid.uuid4()))
    async with engine.begin() as conn:
        await conn.execute(
            insert(LOCATION).values(id=other.location_id, name="o", created_at=datetime.now(UTC))
        )
    foreign = await revoke(other, hidden["id"], "offer-1")
    assert [e["code"] for e in foreign["userErrors"]] == ["NOT_FOUND"]
    assert await record(tenant, hidden["id"]) == before


async def test_lists_of_many_contacts_are_each_their_own(tenant: Tenant) -> None:
    a = await tenant.create_contact(firstName="A", tags=["portal"])
    b = await tenant.create_contact(firstName="B", tags=["portal"])
    await grant(tenant, a["id"], "offer-1", "Yoga")
    await grant(tenant, b["id"], "offer-2", "Pilates")
    await assign(tenant, b["id"], "group-1", "Founders")
    data = await tenant.gql(
        '{ contacts(filter: { tags: { any: ["portal"] } }, orderBy: { field: FIRST_NAME, '
        "direction: ASC }) { edges { node { firstName "
        "courseOffers { totalCount edges { node { offer { id } } } } "
        "communityGroups { totalCount edges { node { group { id } } } } } } } }"
    )
    assert [
        (e["node"]["firstName"], offers(e["node"]), groups(e["node"]))
        for e in data["contacts"]["edges"]
    ] == [
        ("A", [{"offer": {"id": "offer-1"}}], []),
        ("B", [{"offer": {"id": "offer-2"}}], [{"group": {"id": "group-1"}}]),
    ]


PAGE = """query($id: ID!, $first: Int, $after: String, $offers: ContactCourseOfferFilter,
  $offerOrder: ContactCourseOfferOrderBy, $groups: ContactCommunityGroupFilter,
  $groupOrder: ContactCommunityGroupOrderBy) { contact(id: $id) {
  courseOffers(first: $first, after: $after, filter: $offers, orderBy: $offerOrder) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { offer { id } offerName } } }
  communityGroups(first: $first, after: $after, filter: $groups, orderBy: $groupOrder) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { group { id } groupName } } } } }"""


async def portal_page(t: Tenant, contact_id: str, **variables: Any) -> dict[str, Any]:
    data = await t.gql(PAGE, {"id": contact_id, **variables})
    contact: dict[str, Any] = data["contact"]
    return contact


async def test_offers_and_groups_page_over_two_pages_in_every_order(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Many")
    names = ["delta", "Alpha", "charlie", "Bravo", "echo"]  # granted in this order
    for i, name in enumerate(names):
        await grant(tenant, c["id"], f"offer-{i}", name)
        await assign(tenant, c["id"], f"group-{i}", name)
    by_name = sorted(names, key=str.lower)
    orders: list[tuple[dict[str, str] | None, dict[str, str] | None, list[str]]] = [
        (None, None, names),  # default: oldest first
        ({"direction": "DESC"}, {"direction": "DESC"}, names[::-1]),
        ({"field": "NAME"}, {"field": "NAME"}, by_name),
        (
            {"field": "NAME", "direction": "DESC"},
            {"field": "NAME", "direction": "DESC"},
            by_name[::-1],
        ),
        ({"field": "GRANTED_AT"}, {"field": "ASSIGNED_AT"}, names),
    ]
    for offer_order, group_order, expected in orders:
        variables = {"offerOrder": offer_order, "groupOrder": group_order, "first": 3}
        one = await portal_page(tenant, c["id"], **variables)
        offer_cursor = one["courseOffers"]["pageInfo"]["endCursor"]
        group_cursor = one["communityGroups"]["pageInfo"]["endCursor"]
        two_offers = (await portal_page(tenant, c["id"], **variables, after=offer_cursor))[
            "courseOffers"
        ]
        two_groups = (await portal_page(tenant, c["id"], **variables, after=group_cursor))[
            "communityGroups"
        ]
        for first, second, name in (
            (one["courseOffers"], two_offers, "offerName"),
            (one["communityGroups"], two_groups, "groupName"),
        ):
            assert first["totalCount"] == second["totalCount"] == 5
            assert first["pageInfo"]["hasNextPage"] is True
            assert first["pageInfo"]["hasPreviousPage"] is False
            assert (second["pageInfo"]["hasNextPage"], second["pageInfo"]["hasPreviousPage"]) == (
                False,
                True,
            )
            seen = [e["node"][name] for e in first["edges"] + second["edges"]]
            assert seen == expected, (offer_order, name)


async def test_offers_and_groups_filter_by_id(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Some")
    for i in range(3):
        await grant(tenant, c["id"], f"offer-{i}", f"Offer {i}")
        await assign(tenant, c["id"], f"group-{i}", f"Group {i}")
    found = await portal_page(
        tenant,
        c["id"],
        offers={"offerIds": ["offer-2", "offer-0", "offer-9"]},
        groups={"groupIds": ["group-1"]},
    )
    assert found["courseOffers"]["totalCount"] == 2
    assert [e["node"]["offer"]["id"] for e in found["courseOffers"]["edges"]] == [
        "offer-0",
        "offer-2",
    ]
    assert found["communityGroups"]["totalCount"] == 1
    assert [e["node"]["group"]["id"] for e in found["communityGroups"]["edges"]] == ["group-1"]
    none = await portal_page(tenant, c["id"], offers={"offerIds": []}, groups={"groupIds": []})
    assert (none["courseOffers"]["totalCount"], none["courseOffers"]["edges"]) == (0, [])
    assert (none["communityGroups"]["totalCount"], none["communityGroups"]["edges"]) == (0, [])
    everything = await portal_page(tenant, c["id"], offers={}, groups={"groupIds": None})
    assert everything["courseOffers"]["totalCount"] == 3
    assert everything["communityGroups"]["totalCount"] == 3


async def test_a_forged_portal_cursor_is_a_request_error(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Forged")
    await grant(tenant, c["id"], "offer-1", "Yoga")
    body = await tenant.raw(PAGE, {"id": c["id"], "after": "bm9wZQ"}, tenant.admin)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
