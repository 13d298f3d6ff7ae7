"""What compiles: each type's fields (from the tab modules) and the root fields.

A tab becomes compilable by adding a module like :mod:`persistence.compiled.notes` (its
node's :class:`TypeSpec` and the `Contact` list fields it adds) and naming it in ``TABS``;
the record's own lists (rows of a child table, no arguments) are
:mod:`persistence.compiled.record_lists` (phones, emails, their primaries, tags, followers)
and :mod:`persistence.compiled.dnd`. The planner reads everything from here, and a
selection with any other field falls back to the executor.
"""

from __future__ import annotations

from collections.abc import Mapping

from persistence.compiled import (
    appointments,
    attribution,
    client_portal,
    contact,
    dnd,
    documents,
    interactions,
    notes,
    opportunities,
    payments,
    record_lists,
    tasks,
    workflows,
)
from persistence.compiled.shapes import ListSpec, TypeSpec

TABS = (
    notes,
    tasks,
    interactions,
    workflows,
    client_portal,
    appointments,
    payments,
    documents,
    opportunities,
)

CONTACT = TypeSpec(
    "Contact",
    {**contact.FIELDS, **record_lists.FIELDS},
    {**contact.OBJECTS, **dnd.OBJECTS, **attribution.OBJECTS},
    lists={name: spec for tab in TABS for name, spec in tab.LISTS.items()},
    records=record_lists.RECORDS,
)

ROOTS = frozenset({"contact", "contacts", "_entities"})
"""The Query fields compiled, each to one statement; all of them return Contacts."""


def types() -> Mapping[str, TypeSpec]:
    """Every compilable type by GraphQL name (objects nested in others included)."""
    found: dict[str, TypeSpec] = {}

    def visit(spec: TypeSpec) -> None:
        found.setdefault(spec.name, spec)
        for obj in spec.objects.values():
            visit(obj.type)
        for listed in spec.lists.values():
            visit(listed.node)
        for records in spec.records.values():
            visit(records.node)

    visit(CONTACT)
    return found


__all__ = ["CONTACT", "ROOTS", "ListSpec", "TypeSpec", "types"]
