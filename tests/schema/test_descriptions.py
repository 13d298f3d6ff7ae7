"""Every type, field, argument, input field and enum value we define has a description
(strawberry ignores docstrings, so each needs `description=`; enum values get theirs through
`schema.enums.graphql_enum`)."""

from __future__ import annotations

from enum import StrEnum

import pytest
import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    introspection_types,
    specified_scalar_types,
)

from schema.enums import graphql_enum
from server.app import schema_for
from server.settings import Settings

FEDERATION_TYPES = frozenset({"_Service", "_Entity", "_Any", "_FieldSet", "FieldSet"})
FEDERATION_PREFIXES = ("link__", "federation__")
FEDERATION_FIELDS = frozenset({"_service", "_entities"})  # on Query


def ours(t: GraphQLNamedType) -> bool:
    return not (
        t.name in introspection_types
        or t.name in specified_scalar_types
        or t.name in FEDERATION_TYPES
        or t.name.startswith(FEDERATION_PREFIXES)
    )


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Coordinates (`Type`, `Type.field`, `Type.field(arg)`, `Enum.VALUE`) without a
    description, among the types we define."""
    missing: list[str] = []
    for name, t in sorted(schema.type_map.items()):
        if not ours(t):
            continue
        if not t.description:
            missing.append(name)
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, f in t.fields.items():
                if field_name in FEDERATION_FIELDS:
                    continue
                if not f.description:
                    missing.append(f"{name}.{field_name}")
                missing += [
                    f"{name}.{field_name}({a})" for a, arg in f.args.items() if not arg.description
                ]
        elif isinstance(t, GraphQLInputObjectType):
            missing += [f"{name}.{n}" for n, f in t.fields.items() if not f.description]
        elif isinstance(t, GraphQLEnumType):
            missing += [f"{name}.{n}" for n, v in t.values.items() if not v.description]
    return missing


def test_everything_we_define_is_described() -> None:
    schema = schema_for(Settings(_env_file=None))._schema

    assert undescribed(schema) == []


@strawberry.enum(description="Described, but not its values.")
class Colour(StrEnum):
    RED = "RED"


@strawberry.input
class PaintInput:
    colour: Colour


@strawberry.type(name="Query", description="The root.")
class PaintQuery:
    @strawberry.field
    def paint(self, input: PaintInput) -> Colour:
        return input.colour


def test_the_check_finds_what_lacks_a_description() -> None:
    schema = strawberry.federation.Schema(query=PaintQuery)._schema

    assert undescribed(schema) == [
        "Colour.RED",
        "PaintInput",
        "PaintInput.colour",
        "Query.paint",
        "Query.paint(input)",
    ]


def test_graphql_enum_wants_every_value_described() -> None:
    class Size(StrEnum):
        S = "S"
        M = "M"

    with pytest.raises(ValueError, match=r"describe \['M'\]"):
        graphql_enum(Size, "A size.", {Size.S: "Small."})
