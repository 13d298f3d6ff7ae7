"""The plan of an operation: the selection as a tree of compiled members, or
:class:`NotCompilable` (docs/compiled-reads.md, "How a selection becomes SQL")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import orjson
from graphql import GraphQLField, GraphQLObjectType, GraphQLSchema, get_named_type
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet, collect_subfields
from graphql.execution.values import get_argument_values
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments

from persistence.compiled import catalog
from persistence.compiled.shapes import (
    Constant,
    Cursor,
    Edges,
    Flag,
    Hole,
    Info,
    Leaf,
    Member,
    Nested,
    Node,
    Paged,
    Records,
    Total,
    TypeSpec,
)
from persistence.tab_pages import PageRequest
from schema.compiled.lists import LIST_ARGUMENTS

if TYPE_CHECKING:
    pass


PAGE_FLAGS = frozenset({"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"})


class NotCompilable(Exception):
    """This operation (with these variables) runs through the executor."""


@dataclass(frozen=True)
class Root:
    """One root field: its response key, what it reads and its selection; ``executed``: the
    executor answers it (not a compiled root, or nothing under it compiles); ``holes``: some
    fields of its contacts are the executor's."""

    key: str
    name: str
    nodes: FieldDetailsList
    field: GraphQLField | None
    members: tuple[Member, ...]
    executed: bool = False
    holes: bool = False


@dataclass(frozen=True)
class Plan:
    roots: tuple[Root, ...]

    @property
    def whole(self) -> bool:
        """Every field compiled: the answer is the statements' JSON alone."""
        return not any(r.executed or r.holes for r in self.roots)


class Arguments:
    """Reads a field's arguments as its resolver gets them: graphql-core's coercion of
    literals and variables, then strawberry's conversion to input objects."""

    def __init__(self, executor: StrawberryGraphQLCoreExecutionContext) -> None:
        self.executor = executor
        strawberry_schema = executor.schema._strawberry_schema  # type: ignore[attr-defined]
        self.converter = strawberry_schema.schema_converter
        self.config = strawberry_schema.config

    def of(self, field: GraphQLField, details: FieldDetailsList) -> dict[str, Any]:
        raw = get_argument_values(
            field, details[0].node, self.executor.variable_values, hide_suggestions=True
        )
        definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if definition is None:  # _entities: strawberry's own field, a list of scalars
            return raw
        return convert_arguments(
            raw,
            definition.arguments,
            scalar_registry=self.converter.scalar_registry,
            config=self.config,
        )


def _typename(key: str, name: str) -> Constant:
    return Constant(key, orjson.dumps(name).decode())


class Planner:
    """Builds the plan of one operation (with the executor's fragments and variables)."""

    def __init__(self, executor: StrawberryGraphQLCoreExecutionContext) -> None:
        self.executor = executor
        self.schema: GraphQLSchema = executor.schema
        self.holes = 0
        """Holes made under the root field being planned."""

    def plan(self, root_type: GraphQLObjectType, fields: GroupedFieldSet) -> Plan:
        """The plan; NotCompilable when no root field compiles."""
        roots = []
        contact_type = self._object_type("Contact")
        for key, details in fields.items():
            self._plain(details)
            name = details[0].node.name.value
            if name == "__typename":
                roots.append(Root(key, name, details, None, (_typename(key, root_type.name),)))
                continue
            if name not in catalog.ROOTS:
                roots.append(Root(key, name, details, None, (), executed=True))
                continue
            field = root_type.fields[name]
            self.holes = 0
            try:
                if name == "contacts":
                    members = self._connection(catalog.CONTACT, self._named(field), details)
                else:  # contact, _entities: Contacts (_entities' other members are left out)
                    members = self._object(catalog.CONTACT, contact_type, details)
            except NotCompilable:
                roots.append(Root(key, name, details, field, (), executed=True))
                continue
            roots.append(Root(key, name, details, field, members, holes=self.holes > 0))
        if not any(r.field is not None and not r.executed for r in roots):
            raise NotCompilable("no root field compiles")
        return Plan(tuple(roots))

    def _object_type(self, name: str) -> GraphQLObjectType:
        found = self.schema.get_type(name)
        if not isinstance(found, GraphQLObjectType):
            raise NotCompilable(name)
        return found

    @staticmethod
    def _named(field: GraphQLField) -> GraphQLObjectType:
        named = get_named_type(field.type)
        if not isinstance(named, GraphQLObjectType):
            raise NotCompilable(str(named))
        return named

    @staticmethod
    def _plain(details: FieldDetailsList) -> None:
        """@defer and fragment variables are not compiled."""
        if any(d.defer_usage is not None or d.fragment_variable_values for d in details):
            raise NotCompilable("incremental delivery or fragment variables")

    def _subfields(self, of_type: GraphQLObjectType, details: FieldDetailsList) -> GroupedFieldSet:
        e = self.executor
        collected = collect_subfields(
            self.schema, e.fragments, e.variable_values, e.operation, of_type, details, True
        )
        if collected.new_defer_usages:
            raise NotCompilable("@defer")
        for sub in collected.grouped_field_set.values():
            self._plain(sub)
        return collected.grouped_field_set

    def _object(
        self, spec: TypeSpec, of_type: GraphQLObjectType, details: FieldDetailsList
    ) -> tuple[Member, ...]:
        """An object's members. A contact's field that does not compile (or anything under
        it) becomes a :class:`Hole` the executor fills; a contact with nothing compiled but
        holes and ``__typename`` is not worth a statement (NotCompilable)."""
        if of_type.name != spec.name:
            raise NotCompilable(of_type.name)
        holes = spec is catalog.CONTACT
        members: list[Member] = []
        for key, sub in self._subfields(of_type, details).items():
            try:
                members.append(self._member(spec, of_type, key, sub))
            except NotCompilable:
                if not holes:
                    raise
                members.append(Hole(key, sub))
                self.holes += 1
        if holes and all(isinstance(m, Hole | Constant) for m in members):
            raise NotCompilable(f"nothing of {of_type.name} compiles")
        return tuple(members)

    def _member(
        self, spec: TypeSpec, of_type: GraphQLObjectType, key: str, sub: FieldDetailsList
    ) -> Member:
        node = sub[0].node
        name = node.name.value
        if name == "__typename":
            return _typename(key, of_type.name)
        if node.arguments and name not in spec.lists:
            raise NotCompilable(f"{of_type.name}.{name} with arguments")
        if name in spec.fields:
            return Leaf(key, name)
        if name in spec.objects:
            inner = spec.objects[name].type
            field_type = self._named(of_type.fields[name])
            return Nested(key, name, self._object(inner, field_type, sub))
        if name in spec.records:
            node_spec = spec.records[name].node
            field_type = self._named(of_type.fields[name])
            return Records(key, name, self._object(node_spec, field_type, sub))
        if name in spec.lists and name in LIST_ARGUMENTS:
            field = of_type.fields[name]
            listed = spec.lists[name]
            request = self._list_request(field, sub, LIST_ARGUMENTS[name])
            inner_members = self._connection(listed.node, self._named(field), sub)
            return Paged(key, name, request, inner_members)
        raise NotCompilable(f"{of_type.name}.{name}")

    @staticmethod
    def _list_request(
        field: GraphQLField, details: FieldDetailsList, build: Callable[..., PageRequest]
    ) -> Callable[[Any], PageRequest]:
        def request(arguments: Any) -> PageRequest:
            return build(**cast(Arguments, arguments).of(field, details))

        return request

    def _selected(
        self,
        of_type: GraphQLObjectType,
        details: FieldDetailsList,
        member: Callable[[str, str, FieldDetailsList], Any],
    ) -> tuple[Any, ...]:
        """The members of an object's selection in response order: ``__typename`` a
        constant, every other field what ``member(key, name, details)`` makes of it (it
        raises NotCompilable for a field it does not compile)."""
        members = []
        for key, sub in self._subfields(of_type, details).items():
            name = sub[0].node.name.value
            members.append(
                _typename(key, of_type.name) if name == "__typename" else member(key, name, sub)
            )
        return tuple(members)

    def _connection(
        self, node_spec: TypeSpec, of_type: GraphQLObjectType, details: FieldDetailsList
    ) -> tuple[Member, ...]:
        def flag(key: str, name: str, _: FieldDetailsList) -> Flag:
            if name not in PAGE_FLAGS:
                raise NotCompilable(f"pageInfo.{name}")
            return Flag(key, name)

        def edge_part(key: str, name: str, sub: FieldDetailsList) -> Cursor | Node:
            if name == "cursor":
                return Cursor(key)
            if name != "node":
                raise NotCompilable(f"edges.{name}")
            node_type = self._named(self._named(of_type.fields["edges"]).fields[name])
            return Node(key, self._object(node_spec, node_type, sub))

        def member(key: str, name: str, sub: FieldDetailsList) -> Member:
            if name == "totalCount":
                return Total(key)
            if name == "pageInfo":
                return Info(key, self._selected(self._named(of_type.fields[name]), sub, flag))
            if name == "edges":
                return Edges(key, self._selected(self._named(of_type.fields[name]), sub, edge_part))
            raise NotCompilable(f"{of_type.name}.{name}")

        return cast(tuple[Member, ...], self._selected(of_type, details, member))
