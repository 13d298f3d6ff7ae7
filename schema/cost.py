"""What an operation costs, computed before any resolver runs, and the limits on it.

The cost estimates how many objects an operation can return, in the spirit of GitHub's node
limit and Shopify's calculated query cost:

- a scalar or enum field costs 0; an object, interface or union field costs 1 plus the cost
  of its selection;
- a list costs its number of items times what one item costs (1 plus its selection). The
  number is what the operation asks for, variables resolved:
  - in a connection, the page: a field with a `first` argument passes `first` (20 when
    null, at most 100: what the resolvers return) to the lists directly in its selection
    (`edges`);
  - a list field with a `first` of its own: that `first`;
  - a list field with one list argument: its length (`_entities(representations:)` returns
    one entity per representation);
  - any other list: `UNPAGED_LIST_SIZE`, since the lists without paging are small bounded
    groups (at most 11 phones, 11 emails, 10 followers, 10 labels on a link, ...);
- where the type is abstract, the costliest of its possible types counts (an object is of
  one type only);
- a fragment's cost is computed once per (type, page) and reused at every spread.

So `contacts(first: 50) { edges { node { id phones { number } } } }` costs
1 (the connection) + 50 * (1 (an edge) + 1 (its node) + 10 * 1 (phones)) = 601.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_abstract_type,
    is_composite_type,
    is_list_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from domain.contact_query import DEFAULT_PAGE, MAX_PAGE

UNPAGED_LIST_SIZE: Final = 10
"""Items counted for a list that has no `first` and no list argument."""
PAGE_ARGUMENT: Final = "first"
MAX_REPORTED: Final = 2**53 - 1
"""A cost is reported at most this high: the largest integer a JSON client reads exactly
(fragments spreading each other reach 10^29 and more)."""
_META_FIELDS: Final = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> int | None:
    """The cost of the operation a valid ``document`` names, as the module describes; None
    when there is no such operation or its variables do not coerce (execution reports
    that)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    root = schema.get_root_type(operation.operation)
    coerced = get_variable_values(
        schema,
        operation.variable_definitions or (),
        variables or {},
        max_errors=1,
        hide_suggestions=True,
    )
    if root is None or not isinstance(coerced, VariableValues):
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return _Walk(schema, fragments, coerced).selection_set(operation.selection_set, root, None)


@dataclass
class _Walk:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: VariableValues
    memo: dict[tuple[str, str, int | None], int] = field(default_factory=dict)
    visiting: set[str] = field(default_factory=set)

    def selection_set(
        self, node: SelectionSetNode, parent: GraphQLCompositeType, page: int | None
    ) -> int:
        if isinstance(parent, GraphQLObjectType):
            return self.on_object(node, parent, page)
        possible = self.schema.get_possible_types(parent)
        return max((self.on_object(node, t, page) for t in possible), default=0)

    def on_object(self, node: SelectionSetNode, obj: GraphQLObjectType, page: int | None) -> int:
        total = 0
        for sel in node.selections:
            if isinstance(sel, FieldNode):
                total += self.field(sel, obj, page)
            elif isinstance(sel, InlineFragmentNode):
                if self.applies(sel.type_condition, obj):
                    total += self.on_object(sel.selection_set, obj, page)
            elif isinstance(sel, FragmentSpreadNode):
                total += self.fragment(sel.name.value, obj, page)
        return total

    def fragment(self, name: str, obj: GraphQLObjectType, page: int | None) -> int:
        key = (name, obj.name, page)
        if key not in self.memo:
            fragment = self.fragments.get(name)
            if fragment is None or name in self.visiting:  # validation refuses both
                return 0
            self.visiting.add(name)
            applies = self.applies(fragment.type_condition, obj)
            self.memo[key] = self.on_object(fragment.selection_set, obj, page) if applies else 0
            self.visiting.discard(name)
        return self.memo[key]

    def applies(self, condition: NamedTypeNode | None, obj: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        named = self.schema.get_type(condition.name.value)
        if named is obj:
            return True
        return is_abstract_type(named) and self.schema.is_sub_type(named, obj)

    def field(self, node: FieldNode, obj: GraphQLObjectType, page: int | None) -> int:
        field_def = obj.fields.get(node.name.value) or _META_FIELDS.get(node.name.value)
        if field_def is None or node.selection_set is None:
            return 0  # a scalar, an enum, __typename
        named = get_named_type(field_def.type)
        if not is_composite_type(named):
            return 0
        own_page = self.page(field_def, node)
        if is_list_type(get_nullable_type(field_def.type)):
            items = own_page if own_page is not None else page
            if items is None:
                items = self.list_argument_length(field_def, node)
            inner = self.selection_set(node.selection_set, named, None)
            return items * (1 + inner)
        return 1 + self.selection_set(node.selection_set, named, own_page)

    def arguments(self, field_def: GraphQLField, node: FieldNode) -> dict[str, Any]:
        try:
            return get_argument_values(field_def, node, self.variables, hide_suggestions=True)
        except GraphQLError:  # execution reports it
            return {}

    def page(self, field_def: GraphQLField, node: FieldNode) -> int | None:
        """The page a field with `first` asks for, as the resolvers bound it."""
        if PAGE_ARGUMENT not in field_def.args:
            return None
        first = self.arguments(field_def, node).get(PAGE_ARGUMENT)
        if not isinstance(first, int):
            return DEFAULT_PAGE
        return min(max(first, 0), MAX_PAGE)

    def list_argument_length(self, field_def: GraphQLField, node: FieldNode) -> int:
        lists = [n for n, a in field_def.args.items() if is_list_type(get_nullable_type(a.type))]
        if len(lists) == 1:
            value = self.arguments(field_def, node).get(lists[0])
            if isinstance(value, list):
                return len(value)
        return UNPAGED_LIST_SIZE


def count_values(value: object, limit: int) -> int:
    """How many values ``value`` holds, itself included (every object, list and scalar,
    nested), counting no further than ``limit + 1``: cheap next to coercing them."""
    count, stack = 0, [value]
    while stack and count <= limit:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


class CostMemo:
    """The costs of operations that declare no variables -- nothing can change them -- by
    document text and operation name, least recently used forgotten first: a cached
    ``{ __typename }`` is not walked again. An operation with variables is costed every
    time (``first: $first`` is a different cost for every page size)."""

    def __init__(self, capacity: int = 1_000) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, str | None], int | None] = OrderedDict()

    def cost(
        self,
        schema: GraphQLSchema,
        query: str | None,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> int | None:
        key = (query, operation_name) if query is not None else None
        if key is not None and key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        cost = operation_cost(schema, document, operation_name, variables)
        if key is not None and cost is not None:
            operation = get_operation_ast(document, operation_name)
            if operation is not None and not operation.variable_definitions:
                self._entries[key] = cost
                while len(self._entries) > self.capacity:
                    self._entries.popitem(last=False)
        return cost


class CostLimit(SchemaExtension):
    """Refuses, before any resolver runs, an operation whose variables hold more than
    ``max_variable_values`` values (VARIABLES_TOO_LARGE: coercing 100,000 list items takes
    ~0.4 s on the event loop) or whose cost is over ``max_cost`` (QUERY_TOO_COMPLEX), and
    reports every computed cost in the response's ``extensions.cost``.

    Runs in the validation step, after :class:`~schema.parsing.CheckedDocuments` (only
    a valid document is costed) and before the guards that walk the variables; a refusal
    is a pre-execution error, answered alike over HTTP and websockets."""

    def __init__(
        self, max_cost: int, max_variable_values: int, memo: CostMemo | None = None
    ) -> None:
        self.max_cost = max_cost
        self.max_variable_values = max_variable_values
        self.memo = memo or CostMemo(capacity=0)
        self.cost: int | None = None

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if not ctx.pre_execution_errors and ctx.graphql_document is not None:
            refusal = self.refusal(ctx, ctx.graphql_document)
            if refusal is not None:
                ctx.pre_execution_errors = [refusal]
        yield

    def refusal(self, ctx: ExecutionContext, document: DocumentNode) -> GraphQLError | None:
        if count_values(ctx.variables, self.max_variable_values) > self.max_variable_values:
            return GraphQLError(
                f"the variables hold more than {self.max_variable_values} values",
                extensions={"code": "VARIABLES_TOO_LARGE", "limit": self.max_variable_values},
            )
        self.cost = self.memo.cost(
            ctx.schema._schema, ctx.query, document, ctx.operation_name, ctx.variables
        )
        if self.cost is not None and self.cost > self.max_cost:
            return GraphQLError(
                f"the query costs {self.cost}; at most {self.max_cost} is allowed (a list "
                "counts `first` times its items: ask for smaller pages or fewer fields)",
                extensions={"code": "QUERY_TOO_COMPLEX", **self.get_results()},
            )
        return None

    def get_results(self) -> dict[str, Any]:
        return cost_report(self.cost, self.max_cost)


def cost_report(cost: int | None, limit: int) -> dict[str, Any]:
    """What a response's ``extensions`` say of its cost (nothing when it was not costed)."""
    if cost is None:
        return {}
    return {"cost": {"requested": min(cost, MAX_REPORTED), "limit": limit}}
