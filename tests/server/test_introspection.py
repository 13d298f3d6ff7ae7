"""The introspection queries the tools send, over HTTP through the app: no errors, and a
client schema can be built from the answer (an unprintable input default used to break it)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from graphql import (
    FieldNode,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLSchema,
    NameNode,
    SelectionSetNode,
    Undefined,
    ast_from_value,
    build_client_schema,
    get_introspection_query,
    parse,
    print_ast,
)
from graphql.language import Visitor, visit

from domain.viewer import Role, Viewer
from server.app import create_app, schema_for
from server.auth import issue_token
from server.settings import Settings

MODERN = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
)
"""What GraphiQL 3+ and graphql-codegen send."""


class _AddTypename(Visitor):
    def leave_selection_set(self, node: SelectionSetNode, *_: object) -> SelectionSetNode:
        typename = FieldNode(
            name=NameNode(value="__typename"), arguments=(), directives=(), selection_set=None
        )
        return SelectionSetNode(selections=(*node.selections, typename))


LEGACY = print_ast(visit(parse(get_introspection_query(descriptions=True)), _AddTypename()))
"""The older shape Apollo codegen and Rover send: none of the newer flags (specifiedByURL,
isRepeatable, schema description, deprecated input values), `__typename` on every object."""


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    db = tmp_path_factory.mktemp("introspection") / "x.db"
    return Settings(
        database_url=f"sqlite+aiosqlite:///{db}",
        environment="test",
        graphiql=False,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture(scope="module")
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


def _headers(settings: Settings) -> dict[str, str]:
    token = issue_token(Viewer("user-admin", "location-1", Role.ADMIN), settings)
    return {"Authorization": f"Bearer {token}"}


def _defaults(schema: GraphQLSchema) -> Iterator[tuple[str, Any, GraphQLInputType]]:
    """Every default value in the schema: input fields, field and directive arguments."""
    for type_name, named in schema.type_map.items():
        if isinstance(named, GraphQLInputObjectType):
            for name, input_field in named.fields.items():
                yield f"{type_name}.{name}", input_field.default_value, input_field.type
        for field_name, field in (getattr(named, "fields", None) or {}).items():
            for arg_name, arg in getattr(field, "args", {}).items():
                yield f"{type_name}.{field_name}({arg_name}:)", arg.default_value, arg.type
    for directive in schema.directives:
        for arg_name, arg in directive.args.items():
            yield f"@{directive.name}({arg_name}:)", arg.default_value, arg.type


def test_every_default_value_can_be_printed() -> None:
    # introspection prints each default as GraphQL; one it cannot print fails every client
    schema = schema_for(Settings(_env_file=None))._schema  # type: ignore[call-arg]
    unprintable = []
    for where, default, type_ in _defaults(schema):
        if default is Undefined:
            continue
        try:
            printed = ast_from_value(default, type_)
        except (TypeError, ValueError) as exc:
            unprintable.append(f"{where} = {default!r}: {exc}")
            continue
        if printed is None:
            unprintable.append(f"{where} = {default!r}: not printable")
    assert unprintable == []


@pytest.mark.parametrize("query", [MODERN, LEGACY], ids=["graphiql-codegen", "apollo-rover"])
@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_the_standard_introspection_queries_work(
    client: httpx.AsyncClient, settings: Settings, query: str, method: str
) -> None:
    params = {"query": query, "operationName": "IntrospectionQuery"}
    if method == "POST":
        response = await client.post("/graphql", json=params, headers=_headers(settings))
    else:
        response = await client.get("/graphql", params=params, headers=_headers(settings))
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    client_schema = build_client_schema(body["data"])
    served = schema_for(settings)._schema
    assert set(client_schema.type_map) == set(served.type_map)
    record = client_schema.type_map["CustomObjectRecordCreateInput"]
    assert isinstance(record, GraphQLInputObjectType)
    assert "properties" in record.fields


async def test_introspection_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": MODERN})
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


def test_the_legacy_query_is_the_older_shape() -> None:
    assert "specifiedByURL" in MODERN
    assert "isRepeatable" in MODERN
    assert "inputFields(includeDeprecated: true)" in MODERN
    for newer in ("specifiedByURL", "isRepeatable", "inputFields(includeDeprecated: true)"):
        assert newer not in LEGACY
    assert LEGACY.count("__typename") > 10
