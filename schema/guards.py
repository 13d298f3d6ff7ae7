"""Request guards: authentication, depth, aliases, error hygiene. Each visits a document once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, ClassVar

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
from graphql.execution import Executor
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

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


class _OperationMeasure(ValidationRule):
    """Measures each operation, every fragment once: a fragment's value is memoised, so a
    document of fragments spreading each other many times costs linear time, not
    exponential (strawberry's QueryDepthLimiter and MaxAliasesLimiter expand every spread).
    A subclass says what a field is worth and how sibling values combine."""

    limit: ClassVar[int]

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.fragments = {
            d.name.value: d
            for d in context.document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[str, int] = {}

    def field(self, node: FieldNode, visiting: frozenset[str]) -> int | None:
        """The field's value, its selection included; None leaves it out."""
        raise NotImplementedError

    def combine(self, values: list[int]) -> int:
        raise NotImplementedError

    def refusal(self, value: int, node: OperationDefinitionNode) -> GraphQLError:
        raise NotImplementedError

    def measure(self, selection_set: SelectionSetNode | None, visiting: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        values: list[int] = []
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                value = self.field(sel, visiting)
                if value is not None:
                    values.append(value)
            elif isinstance(sel, InlineFragmentNode):
                values.append(self.measure(sel.selection_set, visiting))
            elif isinstance(sel, FragmentSpreadNode):
                values.append(self.fragment(sel.name.value, visiting))
        return self.combine(values)

    def fragment(self, name: str, visiting: frozenset[str]) -> int:
        if name in self.memo:
            return self.memo[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in visiting:  # unknown or cyclic: other rules report
            return 0
        self.memo[name] = self.measure(fragment.selection_set, visiting | {name})
        return self.memo[name]

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        value = self.measure(node.selection_set, frozenset())
        if value > self.limit:
            self.report_error(self.refusal(value, node))


class _DepthLimit(_OperationMeasure):
    def field(self, node: FieldNode, visiting: frozenset[str]) -> int | None:
        if node.name.value.startswith("__"):
            return None  # introspection has its own fixed shape (the cost limit counts it)
        return 1 + self.measure(node.selection_set, visiting) if node.selection_set else 1

    def combine(self, values: list[int]) -> int:
        return max(values, default=0)

    def refusal(self, value: int, node: OperationDefinitionNode) -> GraphQLError:
        return GraphQLError(
            f"the query is {value} levels deep; at most {self.limit} are allowed",
            node,
            extensions={"code": "QUERY_TOO_DEEP"},
        )


class _AliasLimit(_OperationMeasure):
    def field(self, node: FieldNode, visiting: frozenset[str]) -> int | None:
        return (1 if node.alias else 0) + self.measure(node.selection_set, visiting)

    def combine(self, values: list[int]) -> int:
        return sum(values)

    def refusal(self, value: int, node: OperationDefinitionNode) -> GraphQLError:
        return GraphQLError(
            f"the query has {value} aliased fields; at most {self.limit} are allowed",
            node,
            extensions={"code": "TOO_MANY_ALIASES"},
        )


def depth_limit_rule(max_depth: int) -> type[ValidationRule]:
    """Refuses an operation deeper than ``max_depth`` fields (QUERY_TOO_DEEP)."""
    return type("DepthLimit", (_DepthLimit,), {"limit": max_depth})


def alias_limit_rule(max_aliases: int) -> type[ValidationRule]:
    """Refuses an operation with more than ``max_aliases`` aliased fields, counted as if
    its fragments were written out at every spread (TOO_MANY_ALIASES): aliases are how one
    field is asked for thousands of times, which no depth or cost limit sees for scalars."""
    return type("AliasLimit", (_AliasLimit,), {"limit": max_aliases})


class QuietExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Coerces variables with graphql-core's ``hide_suggestions``: an error about a variable
    names no valid enum value or input field ("Did you mean ..."), which would hand out the
    schema piece by piece where introspection is off. Validation hides them in
    ``schema/parsing.py``."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> list[GraphQLError] | Executor[Any]:
        return super().build(*args, **{**kwargs, "hide_suggestions": True})


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
