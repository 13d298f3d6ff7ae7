"""The executor's hook: the root fields of a query answered by compiled statements,
holes filled by the executor's own field execution, or the executor as before."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any, cast

import orjson
from graphql import GraphQLError, GraphQLObjectType, OperationType
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.execution.executor import CollectedErrors
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from domain.viewer import Viewer
from persistence.compiled.shapes import Hole
from schema.compiled.holes import contacts_in, ready, sources
from schema.compiled.plans import NotCompilable, Plan
from schema.compiled.reads import CompiledReads, compiled_reads_of
from schema.contact import Contact

if TYPE_CHECKING:
    from server.context import Context

log = logging.getLogger(__name__)

TRACE_HEADER = "apollo-federation-include-trace"
"""A gateway asking for ``ftv1`` wants every field's timing: the executor answers."""


class CompiledReadMismatch(Exception):
    """verify: the compiled answer differs from the executor's (which is served)."""


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
                    reads.answered += compiled is not None
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

        The holes' contacts are read by their ids (one statement for all: :func:`sources`)
        and every hole is executed at its own path, concurrently, so the dataloaders batch
        across contacts as they do in the executor, and errors carry the paths they would
        have."""
        context = cast("Context", self.context_value)
        contact_type = self._object_type("Contact")
        pending: list[tuple[dict[str, Any], GroupedFieldSet, Path]] = []
        for root in plan.roots:
            if root.holes:
                for obj, members, path in contacts_in(root, data[root.key], root_type):
                    holes = {m.key: m.details for m in members if isinstance(m, Hole)}
                    pending.append((obj, holes, path))
        found = await sources(context, [obj[next(iter(holes))] for obj, holes, _ in pending])
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
            *(r if self.is_awaitable(r) else ready(r) for r in runs), return_exceptions=True
        )
        if any(isinstance(v, BaseException) for v in values):
            return None
        answers = iter(cast(list[dict[str, Any]], values))
        roots = next(answers) if executed else {}
        for (obj, _, _), value in zip(pending, answers, strict=True):
            obj.update(value)
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
