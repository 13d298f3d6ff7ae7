"""Hostile input, property-based: every root field of the built schema, called over HTTP with
arguments generated from their input types, answers with typed errors, never a masked one.

For each query and mutation root field, hypothesis draws argument values from the field's
input types -- strings with NUL characters and lone surrogates, huge and negative integers,
dates at the calendar's edges, unknown enum values, nulls, nested inputs and filters, random
and real ids, `_Any` representations without or with odd ids -- and sends them as variables,
with a small selection (the leaves, one level of objects below them, their arguments drawn
the same way). Every answer must have an HTTP status below 500 and no error masked as
"Unexpected error": a bad value is the client's mistake and gets a typed error
(BAD_USER_INPUT, a validation error or a user error in the payload).

The seed is fixed (``derandomize``) and the examples bounded, so a run is repeatable;
select it with ``-m property``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_leaf_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import Tenant

from server.app import schema_for
from server.settings import Settings

pytestmark = pytest.mark.property

MASKED = "Unexpected error; it has been logged."
SCHEMA = schema_for(Settings(_env_file=None))._schema  # type: ignore[call-arg]
ROOTS: list[tuple[str, str]] = [
    (kind, name)
    for kind, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type))
    if root is not None
    for name in root.fields
]
MAX_SELECTION_DEPTH = 2
"""The root field's object and one level of objects below it."""
MAX_INPUT_DEPTH = 3
"""Nested inputs (filters of filters) deeper than this get only their required fields."""
EXAMPLES = 25
"""Examples per root field and database: 70 fields x 25 take about 20 s on each database."""

HOSTILE_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",  # a lone surrogate: not encodable as UTF-8
    "x" * 5000,
    "'; DROP TABLE contact; --",
    "%_\\",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "https://example.com/a.pdf",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "Ωmega 🚀 ‮",
    "user-admin",
]
EDGE_DATETIMES = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59",
    "1899-12-31T23:59:59Z",
    "2201-01-01T00:00:00Z",
    "2026-03-08T02:30:00",  # skipped by spring-forward in US zones
    "2026-05-01T09:00:00-04:00",
    "not a time",
    "2026-02-30T00:00:00Z",
]
EDGE_DATES = ["0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01", "2000-02-29", "bogus"]
HUGE_INTS = [0, -1, 1, 2**31 - 1, -(2**31), 2**31, 2**53, -(2**63), 10**30]


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["Pat", "renewal", "vip", "lead_score", "https://acme.com", "USD"]),
        st.sampled_from(HOSTILE_STRINGS),
        st.text(alphabet=st.characters(codec=None, exclude_categories=["Cs"]), max_size=30),
        st.text(alphabet="ab\x00 .:/", max_size=12),
    )


def datetimes() -> st.SearchStrategy[str]:
    offsets = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=14))])
    return st.one_of(
        st.sampled_from(EDGE_DATETIMES),
        st.builds(
            lambda d, tz: d.replace(tzinfo=tz).isoformat(),
            st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
            offsets,
        ),
        st.datetimes(
            min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=offsets
        ).map(lambda d: d.isoformat()),
    )


def json_values() -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        texts(),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(texts(), inner, max_size=3)
        ),
        max_leaves=6,
    )


ENTITY_NAMES = ["Contact", "Calendar", "Opportunity", "Company", "CustomObjectRecord"]


ID_KINDS = {
    "contact": "contact",
    "phone": "phone",
    "email": "email",
    "note": "note",
    "task": "task",
    "calendar": "calendar",
    "assignee": "user",
    "owner": "user",
    "teammember": "user",
    "user": "user",
    "follower": "user",
    "key": "key",
}
"""What an argument or input field named ``...Id``/``...Ids`` refers to, by its stem."""


class Draw:
    """Draws argument values for one example; ``ids`` are real ids of the tenant by kind."""

    def __init__(self, data: st.DataObject, ids: dict[str, list[str]]) -> None:
        self.data = data
        self.ids = ids
        self.every_id = [i for found in ids.values() for i in found]

    def draw(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.data.draw(strategy)

    def id(self, name: str = "") -> Any:
        stem = name.lower().removesuffix("s").removesuffix("id").removeprefix("attendee")
        real = self.ids.get(ID_KINDS.get(stem, ""), self.every_id)
        return self.draw(
            st.one_of(
                st.sampled_from(real),
                st.sampled_from(real),
                st.sampled_from(real),
                st.sampled_from(self.every_id),
                st.uuids().map(str),
                st.sampled_from(["", "\x00", f"{uuid.uuid4()}\x00", "x" * 300]),
            )
        )

    def representation(self) -> Any:
        typename = self.draw(st.sampled_from([*ENTITY_NAMES, "Nope"]))
        rep: dict[str, Any] = {"__typename": typename}
        id_value = self.draw(
            st.one_of(
                st.builds(lambda: self.id(f"{typename}Id")),
                st.just(None),
                st.integers(),
                st.lists(st.integers(), max_size=2),
                st.dictionaries(texts(), st.integers(), max_size=1),
            )
        )
        if self.draw(st.booleans()) or id_value is not None:
            rep["id"] = id_value
        if self.draw(st.booleans()):
            rep[self.draw(texts())] = self.draw(json_values())
        return rep if self.draw(st.integers(0, 9)) else self.draw(json_values())

    def value(self, type_: GraphQLInputType, name: str = "", depth: int = 0) -> Any:
        """A value of ``type_`` for the argument or input field ``name``; now and then a null
        where none is allowed."""
        null_odds = 10
        if isinstance(type_, GraphQLNonNull):
            type_, null_odds = type_.of_type, 50  # type: ignore[assignment]
        if self.draw(st.integers(0, null_odds - 1)) == 0:
            return None  # where not allowed: a validation error, never a 500
        if isinstance(type_, GraphQLList):
            size = self.draw(st.integers(0, 3))
            return [self.value(type_.of_type, name, depth + 1) for _ in range(size)]
        if isinstance(type_, GraphQLEnumType):
            return self.draw(st.sampled_from([*type_.values, "NOT_A_VALUE"]))
        if isinstance(type_, GraphQLInputObjectType):
            return self.input_object(type_, depth)
        assert isinstance(type_, GraphQLScalarType)
        return self.scalar(type_.name, name)

    def input_object(self, type_: GraphQLInputObjectType, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, field in type_.fields.items():
            required = isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
            if not required and (depth >= MAX_INPUT_DEPTH or self.draw(st.integers(0, 2)) == 0):
                continue
            out[name] = self.value(field.type, name, depth + 1)
        return out

    def scalar(self, type_name: str, name: str) -> Any:
        if type_name == "ID" or (type_name == "String" and name.lower().endswith(("id", "key"))):
            return self.id(name)
        if type_name == "String":
            return self.draw(texts())
        if type_name == "Int":
            return self.draw(st.one_of(st.sampled_from(HUGE_INTS), st.integers(-1000, 1000)))
        if type_name == "Float":
            return self.draw(
                st.one_of(
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([1e308, -1e308, 0.1, 2**63]),
                )
            )
        if type_name == "Boolean":
            return self.draw(st.booleans())
        if type_name == "DateTime":
            return self.draw(datetimes())
        if type_name == "Date":
            return self.draw(st.sampled_from(EDGE_DATES))
        if type_name == "JSON":
            return self.draw(json_values())
        if type_name == "_Any":
            return self.representation()
        return self.draw(texts())


class Operation:
    """One document: the root field with its arguments and a small selection, every
    argument a variable."""

    def __init__(self, draw: Draw) -> None:
        self.draw = draw
        self.definitions: list[str] = []
        self.variables: dict[str, Any] = {}

    def arguments(self, args: dict[str, GraphQLArgument], top: bool) -> str:
        given: list[str] = []
        for name, arg in args.items():
            required = isinstance(arg.type, GraphQLNonNull)
            if not required and not top and self.draw.draw(st.booleans()):
                continue
            if not required and self.draw.draw(st.integers(0, 3)) == 0:
                continue
            var = f"v{len(self.definitions)}"
            self.definitions.append(f"${var}: {arg.type}")
            self.variables[var] = self.draw.value(arg.type, name)
            given.append(f"{name}: ${var}")
        return f"({', '.join(given)})" if given else ""

    def selection(self, type_: Any, depth: int) -> str:
        named = get_named_type(type_)
        if is_leaf_type(named):
            return ""
        if isinstance(named, GraphQLUnionType) or depth > MAX_SELECTION_DEPTH:
            return "{ __typename }"
        assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
        parts = ["__typename"]
        for name, field in named.fields.items():
            parts.append(self.field(name, field, depth))
        return "{ " + " ".join(p for p in parts if p) + " }"

    def field(self, name: str, field: GraphQLField, depth: int) -> str:
        named = get_named_type(field.type)
        if is_leaf_type(named):
            if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
                return ""
            return name
        if depth >= MAX_SELECTION_DEPTH and not isinstance(named, GraphQLUnionType):
            return ""
        return f"{name}{self.arguments(field.args, False)} {self.selection(field.type, depth + 1)}"

    def document(self, kind: str, name: str, field: GraphQLField) -> str:
        body = f"{name}{self.arguments(field.args, True)} {self.selection(field.type, 1)}"
        head = f"({', '.join(self.definitions)})" if self.definitions else ""
        return f"{kind} Hostile{head} {{ {body} }}"


_IDS: dict[str, dict[str, list[str]]] = {}
ALL_WEEK = [
    {"weekday": d, "start": "00:00", "end": "24:00"}
    for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
]


async def known_ids(tenant: Tenant) -> dict[str, list[str]]:
    """Ids (and keys) that exist in the tenant, so generated calls get past NOT_FOUND: a
    contact with a phone and an email, a note and a task on it, a calendar, custom fields,
    a team member."""
    if tenant.location_id in _IDS:
        return _IDS[tenant.location_id]
    contact = await tenant.create_contact(
        firstName="Pat", phones=[{"number": "+14155550100"}], emails=[{"address": "p@x.io"}]
    )
    cid = contact["id"]
    ids = {
        "contact": [cid],
        "phone": [contact["phones"][0]["id"]],
        "email": [contact["emails"][0]["id"]],
        "user": ["user-admin"],
        "key": ["files", "lead_score"],
    }
    created = [
        ("note", "contactNoteAdd", {"contactId": cid, "body": "hello"}),
        (
            "task",
            "contactTaskAdd",
            {
                "contactId": cid,
                "title": "Call",
                "dueAt": "2030-01-01T09:00:00Z",
                "assigneeId": "user-admin",
            },
        ),
        (
            "calendar",
            "calendarCreate",
            {
                "name": "Cal",
                "timeZone": "UTC",
                "availability": ALL_WEEK,
                "teamMemberIds": ["user-admin"],
            },
        ),
        (
            "customField",
            "customFieldCreate",
            {"key": "files", "name": "Files", "dataType": "FILE_UPLOAD"},
        ),
        (
            "customField",
            "customFieldCreate",
            {"key": "lead_score", "name": "Score", "dataType": "NUMBER"},
        ),
    ]
    for kind, name, input in created:
        payload = await tenant.mutate(name, input, f"{kind} {{ id }}")
        assert payload["userErrors"] == [], payload
        ids.setdefault(kind, []).append(payload[kind]["id"])
    _IDS[tenant.location_id] = ids
    return ids


async def post(tenant: Tenant, query: str, variables: dict[str, Any]) -> Any:
    # json.dumps escapes lone surrogates (httpx's encoder would refuse them)
    body = json.dumps({"query": query, "variables": variables}, ensure_ascii=True)
    headers = {"content-type": "application/json", **tenant.headers(tenant.admin)}
    return await tenant.client.post("/graphql", content=body, headers=headers)


@pytest.mark.parametrize(("kind", "name"), ROOTS, ids=[n for _, n in ROOTS])
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_masked_errors(tenant: Tenant, kind: str, name: str, data: st.DataObject) -> None:
    root = SCHEMA.query_type if kind == "query" else SCHEMA.mutation_type
    assert root is not None
    operation = Operation(Draw(data, await known_ids(tenant)))
    query = operation.document(kind, name, root.fields[name])
    response = await post(tenant, query, operation.variables)
    context = f"{query}\nvariables: {operation.variables!r}\n-> {response.text[:2000]}"
    assert response.status_code < 500, context
    errors = response.json().get("errors") or []
    assert not [e for e in errors if e.get("message") == MASKED], context


def test_every_root_field_is_covered() -> None:
    """The parametrisation follows the schema: a new root field is tested without edits."""
    assert {"_entities", "contact", "contacts", "contactCreate", "contactNoteAdd"} <= {
        n for _, n in ROOTS
    }
    assert len(ROOTS) == len(SCHEMA.query_type.fields) + len(  # type: ignore[union-attr]
        SCHEMA.mutation_type.fields  # type: ignore[union-attr]
    )
