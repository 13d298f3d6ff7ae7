"""`contact` and `contacts`: cursor pages, stable sort, filters combined with and/or/not."""

from __future__ import annotations

from typing import Any

import pytest
from support import GraphQLErrors, Tenant

LIST = """query($first: Int, $after: String, $filter: ContactFilter, $orderBy: ContactOrderBy) {
  contacts(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { totalCount
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  edges { cursor node { id firstName } } } }"""


async def names(t: Tenant, **variables: Any) -> list[str]:
    data = await t.gql(LIST, {"first": 100, **variables})
    return [e["node"]["firstName"] for e in data["contacts"]["edges"]]


@pytest.fixture
async def people(tenant: Tenant) -> Tenant:
    """Five contacts with something for every filter to tell apart."""
    await tenant.mutate(
        "customFieldCreate",
        {"key": "score", "name": "Score", "dataType": "NUMBER"},
        selection="customField { id }",
    )
    await tenant.mutate(
        "customFieldCreate",
        {"key": "topics", "name": "Topics", "dataType": "MULTIPLE_OPTIONS", "options": ["a", "b"]},
        selection="customField { id }",
    )
    specs: list[dict[str, Any]] = [
        {
            "firstName": "Alice",
            "lastName": "Zed",
            "type": "CUSTOMER",
            "tags": ["vip", "news"],
            "ownerId": "u1",
            "emails": [{"address": "alice@acme.io"}],
            "phones": [{"number": "+14155550101"}],
            "customFields": [
                {"key": "score", "value": {"number": 90}},
                {"key": "topics", "value": {"options": ["a", "b"]}},
            ],
        },
        {
            "firstName": "Bob",
            "lastName": "Young",
            "tags": ["news"],
            "ownerId": "u2",
            "followerIds": ["u1"],
            "emails": [{"address": "bob@beta.io"}],
            "dnd": [{"channel": "SMS", "enabled": True}],
            "customFields": [{"key": "score", "value": {"number": 40}}],
        },
        {
            "firstName": "Carol",
            "lastName": "Xu",
            "type": "CUSTOMER",
            "businessName": "Acme",
            "phones": [{"number": "+14155550303"}],
            "customFields": [{"key": "topics", "value": {"options": ["b"]}}],
        },
        {
            "firstName": "Dave",
            "lastName": "Wu",
            "tags": ["vip"],
            "ownerId": "u1",
            "dnd": [{"channel": "ALL", "enabled": True}],
        },
        {"firstName": "Eve", "lastName": "Vo", "emails": [{"address": "eve@acme.io"}]},
    ]
    for spec in specs:
        await tenant.create_contact(**spec)
    return tenant


async def test_pages_walk_the_whole_list_once_in_a_stable_order(people: Tenant) -> None:
    seen: list[str] = []
    after = None
    while True:
        data = await people.gql(
            LIST,
            {"first": 2, "after": after, "orderBy": {"field": "LAST_NAME", "direction": "ASC"}},
        )
        page = data["contacts"]
        assert page["totalCount"] == 5
        seen += [e["node"]["firstName"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert seen == ["Eve", "Dave", "Carol", "Bob", "Alice"]  # Vo, Wu, Xu, Young, Zed


async def test_default_order_is_newest_first(people: Tenant) -> None:
    assert await names(people) == ["Eve", "Dave", "Carol", "Bob", "Alice"]
    assert await names(people, orderBy={"field": "CREATED_AT", "direction": "ASC"}) == [
        "Alice",
        "Bob",
        "Carol",
        "Dave",
        "Eve",
    ]


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"name": {"contains": "li"}}, ["Alice"]),
        ({"email": {"equals": "BOB@beta.io"}}, ["Bob"]),
        ({"email": {"contains": "acme"}}, ["Alice", "Eve"]),
        ({"phone": {"equals": "(415) 555-0303"}}, ["Carol"]),
        ({"tags": {"any": ["vip"]}}, ["Alice", "Dave"]),
        ({"tags": {"all": ["vip", "news"]}}, ["Alice"]),
        ({"tags": {"none": ["news"]}}, ["Carol", "Dave", "Eve"]),
        ({"owner": {"in": ["u1"]}}, ["Alice", "Dave"]),
        ({"owner": {"exists": False}}, ["Carol", "Eve"]),
        ({"followerIds": ["u1"]}, ["Bob"]),
        ({"dnd": {"channel": "SMS"}}, ["Bob"]),
        ({"dnd": {"channel": "SMS", "blocked": True}}, ["Bob", "Dave"]),  # Dave: ALL
        ({"dnd": {"channel": "SMS", "blocked": False}}, ["Alice", "Carol", "Eve"]),
        ({"dnd": {"channel": "SMS", "enabled": False}}, ["Alice", "Carol", "Dave", "Eve"]),
        ({"types": ["CUSTOMER"]}, ["Alice", "Carol"]),
        ({"customFields": [{"key": "score", "min": 50}]}, ["Alice"]),
        ({"customFields": [{"key": "score", "exists": False}]}, ["Carol", "Dave", "Eve"]),
        ({"customFields": [{"key": "topics", "option": "b"}]}, ["Alice", "Carol"]),
        (
            {"or": [{"name": {"startsWith": "bo"}}, {"tags": {"any": ["vip"]}}]},
            ["Alice", "Bob", "Dave"],
        ),
        ({"and": [{"tags": {"any": ["news"]}}, {"not": {"owner": {"in": ["u2"]}}}]}, ["Alice"]),
        ({"not": {"or": [{"types": ["CUSTOMER"]}, {"tags": {"any": ["vip"]}}]}}, ["Bob", "Eve"]),
    ],
)
async def test_filters(people: Tenant, filter: dict[str, Any], expected: list[str]) -> None:
    got = await names(people, filter=filter, orderBy={"field": "FIRST_NAME", "direction": "ASC"})
    assert got == expected
    data = await people.gql(LIST, {"first": 1, "filter": filter})
    assert data["contacts"]["totalCount"] == len(expected)


async def test_created_at_range(people: Tenant) -> None:
    everyone = await people.gql(
        LIST + "", {"first": 100, "orderBy": {"field": "CREATED_AT", "direction": "ASC"}}
    )
    ids = [e["node"]["id"] for e in everyone["contacts"]["edges"]]
    third = await people.gql("query($id: ID!) { contact(id: $id) { createdAt } }", {"id": ids[2]})
    since = third["contact"]["createdAt"]
    assert await names(
        people,
        filter={"createdAt": {"from": since}},
        orderBy={"field": "CREATED_AT", "direction": "ASC"},
    ) == ["Carol", "Dave", "Eve"]
    assert await names(
        people,
        filter={"createdAt": {"to": since}},
        orderBy={"field": "CREATED_AT", "direction": "ASC"},
    ) == ["Alice", "Bob"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("acme", ["Alice", "Carol", "Eve"]),  # email domain and business name
        ("carol xu", ["Carol"]),
        ("555-0101", ["Alice"]),
        ("%", []),  # LIKE wildcards are escaped
    ],
)
async def test_search(people: Tenant, text: str, expected: list[str]) -> None:
    by_name = {"field": "FIRST_NAME", "direction": "ASC"}
    assert await names(people, filter={"search": text}, orderBy=by_name) == expected


async def test_search_is_a_filter_member_combined_like_any_other(people: Tenant) -> None:
    by_name = {"field": "FIRST_NAME", "direction": "ASC"}
    acme = {"search": "acme"}
    assert await names(people, filter={**acme, "tags": {"any": ["vip"]}}, orderBy=by_name) == [
        "Alice"
    ]
    assert await names(people, filter={"not": acme}, orderBy=by_name) == ["Bob", "Dave"]
    either = {"or": [acme, {"search": "bob"}]}
    assert await names(people, filter=either, orderBy=by_name) == ["Alice", "Bob", "Carol", "Eve"]
    assert await names(people, filter={"search": "   "}, orderBy=by_name) == [
        "Alice",
        "Bob",
        "Carol",
        "Dave",
        "Eve",
    ]


@pytest.fixture
async def accented(tenant: Tenant) -> Tenant:
    """Names with letters outside ASCII, in no particular order."""
    for first, last, business in (
        ("Zoe", "Zimmer", None),
        ("Dana", "Éclair", "Café Zoé"),
        ("Emil", "des éclairs", None),
        ("Olga", "Öztürk", None),
        ("Anna", "ångström", None),
        ("İlker", "Oz", None),
        ("Carl", "Baker", None),
        ("Bob", "adams", None),
    ):
        await tenant.create_contact(firstName=first, lastName=last, businessName=business)
    return tenant


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"search": "ÅNGSTRÖM"}, ["Anna"]),
        ({"search": "CAFÉ"}, ["Dana"]),  # the business name
        ({"search": "cafe"}, []),  # case is folded, accents are not (as PostgreSQL's ILIKE)
        ({"name": {"contains": "ÉCLAIR"}}, ["Emil", "Dana"]),  # newest first
        ({"name": {"contains": "anna Å"}}, ["Anna"]),
        ({"name": {"startsWith": "ilker"}}, ["İlker"]),
        ({"name": {"equals": "İLKER OZ"}}, ["İlker"]),
        ({"name": {"equals": "olga ÖZTÜRK"}}, ["Olga"]),
    ],
)
async def test_case_is_folded_beyond_ascii(
    accented: Tenant, filter: dict[str, Any], expected: list[str]
) -> None:
    assert await names(accented, filter=filter) == expected


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_names_sort_alphabetically_across_pages(accented: Tenant, direction: str) -> None:
    """Accented letters sort with their base letter (not after "z" by code point), case
    ignored, and pages of any size walk that order without a skip or a repeat."""
    order_by = {"field": "LAST_NAME", "direction": direction}
    alphabetical = ["Bob", "Anna", "Carl", "Emil", "Dana", "İlker", "Olga", "Zoe"]
    # adams, ångström, Baker, des éclairs, Éclair, Oz, Öztürk, Zimmer
    expected = alphabetical if direction == "ASC" else alphabetical[::-1]
    assert await names(accented, orderBy=order_by) == expected
    for size in (1, 2, 3):
        seen: list[str] = []
        after = None
        while True:
            variables = {"first": size, "after": after, "orderBy": order_by}
            page = (await accented.gql(LIST, variables))["contacts"]
            seen += [e["node"]["firstName"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == expected


async def test_bad_paging_arguments_are_request_errors(people: Tenant) -> None:
    with pytest.raises(GraphQLErrors, match="between 0 and 100"):
        await people.gql(LIST, {"first": 101})
    with pytest.raises(GraphQLErrors, match="invalid cursor"):
        await people.gql(LIST, {"first": 1, "after": "bm90IGEgY3Vyc29y"})


async def test_an_empty_cursor_is_a_bad_cursor_as_in_every_tab(people: Tenant) -> None:
    """`after: ""` is a cursor this server never made: `contacts` refuses it as a tab does
    (it used to read it as "no cursor" yet answer hasPreviousPage true)."""
    some = await people.gql(LIST, {"first": 1})
    contact_id = some["contacts"]["edges"][0]["node"]["id"]
    tab = "query($id: ID!, $a: String) { contact(id: $id) { notes(after: $a) { totalCount } } }"
    errors = []
    for query, variables in ((LIST, {"after": ""}), (tab, {"id": contact_id, "a": ""})):
        body = await people.raw(query, variables, people.admin)
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        errors.append(error["message"])
    assert errors == ["invalid cursor: ''"] * 2


async def test_audit_log_pages_newest_first(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Log")
    for tag in ("a", "b", "c"):
        await tenant.mutate("contactTagsAdd", {"contactId": c["id"], "tags": [tag]})
    query = """query($id: ID!, $after: String) { contact(id: $id) { auditLog(first: 2,
      after: $after) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { kind changes { after } } } } } }"""
    first = (await tenant.gql(query, {"id": c["id"]}))["contact"]["auditLog"]
    assert first["totalCount"] == 4
    assert [e["node"]["changes"][0]["after"] for e in first["edges"]] == [
        ["a", "b", "c"],
        ["a", "b"],
    ]
    assert first["pageInfo"]["hasNextPage"] is True
    second = (await tenant.gql(query, {"id": c["id"], "after": first["pageInfo"]["endCursor"]}))[
        "contact"
    ]["auditLog"]
    assert [e["node"]["kind"] for e in second["edges"]] == ["TAGS_ADDED", "CONTACT_CREATED"]
    assert second["pageInfo"]["hasNextPage"] is False


async def test_a_filter_time_without_zone_is_a_request_error(people: Tenant) -> None:
    with pytest.raises(GraphQLErrors, match=r"times in `filter` need a zone"):
        await people.gql(LIST, {"filter": {"createdAt": {"from": "2026-01-01T00:00:00"}}})
    nested = {"or": [{"updatedAt": {"to": "2026-01-01T00:00:00"}}]}
    with pytest.raises(GraphQLErrors, match=r"times in `filter` need a zone"):
        await people.gql(LIST, {"filter": nested})


@pytest.mark.parametrize(
    "created",
    [
        {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        {"from": "2026-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},  # `to` is exclusive
        {"from": "2026-01-01T01:00:00+01:00", "to": "2026-01-01T00:00:00Z"},  # same instant
    ],
)
async def test_an_empty_filter_range_is_a_request_error(
    people: Tenant, created: dict[str, str]
) -> None:
    body = await people.raw(LIST, {"filter": {"not": {"createdAt": created}}}, people.admin)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "needs `from` before `to`" in body["errors"][0]["message"]
    assert body["data"] is None


def _cursor(values: list[object]) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("order", "values"),
    [
        ("LAST_NAME", [5, "x"]),  # a number where the sort is text
        ("CREATED_AT", ["2020-01-01T00:00:00", "x"]),  # a time without a zone
        ("CREATED_AT", ["not a time", "x"]),
        ("LAST_NAME", ["a", 7]),  # the id is not text
        ("LAST_NAME", [{"a": 1}, "x"]),
    ],
)
async def test_forged_cursors_are_request_errors(
    people: Tenant, order: str, values: list[object]
) -> None:
    with pytest.raises(GraphQLErrors, match="invalid cursor"):
        await people.gql(LIST, {"first": 2, "after": _cursor(values), "orderBy": {"field": order}})


async def test_forged_timeline_cursor_is_a_request_error(people: Tenant) -> None:
    some = await people.gql(LIST, {"first": 1})
    contact_id = some["contacts"]["edges"][0]["node"]["id"]
    query = (
        "query($id: ID!, $a: String) { contact(id: $id) { activity(after: $a) { totalCount } } }"
    )
    with pytest.raises(GraphQLErrors, match="invalid cursor"):
        await people.gql(query, {"id": contact_id, "a": _cursor(["abc", "x"])})
