"""Compiled reads: a validated query over the record graph, answered by one SQL statement
per root field that returns the response's JSON (docs/compiled-reads.md).

:class:`Planner` walks the operation with the schema, collecting fields exactly as
graphql-core's executor does (``collect_fields`` / ``collect_subfields``: aliases, inline
and named fragments, ``@include`` / ``@skip``, the order of the response keys), and builds a
tree of :mod:`persistence.compiled.shapes` members from the catalog
(:mod:`persistence.compiled.catalog`), or raises :class:`NotCompilable`. Plans are kept per
(operation, boolean variables) -- the only variables that change a plan's shape are those of
``@include`` / ``@skip``; the others are read when the plan runs.

:class:`CompiledRoots` is the executor's hook: when every root field of a query compiles,
each root field's statement runs on one connection, and its JSON text becomes the field's
value as an ``orjson.Fragment``, spliced into the response bytes by the view's
``orjson.dumps`` with no per-value Python work. Everything else about the request (the
guards, the cost report in ``extensions``, masking, metrics) is what the executor's path
does, since only the execution of the root fields is replaced. Anything that does not
compile -- a field outside the catalog, an argument the resolver would refuse, a forged
cursor, too many representations -- runs the whole operation through the executor, which
answers (and errs) as it always has. All or nothing for now; falling back per subtree is
the next step.

``CONTACT_GRAPH_COMPILED_READS=verify`` runs both paths, serves the executor's answer and
logs :class:`CompiledReadMismatch` when the bytes differ.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, cast

import orjson
from graphql import (
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    OperationType,
    get_named_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet, collect_subfields
from graphql.execution.values import get_argument_values
from sqlalchemy import Dialect, Select
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments

from domain.viewer import Viewer
from persistence.compiled import catalog
from persistence.compiled import contact as contact_sql
from persistence.compiled.json_text import JsonText, for_dialect
from persistence.compiled.shapes import (
    Constant,
    Cursor,
    Edges,
    Flag,
    Info,
    Leaf,
    Member,
    Nested,
    Node,
    Paged,
    Total,
    TypeSpec,
)
from persistence.compiled.statements import Compiler
from persistence.paging import InvalidCursor
from persistence.tab_pages import PageRequest
from resolvers.common import page_size
from resolvers.contact import checked
from schema.fanout import viewer_scope
from schema.notes import notes_request
from schema.query import contacts_query
from schema.tasks import tasks_request

if TYPE_CHECKING:
    from server.context import Context

log = logging.getLogger(__name__)

Mode = Literal["on", "off", "verify"]
PLANS = 1000
"""Plans kept per process (LRU), like the parse cache's documents."""

LIST_ARGUMENTS: dict[str, Callable[..., PageRequest]] = {
    "notes": notes_request,
    "tasks": tasks_request,
}
"""How each compiled tab list reads its arguments: the resolver's own function."""
PAGE_FLAGS = frozenset({"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"})


class NotCompilable(Exception):
    """This operation (with these variables) runs through the executor."""


class CompiledReadMismatch(Exception):
    """verify: the compiled answer differs from the executor's (which is served)."""


@dataclass(frozen=True)
class Root:
    """One root field: its response key, what it reads and its selection."""

    key: str
    name: str
    nodes: FieldDetailsList
    field: GraphQLField | None
    members: tuple[Member, ...]


@dataclass(frozen=True)
class Plan:
    roots: tuple[Root, ...]


@dataclass(frozen=True)
class BoundRoot:
    """One root field's arguments, read: a constant's JSON, or its statement's parameters
    (the ids asked for), the shape of a list's query and each tab list's page request."""

    root: Root
    constant: str | None
    params: dict[str, Any] = field(default_factory=dict)
    shape: Hashable = ()
    requests: dict[int, PageRequest] = field(default_factory=dict)
    arguments: Hashable = field(init=False, repr=False, compare=False)
    """The shape and the page requests, hashed once: part of the statement's key."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "arguments", _Hashed((self.shape, *self.requests.values())))


class _Hashed:
    """A key whose hash is computed once (a kept request's arguments are looked up again
    with every request: the same object, found by identity)."""

    __slots__ = ("_hash", "value")

    def __init__(self, value: tuple[Hashable, ...]) -> None:
        self.value = value
        self._hash = hash(value)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, _Hashed) and self.value == other.value)


@dataclass(frozen=True)
class Bound:
    """A plan with one request's arguments read (:meth:`CompiledReads.bind`)."""

    plan: Plan
    roots: tuple[BoundRoot, ...]


@dataclass(frozen=True)
class DriverSQL:
    """A statement as SQLAlchemy compiles it for asyncpg: the SQL text and, for each
    positional parameter, the name of a request's parameter (``params``) or its value."""

    sql: str
    slots: tuple[tuple[str | None, Any], ...]
    """(name, None) for a request's parameter, (None, value) for a built-in one."""

    def args(self, params: dict[str, Any]) -> list[Any]:
        return [value if name is None else params[name] for name, value in self.slots]


def with_contact_ids(bound: Bound, ids: dict[str, str]) -> Bound:
    """``bound`` with other contacts asked for by its root ``contact`` fields (``ids`` by
    response key, as :meth:`CompiledReads.bind` reads them: an ``ID``'s text)."""
    return Bound(
        bound.plan,
        tuple(
            replace(b, params={"contact_id": ids[b.root.key]})
            if b.root.name == "contact" and b.root.key in ids
            else b
            for b in bound.roots
        ),
    )


REQUEST_PARAMS = frozenset({"contact_id", "ids"})
"""The parameters :meth:`CompiledReads.bind` reads from a request (the rest are built in)."""


def driver_sql(stmt: Select[Any], dialect: Dialect) -> DriverSQL | None:
    """``stmt`` compiled by ``dialect`` as its execution would compile it, when it runs
    unchanged on asyncpg's connection: positional parameters, none that SQLAlchemy expands
    at execution or converts with a bind processor; else None."""
    if dialect.driver != "asyncpg":
        return None
    compiled = stmt.compile(dialect=dialect)
    names = compiled.positiontup
    if (
        names is None
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled._bind_processors
    ):
        return None
    params = compiled.params
    slots: list[tuple[str | None, Any]] = []
    for name in names:
        if name in REQUEST_PARAMS:
            slots.append((name, None))
        elif params.get(name) is None:  # a parameter given no value: not one of ours
            return None
        else:
            slots.append((None, params[name]))
    return DriverSQL(compiled.string, tuple(slots))


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

    def plan(self, root_type: GraphQLObjectType, fields: GroupedFieldSet) -> Plan:
        roots = []
        contact_type = self._object_type("Contact")
        for key, details in fields.items():
            self._plain(details)
            name = details[0].node.name.value
            if name == "__typename":
                roots.append(Root(key, name, details, None, (_typename(key, root_type.name),)))
                continue
            if name not in catalog.ROOTS:
                raise NotCompilable(name)
            field = root_type.fields[name]
            if name == "contacts":
                members = self._connection(catalog.CONTACT, self._named(field), details)
            else:  # contact, _entities: Contacts (_entities' other members are left out)
                members = self._object(catalog.CONTACT, contact_type, details)
            roots.append(Root(key, name, details, field, members))
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
        if of_type.name != spec.name:
            raise NotCompilable(of_type.name)
        members: list[Member] = []
        for key, sub in self._subfields(of_type, details).items():
            node = sub[0].node
            name = node.name.value
            if name == "__typename":
                members.append(_typename(key, of_type.name))
            elif node.arguments and name not in spec.lists:
                raise NotCompilable(f"{of_type.name}.{name} with arguments")
            elif name in spec.fields:
                members.append(Leaf(key, name))
            elif name in spec.objects:
                inner = spec.objects[name].type
                field_type = self._named(of_type.fields[name])
                members.append(Nested(key, name, self._object(inner, field_type, sub)))
            elif name in spec.lists and name in LIST_ARGUMENTS:
                field = of_type.fields[name]
                listed = spec.lists[name]
                request = self._list_request(field, sub, LIST_ARGUMENTS[name])
                inner_members = self._connection(listed.node, self._named(field), sub)
                members.append(Paged(key, name, request, inner_members))
            else:
                raise NotCompilable(f"{of_type.name}.{name}")
        return tuple(members)

    @staticmethod
    def _list_request(
        field: GraphQLField, details: FieldDetailsList, build: Callable[..., PageRequest]
    ) -> Callable[[Any], PageRequest]:
        def request(arguments: Any) -> PageRequest:
            return build(**cast(Arguments, arguments).of(field, details))

        return request

    def _connection(
        self, node_spec: TypeSpec, of_type: GraphQLObjectType, details: FieldDetailsList
    ) -> tuple[Member, ...]:
        members: list[Member] = []
        for key, sub in self._subfields(of_type, details).items():
            name = sub[0].node.name.value
            if name == "__typename":
                members.append(_typename(key, of_type.name))
            elif name == "totalCount":
                members.append(Total(key))
            elif name == "pageInfo":
                info_type = self._named(of_type.fields[name])
                flags: list[Flag | Constant] = []
                for flag_key, flag in self._subfields(info_type, sub).items():
                    flag_name = flag[0].node.name.value
                    if flag_name == "__typename":
                        flags.append(_typename(flag_key, info_type.name))
                    elif flag_name in PAGE_FLAGS:
                        flags.append(Flag(flag_key, flag_name))
                    else:
                        raise NotCompilable(f"pageInfo.{flag_name}")
                members.append(Info(key, tuple(flags)))
            elif name == "edges":
                edge_type = self._named(of_type.fields[name])
                parts: list[Cursor | Node | Constant] = []
                for part_key, part in self._subfields(edge_type, sub).items():
                    part_name = part[0].node.name.value
                    if part_name == "__typename":
                        parts.append(_typename(part_key, edge_type.name))
                    elif part_name == "cursor":
                        parts.append(Cursor(part_key))
                    elif part_name == "node":
                        node_type = self._named(edge_type.fields[part_name])
                        parts.append(Node(part_key, self._object(node_spec, node_type, part)))
                    else:
                        raise NotCompilable(f"edges.{part_name}")
                members.append(Edges(key, tuple(parts)))
            else:
                raise NotCompilable(f"{of_type.name}.{name}")
        return tuple(members)


class CompiledReads:
    """The process's plans and how it runs them (one per app, on the Runtime)."""

    def __init__(
        self, mode: Mode, engine: AsyncEngine, max_entities: int, size: int = PLANS
    ) -> None:
        self.mode = mode
        self.engine = engine
        self.json: JsonText = for_dialect(engine.dialect.name)
        self.max_entities = max_entities
        self.size = size
        self.plans: OrderedDict[Hashable, tuple[object, Plan | None]] = OrderedDict()
        self.built: OrderedDict[Hashable, tuple[Plan, Select[Any]]] = OrderedDict()
        self.compiled: OrderedDict[int, tuple[Select[Any], DriverSQL | None]] = OrderedDict()
        self.answered = 0
        """Operations answered by compiled SQL (tests read it)."""

    def plan(
        self,
        executor: StrawberryGraphQLCoreExecutionContext,
        root_type: GraphQLObjectType,
        fields: GroupedFieldSet,
    ) -> Plan | None:
        """The cached plan of this operation with these variables; None: not compilable."""
        operation = executor.operation
        shape = tuple(
            sorted(
                (k, v) for k, v in executor.variable_values.coerced.items() if isinstance(v, bool)
            )
        )
        key = (id(operation), shape)
        held = self.plans.get(key)
        if held is not None and held[0] is operation:
            self.plans.move_to_end(key)
            return held[1]
        try:
            plan: Plan | None = Planner(executor).plan(root_type, fields)
        except NotCompilable:
            plan = None
        self.plans[key] = (operation, plan)  # the operation kept: its id is not reused
        while len(self.plans) > self.size:
            self.plans.popitem(last=False)
        return plan

    def statements(
        self, plan: Plan, executor: StrawberryGraphQLCoreExecutionContext, viewer: Viewer
    ) -> list[tuple[str, Select[Any] | str, dict[str, Any]]]:
        """Each root field's statement (or constant JSON) and its parameters, or
        NotCompilable when an argument is one the resolvers would refuse (they answer it).

        A statement is built once per (plan, root field, viewer scope, every list's
        arguments) and kept: the contact ids asked for are its parameters, so a hot query
        costs no statement building, only SQLAlchemy's cached compilation."""
        return self.statements_of(self.bind(plan, executor), viewer)

    def bind(self, plan: Plan, executor: StrawberryGraphQLCoreExecutionContext) -> Bound:
        """What ``plan``'s statements take from this request's arguments (the executor's
        coerced variables), checked as the resolvers check them, or NotCompilable. It
        depends on nothing but the operation and its variables: the fast lane keeps it
        per variable values (server/compiled_lane.py); the viewer comes in
        :meth:`statements_of`."""
        arguments = Arguments(executor)
        roots: list[BoundRoot] = []
        try:
            for root in plan.roots:
                if root.field is None:  # __typename
                    roots.append(BoundRoot(root, cast(Constant, root.members[0]).json))
                    continue
                args = arguments.of(root.field, root.nodes)
                requests: dict[int, PageRequest] = {}
                _list_requests(root.members, arguments, requests)
                params: dict[str, Any] = {}
                shape: Hashable = ()
                if root.name == "contact":
                    params["contact_id"] = str(args["id"])
                elif root.name == "_entities":
                    ids = self._entity_ids(args["representations"])
                    params["ids"] = orjson.dumps(ids).decode()
                else:
                    settings = executor.context_value.settings
                    query = contacts_query(args["filter"], args["order_by"], settings.phone_region)
                    checked(query)
                    shape = (query, page_size(args["first"]), args["after"])
                roots.append(BoundRoot(root, None, params, shape, requests))
        except (GraphQLError, InvalidCursor) as exc:
            raise NotCompilable(str(exc)) from exc
        return Bound(plan, tuple(roots))

    def statements_of(
        self, bound: Bound, viewer: Viewer
    ) -> list[tuple[str, Select[Any] | str, dict[str, Any]]]:
        """:meth:`statements` for arguments already bound, with this viewer's scope."""
        plan, scope = bound.plan, viewer_scope(viewer)
        out: list[tuple[str, Select[Any] | str, dict[str, Any]]] = []
        try:
            for b in bound.roots:
                root = b.root
                if b.constant is not None:
                    out.append((root.key, b.constant, {}))
                    continue
                key = (id(plan), root.key, scope, b.arguments)
                stmt = self._statement(key, plan, root, viewer, b.requests, b.shape)
                out.append((root.key, stmt, b.params))
        except (GraphQLError, InvalidCursor) as exc:
            raise NotCompilable(str(exc)) from exc
        return out

    def driver_sql(self, stmt: Select[Any]) -> DriverSQL | None:
        """``stmt`` (one :meth:`_statement` keeps) compiled once for PostgreSQL's driver:
        what SQLAlchemy would send, to be run on the driver's connection without its
        per-execution work; None where that would not be the same statement (SQLite, a
        parameter SQLAlchemy converts or expands)."""
        held = self.compiled.get(id(stmt))
        if held is not None and held[0] is stmt:
            self.compiled.move_to_end(id(stmt))
            return held[1]
        found = driver_sql(stmt, self.engine.dialect)
        self.compiled[id(stmt)] = (stmt, found)  # the statement kept: its id is not reused
        while len(self.compiled) > self.size:
            self.compiled.popitem(last=False)
        return found

    def _statement(
        self,
        key: Hashable,
        plan: Plan,
        root: Root,
        viewer: Viewer,
        requests: dict[int, PageRequest],
        shape: Hashable = (),
    ) -> Select[Any]:
        held = self.built.get(key)
        if held is not None and held[0] is plan:
            self.built.move_to_end(key)
            return held[1]
        c = Compiler(self.json, requests)
        spec = catalog.CONTACT
        if root.name == "contact":
            stmt = contact_sql.contact(c, spec, viewer, root.members)
        elif root.name == "_entities":
            stmt = contact_sql.entities(c, spec, viewer, root.members)
        else:
            query, first, after = cast(tuple[Any, int, str | None], shape)
            stmt = contact_sql.contacts(c, spec, viewer, query, first, after, root.members)
        self.built[key] = (plan, stmt)
        while len(self.built) > self.size:
            self.built.popitem(last=False)
        return stmt

    def _entity_ids(self, representations: object) -> list[str]:
        """Contacts only, each with a string id, at most MAX_ENTITIES: otherwise the
        schema's ``entities_resolver`` answers (and refuses what it refuses)."""
        if not isinstance(representations, list) or len(representations) > self.max_entities:
            raise NotCompilable("representations")
        ids = []
        for rep in representations:
            if not isinstance(rep, dict) or rep.get("__typename") != "Contact":
                raise NotCompilable("representations")
            if not isinstance(rep.get("id"), str):
                raise NotCompilable("representations")
            ids.append(rep["id"])
        return ids

    async def run(
        self, plan: Plan, executor: StrawberryGraphQLCoreExecutionContext, viewer: Viewer
    ) -> dict[str, Any]:
        """The data: each root field's JSON text as an ``orjson.Fragment``."""
        statements = self.statements(plan, executor, viewer)
        data: dict[str, Any] = {}
        async with self.engine.connect() as conn:
            for key, stmt, params in statements:
                if isinstance(stmt, str):
                    data[key] = orjson.Fragment(stmt)
                    continue
                found = (await conn.execute(stmt, params)).scalar()
                data[key] = orjson.Fragment("null" if found is None else found)
        self.answered += 1
        return data


def _list_requests(
    members: tuple[Member, ...], arguments: Arguments, out: dict[int, PageRequest]
) -> None:
    """Every list's arguments, read (and checked) before anything is built."""
    for m in members:
        if isinstance(m, Paged):
            out[id(m)] = m.request(arguments)
        inner = getattr(m, "members", ())
        _list_requests(inner, arguments, out)


def compiled_reads_of(context: object) -> CompiledReads | None:
    runtime = getattr(context, "runtime", None)
    return getattr(runtime, "compiled_reads", None)


class CompiledRoots(StrawberryGraphQLCoreExecutionContext):
    """The executor, with the root fields of a compilable query answered by SQL."""

    def execute_collected_root_fields(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: GroupedFieldSet,
        serially: bool,
        new_defer_usages: Any,
    ) -> Any:
        reads = compiled_reads_of(self.context_value)
        context = cast("Context", self.context_value)
        credentials = getattr(context, "credentials", None)
        if (
            reads is None
            or reads.mode == "off"
            or credentials is None
            or self.operation.operation != OperationType.QUERY
            or new_defer_usages
        ):
            return super().execute_collected_root_fields(
                root_type, root_value, grouped_field_set, serially, new_defer_usages
            )
        plan = reads.plan(self, root_type, grouped_field_set)
        if plan is None:
            return super().execute_collected_root_fields(
                root_type, root_value, grouped_field_set, serially, new_defer_usages
            )
        return self._compiled(
            reads, plan, credentials.viewer, root_type, root_value, grouped_field_set, serially
        )

    async def _compiled(
        self,
        reads: CompiledReads,
        plan: Plan,
        viewer: Viewer,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: GroupedFieldSet,
        serially: bool,
    ) -> dict[str, Any]:
        compiled: dict[str, Any] | None = None
        try:
            compiled = await reads.run(plan, self, viewer)
        except NotCompilable:
            pass
        except Exception:  # a bug of the compiler: the executor answers, the bug is logged
            log.exception("compiled read failed; the executor answers")
        if compiled is not None and reads.mode == "on":
            return compiled
        executed = super().execute_collected_root_fields(
            root_type, root_value, grouped_field_set, serially, []
        )
        if self.is_awaitable(executed):
            executed = await executed
        data = cast(dict[str, Any], executed)
        if compiled is not None:
            self._compare(compiled, data)
        return data

    def _compare(self, compiled: dict[str, Any], executed: dict[str, Any]) -> None:
        errors = self.collected_errors.errors
        mine, theirs = orjson.dumps(compiled), orjson.dumps(executed)
        if mine != theirs or errors:
            log.error(
                "compiled read differs from the executor's",
                exc_info=CompiledReadMismatch(
                    f"compiled {mine[:2000]!r}\nexecutor {theirs[:2000]!r}\nerrors {errors!r}"
                ),
            )
