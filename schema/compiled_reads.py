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
answers (and errs) as it always has.

A contact's field outside the catalog is a :class:`~persistence.compiled.shapes.Hole`: the
statement puts the contact's id there, and :meth:`CompiledRoots._fill` runs the executor's
own ``execute_fields`` for the holes of every contact at their paths (and for root fields
that do not compile), so resolvers, dataloaders, errors and their paths are the executor's.

``CONTACT_GRAPH_COMPILED_READS=verify`` runs both paths, serves the executor's answer and
logs :class:`CompiledReadMismatch` when the bytes differ.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
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
from graphql.execution.executor import CollectedErrors
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path
from opentelemetry.trace import Tracer
from sqlalchemy import Dialect, Select
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments

from domain.contact import Contact as DomainContact
from domain.viewer import Viewer
from persistence import queries
from persistence.appointments import NOW as APPOINTMENTS_NOW
from persistence.compiled import catalog
from persistence.compiled import contact as contact_sql
from persistence.compiled.json_text import JsonText, for_dialect
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
from persistence.compiled.statements import Compiler
from persistence.mappers import contact_from_rows
from persistence.paging import InvalidCursor
from persistence.tab_pages import PageRequest
from resolvers.appointments import request_now
from resolvers.common import page_size
from resolvers.contact import checked
from schema.appointments import appointments_request
from schema.association_fields import opportunities_request
from schema.client_portal import community_groups_request, course_offers_request
from schema.contact import Contact
from schema.documents import documents_request
from schema.fanout import viewer_scope
from schema.interactions import interactions_request
from schema.invoices import invoices_request
from schema.notes import notes_request
from schema.payments import payment_methods_request, payments_request, subscriptions_request
from schema.query import contacts_query
from schema.tasks import tasks_request
from schema.workflows import workflows_request

if TYPE_CHECKING:
    from server.context import Context

log = logging.getLogger(__name__)

Mode = Literal["on", "off", "verify"]
PLANS = 1000
"""Plans kept per process (LRU), like the parse cache's documents."""

LIST_ARGUMENTS: dict[str, Callable[..., PageRequest]] = {
    "notes": notes_request,
    "tasks": tasks_request,
    "interactions": interactions_request,
    "workflows": workflows_request,
    "courseOffers": course_offers_request,
    "communityGroups": community_groups_request,
    "appointments": partial(appointments_request, boundary=datetime(1970, 1, 1, tzinfo=UTC)),
    "paymentMethods": payment_methods_request,
    "payments": payments_request,
    "subscriptions": subscriptions_request,
    "invoices": invoices_request,
    "documents": documents_request,
    "opportunities": opportunities_request,
}
"""How each compiled tab list reads its arguments: the resolver's own function. A value
that is the request's, not an argument (appointments' "now"), is a placeholder here, so
one statement serves every request, and is bound at execution (``REQUEST_PARAMETERS``)."""
REQUEST_PARAMETERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "appointments": lambda context: {APPOINTMENTS_NOW: request_now(context)},
}
"""The bind parameters of a list's filter read from the request (by the list's field):
the same values the request's resolvers read, bound at each execution."""
TRACE_HEADER = "apollo-federation-include-trace"
"""A gateway asking for ``ftv1`` wants every field's timing: the executor answers."""
PAGE_FLAGS = frozenset({"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"})


class NotCompilable(Exception):
    """This operation (with these variables) runs through the executor."""


class CompiledReadMismatch(Exception):
    """verify: the compiled answer differs from the executor's (which is served)."""


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


@dataclass(frozen=True)
class BoundRoot:
    """One root field's arguments, read: a constant's JSON, or its statement's parameters
    (the ids asked for), the shape of a list's query and each tab list's page request."""

    root: Root
    constant: str | None
    params: dict[str, Any] = field(default_factory=dict)
    shape: Hashable = ()
    requests: dict[int, PageRequest] = field(default_factory=dict)
    per_request: frozenset[str] = frozenset()
    """Its lists whose filters take values of each request (``REQUEST_PARAMETERS``): read
    by :meth:`CompiledReads.statements_of`, never kept with the binding."""
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
        self,
        mode: Mode,
        engine: AsyncEngine,
        max_entities: int,
        tracer: Tracer | None = None,
        size: int = PLANS,
    ) -> None:
        self.mode = mode
        self.tracer = tracer
        """When tracing: a span per compiled read, its statements' spans under it."""
        self.engine = engine
        self.json: JsonText = for_dialect(engine.dialect.name)
        self.max_entities = max_entities
        self.size = size
        self.plans: OrderedDict[Hashable, tuple[object, Plan | None]] = OrderedDict()
        self.built: OrderedDict[Hashable, tuple[Plan, Select[Any]]] = OrderedDict()
        self.compiled: OrderedDict[int, tuple[Select[Any], DriverSQL | None]] = OrderedDict()
        self.answered = 0
        """Operations answered by compiled SQL, holes filled or not (tests read it)."""

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
        except Exception:  # a bug of the planner: the executor answers, the bug is logged
            log.exception("planning a compiled read failed; the executor answers")
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
        return self.statements_of(self.bind(plan, executor), viewer, executor.context_value)

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
                if root.executed:
                    continue
                if root.field is None:  # __typename
                    roots.append(BoundRoot(root, cast(Constant, root.members[0]).json))
                    continue
                args = arguments.of(root.field, root.nodes)
                requests: dict[int, PageRequest] = {}
                _list_requests(root.members, arguments, requests)
                params: dict[str, Any] = {}
                per_request = frozenset(_list_names(root.members) & REQUEST_PARAMETERS.keys())
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
                roots.append(BoundRoot(root, None, params, shape, requests, per_request))
        except (GraphQLError, InvalidCursor) as exc:
            raise NotCompilable(str(exc)) from exc
        return Bound(plan, tuple(roots))

    def statements_of(
        self, bound: Bound, viewer: Viewer, context: Any
    ) -> list[tuple[str, Select[Any] | str, dict[str, Any]]]:
        """:meth:`statements` for arguments already bound, with this viewer's scope and this
        request's values (``context``: appointments' "now")."""
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
                params = b.params
                if b.per_request:
                    params = dict(params)
                    for name in b.per_request:
                        params.update(REQUEST_PARAMETERS[name](context))
                out.append((root.key, stmt, params))
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
        """The compiled root fields' data: each one's JSON text as an ``orjson.Fragment``,
        or parsed where it has holes to fill (:meth:`CompiledRoots._fill`)."""
        statements = self.statements(plan, executor, viewer)
        parsed = {r.key for r in plan.roots if r.holes}
        data: dict[str, Any] = {}
        async with self.engine.connect() as conn:
            for key, stmt, params in statements:
                if isinstance(stmt, str):
                    data[key] = orjson.Fragment(stmt)
                    continue
                found = (await conn.execute(stmt, params)).scalar() or "null"
                data[key] = orjson.loads(found) if key in parsed else orjson.Fragment(found)
        if plan.whole:
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


async def _sources(context: Context, ids: list[str]) -> list[DomainContact] | None:
    """The contacts whose holes are filled, by their own ids (the statement's rows: a merged
    contact listed with ``archived`` is itself, not its survivor), primed into the contact
    loader as the ``contacts`` resolver primes its page; None if one went away meanwhile."""
    visible = queries.visible_to(context.viewer)
    async with context.engine.connect() as conn:
        rows = await queries.contact_rows(conn, list(dict.fromkeys(ids)), visible)
    if len(rows) != len(set(ids)):
        return None
    found = {cid: contact_from_rows(row) for cid, row in rows.items()}
    for cid, contact in found.items():
        context.loaders.contact.prime(cid, contact)
    return [found[cid] for cid in ids]


def _list_names(members: tuple[Member, ...]) -> set[str]:
    """The fields of every list in ``members``, however deep."""
    found = {m.name for m in members if isinstance(m, Paged)}
    for m in members:
        found |= _list_names(getattr(m, "members", ()))
    return found


async def _ready(value: Any) -> Any:
    return value


def _contacts_in(
    root: Root, value: Any, root_type: GraphQLObjectType
) -> Iterator[tuple[dict[str, Any], tuple[Member, ...], Path]]:
    """The contacts of a root field's parsed answer, each with its members and its path
    (as the executor builds it, so errors in holes say where they are)."""
    path = Path(None, root.key, root_type.name)
    if value is None:
        return
    if root.name == "contact":
        yield value, root.members, path
    elif root.name == "_entities":
        for i, item in enumerate(value):
            if item is not None:
                yield item, root.members, path.add_key(i)
    else:  # contacts: its edges' nodes
        connection = cast(GraphQLObjectType, get_named_type(cast(GraphQLField, root.field).type))
        edge = cast(GraphQLObjectType, get_named_type(connection.fields["edges"].type))
        for m in root.members:
            if isinstance(m, Edges):
                for i, item in enumerate(value[m.key]):
                    at = path.add_key(m.key, connection.name).add_key(i)
                    for part in m.members:
                        if isinstance(part, Node):
                            yield item[part.key], part.members, at.add_key(part.key, edge.name)


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
        request = getattr(context, "request", None)
        if (
            reads is None
            or reads.mode == "off"
            or credentials is None
            or self.operation.operation != OperationType.QUERY
            or new_defer_usages
            or (request is not None and TRACE_HEADER in request.headers)
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
        names = ", ".join(dict.fromkeys(r.name for r in plan.roots if not r.executed))
        try:
            with (
                reads.tracer.start_as_current_span(f"GraphQL Compiled: {names}")
                if reads.tracer
                else contextlib.nullcontext()
            ):
                compiled = await reads.run(plan, self, viewer)
                if not plan.whole:
                    compiled = await self._fill(plan, compiled, root_type, root_value)
        except NotCompilable:
            compiled = None
        except Exception:  # a bug of the compiler: the executor answers, the bug is logged
            compiled = None
            log.exception("compiled read failed; the executor answers")
        if compiled is not None and reads.mode == "on":
            return compiled
        errors = self.collected_errors
        self.collected_errors = CollectedErrors()
        executed = super().execute_collected_root_fields(
            root_type, root_value, grouped_field_set, serially, []
        )
        if self.is_awaitable(executed):
            executed = await executed
        data = cast(dict[str, Any], executed)
        if compiled is not None:
            self._compare(compiled, errors.errors, data)
        return data

    async def _fill(
        self, plan: Plan, data: dict[str, Any], root_type: GraphQLObjectType, root_value: Any
    ) -> dict[str, Any] | None:
        """The answer with the executor's values in the holes and for the executed root
        fields, their errors in ``collected_errors``; None (the executor answers the whole
        operation) when a contact went away meanwhile or an error reached a non-null field.

        The holes' contacts are read by the contact loader (one statement for all) and every
        hole is executed at its own path, concurrently, so the dataloaders batch across
        contacts as they do in the executor, and errors carry the paths they would have."""
        context = cast("Context", self.context_value)
        contact_type = self._object_type("Contact")
        pending: list[tuple[dict[str, Any], GroupedFieldSet, Path]] = []
        for root in plan.roots:
            if root.holes:
                for obj, members, path in _contacts_in(root, data[root.key], root_type):
                    holes = {m.key: m.details for m in members if isinstance(m, Hole)}
                    pending.append((obj, holes, path))
        found = await _sources(context, [obj[next(iter(holes))] for obj, holes, _ in pending])
        if found is None:
            return None
        executed = {r.key: r.nodes for r in plan.roots if r.executed}
        runs: list[Any] = []
        try:
            if executed:
                runs.append(self.execute_fields(root_type, root_value, None, executed, None))
            for (_, holes, path), contact in zip(pending, found, strict=True):
                source = Contact.from_domain(contact)
                runs.append(self.execute_fields(contact_type, source, path, holes, None))
        except GraphQLError:
            return None
        values = await asyncio.gather(
            *(r if self.is_awaitable(r) else _ready(r) for r in runs), return_exceptions=True
        )
        if any(isinstance(v, BaseException) for v in values):
            return None
        answers = iter(cast(list[dict[str, Any]], values))
        roots = next(answers) if executed else {}
        for (obj, _, _), value in zip(pending, answers, strict=True):
            obj.update(value)
        cast(CompiledReads, compiled_reads_of(context)).answered += 1
        return {r.key: roots[r.key] if r.executed else data[r.key] for r in plan.roots}

    def _object_type(self, name: str) -> GraphQLObjectType:
        return cast(GraphQLObjectType, self.schema.get_type(name))

    def _compare(
        self, compiled: dict[str, Any], errors: list[GraphQLError], executed: dict[str, Any]
    ) -> None:
        mine, theirs = orjson.dumps(compiled), orjson.dumps(executed)
        my_errors = [e.formatted for e in errors]
        their_errors = [e.formatted for e in self.collected_errors.errors]
        if mine != theirs or my_errors != their_errors:
            log.error(
                "compiled read differs from the executor's",
                exc_info=CompiledReadMismatch(
                    f"compiled {mine[:2000]!r}\nexecutor {theirs[:2000]!r}\n"
                    f"errors {my_errors!r}\nexecutor's {their_errors!r}"
                ),
            )
