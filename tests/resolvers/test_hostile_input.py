"""Hostile input gets a clear, typed error and changes nothing: NUL characters anywhere,
dates at the calendar's edges, `_entities` representations without a usable id, URLs that
are not http(s), over-long team member ids, forged cursors. On SQLite and PostgreSQL (which
refuses NUL in text: a masked database error before these checks)."""

from __future__ import annotations

import base64
import json
from typing import Any

import orjson
import pytest
from support import Tenant

MASKED = "Unexpected error; it has been logged."
NOTES = "query($id: ID!) { contact(id: $id) { notes { totalCount } } }"


def refused_as_bad_input(body: dict[str, Any], *words: str, field: bool = False) -> str:
    """An error with code BAD_USER_INPUT; its message. A request error (nothing ran: no
    data) unless ``field``: then the field that read the argument answers null."""
    errors = body.get("errors") or []
    assert errors, body
    assert not any(e["message"] == MASKED for e in errors), errors
    if not field:
        assert body.get("data") is None, body
    first = errors[0]
    assert first.get("extensions", {}).get("code") == "BAD_USER_INPUT", errors
    for word in words:
        assert word in first["message"], errors
    message: str = first["message"]
    return message


async def note_count(t: Tenant, contact_id: str) -> int:
    count: int = (await t.gql(NOTES, {"id": contact_id}))["contact"]["notes"]["totalCount"]
    return count


# -- NUL ------------------------------------------------------------------------------------

NOTE_ADD = (
    "mutation($input: ContactNoteAddInput!) { contactNoteAdd(input: $input) "
    "{ note { id } userErrors { code } } }"
)


async def test_nul_in_a_variable_is_bad_input_and_nothing_is_written(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Nul")
    body = await tenant.raw(
        NOTE_ADD, {"input": {"contactId": c["id"], "body": "a\x00b"}}, tenant.admin
    )
    message = refused_as_bad_input(body, "NUL", "$input.body")
    assert message == "Variable '$input.body': text may not contain a NUL character (U+0000)."
    assert await note_count(tenant, c["id"]) == 0


async def test_nul_in_a_literal_is_bad_input_with_its_location(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Nul")
    query = (
        f'mutation {{ contactNoteAdd(input: {{contactId: "{c["id"]}", body: "a\\u0000b"}}) '
        "{ note { id } } }"
    )
    body = await tenant.raw(query, None, tenant.admin)
    refused_as_bad_input(body, "NUL")
    assert body["errors"][0]["locations"]
    assert await note_count(tenant, c["id"]) == 0


NUL_EVERYWHERE = [
    ("query($id: ID!) { contact(id: $id) { id } }", {"id": "c\x00"}),
    (
        "query($f: ContactFilter) { contacts(filter: $f) { totalCount } }",
        {"f": {"search": "ac\x00me"}},
    ),
    (
        "query($f: ContactFilter) { contacts(filter: $f) { totalCount } }",
        {"f": {"or": [{"tags": {"any": ["vip", "\x00"]}}]}},
    ),
    (
        "query($f: ContactFilter) { contacts(filter: $f) { totalCount } }",
        {"f": {"customFields": [{"key": "lead\x00score", "exists": True}]}},
    ),
    (
        "mutation($i: ContactTagsInput!) { contactTagsAdd(input: $i) { userErrors { code } } }",
        {"i": {"contactId": "CONTACT", "tags": ["ok", "v\x00ip"]}},
    ),
    (
        "mutation($i: ContactCustomFieldValuesSetInput!) { contactCustomFieldValuesSet("
        "input: $i) { userErrors { code } } }",
        {"i": {"contactId": "CONTACT", "values": [{"key": "note", "value": {"text": "\x00"}}]}},
    ),
    (
        "mutation($i: ContactUpdateInput!) { contactUpdate(input: $i) { userErrors { code } } }",
        {"i": {"contactId": "CONTACT", "firstName": "Ada\x00"}},
    ),
    (
        "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
        {"r": [{"__typename": "Contact", "id": "CONTACT\x00"}]},
    ),
    (
        "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
        {"r": [{"__typename": "Contact", "id": "CONTACT", "ex\x00tra": 1}]},
    ),
    (
        "mutation($i: SmartListCreateInput!) { smartListCreate(input: $i) "
        "{ userErrors { code } } }",
        {"i": {"name": "Lis\x00t"}},
    ),
]


@pytest.mark.parametrize(("query", "variables"), NUL_EVERYWHERE)
async def test_nul_anywhere_is_bad_input(
    tenant: Tenant, query: str, variables: dict[str, Any]
) -> None:
    c = await tenant.create_contact(firstName="Nul", tags=["keep"])
    filled = orjson.loads(orjson.dumps(variables).replace(b"CONTACT", c["id"].encode()))
    refused_as_bad_input(await tenant.raw(query, filled, tenant.admin), "NUL")
    after = await tenant.gql("query($id: ID!) { contact(id: $id) { firstName tags } }", c)
    assert after["contact"] == {"firstName": "Nul", "tags": ["keep"]}


async def test_nul_in_an_inline_representation_is_bad_input(tenant: Tenant) -> None:
    query = (
        '{ _entities(representations: [{__typename: "Contact", id: "x\\u0000"}]) { __typename } }'
    )
    refused_as_bad_input(await tenant.raw(query, None, tenant.admin), "NUL")


async def test_a_document_that_is_also_invalid_reports_its_validation_errors(
    tenant: Tenant,
) -> None:
    body = await tenant.raw('{ contact(id: "\\u0000") { nope } }', None, tenant.admin)
    assert "Cannot query field 'nope'" in body["errors"][0]["message"]


async def test_nul_in_a_get_request_is_bad_input(tenant: Tenant) -> None:
    response = await tenant.client.get(
        "/graphql",
        params={
            "query": "query($id: ID!) { contact(id: $id) { id } }",
            "variables": '{"id":"\\u0000"}',
        },
        headers=tenant.headers(tenant.admin),
    )
    assert response.status_code == 200
    refused_as_bad_input(response.json(), "NUL")


# -- dates at the calendar's edges ------------------------------------------------------------

EDGES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1899-12-31T23:00:00Z"]
RANGE_FIELDS = [
    "query($t: DateTime) { contacts(filter: {createdAt: {from: $t}}) { totalCount } }",
    "query($t: DateTime) { contacts(filter: {updatedAt: {to: $t}}) { totalCount } }",
    "query($id: ID!, $t: DateTime) { contact(id: $id) { tasks(filter: {dueAt: {from: $t}}) "
    "{ totalCount } } }",
    "query($id: ID!, $t: DateTime) { contact(id: $id) { activity(filter: {occurredAt: "
    "{to: $t}}) { totalCount } } }",
    "query($id: ID!, $t: DateTime) { contact(id: $id) { auditLog(filter: {occurredAt: "
    "{from: $t}}) { totalCount } } }",
    "query($id: ID!, $t: DateTime) { contact(id: $id) { interactions(filter: {occurredAt: "
    "{from: $t}}) { totalCount } } }",
    "query($id: ID!, $t: DateTime) { contact(id: $id) { appointments(filter: {startAt: "
    "{from: $t}}) { totalCount } } }",
    "query($id: ID!, $t: DateTime) { freeSlots(calendarId: $id, filter: {start: {from: $t, "
    'to: "2026-01-02T00:00:00Z"}}) { start } }',
    "query($id: ID!, $t: DateTime) { freeSlots(calendarId: $id, filter: {start: {from: "
    '"2026-01-01T00:00:00Z", to: $t}}) { start } }',
    'mutation($id: ID!, $t: DateTime) { contactTaskAdd(input: {contactId: $id, title: "x", '
    'assigneeId: "user-ann", dueAt: $t}) { userErrors { code } } }',
    "mutation($id: ID!, $t: DateTime!) { contactAppointmentBook(input: {contactId: $id, "
    "calendarId: $id, start: $t}) { userErrors { code } } }",
    "mutation($id: ID!, $t: DateTime!) { contactInteractionRecord(input: {contactId: $id, "
    'externalId: "e1", kind: CALL, occurredAt: $t, call: {direction: INBOUND, outcome: ANSWERED}}) '
    "{ userErrors { code } } }",
]


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("query", RANGE_FIELDS)
async def test_times_at_the_calendars_edges_are_bad_input(
    tenant: Tenant, query: str, edge: str
) -> None:
    c = await tenant.create_contact(firstName="Edge")
    variables = {"t": edge, **({"id": c["id"]} if "$id" in query else {})}
    refused_as_bad_input(await tenant.raw(query, variables, tenant.admin), "1900 to 2200")
    literal = query
    for declaration in (", $t: DateTime!", ", $t: DateTime", "($t: DateTime)", "($t: DateTime!)"):
        literal = literal.replace(declaration, "")
    literal = literal.replace("$t", f'"{edge}"')
    refused_as_bad_input(await tenant.raw(literal, variables, tenant.admin), "1900 to 2200")


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            "mutation($i: ContactCreateInput!) { contactCreate(input: $i) "
            "{ userErrors { code } } }",
            {"i": {"dateOfBirth": "0001-01-01"}},
        ),
        (
            "query($f: ContactFilter) { contacts(filter: $f) { totalCount } }",
            {"f": {"customFields": [{"key": "born", "dateFrom": "9999-12-31"}]}},
        ),
    ],
)
async def test_dates_at_the_calendars_edges_are_bad_input(
    tenant: Tenant, query: str, variables: dict[str, Any]
) -> None:
    refused_as_bad_input(await tenant.raw(query, variables, tenant.admin), "1900 to 2200")


async def test_times_inside_the_range_still_work(tenant: Tenant) -> None:
    query = "query($t: DateTime) { contacts(filter: {createdAt: {from: $t}}) { totalCount } }"
    for t in ("1900-01-01T00:00:00+14:00", "2200-12-31T23:59:59-14:00"):
        assert (await tenant.gql(query, {"t": t}))["contacts"]["totalCount"] >= 0


# -- _entities --------------------------------------------------------------------------------

ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"


@pytest.mark.parametrize(
    "typename", ["Contact", "Calendar", "Opportunity", "Company", "CustomObjectRecord"]
)
@pytest.mark.parametrize("bad_id", ["missing", None, 7, ["a"], {"id": "a"}])
async def test_a_representation_needs_a_string_id(
    tenant: Tenant, typename: str, bad_id: object
) -> None:
    rep: dict[str, Any] = {"__typename": typename}
    if bad_id != "missing":
        rep["id"] = bad_id
    body = await tenant.raw(ENTITIES, {"r": [rep]}, tenant.admin)
    refused_as_bad_input(body, "needs `id` as a string")


async def test_a_representation_with_a_string_id_still_resolves(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Found")
    body = await tenant.gql(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id } } }",
        {"r": [{"__typename": "Contact", "id": c["id"]}, {"__typename": "Contact", "id": "x"}]},
    )
    assert body["_entities"] == [{"id": c["id"]}, None]


# -- URLs -------------------------------------------------------------------------------------

BAD_URLS = ["javascript:alert(document.cookie)", "data:text/html,<b>x.y</b>", "file:///etc/x.y"]


@pytest.mark.parametrize("url", BAD_URLS)
async def test_a_website_must_be_http_or_https(tenant: Tenant, url: str) -> None:
    created = await tenant.mutate("contactCreate", {"firstName": "Web", "website": url})
    assert [(e["field"], e["code"]) for e in created["userErrors"]] == [
        (["input", "website"], "INVALID_VALUE")
    ]
    c = await tenant.create_contact(firstName="Web", website="acme.com")
    updated = await tenant.mutate("contactUpdate", {"contactId": c["id"], "website": url})
    assert [e["code"] for e in updated["userErrors"]] == ["INVALID_VALUE"]
    again = await tenant.gql("query($id: ID!) { contact(id: $id) { website } }", c)
    assert again["contact"]["website"] == "https://acme.com"


# -- team member ids --------------------------------------------------------------------------


async def test_owner_and_follower_ids_longer_than_64_characters_are_refused(
    tenant: Tenant,
) -> None:
    c = await tenant.create_contact(firstName="Owned")
    long_id = "u" * 65
    owner = await tenant.mutate("contactOwnerSet", {"contactId": c["id"], "ownerId": long_id})
    assert [(e["field"], e["code"]) for e in owner["userErrors"]] == [
        (["input", "ownerId"], "TOO_LONG")
    ]
    followers = await tenant.mutate(
        "contactFollowersAdd", {"contactId": c["id"], "userIds": ["user-ann", long_id]}
    )
    assert [(e["field"], e["code"]) for e in followers["userErrors"]] == [
        (["input", "userIds", "1"], "TOO_LONG")
    ]
    created = await tenant.mutate("contactCreate", {"firstName": "X", "ownerId": long_id})
    assert [e["code"] for e in created["userErrors"]] == ["TOO_LONG"]
    after = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { owner { id } followers { id } } }", c
    )
    assert after["contact"] == {"owner": None, "followers": []}


# -- cursors ----------------------------------------------------------------------------------


def forged(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        forged(["2026-01-01T00:00:00+00:00", "a\x00b"]),
        forged(["0001-01-01T00:00:00+14:00", "id"]),
        forged(["9999-12-31T23:59:59-14:00", "id"]),
    ],
)
async def test_forged_cursors_are_bad_input(tenant: Tenant, cursor: str) -> None:
    c = await tenant.create_contact(firstName="Paged")
    for query in (
        "query($id: ID!, $a: String) { contact(id: $id) { notes(after: $a) { totalCount } } }",
        "query($a: String) { contacts(after: $a) { totalCount } }",
    ):
        body = await tenant.raw(query, {"id": c["id"], "a": cursor}, tenant.admin)
        refused_as_bad_input(body, "invalid cursor", field=True)


async def test_an_activity_cursor_beyond_a_bigint_is_bad_input(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Paged")
    query = (
        "query($id: ID!, $a: String) { contact(id: $id) { activity(after: $a) { totalCount } } }"
    )
    for sequence in (2**63, -(2**63) - 1):
        cursor = forged([sequence, "id"])
        body = await tenant.raw(query, {"id": c["id"], "a": cursor}, tenant.admin)
        refused_as_bad_input(body, "invalid cursor", field=True)


def test_every_entity_is_keyed_by_the_id_the_resolver_checks() -> None:
    from strawberry.federation.schema_directives import Key
    from strawberry.types.base import get_object_definition

    from schema.build import ENTITIES, ENTITY_KEY

    for entity in ENTITIES:
        directives = get_object_definition(entity, strict=True).directives or []
        keys = [d.fields for d in directives if isinstance(d, Key)]
        assert keys == [ENTITY_KEY], (entity, keys)


async def test_nul_in_a_subscriptions_arguments_is_bad_input(tenant: Tenant, app: Any) -> None:
    """Subscriptions pass the same validation step (over a websocket as over HTTP)."""
    from server.context import Context

    runtime = app.state.runtime
    context = Context(runtime=runtime)
    context.authenticate(tenant.admin, None)
    results = await runtime.schema.subscribe(
        "subscription($id: ID!) { contactActivity(contactId: $id) { kind } }",
        variable_values={"id": "c\x00"},
        context_value=context,
    )
    first = results if not hasattr(results, "__anext__") else await results.__anext__()
    assert first.errors
    assert first.errors[0].extensions == {"code": "BAD_USER_INPUT"}
    assert "NUL" in first.errors[0].message
