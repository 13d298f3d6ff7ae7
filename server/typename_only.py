"""Which operations of a valid document the fast lane may answer without executing them.

An operation qualifies when its answer is known from the document alone: a query whose
selection is only ``__typename`` (aliased or not), with no variables, no directives and no
fragments. graphql-core would answer each of its fields with the query type's name, in
document order, a repeated response name once (validation made its copies the same field).
Anything else -- a mutation, a subscription, an argument, ``@include``, a spread -- is left to
execution, which is the one place its rules live.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import DocumentNode, FieldNode, OperationDefinitionNode, OperationType

TYPENAME = "__typename"


@dataclass(frozen=True)
class Answer:
    data: dict[str, str]
    """The response's ``data``."""
    name: str | None
    """The operation's name (None: anonymous)."""


def typename_answers(document: DocumentNode, query_type: str) -> dict[str | None, Answer]:
    """The answer of each qualifying operation, by the ``operationName`` a request would
    send to run it: its name, and None too when it is the document's only operation (a
    request may then leave the name out). An anonymous operation is reachable only so."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    answers: dict[str | None, Answer] = {}
    for operation in operations:
        data = _answer(operation, query_type)
        if data is None:
            continue
        name = operation.name.value if operation.name else None
        if name is not None:
            answers[name] = Answer(data, name)
        if len(operations) == 1:
            answers[None] = Answer(data, name)
    return answers


def _answer(operation: OperationDefinitionNode, query_type: str) -> dict[str, str] | None:
    if operation.operation is not OperationType.QUERY:
        return None
    if operation.variable_definitions or operation.directives:
        return None
    data: dict[str, str] = {}
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.name.value != TYPENAME:
            return None
        if selection.arguments or selection.directives or selection.selection_set:
            return None
        key = selection.alias.value if selection.alias else TYPENAME
        data[key] = query_type
    return data
