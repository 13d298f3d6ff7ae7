"""Refuses, before execution, text that no database can store: one check over the request's
string literals and variable values, so every argument, input field, filter, JSON value and
`_entities` representation is covered the same way, for queries, mutations and
subscriptions alike. The rule itself is ``domain.values.text_problem``."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import DocumentNode, GraphQLError, Node, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

from domain.values import find_text_problem, text_problem

_LITERALS: OrderedDict[str, GraphQLError | None] = OrderedDict()
_LITERALS_MAX = 1000
"""A document's verdict by query text, like strawberry's parser and validation caches."""


class StorableInputGuard(SchemaExtension):
    """A string with a NUL character (or a lone surrogate) anywhere in the document or the
    variables is a request error (BAD_USER_INPUT) and nothing runs.

    Runs in the validation step, after the validation (cache) extension, so a document that
    is also invalid reports its validation errors; list it after ``CheckedDocuments``."""

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if not ctx.pre_execution_errors and ctx.graphql_document is not None:
            error = input_error(ctx.query, ctx.graphql_document, ctx.variables)
            if error is not None:
                ctx.pre_execution_errors = [error]
        yield


def input_error(
    query: str | None, document: DocumentNode, variables: object
) -> GraphQLError | None:
    """The guard's refusal of this request, or None (the fast lane asks it too)."""
    return _literal_error(query, document) or _variable_error(variables)


def _bad_text(message: str, node: Node | None = None) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": "BAD_USER_INPUT"})


def _variable_error(variables: object) -> GraphQLError | None:
    found = find_text_problem(variables or {})
    if found is None:
        return None
    path, problem = found
    where = ".".join(str(p) for p in path)
    return _bad_text(f"Variable '${where}': {problem}.")


def _literal_error(query: str | None, document: DocumentNode) -> GraphQLError | None:
    if query is not None and query in _LITERALS:
        _LITERALS.move_to_end(query)
        return _LITERALS[query]
    error = _first_bad_literal(document)
    if query is not None:
        _LITERALS[query] = error
        if len(_LITERALS) > _LITERALS_MAX:
            _LITERALS.popitem(last=False)
    return error


def _first_bad_literal(document: DocumentNode) -> GraphQLError | None:
    found: list[GraphQLError] = []

    class Strings(Visitor):
        def enter_string_value(self, node: StringValueNode, *_: object) -> object:
            problem = text_problem(node.value)
            if problem is not None:
                found.append(_bad_text(f"{problem[0].upper()}{problem[1:]}.", node))
                return Visitor.BREAK
            return None

    visit(document, Strings())
    return found[0] if found else None
