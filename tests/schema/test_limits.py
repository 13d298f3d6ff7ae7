"""The schema's request limits in-process: what an operation costs, the parse/validation
cache, and no "Did you mean" hints outside development. Over real HTTP, with hostile
documents: tests/server/test_hostile_documents.py."""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import get_introspection_query, parse

from schema.build import ContactGraphSchema
from schema.cost import operation_cost
from schema.parsing import Documents
from server.app import schema_for
from server.settings import Settings


@cache
def schema(environment: str = "test") -> ContactGraphSchema:
    secret = "a production secret of at least 32 bytes"
    settings = Settings(_env_file=None, environment=environment, jwt_secret=secret)  # type: ignore[call-arg, arg-type]
    return schema_for(settings)


TEST_SCHEMA = schema()


def cost(query: str, variables: dict[str, Any] | None = None) -> int | None:
    return operation_cost(TEST_SCHEMA._schema, parse(query), None, variables)


def test_objects_count_one_lists_their_page_scalars_nothing() -> None:
    # 1 connection + 50 x (1 edge + 1 node + 10 x 1 phone)
    assert cost("{ contacts(first: 50) { edges { node { id phones { number } } } } }") == 601
    # `first` as sent, through variables and fragments; null is the resolvers' 20, the
    # resolvers' cap 100 bounds it
    paged = (
        "query($n: Int) { contacts(first: $n) { ...Page } } "
        "fragment Page on ContactConnection { totalCount edges { node { id } } }"
    )
    assert cost(paged, {"n": 3}) == 1 + 3 * 2
    assert cost(paged, {}) == 1 + 20 * 2
    assert cost(paged, {"n": 100_000}) == 1 + 100 * 2
    assert cost("{ contacts { totalCount pageInfo { hasNextPage } } }") == 2


def test_entities_count_one_per_representation() -> None:
    selection = "... on Contact { id owner { id } }"
    query = f"query($r: [_Any!]!) {{ _entities(representations: $r) {{ {selection} }} }}"
    representations = [{"__typename": "Contact", "id": str(i)} for i in range(7)]
    assert cost(query, {"r": representations}) == 7 * (1 + 1)


def test_an_abstract_type_costs_its_costliest_member() -> None:
    # each item is one kind of activity: the costliest selection counts, not their sum
    query = """{ contacts(first: 1) { edges { node { activity(first: 1) { edges { node {
        actor { id }
        ... on ContactOwnerActivity { previousOwner { id } owner { id } }
        ... on ContactFollowersActivity { followersAdded { id } }
    } } } } } } }"""
    # contacts 1, edge 1, node 1, activity 1, edge 1, item 1 + the costliest member:
    # followers (actor 1 + 10 followers) over owner (actor 1 + 2 owners)
    assert cost(query) == 5 + 1 + (1 + 10)


def test_fragments_are_costed_once_and_reused() -> None:
    fragments = ["fragment F0 on Contact { owner { id } }"]
    fragments += [
        f"fragment F{i} on Contact {{ {' '.join([f'...F{i - 1}'] * 10)} }}" for i in range(1, 40)
    ]
    query = "{ contacts(first: 1) { edges { node { ...F39 } } } } " + " ".join(fragments)
    assert cost(query) == 1 + (1 + 1 + 10**39)  # answered at once: 10^39 spreads unexpanded


def test_introspection_is_counted_and_allowed() -> None:
    introspection = cost(get_introspection_query(descriptions=True))
    assert introspection is not None
    assert 10_000 < introspection < Settings(_env_file=None).max_query_cost  # type: ignore[call-arg]


def test_variables_that_do_not_coerce_leave_the_cost_to_execution() -> None:
    assert cost("query($n: Int!) { contacts(first: $n) { totalCount } }", {"n": "x"}) is None


async def test_documents_are_cached_within_an_entry_and_a_token_budget() -> None:
    graphql = TEST_SCHEMA._schema

    def documents(entries: int, tokens: int) -> Documents:
        return Documents(
            max_tokens=100,
            max_length=1_000,
            hide_suggestions=True,
            max_entries=entries,
            max_cached_tokens=tokens,
        )

    by_entries = documents(entries=2, tokens=20)
    first = await by_entries.check(graphql, "{ __typename }", ())  # 3 tokens
    assert await by_entries.check(graphql, "{ __typename }", ()) is first
    big = "{ " + " ".join(f"a{i}: __typename" for i in range(10)) + " }"  # 32 tokens
    assert await by_entries.check(graphql, big, ()) is not await by_entries.check(graphql, big, ())
    assert await by_entries.check(graphql, "{ __typename }", ()) is first  # nothing evicted
    await by_entries.check(graphql, "{ a: __typename }", ())
    await by_entries.check(graphql, "{ b: __typename }", ())  # a third entry: the oldest goes
    assert await by_entries.check(graphql, "{ __typename }", ()) is not first

    by_tokens = documents(entries=10, tokens=12)
    first = await by_tokens.check(graphql, "{ __typename }", ())  # 3 tokens
    second = await by_tokens.check(graphql, "{ a: __typename }", ())  # 5
    assert await by_tokens.check(graphql, "{ __typename }", ()) is first  # used last now
    await by_tokens.check(graphql, "{ b: __typename }", ())  # 13 tokens: the least recent goes
    assert await by_tokens.check(graphql, "{ __typename }", ()) is first
    assert await by_tokens.check(graphql, "{ a: __typename }", ()) is not second


TYPOS = {
    "field": ("{ contacts { totalCont } }", {}),
    "argument": ("{ contacts(frist: 1) { totalCount } }", {}),
    "type": ("query($x: Strin) { contact(id: $x) { id } }", {}),
    "enum literal": ("{ contacts(orderBy: {field: LAST_NAM}) { totalCount } }", {}),
    "input field literal": ('{ contacts(filter: {serch: "x"}) { totalCount } }', {}),
    "enum variable": (
        "query($f: ContactSortField!) { contacts(orderBy: {field: $f}) { totalCount } }",
        {"f": "LAST_NAM"},
    ),
    "input field variable": (
        "query($f: ContactFilter) { contacts(filter: $f) { totalCount } }",
        {"f": {"serch": "x"}},
    ),
}


async def messages(environment: str, query: str, variables: dict[str, Any]) -> str:
    signed_in = SimpleNamespace(authenticated=True, auth_error=None, request_id=None)
    result = await schema(environment).execute(query, variables, context_value=signed_in)
    assert result.errors, result
    assert result.data is None  # refused before any resolver ran
    return " ".join(e.message for e in result.errors)


@pytest.mark.parametrize(("query", "variables"), TYPOS.values(), ids=TYPOS.keys())
async def test_did_you_mean_is_said_in_development_only(
    query: str, variables: dict[str, Any]
) -> None:
    assert "Did you mean" in await messages("development", query, variables)
    for environment in ("test", "production"):
        assert "Did you mean" not in await messages(environment, query, variables)
