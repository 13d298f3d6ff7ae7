"""The process's plans and statements, and how a bound plan runs (one per app)."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Literal, cast

import orjson
from graphql import GraphQLError, GraphQLObjectType
from graphql.execution.collect_fields import GroupedFieldSet
from opentelemetry.trace import Tracer
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from domain.viewer import Viewer
from persistence.compiled import catalog
from persistence.compiled import contact as contact_sql
from persistence.compiled.json_text import JsonText, for_dialect
from persistence.compiled.shapes import Constant
from persistence.compiled.statements import Compiler
from persistence.paging import InvalidCursor
from persistence.tab_pages import PageRequest
from resolvers.common import page_size
from resolvers.contact import checked
from schema.compiled.binding import (
    Bound,
    BoundRoot,
    DriverSQL,
    driver_sql,
    list_names,
    list_requests,
)
from schema.compiled.lists import REQUEST_PARAMETERS
from schema.compiled.plans import Arguments, NotCompilable, Plan, Planner, Root
from schema.fanout import viewer_scope
from schema.query import contacts_query

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

Mode = Literal["on", "off", "verify"]
PLANS = 1000
"""Plans kept per process (LRU), like the parse cache's documents."""


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
                list_requests(root.members, arguments, requests)
                params: dict[str, Any] = {}
                per_request = frozenset(list_names(root.members) & REQUEST_PARAMETERS.keys())
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


def compiled_reads_of(context: object) -> CompiledReads | None:
    runtime = getattr(context, "runtime", None)
    return getattr(runtime, "compiled_reads", None)
