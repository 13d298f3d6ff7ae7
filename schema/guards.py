"""Request guards: authentication, depth, error masking. Each visits a document once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension

from domain.errors import AuthenticationError

log = logging.getLogger("contact_graph.errors")

PUBLIC_ROOT_FIELDS = frozenset({"_service", "__typename"})
"""Root fields anyone may ask for: the gateway reads the SDL before it has any token."""


class AuthenticationGuard(SchemaExtension):
    """Refuses, before execution, every operation that selects more than ``_service``
    without a valid bearer token, with an UNAUTHENTICATED error."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context.context
        document = self.execution_context.graphql_document
        if not ctx.authenticated and document is not None:
            fields = _root_fields(document.definitions, self.execution_context.operation_name)
            if not fields <= PUBLIC_ROOT_FIELDS:
                error = ctx.auth_error or AuthenticationError("authentication required")
                self.execution_context.result = ExecutionResult(
                    data=None,
                    errors=[GraphQLError(str(error), extensions={"code": "UNAUTHENTICATED"})],
                )
        yield


def _root_fields(definitions: Any, operation_name: str | None) -> set[str]:
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    names: set[str] = set()
    seen: set[str] = set()

    def collect(selection_set: SelectionSetNode) -> None:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                names.add(sel.name.value)
            elif isinstance(sel, InlineFragmentNode):
                collect(sel.selection_set)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                seen.add(sel.name.value)
                if sel.name.value in fragments:
                    collect(fragments[sel.name.value].selection_set)

    for op in operations[:1]:
        collect(op.selection_set)
    return names


def depth_limit_rule(max_depth: int) -> type[ValidationRule]:
    """A depth limit that computes each fragment's depth once (memoised), so a document of
    fragments spreading each other many times costs linear time, not exponential."""

    class DepthLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            doc = context.document
            self.fragments = {
                d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)
            }
            self.memo: dict[str, int] = {}

        def depth(self, selection_set: SelectionSetNode | None, visiting: frozenset[str]) -> int:
            if selection_set is None:
                return 0
            deepest = 0
            for sel in selection_set.selections:
                if isinstance(sel, FieldNode):
                    if sel.name.value.startswith("__"):
                        continue  # introspection has its own fixed shape
                    d = 1 + self.depth(sel.selection_set, visiting) if sel.selection_set else 1
                elif isinstance(sel, InlineFragmentNode):
                    d = self.depth(sel.selection_set, visiting)
                elif isinstance(sel, FragmentSpreadNode):
                    d = self.fragment_depth(sel.name.value, visiting)
                else:
                    continue
                deepest = max(deepest, d)
            return deepest

        def fragment_depth(self, name: str, visiting: frozenset[str]) -> int:
            if name in self.memo:
                return self.memo[name]
            fragment = self.fragments.get(name)
            if fragment is None or name in visiting:  # unknown or cyclic: other rules report
                return 0
            self.memo[name] = self.depth(fragment.selection_set, visiting | {name})
            return self.memo[name]

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            depth = self.depth(node.selection_set, frozenset())
            if depth > max_depth:
                self.report_error(
                    GraphQLError(
                        f"the query is {depth} levels deep; at most {max_depth} are allowed",
                        node,
                        extensions={"code": "QUERY_TOO_DEEP"},
                    )
                )

    return DepthLimit


def is_unexpected(error: GraphQLError) -> bool:
    """Errors that come from a bug or an outage: masked for clients, logged in full.

    Validation errors, authentication errors and GraphQLErrors raised on purpose for bad
    requests are the client's to read.
    """
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError | AuthenticationError)


def log_unexpected(errors: list[GraphQLError], request_id: str | None) -> None:
    for error in errors:
        if is_unexpected(error):
            log.error(
                "unexpected error at %s (request %s)",
                error.path,
                request_id,
                exc_info=error.original_error,
            )
