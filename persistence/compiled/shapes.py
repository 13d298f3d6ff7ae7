"""What a compiled selection is made of, and the SQL shape of an object built from one row.

The planner (``schema/compiled/plans.py``) turns a validated selection into a tree of the
members below, each under its response key, in the order graphql-core collects them; the
builders here and in :mod:`persistence.compiled.connections` turn that tree into one JSON
text expression. A type is compilable through its :class:`TypeSpec` (one per tab module):
its leaf fields as SQL over its row, objects made from the same row, its connections
(:class:`ListSpec`) and its record lists (:class:`RecordsSpec`: rows of a child table,
correlated subqueries of the parent's row).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, Table, Text, case, func, or_, select
from sqlalchemy import cast as sql_cast

from persistence.compiled.json_text import NULL, JsonText, constant
from persistence.tab_pages import BY_COLUMN, FilterCompiler, Keyset, PageRequest

SQL = ColumnElement[Any]
Columns = Any
"""The columns of the row an object is built from (``table.c``)."""
FieldSQL = Callable[[Columns, JsonText], SQL]
"""A leaf field: the JSON text of its value, from its row."""


@dataclass(frozen=True)
class ObjectSpec:
    """An object built from its parent's row (an address, a team member's id)."""

    type: TypeSpec
    null_when: str | tuple[str, ...] | None = None
    """The column (or columns, any of them) whose NULL makes the object null; None: never
    null."""


@dataclass(frozen=True)
class ListSpec:
    """A tab's connection under a contact: its rows, their filter and their order."""

    table: Table
    compile_filter: FilterCompiler
    node: TypeSpec
    keyset: Keyset = BY_COLUMN
    parent_column: str = "contact_id"


ChildRows = Callable[[Columns], Select[Any]]
"""The rows of a child table that belong to the parent row (its columns given)."""


@dataclass(frozen=True)
class RecordsSpec:
    """Objects read from a child table of the parent's row, as the loaders read them
    (``persistence.queries``): every row in ``order`` (``phones``), or the first in that
    order that ``where`` keeps (``primaryPhone``; null without one)."""

    node: TypeSpec
    rows: ChildRows
    order: tuple[str, ...] = ("position",)
    where: Callable[[Columns], SQL] | None = None
    single: bool = False


@dataclass(frozen=True)
class TypeSpec:
    """The compilable fields of one GraphQL object type."""

    name: str
    fields: Mapping[str, FieldSQL]
    objects: Mapping[str, ObjectSpec] = field(default_factory=dict)
    lists: Mapping[str, ListSpec] = field(default_factory=dict)
    records: Mapping[str, RecordsSpec] = field(default_factory=dict)


# -- the selection tree -------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    key: str
    name: str


@dataclass(frozen=True)
class Constant:
    """A value known when planning (``__typename``)."""

    key: str
    json: str


@dataclass(frozen=True)
class Nested:
    key: str
    name: str
    members: tuple[Member, ...]


@dataclass(frozen=True)
class Records:
    """Objects from a child table (a :class:`RecordsSpec`): a list, or one picked."""

    key: str
    name: str
    members: tuple[Member, ...]


@dataclass(frozen=True)
class Paged:
    """A tab's connection; ``request`` reads its arguments when the plan runs."""

    key: str
    name: str
    request: Callable[[Any], PageRequest]
    members: tuple[Member, ...]


@dataclass(frozen=True)
class Total:
    key: str


@dataclass(frozen=True)
class Flag:
    """A member of ``pageInfo``: hasNextPage, hasPreviousPage, startCursor, endCursor."""

    key: str
    name: str


@dataclass(frozen=True)
class Info:
    key: str
    members: tuple[Flag | Constant, ...]


@dataclass(frozen=True)
class Cursor:
    key: str


@dataclass(frozen=True)
class Node:
    key: str
    members: tuple[Member, ...]


@dataclass(frozen=True)
class Edges:
    key: str
    members: tuple[Cursor | Node | Constant, ...]


@dataclass(frozen=True)
class Hole:
    """A field of a contact the catalog does not compile: the statement puts the object's
    ``id`` at its key, and the executor's resolvers replace it with the field's value
    (``schema.compiled.roots``). ``details`` is graphql-core's field group to execute."""

    key: str
    details: Any


Member = (
    Leaf | Constant | Nested | Records | Paged | Total | Info | Edges | Cursor | Node | Flag | Hole
)

# -- leaf fields ---------------------------------------------------------------------------


def text(column: str) -> FieldSQL:
    return lambda c, j: j.quote(c[column])


def integer(column: str) -> FieldSQL:
    return lambda c, j: j.integer(c[column])


def timestamp(column: str) -> FieldSQL:
    return lambda c, j: j.quote(j.timestamp(c[column]))


def date(column: str) -> FieldSQL:
    return lambda c, j: j.quote(j.date(c[column]))


def is_set(column: str) -> FieldSQL:
    """True when the column is not NULL (``archived``)."""
    return lambda c, j: j.boolean(c[column].is_not(None))


def flag(column: str) -> FieldSQL:
    """A boolean column (``isPrimary``)."""
    return lambda c, j: j.boolean(c[column])


def enum(column: str, names: Mapping[str, str]) -> FieldSQL:
    """A stored enum value as its GraphQL name."""

    def build(c: Columns, j: JsonText) -> SQL:
        whens = [(c[column] == stored, constant(f'"{name}"')) for stored, name in names.items()]
        return case(*whens, else_=constant("null"))

    return build


def enum_of(column: str, cls: type[Enum]) -> FieldSQL:
    """A column storing a domain enum's values, as the GraphQL names of its members (the
    names strawberry gives the enum's values)."""
    return enum(column, {m.value: m.name for m in cls})


def null_or_set(column: str, null: Enum, present: Enum) -> FieldSQL:
    """An enum that is not stored: ``null``'s name while the column is NULL, ``present``'s
    once it has a value (a task's status, a workflow enrolment's state)."""

    def build(c: Columns, j: JsonText) -> SQL:
        return case(
            (c[column].is_(None), constant(f'"{null.name}"')),
            else_=constant(f'"{present.name}"'),
        )

    return build


def reference(type_name: str, column: str, nullable: bool = False) -> ObjectSpec:
    """Another subgraph's entity stub (``{id}``) from an id column; null without an id when
    ``nullable``."""
    return ObjectSpec(
        TypeSpec(type_name, {"id": text(column)}), null_when=column if nullable else None
    )


def big_int(column: str) -> FieldSQL:
    """A ``BigInt`` (an amount in minor units): the scalar serializes it as a string of
    digits (``str``), so it is the column's text, quoted."""
    return lambda c, j: j.quote(sql_cast(c[column], Text))


def money(amount: str, currency: str, nullable: bool = False) -> ObjectSpec:
    """A ``Money`` (``schema.payments.money``): the amount in minor units and the currency
    code, from two columns of the row; when ``nullable``, null unless both are set (an
    opportunity's value)."""
    return ObjectSpec(
        TypeSpec("Money", {"amount": big_int(amount), "currency": text(currency)}),
        null_when=(amount, currency) if nullable else None,
    )


def user(column: str) -> ObjectSpec:
    """A team member (the users subgraph's entity stub): its id, null without one."""
    return reference("User", column, nullable=True)


# -- rows of a child table -----------------------------------------------------------------


def child_rows(table: Table, parent_column: str = "contact_id") -> ChildRows:
    """The parent contact's rows of ``table``; correlated to the parent's row however deep
    it is nested (as a connection's page is)."""

    def rows(parent: Columns) -> Select[Any]:
        return select(table).where(table.c[parent_column] == parent.id).correlate_except(table)

    return rows


def _ordered(
    rows: Select[Any],
    order: tuple[str, ...],
    where: Callable[[Columns], SQL] | None = None,
    single: bool = False,
) -> Subquery:
    """The rows kept, in ``order`` (SQLite's ``group_concat`` keeps a subquery's order)."""
    if where is not None:
        rows = rows.where(where(rows.selected_columns))
    rows = rows.order_by(*(rows.selected_columns[o] for o in order))
    return (rows.limit(1) if single else rows).subquery("records")


def scalars(table: Table, column: str, order: tuple[str, ...] = ("position",)) -> FieldSQL:
    """A list of one column's values of the contact's child rows (``tags``), in ``order``."""

    def build(c: Columns, j: JsonText) -> SQL:
        found = _ordered(child_rows(table)(c), order)
        return _listed(found, j.quote(found.c[column]), order, j)

    return build


def _listed(found: Subquery, element: SQL, order: tuple[str, ...], j: JsonText) -> SQL:
    """The JSON array of ``element`` over the rows ``found``, in ``order``."""
    listed = select(j.array(element, [found.c[o] for o in order])).select_from(found)
    return listed.scalar_subquery()


# -- objects -----------------------------------------------------------------------------

RenderList = Callable[[ListSpec, Paged, Columns], SQL]


def object_json(
    spec: TypeSpec, cols: Columns, members: tuple[Member, ...], j: JsonText, lists: RenderList
) -> SQL:
    """One object of ``spec`` from the row ``cols``, with ``members`` in order."""
    values: list[tuple[str, SQL]] = []
    for m in members:
        if isinstance(m, Leaf):
            values.append((m.key, spec.fields[m.name](cols, j)))
        elif isinstance(m, Constant):
            values.append((m.key, constant(m.json)))
        elif isinstance(m, Nested):
            inner = spec.objects[m.name]
            built = object_json(inner.type, cols, m.members, j, lists)
            if inner.null_when is not None:
                names = (inner.null_when,) if isinstance(inner.null_when, str) else inner.null_when
                built = j.nullable(or_(*(cols[n].is_(None) for n in names)), built)
            values.append((m.key, built))
        elif isinstance(m, Records):
            values.append((m.key, records_json(spec.records[m.name], m, cols, j, lists)))
        elif isinstance(m, Paged):
            values.append((m.key, lists(spec.lists[m.name], m, cols)))
        elif isinstance(m, Hole):
            values.append((m.key, spec.fields["id"](cols, j)))
        else:  # the planner puts connection members only under a connection
            raise TypeError(f"{m!r} is not a member of {spec.name}")
    return j.obj(values)


def records_json(
    spec: RecordsSpec, m: Records, parent: Columns, j: JsonText, lists: RenderList
) -> SQL:
    """The JSON of a :class:`RecordsSpec` under the parent row: a correlated subquery."""
    found = _ordered(spec.rows(parent), spec.order, spec.where, spec.single)
    element = object_json(spec.node, found.c, m.members, j, lists)
    if spec.single:
        picked = select(element).select_from(found).scalar_subquery()
        return func.coalesce(picked, constant(NULL))
    return _listed(found, element, spec.order, j)
