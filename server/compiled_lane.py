"""The fast lane's compiled reads: a learned, valid query whose every root field the
compiled-reads planner accepts, answered by its statements without strawberry's view,
extension runner or graphql-core's execution of the operation (docs/compiled-reads.md).

What the normal path does before the root fields run, the lane does alike, or declines so
that path answers (and reports) it: the storable-input guard, the variables' size and the
cost limit; the variables coerced by graphql-core itself (``Executor.build`` calls
``get_variable_values``: any coercion error declines); the root fields collected by its
``collect_fields``; the plan and the statements from :class:`schema.compiled_reads.CompiledReads`
with the request's viewer, whose scope and location are in the statements' WHERE. What
the planner or the statements refuse when they run (a forged cursor, an argument the
resolvers refuse, a failing statement) declines too: the normal path answers it, and logs
what it logs. Only with ``CONTACT_GRAPH_COMPILED_READS=on``: ``verify`` and ``off`` serve
the executor's answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    OperationDefinitionNode,
    OperationType,
    type_from_ast,
)
from graphql.execution.collect_fields import collect_fields
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from persistence.compiled import catalog
from schema.compiled_reads import CompiledReads
from schema.cost import cost_report, count_values, operation_cost
from schema.input_guard import input_error

if TYPE_CHECKING:
    from domain.viewer import Viewer
    from schema.build import ContactGraphSchema
    from server.context import Context

ROOT_NAMES = catalog.ROOTS | {"__typename"}


@dataclass
class CompiledOperation:
    """One (document, operationName) the planner may accept: the document, the operation's
    name (as execution reports it) and whether a plan depends on the variables (only
    Boolean ones, of ``@include`` / ``@skip``, change its shape)."""

    document: DocumentNode
    name: str | None
    boolean_variables: bool
    refused: bool = field(default=False)


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


class CompiledLane:
    """Runs a :class:`CompiledOperation` for one request, or says it declines (None)."""

    def __init__(
        self,
        schema: ContactGraphSchema,
        reads: CompiledReads,
        max_cost: int,
        max_variable_values: int,
    ) -> None:
        self.schema = schema
        self.reads = reads
        self.max_cost = max_cost
        self.max_variable_values = max_variable_values

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
        report: dict[str, Any],
    ) -> bytes | None:
        """The response body, or None (the operation did not compile, or its statements
        did not run)."""
        credentials = context.credentials
        if credentials is None:
            return None
        try:
            data = await self._data(entry, variables, context, credentials.viewer)
        except Exception:  # NotCompilable, a failing statement: the normal path answers
            return None
        if data is None:
            return None
        extensions = {"extensions": report} if report else {}
        return orjson.dumps({"data": data, **extensions})

    async def _data(
        self,
        entry: CompiledOperation,
        variables: dict[str, Any] | None,
        context: Context,
        viewer: Viewer,
    ) -> dict[str, Any] | None:
        """The response's data from the compiled statements, None when the planner declines
        (NotCompilable when the statements do)."""
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
        return await self.reads.run(plan, built, viewer)
