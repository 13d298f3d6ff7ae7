"""The fast lane's compiled reads: a learned, valid query whose every root field the
compiled-reads planner accepts, answered by its statements without strawberry's view,
extension runner or graphql-core's execution of the operation (docs/compiled-reads.md).

What the normal path does before the root fields run, the lane does alike, or declines so
that path answers (and reports) it: the storable-input guard, the variables' size and the
cost limit; the variables coerced by graphql-core itself (``Executor.build`` calls
``get_variable_values``: any coercion error declines); the root fields collected by its
``collect_fields``; the plan and the statements from :class:`schema.compiled.reads.CompiledReads`
with the request's viewer, whose scope and location are in the statements' WHERE. What
the planner or the statements refuse when they run (a forged cursor, an argument the
resolvers refuse, a failing statement) declines too: the normal path answers it, and logs
what it logs. Only with ``CONTACT_GRAPH_COMPILED_READS=on``: ``verify`` and ``off`` serve
the executor's answer.

A hot request costs little more than its statement: what depends only on the operation and
the variables' values -- the guards' verdict and cost report, the coerced variables, the plan
and the arguments read from them -- is kept per operation by the variables' JSON
(:class:`Ready`; a root contact's id, read by nothing else, left out of it and put in the
statement's parameters per request); the request's viewer picks the statements
(``CompiledReads.statements_of``: kept by viewer scope, the token checked on every request
by ``get_context``). On PostgreSQL a statement runs on a pooled asyncpg connection as
SQLAlchemy compiled it once (``CompiledReads.driver_sql``; asyncpg's prepared statement
cache), its time reported to the metrics as the engine's are -- unless anything else listens
to the engine's statements (a statement counter, tracing's SQL spans): then it runs through
the engine, as on SQLite.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncpg
import orjson
from graphql import (
    SKIP,
    DocumentNode,
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    Visitor,
    type_from_ast,
    visit,
)
from graphql.execution.collect_fields import collect_fields
from sqlalchemy.util import await_only, greenlet_spawn
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from persistence.compiled import catalog
from schema.compiled.binding import Bound, DriverSQL, with_contact_ids
from schema.compiled.reads import CompiledReads
from schema.cost import cost_report, count_values, operation_cost
from schema.input_guard import input_error

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.ext.asyncio import AsyncEngine

    from domain.viewer import Viewer
    from schema.build import ContactGraphSchema
    from server.context import Context

ROOT_NAMES = catalog.ROOTS | {"__typename"}


READY_PER_OPERATION = 16
"""Variable values whose admission and arguments one operation keeps (LRU)."""
READY_KEY_BYTES = 1024
"""Longer variables' JSON is not kept (each request's is admitted and read anew): with the
fast lane's operations, the memory kept stays under ~16 MB whatever the requests."""


@dataclass
class Ready:
    """What one operation with one request's variable values gets before it runs, which
    depends on nothing else: the guards let it through with this cost ``report``; once a
    request has run it, its plan with the arguments read (``bound``). The viewer is not
    in it: each request's comes in when its statements are picked."""

    report: dict[str, Any]
    bound: Bound | None = None


@dataclass
class CompiledOperation:
    """One (document, operationName) the planner may accept: the document, the operation's
    name (as execution reports it) and whether a plan depends on the variables (only
    Boolean ones, of ``@include`` / ``@skip``, change its shape); what it is ready with,
    by the variables' JSON (as the request sent them, re-serialised)."""

    document: DocumentNode
    name: str | None
    boolean_variables: bool
    refused: bool = field(default=False)
    ready: OrderedDict[bytes, Ready] = field(default_factory=OrderedDict, repr=False)
    ids: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The variables read only as a root ``contact``'s ``id`` (by the response keys of
    those fields): their string values change nothing but that statement's parameter,
    so one :class:`Ready` serves them all (:meth:`CompiledLane.ready`)."""


def compiled_operations(
    document: DocumentNode, schema: ContactGraphSchema
) -> dict[str | None, CompiledOperation]:
    """The queries of a valid ``document`` whose root fields are all compiled roots (the
    planner decides the rest when a request comes), by the ``operationName`` a request
    sends to run them (None too for the only operation)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    found: dict[str | None, CompiledOperation] = {}
    for operation in operations:
        if operation.operation is not OperationType.QUERY or operation.directives:
            continue
        roots = operation.selection_set.selections
        if any(isinstance(s, FieldNode) and s.name.value not in ROOT_NAMES for s in roots):
            continue
        name = operation.name.value if operation.name else None
        entry = CompiledOperation(document, name, _boolean_variables(operation, schema))
        entry.ids = _contact_ids(document, operation)
        if name is not None:
            found[name] = entry
        if len(operations) == 1:
            found[None] = entry
    return found


def _boolean_variables(operation: OperationDefinitionNode, schema: ContactGraphSchema) -> bool:
    graphql_schema = schema._schema
    for definition in operation.variable_definitions or ():
        declared = type_from_ast(graphql_schema, definition.type)
        while isinstance(declared, GraphQLNonNull | GraphQLList):
            declared = declared.of_type
        if getattr(declared, "name", None) == "Boolean":
            return True
    return False


class _Variables(Visitor):
    """Every use of a variable (not its definition)."""

    def __init__(self) -> None:
        super().__init__()
        self.uses: list[VariableNode] = []

    def enter_variable_definition(self, *_: object) -> object:
        return SKIP

    def enter_variable(self, node: VariableNode, *_: object) -> None:
        self.uses.append(node)


def _contact_ids(
    document: DocumentNode, operation: OperationDefinitionNode
) -> dict[str, tuple[str, ...]]:
    """The operation's variables of type ``ID`` (no default) whose every use in the document
    is the ``id`` argument of a root ``contact`` field, with those fields' response keys."""
    declared = set()
    for definition in operation.variable_definitions or ():
        declared_type = definition.type
        if isinstance(declared_type, NonNullTypeNode):
            declared_type = declared_type.type
        if (
            isinstance(declared_type, NamedTypeNode)
            and declared_type.name.value == "ID"
            and definition.default_value is None
        ):
            declared.add(definition.variable.name.value)
    if not declared:
        return {}
    as_id: dict[int, str] = {}  # a use (by node) -> the root field's response key
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode) and selection.name.value == "contact":
            for argument in selection.arguments or ():
                if argument.name.value == "id" and isinstance(argument.value, VariableNode):
                    as_id[id(argument.value)] = (selection.alias or selection.name).value
    uses = _Variables()
    visit(document, uses)
    keys: dict[str, list[str]] = {}
    for use in uses.uses:
        name = use.name.value
        if name not in declared:
            continue
        if id(use) not in as_id:
            declared.discard(name)
        else:
            keys.setdefault(name, []).append(as_id[id(use)])
    return {name: tuple(dict.fromkeys(keys[name])) for name in declared if name in keys}


class CompiledLane:
    """Runs a :class:`CompiledOperation` for one request, or says it declines (None)."""

    def __init__(
        self,
        schema: ContactGraphSchema,
        reads: CompiledReads,
        max_cost: int,
        max_variable_values: int,
        on_statement: Callable[[float], None] | None = None,
    ) -> None:
        self.schema = schema
        self.reads = reads
        self.max_cost = max_cost
        self.max_variable_values = max_variable_values
        self.on_statement = on_statement
        """Given, the statements may run on the driver's connection (:meth:`_direct`),
        reported to it as the engine's statements are to the metrics."""
        self._watched = _statement_listeners(reads.engine)

    def ready(
        self, query: str, entry: CompiledOperation, variables: dict[str, Any] | None
    ) -> tuple[Ready, dict[str, str]] | None:
        """The operation with these variables, admitted (kept: the same values are
        admitted alike), and the contact ids its root fields take from them (by response
        key); None: the normal path answers.

        A variable of :attr:`CompiledOperation.ids` holding a string is kept as the
        placeholder ``null`` (under a key of its own kind, which no request's JSON is):
        any string coerces to an ``ID``, counts as one value and costs nothing, so all but
        the input guard's check of its text -- run for every request -- is the same."""
        ids: dict[str, str] = {}
        texts: dict[str, str] = {}  # those variables' values
        shown = variables
        if entry.ids and variables is not None:
            shown = dict(variables)
            for name, keys in entry.ids.items():
                value = variables.get(name)
                if isinstance(value, str):
                    shown[name], texts[name] = None, value
                    ids.update(dict.fromkeys(keys, value))
        try:
            key = orjson.dumps(shown)
        except TypeError:  # not JSON orjson writes (an integer over 64 bits): not kept
            report = self.admitted(query, entry, variables)
            return None if report is None else (Ready(report), {})
        if len(key) > READY_KEY_BYTES:
            report = self.admitted(query, entry, variables)
            return None if report is None else (Ready(report), {})
        if ids:
            key = b"\0" + key
            if input_error(query, entry.document, texts) is not None:  # the rest: as kept
                return None
        held = entry.ready.get(key)
        if held is not None:
            entry.ready.move_to_end(key)
            return held, ids
        report = self.admitted(query, entry, variables)
        if report is None:
            return None
        ready = entry.ready[key] = Ready(report)
        while len(entry.ready) > READY_PER_OPERATION:
            entry.ready.popitem(last=False)
        return ready, ids

    def admitted(
        self, query: str, entry: CompiledOperation, variables: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """The cost report, when the guards that run before execution let it through;
        None: the normal path answers (it refuses, or it reports what the lane cannot)."""
        limit = self.max_variable_values
        if variables is not None and count_values(variables, limit) > limit:
            return None
        if input_error(query, entry.document, variables) is not None:
            return None
        cost = operation_cost(self.schema._schema, entry.document, entry.name, variables)
        if cost is None or cost > self.max_cost:
            return None
        return cost_report(cost, self.max_cost)

    async def run(
        self,
        entry: CompiledOperation,
        variables: dict[str, Any] | None,
        context: Context,
        ready: Ready,
        ids: dict[str, str],
    ) -> bytes | None:
        """The response body, or None (the operation did not compile, or its statements
        did not run). ``ids``: the contacts asked for this time (:meth:`ready`)."""
        credentials = context.credentials
        if credentials is None:
            return None
        try:
            bound = ready.bound or self._bind(entry, variables, context)
            if bound is None:
                return None
            ready.bound = bound
            if ids:
                bound = with_contact_ids(bound, ids)
            data = await self._data(bound, credentials.viewer, context)
        except Exception:  # NotCompilable, a failing statement: the normal path answers
            return None
        report = ready.report
        extensions = {"extensions": report} if report else {}
        return orjson.dumps({"data": data, **extensions})

    def _bind(
        self, entry: CompiledOperation, variables: dict[str, Any] | None, context: Context
    ) -> Bound | None:
        """The plan with the request's arguments read, None when the planner declines
        (NotCompilable when the arguments are refused)."""
        schema = self.schema
        graphql_schema = schema._schema
        executor_class = schema.execution_context_class
        built = executor_class.build(  # coerces the variables: get_variable_values
            graphql_schema,
            entry.document,
            None,
            context,
            variables,
            entry.name,
            hide_suggestions=True,
        )
        if isinstance(built, list):  # a coercion error: the normal path reports it
            return None
        assert isinstance(built, StrawberryGraphQLCoreExecutionContext)
        operation = built.operation
        root_type = graphql_schema.get_root_type(operation.operation)
        if root_type is None:
            return None
        collected = collect_fields(
            graphql_schema, built.fragments, built.variable_values, root_type, operation, True
        )
        grouped, new_defer_usages, _forbidden = collected
        if new_defer_usages:
            return None
        plan = self.reads.plan(built, root_type, grouped)
        if plan is None or not plan.whole:  # the executor answers (and fills holes)
            if not entry.boolean_variables:  # refused for any variables
                entry.refused = True
            return None
        return self.reads.bind(plan, built)

    async def _data(self, bound: Bound, viewer: Viewer, context: Context) -> dict[str, Any]:
        """The response's data from the viewer's statements, run on one connection."""
        reads = self.reads
        statements = reads.statements_of(bound, viewer, context)
        data: dict[str, Any] = {}
        direct = self._direct_statements(statements)
        if direct is not None:
            await self._run_direct(direct, data)
        else:
            async with reads.engine.connect() as conn:
                for key, stmt, params in statements:
                    if isinstance(stmt, str):
                        data[key] = orjson.Fragment(stmt)
                        continue
                    found = (await conn.execute(stmt, params)).scalar()
                    data[key] = orjson.Fragment("null" if found is None else found)
        reads.answered += 1
        return data

    def _direct_statements(
        self, statements: list[tuple[str, Select[Any] | str, dict[str, Any]]]
    ) -> list[tuple[str, DriverSQL | str, dict[str, Any]]] | None:
        """The statements as the driver runs them, when they all may (PostgreSQL, nothing
        but the metrics listening to the engine's statements); else None."""
        if self.on_statement is None or _statement_listeners(self.reads.engine) != self._watched:
            return None
        out: list[tuple[str, DriverSQL | str, dict[str, Any]]] = []
        for key, stmt, params in statements:
            if isinstance(stmt, str):
                out.append((key, stmt, params))
                continue
            sql = self.reads.driver_sql(stmt)
            if sql is None:
                return None
            out.append((key, sql, params))
        return out

    async def _run_direct(
        self, statements: list[tuple[str, DriverSQL | str, dict[str, Any]]], data: dict[str, Any]
    ) -> None:
        """The statements on one pooled asyncpg connection (its prepared statement cache),
        without SQLAlchemy's connection and execution: autocommit, as the read engine's
        (asyncpg runs a statement outside a transaction alone); each statement's time
        reported to the metrics as the engine reports its own. A connection that fails
        (not an error PostgreSQL reports) is invalidated, as the engine would: the pool
        opens another."""
        on_statement = self.on_statement
        assert on_statement is not None
        sync_engine = self.reads.engine.sync_engine

        def run() -> None:  # in one greenlet: the pool's checkout and checkin, as the engine's
            pooled = sync_engine.raw_connection()
            try:
                driver = pooled.driver_connection
                assert driver is not None
                for key, sql, params in statements:
                    if isinstance(sql, str):
                        data[key] = orjson.Fragment(sql)
                        continue
                    started = time.perf_counter()
                    found = await_only(driver.fetchval(sql.sql, *sql.args(params)))
                    on_statement(time.perf_counter() - started)
                    data[key] = orjson.Fragment("null" if found is None else found)
            except asyncpg.PostgresError:
                raise
            except BaseException:
                pooled.invalidate()
                raise
            finally:
                pooled.close()  # back to the pool (its reset: nothing was begun)

        await greenlet_spawn(run)


def _statement_listeners(engine: AsyncEngine) -> tuple[object, ...]:
    """Who hears of the engine's statements (SQLAlchemy's cursor-execute events)."""
    dispatch = engine.sync_engine.dispatch
    return (*dispatch.before_cursor_execute, *dispatch.after_cursor_execute)
