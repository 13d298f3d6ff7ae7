"""Smart lists: saved filter + sort per location, their contacts as each viewer sees them,
who may change them, and the contact header's previous / next navigation."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant

from domain.viewer import Viewer
from persistence.db import StatementCounter
from persistence.tables import LOCATION

SMART_LIST = """smartList { id name filter orderBy { field direction } createdBy { id }
  createdAt updatedAt viewerCanEdit }"""
ONE = """query($id: ID!, $first: Int, $after: String, $filter: ContactFilter,
  $orderBy: ContactOrderBy) { smartList(id: $id) {
  id name filter orderBy { field direction } createdBy { id } viewerCanEdit
  contacts(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id firstName } } } } }"""
NAVIGATION = """query($id: ID!, $list: ID!) { contact(id: $id) { id
  navigation(smartListId: $list) { position total previous { id firstName }
    next { id firstName } } } }"""
CONTACTS = """query($filter: ContactFilter, $orderBy: ContactOrderBy) {
  contacts(first: 100, filter: $filter, orderBy: $orderBy) { edges { node { id } } } }"""


async def create(
    t: Tenant,
    name: str,
    filter: dict[str, Any] | None = None,
    order_by: dict[str, Any] | None = None,
    viewer: Viewer | None = None,
) -> dict[str, Any]:
    input: dict[str, Any] = {"name": name}
    if filter is not None:
        input["filter"] = filter
    if order_by is not None:
        input["orderBy"] = order_by
    return await t.mutate("smartListCreate", input, selection=SMART_LIST, viewer=viewer)


async def created(t: Tenant, name: str, **kw: Any) -> dict[str, Any]:
    payload = await create(t, name, **kw)
    assert payload["userErrors"] == [], payload["userErrors"]
    smart_list: dict[str, Any] = payload["smartList"]
    return smart_list


async def one(t: Tenant, list_id: str, viewer: Viewer | None = None, **variables: Any) -> Any:
    data = await t.gql(ONE, {"id": list_id, "first": 100, **variables}, viewer)
    return data["smartList"]


async def names_in(t: Tenant, list_id: str, viewer: Viewer | None = None) -> list[str]:
    return [e["node"]["firstName"] for e in (await one(t, list_id, viewer))["contacts"]["edges"]]


async def navigation(
    t: Tenant, contact_id: str, list_id: str, viewer: Viewer | None = None
) -> dict[str, Any] | None:
    data = await t.gql(NAVIGATION, {"id": contact_id, "list": list_id}, viewer)
    nav: dict[str, Any] | None = data["contact"]["navigation"]
    return nav


async def another_tenant(t: Tenant, engine: AsyncEngine) -> Tenant:
    other = Tenant(t.client, t.settings, str(uuid.uuid4()))
    async with engine.begin() as conn:
        await conn.execute(
            insert(LOCATION).values(id=other.location_id, name="o", created_at=datetime.now(UTC))
        )
    return other


def codes(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


# -- a list and its contacts ------------------------------------------------------------------


async def test_a_list_saves_its_question_and_answers_it_on_every_read(tenant: Tenant) -> None:
    ann = await tenant.create_contact(firstName="Ann", tags=["vip"])
    await tenant.create_contact(firstName="Cid", tags=["lead"])
    bob = await tenant.create_contact(firstName="Bob", tags=["VIP", "lead"])
    old = await tenant.create_contact(firstName="Old", tags=["vip"])
    await tenant.mutate("contactArchive", {"contactId": old["id"]})
    ben = tenant.viewer("user-ben")
    saved = await created(
        tenant,
        "  VIPs   by name ",
        filter={"tags": {"any": ["vip"]}},
        order_by={"field": "FIRST_NAME", "direction": "ASC"},
        viewer=ben,
    )
    assert saved["name"] == "VIPs by name"
    assert saved["filter"] == {"tags": {"any": ["vip"]}}
    assert saved["orderBy"] == {"field": "FIRST_NAME", "direction": "ASC"}
    assert saved["createdBy"] == {"id": "user-ben"}
    found = await one(tenant, saved["id"])
    assert found["contacts"]["totalCount"] == 2  # archived contacts stay out, as in `contacts`
    assert [e["node"]["id"] for e in found["contacts"]["edges"]] == [ann["id"], bob["id"]]
    # the saved filter, passed back to `contacts`, asks the same question
    same = await tenant.gql(CONTACTS, {"filter": found["filter"], "orderBy": found["orderBy"]})
    assert [e["node"]["id"] for e in same["contacts"]["edges"]] == [ann["id"], bob["id"]]
    # evaluated on read: a new VIP shows up, a removed tag drops out
    await tenant.create_contact(firstName="Aaron", tags=["vip"])
    await tenant.mutate("contactTagsRemove", {"contactId": bob["id"], "tags": ["vip"]})
    assert await names_in(tenant, saved["id"]) == ["Aaron", "Ann"]


async def test_a_list_without_filter_lists_every_active_contact_newest_first(
    tenant: Tenant,
) -> None:
    for name in ("First", "Second", "Third"):
        await tenant.create_contact(firstName=name)
    everyone = await created(tenant, "Everyone")
    assert (everyone["filter"], everyone["orderBy"]) == (
        None,
        {"field": "CREATED_AT", "direction": "DESC"},
    )
    assert await names_in(tenant, everyone["id"]) == ["Third", "Second", "First"]
    pages, after = [], None
    while True:
        page = (await one(tenant, everyone["id"], first=2, after=after))["contacts"]
        pages.append([e["node"]["firstName"] for e in page["edges"]])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == [["Third", "Second"], ["First"]]


FULL_FILTER: dict[str, Any] = {
    "and": [{"name": {"contains": "a"}}, {"not": {"tags": {"none": ["x"]}}}],
    "or": [{"email": {"equals": "ann@example.org"}}, {"phone": {"startsWith": "+1415"}}],
    "not": {"archived": True},
    "name": {"startsWith": "An", "equals": "ann lee", "contains": "nn"},
    "email": {"contains": "@example.org"},
    "phone": {"contains": "555"},
    "tags": {"any": ["vip"], "all": ["vip", "gold"], "none": ["spam"]},
    "owner": {"in": ["user-ann", "user-ben"], "exists": True},
    "followerIds": ["user-cat"],
    "dnd": {"channel": "SMS", "enabled": False},
    "types": ["LEAD", "CUSTOMER"],
    "createdAt": {"from": "2020-01-01T00:00:00+00:00", "to": "2100-01-01T00:00:00+00:00"},
    "updatedAt": {"from": "2020-01-01T00:00:00+00:00"},
    "customFields": [
        {"key": "score", "min": 80.5, "max": 100.0},
        {"key": "birthday", "exists": True, "dateFrom": "2000-01-01", "dateTo": "2000-12-31"},
        {"key": "plan", "option": "pro", "text": {"contains": "p"}, "checked": False},
    ],
    "archived": False,
    "search": "acme",
}


async def test_every_member_of_the_filter_is_saved_and_shown_as_given(tenant: Tenant) -> None:
    members = """query($name: String!) { __type(name: $name) { inputFields { name } } }"""

    async def input_fields(name: str) -> set[str]:
        data = await tenant.gql(members, {"name": name})
        return {f["name"] for f in data["__type"]["inputFields"]}

    # the sample covers every member (a member added to the input must be shown too)
    assert set(FULL_FILTER) == await input_fields("ContactFilter")
    custom = {k for m in FULL_FILTER["customFields"] for k in m}
    assert custom == await input_fields("CustomFieldMatch")
    saved = await created(tenant, "Everything", filter=FULL_FILTER)
    assert saved["filter"] == FULL_FILTER
    again = await one(tenant, saved["id"])
    assert again["filter"] == FULL_FILTER  # read back from the database, not the input
    # it is still a valid `ContactFilter`
    await tenant.gql(CONTACTS, {"filter": again["filter"]})


async def test_a_restricted_user_sees_only_their_contacts_in_any_list(tenant: Tenant) -> None:
    dan = tenant.viewer("user-dan", assigned_only=True)
    await tenant.create_contact(firstName="Ann", tags=["vip"], ownerId="user-dan")
    await tenant.create_contact(firstName="Bob", tags=["vip"], ownerId="user-eve")
    await tenant.create_contact(firstName="Cat", tags=["vip"], followerIds=["user-dan"])
    vips = await created(
        tenant, "VIPs", filter={"tags": {"any": ["vip"]}}, order_by={"field": "FIRST_NAME"}
    )
    assert await names_in(tenant, vips["id"]) == ["Cat", "Bob", "Ann"]
    mine = await one(tenant, vips["id"], viewer=dan)
    assert mine["contacts"]["totalCount"] == 2
    assert [e["node"]["firstName"] for e in mine["contacts"]["edges"]] == ["Cat", "Ann"]


async def test_a_lists_contacts_narrow_and_resort_without_changing_the_list(
    tenant: Tenant,
) -> None:
    for name, tags in (("Ann", ["vip", "eu"]), ("Bob", ["vip"]), ("Cat", ["vip", "eu"])):
        await tenant.create_contact(firstName=name, tags=tags)
    dee = await tenant.create_contact(firstName="Dee", tags=["vip", "eu"])
    await tenant.mutate("contactArchive", {"contactId": dee["id"]})
    vips = await created(
        tenant, "VIPs", filter={"tags": {"any": ["vip"]}}, order_by={"field": "FIRST_NAME"}
    )
    eu = {"tags": {"any": ["eu"]}}
    narrowed = await one(tenant, vips["id"], filter=eu)
    assert narrowed["contacts"]["totalCount"] == 2
    assert [e["node"]["firstName"] for e in narrowed["contacts"]["edges"]] == ["Cat", "Ann"]
    # an archived contact only when the narrowing filter asks, as in `contacts`
    gone = await one(tenant, vips["id"], filter={**eu, "archived": True})
    assert [e["node"]["firstName"] for e in gone["contacts"]["edges"]] == ["Dee"]
    # another sort, over two pages; the list keeps its own
    order = {"field": "FIRST_NAME", "direction": "ASC"}
    first = await one(tenant, vips["id"], orderBy=order, first=2)
    rest = await one(
        tenant, vips["id"], orderBy=order, after=first["contacts"]["pageInfo"]["endCursor"]
    )
    assert first["contacts"]["pageInfo"]["hasNextPage"] is True
    assert rest["contacts"]["pageInfo"]["hasNextPage"] is False
    assert first["contacts"]["totalCount"] == rest["contacts"]["totalCount"] == 3
    assert [
        e["node"]["firstName"] for e in first["contacts"]["edges"] + rest["contacts"]["edges"]
    ] == ["Ann", "Bob", "Cat"]
    assert first["orderBy"] == {"field": "FIRST_NAME", "direction": "DESC"}
    assert await names_in(tenant, vips["id"]) == ["Cat", "Bob", "Ann"]
    naive = await tenant.raw(
        ONE,
        {"id": vips["id"], "filter": {"createdAt": {"to": "2030-01-01T00:00:00"}}},
        tenant.admin,
    )
    assert naive["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


LISTS = """query($first: Int, $after: String, $filter: SmartListFilter,
  $orderBy: SmartListOrderBy) {
  smartLists(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { name } } } }"""


async def smart_lists(t: Tenant, **variables: Any) -> dict[str, Any]:
    data = await t.gql(LISTS, variables)
    connection: dict[str, Any] = data["smartLists"]
    return connection


async def test_the_locations_lists_filter_and_sort_over_two_pages(tenant: Tenant) -> None:
    ids = {}
    for i, name in enumerate(["beta", "Alpha", "gamma", "Delta", "Epsilon"]):
        ids[name] = (await created(tenant, name, viewer=tenant.viewer(f"user-{i % 2}")))["id"]
    renamed = await tenant.mutate(
        "smartListUpdate", {"id": ids["beta"], "name": "Beta"}, selection=SMART_LIST
    )
    assert renamed["userErrors"] == []
    made = ["Beta", "Alpha", "gamma", "Delta", "Epsilon"]  # created in this order
    orders: list[tuple[dict[str, str] | None, list[str]]] = [
        (None, ["Alpha", "Beta", "Delta", "Epsilon", "gamma"]),  # by name, any case
        ({"direction": "DESC"}, ["gamma", "Epsilon", "Delta", "Beta", "Alpha"]),
        ({"field": "CREATED_AT"}, made),
        ({"field": "CREATED_AT", "direction": "DESC"}, made[::-1]),
        ({"field": "UPDATED_AT", "direction": "DESC"}, ["Beta", *made[1:][::-1]]),
    ]
    for order, expected in orders:
        first = await smart_lists(tenant, orderBy=order, first=3)
        rest = await smart_lists(tenant, orderBy=order, after=first["pageInfo"]["endCursor"])
        assert first["totalCount"] == rest["totalCount"] == 5
        assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)
        assert rest["pageInfo"]["hasPreviousPage"] is True
        assert [e["node"]["name"] for e in first["edges"] + rest["edges"]] == expected, order

    async def names(list_filter: dict[str, Any]) -> tuple[int, list[str]]:
        found = await smart_lists(tenant, filter=list_filter)
        return found["totalCount"], [e["node"]["name"] for e in found["edges"]]

    assert await names({"search": "ET"}) == (1, ["Beta"])
    assert await names({"createdByIds": ["user-1"]}) == (2, ["Alpha", "Delta"])
    assert await names({"createdByIds": ["user-0"], "search": "a"}) == (2, ["Beta", "gamma"])
    assert await names({"createdByIds": []}) == (0, [])
    assert (await names({"search": "  "}))[0] == 5
    assert await names({"search": "%"}) == (0, [])  # % and _ match themselves


async def test_lists_are_per_location_sorted_by_name(tenant: Tenant, engine: AsyncEngine) -> None:
    for name in ("beta", "Zimmer", "Alpha", "Éclair", "gamma", "ångström", "Delta"):
        await created(tenant, name, viewer=tenant.viewer("user-ben"))
    query = """query($first: Int, $after: String) { smartLists(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id name } } } }"""
    seen, after = [], None
    while True:
        page = (await tenant.gql(query, {"first": 3, "after": after}))["smartLists"]
        assert page["totalCount"] == 7
        seen += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["Alpha", "ångström", "beta", "Delta", "Éclair", "gamma", "Zimmer"]
    # every team member sees them, restricted or not
    dan = tenant.viewer("user-dan", assigned_only=True)
    assert (await tenant.gql(query, {"first": 10}, dan))["smartLists"]["totalCount"] == 7

    other = await another_tenant(tenant, engine)
    assert (await other.gql(query, {}))["smartLists"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }
    some_id = (await tenant.gql(query, {"first": 1}))["smartLists"]["edges"][0]["node"]["id"]
    assert (await other.gql(ONE, {"id": some_id}))["smartList"] is None
    for mutation, input in (
        ("smartListUpdate", {"id": some_id, "name": "Stolen"}),
        ("smartListDelete", {"id": some_id}),
    ):
        payload = await other.mutate(mutation, input, selection=SMART_LIST)
        assert codes(payload) == [(["input", "id"], "NOT_FOUND")]
    assert (await one(tenant, some_id))["name"] == "Alpha"


# -- changing a list ----------------------------------------------------------------------------


async def test_only_the_creator_or_an_admin_may_change_or_delete_a_list(tenant: Tenant) -> None:
    ben, cat = tenant.viewer("user-ben"), tenant.viewer("user-cat")
    saved = await created(tenant, "Ben's", filter={"tags": {"any": ["x"]}}, viewer=ben)
    assert saved["viewerCanEdit"] is True
    assert (await one(tenant, saved["id"], viewer=cat))["viewerCanEdit"] is False
    assert (await one(tenant, saved["id"]))["viewerCanEdit"] is True  # the admin
    before = await one(tenant, saved["id"])
    for mutation, input in (
        ("smartListUpdate", {"id": saved["id"], "name": "Cat's now", "filter": None}),
        ("smartListDelete", {"id": saved["id"]}),
    ):
        payload = await tenant.mutate(mutation, input, selection=SMART_LIST, viewer=cat)
        assert payload["smartList"] is None
        assert codes(payload) == [(["input", "id"], "FORBIDDEN")]
    assert await one(tenant, saved["id"]) == before
    by_ben = await tenant.mutate(
        "smartListUpdate", {"id": saved["id"], "name": "Ben's list"}, SMART_LIST, viewer=ben
    )
    assert by_ben["smartList"]["name"] == "Ben's list"
    by_admin = await tenant.mutate(
        "smartListUpdate", {"id": saved["id"], "name": "Renamed"}, SMART_LIST
    )
    assert by_admin["smartList"]["name"] == "Renamed"
    assert by_admin["smartList"]["createdBy"] == {"id": "user-ben"}  # the creator stays
    deleted = await tenant.mutate("smartListDelete", {"id": saved["id"]}, SMART_LIST, viewer=ben)
    assert deleted["smartList"]["id"] == saved["id"]
    assert (await tenant.gql(ONE, {"id": saved["id"]}))["smartList"] is None
    gone = await tenant.mutate("smartListDelete", {"id": saved["id"]}, SMART_LIST)
    assert codes(gone) == [(["input", "id"], "NOT_FOUND")]


async def test_update_is_a_patch(tenant: Tenant) -> None:
    await tenant.create_contact(firstName="Ann", tags=["vip"])
    await tenant.create_contact(firstName="Bob")
    saved = await created(
        tenant, "VIPs", filter={"tags": {"any": ["vip"]}}, order_by={"field": "FIRST_NAME"}
    )

    async def update(**input: Any) -> dict[str, Any]:
        payload = await tenant.mutate(
            "smartListUpdate", {"id": saved["id"], **input}, selection=SMART_LIST
        )
        assert payload["userErrors"] == []
        smart_list: dict[str, Any] = payload["smartList"]
        return smart_list

    renamed = await update(name="Very important")
    assert (renamed["filter"], renamed["orderBy"]) == (saved["filter"], saved["orderBy"])
    assert renamed["updatedAt"] > saved["updatedAt"]
    assert await names_in(tenant, saved["id"]) == ["Ann"]
    resorted = await update(orderBy={"field": "FIRST_NAME", "direction": "ASC"})
    assert resorted["name"] == "Very important"
    assert resorted["filter"] == saved["filter"]
    cleared = await update(filter=None, orderBy=None)
    assert (cleared["filter"], cleared["orderBy"]) == (
        None,
        {"field": "CREATED_AT", "direction": "DESC"},
    )
    assert await names_in(tenant, saved["id"]) == ["Bob", "Ann"]
    unchanged = await update(name="Very important")
    assert unchanged["updatedAt"] == cleared["updatedAt"]  # nothing changed, nothing written


async def test_names_are_required_bounded_and_unique_in_any_case(tenant: Tenant) -> None:
    vips = await created(tenant, "VIPs", filter={"tags": {"any": ["vip"]}})
    leads = await created(tenant, "Leads")
    before = [await one(tenant, vips["id"]), await one(tenant, leads["id"])]
    assert codes(await create(tenant, "  vips ")) == [(["input", "name"], "DUPLICATE")]
    assert codes(await create(tenant, "   ")) == [(["input", "name"], "REQUIRED")]
    assert codes(await create(tenant, "n" * 101)) == [(["input", "name"], "TOO_LONG")]
    for input, expected in (
        ({"id": leads["id"], "name": "VIPS", "filter": {"types": ["LEAD"]}}, "DUPLICATE"),
        ({"id": leads["id"], "name": ""}, "REQUIRED"),
        ({"id": leads["id"], "name": None}, "REQUIRED"),
    ):
        payload = await tenant.mutate("smartListUpdate", input, selection=SMART_LIST)
        assert codes(payload) == [(["input", "name"], expected)]
    assert [await one(tenant, vips["id"]), await one(tenant, leads["id"])] == before
    lists = await tenant.gql("{ smartLists { totalCount } }")
    assert lists["smartLists"]["totalCount"] == 2
    # a list may change the case of its own name
    recased = await tenant.mutate(
        "smartListUpdate", {"id": vips["id"], "name": "vips"}, selection=SMART_LIST
    )
    assert recased["smartList"]["name"] == "vips"


# -- navigation -----------------------------------------------------------------------------


async def walk(t: Tenant, list_id: str, start: str, viewer: Viewer | None = None) -> list[Any]:
    """Follow `next` from ``start`` to the end: (firstName, position, total) at each step."""
    steps, current = [], start
    while True:
        nav = await navigation(t, current, list_id, viewer)
        assert nav is not None
        data = await t.gql("query($id: ID!) { contact(id: $id) { firstName } }", {"id": current})
        steps.append((data["contact"]["firstName"], nav["position"], nav["total"]))
        if nav["next"] is None:
            return steps
        assert (await navigation(t, nav["next"]["id"], list_id, viewer))["previous"]["id"] == (
            current
        )
        current = nav["next"]["id"]


async def test_navigation_steps_through_the_list_in_its_order(tenant: Tenant) -> None:
    people = {}
    for first, last in (("Zoe", "Adams"), ("Amy", "Smith"), ("Bea", "smith"), ("Cal", "Young")):
        c = await tenant.create_contact(firstName=first, lastName=last, tags=["club"])
        people[first] = c["id"]
    await tenant.create_contact(firstName="Out", lastName="Baker")
    club = await created(
        tenant,
        "Club by last name",
        filter={"tags": {"any": ["club"]}},
        order_by={"field": "LAST_NAME", "direction": "ASC"},
    )
    listed = await one(tenant, club["id"])
    order = [e["node"]["firstName"] for e in listed["contacts"]["edges"]]
    assert order[0] == "Zoe"
    assert order[-1] == "Cal"
    assert set(order[1:3]) == {"Amy", "Bea"}  # same last name (any case): broken by id

    first = await navigation(tenant, people["Zoe"], club["id"])
    assert first is not None
    assert (first["position"], first["total"], first["previous"]) == (1, 4, None)
    assert first["next"]["firstName"] == order[1]
    last = await navigation(tenant, people["Cal"], club["id"])
    assert last is not None
    assert (last["position"], last["total"], last["next"]) == (4, 4, None)
    assert last["previous"]["firstName"] == order[2]
    # following `next` visits exactly the list's contacts, in the list's order
    assert await walk(tenant, club["id"], people["Zoe"]) == [
        (name, i + 1, 4) for i, name in enumerate(order)
    ]


async def test_a_list_by_name_pages_and_steps_in_alphabetical_order(tenant: Tenant) -> None:
    ids = {}
    for first, last in (("Zoe", "Zimmer"), ("Eva", "Éclair"), ("Ann", "ångström"), ("Bo", "Baker")):
        ids[first] = (await tenant.create_contact(firstName=first, lastName=last))["id"]
    by_name = await created(tenant, "By name", order_by={"field": "LAST_NAME", "direction": "ASC"})
    alphabetical = ["Ann", "Bo", "Eva", "Zoe"]
    seen, after = [], None
    while True:
        page = (await one(tenant, by_name["id"], first=1, after=after))["contacts"]
        seen += [e["node"]["firstName"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == alphabetical
    assert await walk(tenant, by_name["id"], ids["Ann"]) == [
        (name, i + 1, 4) for i, name in enumerate(alphabetical)
    ]


async def test_navigation_in_a_descending_time_ordered_list(tenant: Tenant) -> None:
    ids = [(await tenant.create_contact(firstName=f"P{i}"))["id"] for i in range(4)]
    newest_first = await created(tenant, "All")
    order = await names_in(tenant, newest_first["id"])
    assert order == ["P3", "P2", "P1", "P0"]
    assert await walk(tenant, newest_first["id"], ids[3]) == [
        (name, i + 1, 4) for i, name in enumerate(order)
    ]


async def test_a_restricted_user_steps_only_through_contacts_they_may_see(
    tenant: Tenant,
) -> None:
    dan = tenant.viewer("user-dan", assigned_only=True)
    ids = {}
    for name, owner in (("A", "user-dan"), ("B", "user-eve"), ("C", None), ("D", "user-dan")):
        c = await tenant.create_contact(firstName=name, ownerId=owner, tags=["t"])
        ids[name] = c["id"]
    await tenant.mutate("contactFollowersAdd", {"contactId": ids["C"], "userIds": ["user-dan"]})
    hidden = await tenant.create_contact(firstName="E", ownerId="user-eve", tags=["t"])
    by_name = await created(
        tenant, "By name", filter={"tags": {"any": ["t"]}}, order_by={"field": "FIRST_NAME"}
    )
    # by first name, descending (the default direction): E, D, C, B, A for the admin
    admin_view = await navigation(tenant, ids["D"], by_name["id"])
    assert admin_view is not None
    assert (admin_view["position"], admin_view["total"]) == (2, 5)
    assert (admin_view["previous"]["id"], admin_view["next"]["id"]) == (hidden["id"], ids["C"])
    # Dan sees D, C, A: B and E are skipped, and counted out
    assert await walk(tenant, by_name["id"], ids["D"], dan) == [
        ("D", 1, 3),
        ("C", 2, 3),
        ("A", 3, 3),
    ]
    c_for_dan = await navigation(tenant, ids["C"], by_name["id"], dan)
    assert c_for_dan is not None
    assert (c_for_dan["previous"]["id"], c_for_dan["next"]["id"]) == (ids["D"], ids["A"])
    # a contact Dan may not see is no contact at all for him
    data = await tenant.gql(NAVIGATION, {"id": ids["B"], "list": by_name["id"]}, dan)
    assert data["contact"] is None


async def test_navigation_is_null_outside_the_list(tenant: Tenant, engine: AsyncEngine) -> None:
    inside = await tenant.create_contact(firstName="In", tags=["vip"])
    outside = await tenant.create_contact(firstName="Out", tags=["lead"])
    archived = await tenant.create_contact(firstName="Gone", tags=["vip"])
    await tenant.mutate("contactArchive", {"contactId": archived["id"]})
    vips = await created(tenant, "VIPs", filter={"tags": {"any": ["vip"]}})
    alone = await navigation(tenant, inside["id"], vips["id"])
    assert alone == {"position": 1, "total": 1, "previous": None, "next": None}
    assert await navigation(tenant, outside["id"], vips["id"]) is None
    assert await navigation(tenant, archived["id"], vips["id"]) is None
    assert await navigation(tenant, inside["id"], str(uuid.uuid4())) is None
    other = await another_tenant(tenant, engine)
    theirs = await created(other, "Theirs")
    assert await navigation(tenant, inside["id"], theirs["id"]) is None


async def test_navigation_costs_the_same_for_a_short_and_a_long_list(
    tenant: Tenant, served: dict[str, httpx.AsyncClient]
) -> None:
    short = [(await tenant.create_contact(firstName=f"S{i}", tags=["s"]))["id"] for i in range(3)]
    long = [(await tenant.create_contact(firstName=f"L{i}", tags=["l"]))["id"] for i in range(30)]
    s = await created(tenant, "Short", filter={"tags": {"any": ["s"]}})
    big = await created(tenant, "Long", filter={"tags": {"any": ["l"]}})

    async def cost(contact_id: str, list_id: str, mode: str = "off") -> int:
        """Statements of the executor's path (off) or the compiled one with its holes (on)."""
        client = served[mode]
        viewer = replace(tenant, client=client)
        await viewer.gql("{ __typename }", {})  # the location provisioned in this app
        with StatementCounter(client.app.state.runtime.engine) as counter:  # type: ignore[attr-defined]
            nav = await navigation(viewer, contact_id, list_id)
        assert nav is not None
        assert nav["previous"] is not None
        assert nav["next"] is not None
        return counter.count

    # the contact, the list, the contact's place with its neighbours and counts (one
    # statement of window functions), the neighbours
    assert await cost(short[1], s["id"]) == await cost(long[15], big["id"]) == 4
    assert await cost(short[1], s["id"], "on") == await cost(long[15], big["id"], "on")


async def test_a_filter_that_could_not_be_answered_is_refused_when_saved(tenant: Tenant) -> None:
    naive = {"or": [{"createdAt": {"from": "2026-01-01T00:00:00"}}]}
    payload = await create(tenant, "Naive", filter=naive)
    assert codes(payload) == [(["input", "filter"], "INVALID_VALUE")]
    saved = await created(tenant, "Zoned", filter={"createdAt": {"from": "2026-01-01T00:00:00Z"}})
    assert saved["filter"] == {"createdAt": {"from": "2026-01-01T00:00:00+00:00"}}
    refused = await tenant.mutate(
        "smartListUpdate", {"id": saved["id"], "filter": naive}, selection=SMART_LIST
    )
    assert codes(refused) == [(["input", "filter"], "INVALID_VALUE")]
    empty = {"not": {"updatedAt": {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}}}
    payload = await create(tenant, "Empty range", filter=empty)
    assert codes(payload) == [(["input", "filter"], "INVALID_VALUE")]
    assert "`from` before `to`" in payload["userErrors"][0]["message"]
    lists = await tenant.gql("{ smartLists { edges { node { name filter } } } }")
    assert [e["node"] for e in lists["smartLists"]["edges"]] == [
        {"name": "Zoned", "filter": saved["filter"]}
    ]


async def test_lists_pages_agree_with_contacts_in_every_order(tenant: Tenant) -> None:
    for first, last in (("amy", "Zed"), ("Bea", "young"), ("cal", "Zed"), ("Dee", None)):
        await tenant.create_contact(firstName=first, lastName=last, tags=["m"])
    await tenant.create_contact(firstName="Out")
    for field in ("CREATED_AT", "UPDATED_AT", "FIRST_NAME", "LAST_NAME", "BUSINESS_NAME"):
        for direction in ("ASC", "DESC"):
            order_by = {"field": field, "direction": direction}
            saved = await created(
                tenant, f"{field} {direction}", filter={"tags": {"any": ["m"]}}, order_by=order_by
            )
            expected = await tenant.gql(
                CONTACTS, {"filter": {"tags": {"any": ["m"]}}, "orderBy": order_by}
            )
            seen, after = [], None
            while True:
                page = (await one(tenant, saved["id"], first=3, after=after))["contacts"]
                assert page["totalCount"] == 4
                seen += [e["node"]["id"] for e in page["edges"]]
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
            assert seen == [e["node"]["id"] for e in expected["contacts"]["edges"]]


async def test_a_bad_cursor_fails_only_its_own_list(tenant: Tenant) -> None:
    """A cursor this server never made -- the empty one too, as in `contacts` and every tab."""
    await tenant.create_contact(firstName="Ann")
    a, b = await created(tenant, "A"), await created(tenant, "B")
    query = """query($a: ID!, $b: ID!, $after: String) {
      a: smartList(id: $a) { contacts(first: 1, after: $after) { totalCount } }
      b: smartList(id: $b) { contacts(first: 1) { totalCount edges { node { firstName } } } } }"""
    for after in ("nonsense", ""):
        variables = {"a": a["id"], "b": b["id"], "after": after}
        body = await tenant.raw(query, variables, tenant.admin)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], after
        assert body["data"]["a"] is None
        assert body["data"]["b"]["contacts"] == {
            "totalCount": 1,
            "edges": [{"node": {"firstName": "Ann"}}],
        }
