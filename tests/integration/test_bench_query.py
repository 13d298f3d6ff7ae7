"""`make bench` measures bench/whole_record.graphql: it must stay valid, run without errors and
stay the *whole* record -- every field of every type it reaches, every member of every union --
so a field added to the record and forgotten there makes this test fail, not the benchmark
quietly measure less. No timing is asserted anywhere (machines are shared and noisy)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    validate,
    visit,
)
from support import Tenant

from contact_graph.schema.build import build_schema
from contact_graph.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
QUERY = ROOT / "bench" / "whole_record.graphql"


def graphql_schema() -> GraphQLSchema:
    schema: GraphQLSchema = build_schema(Settings(_env_file=None))._schema  # type: ignore[call-arg]
    return schema


class _Selected(Visitor):
    """Which fields of which types, and which members of which unions, a document selects."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.fields: dict[str, set[str]] = defaultdict(set)
        self.unions: set[str] = set()
        self.fragments: set[str] = set()

    def enter_field(self, node: Any, *_: Any) -> None:
        parent = self.type_info.get_parent_type()
        if parent is not None:
            self.fields[parent.name].add(node.name.value)
        named = get_named_type(self.type_info.get_type())
        if isinstance(named, GraphQLUnionType):
            self.unions.add(named.name)

    def enter_inline_fragment(self, node: Any, *_: Any) -> None:
        if node.type_condition is not None:
            self.fragments.add(node.type_condition.name.value)


def missing_from(schema: GraphQLSchema, document: Any) -> list[str]:
    """Fields of the object types the document reaches, and members of the unions it
    reaches, that it does not select (the root Query type aside)."""
    type_info = TypeInfo(schema)
    seen = _Selected(type_info)
    visit(document, TypeInfoVisitor(type_info, seen))
    missing = [
        f"{name}.{field}"
        for name, fields in seen.fields.items()
        if name != "Query" and isinstance(schema.type_map[name], GraphQLObjectType)
        for field in schema.type_map[name].fields  # type: ignore[attr-defined]
        if field not in fields
    ]
    missing += [
        f"... on {member.name} (in {union})"
        for union in seen.unions
        for member in schema.type_map[union].types  # type: ignore[attr-defined]
        if member.name not in seen.fragments
    ]
    return sorted(missing)


def test_bench_query_is_valid_and_selects_the_whole_record() -> None:
    schema = graphql_schema()
    document = parse(QUERY.read_text())
    assert [e.message for e in validate(schema, document)] == []
    missing = missing_from(schema, document)
    assert not missing, f"add to {QUERY.relative_to(ROOT)}: {', '.join(missing)}"


def test_a_partial_record_is_reported() -> None:
    partial = parse(
        "query { contacts(first: 1) { edges { node { id tags customFields { field { id key "
        "name dataType options createdAt } value { ... on CustomFieldNumber { number } } } } } } }"
    )
    missing = missing_from(graphql_schema(), partial)
    assert "Contact.notes" in missing
    assert "Contact.auditLog" in missing
    assert "ContactCustomFieldValue.field" not in missing
    assert "... on CustomFieldMoney (in CustomFieldValue)" in missing
    assert "... on CustomFieldNumber (in CustomFieldValue)" not in missing


async def test_bench_query_runs_for_two_contacts(tenant: Tenant) -> None:
    await tenant.mutate(
        "customFieldCreate",
        {"key": "score", "name": "Score", "dataType": "NUMBER"},
        selection="customField { id }",
    )
    for i in range(3):
        contact = await tenant.create_contact(
            firstName=f"Bench{i}",
            phones=[{"number": f"+1415555{i + 200:04d}", "label": "MOBILE"}],
            emails=[{"address": f"bench{i}@example.org"}],
            tags=["bench"],
            ownerId="user-owner",
            followerIds=["user-follower"],
            dnd=[{"channel": "SMS", "enabled": True}],
            customFields=[{"key": "score", "value": {"number": i}}],
        )
        await tenant.mutate(
            "contactNoteAdd",
            {"contactId": contact["id"], "body": f"note {i}"},
            selection="note { id }",
        )

    data = await tenant.gql(QUERY.read_text(), {"first": 2})  # fails on any GraphQL error

    page = data["contacts"]
    assert page["totalCount"] == 3
    assert page["pageInfo"]["hasNextPage"] is True
    nodes = [edge["node"] for edge in page["edges"]]
    assert [n["firstName"] for n in nodes] == ["Bench2", "Bench1"]  # newest first
    newest = nodes[0]
    assert newest["phones"][0]["number"] == "+14155550202"
    assert newest["owner"] == {"id": "user-owner"}
    assert newest["customFields"][0]["value"] == {"__typename": "CustomFieldNumber", "number": 2}
    assert [e["node"]["body"] for e in newest["notes"]["edges"]] == ["note 2"]
    assert [e["node"]["kind"] for e in newest["auditLog"]["edges"]] == [
        "NOTE_ADDED",
        "CONTACT_CREATED",
    ]
