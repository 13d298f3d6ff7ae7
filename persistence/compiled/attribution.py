"""`Contact.attribution`, compiled: the contact's attribution row and the (at most two)
interactions it points at, read as ``persistence.interactions.attributions`` reads them (the
row joined to its first and latest interaction by id) and shaped as
``ContactAttribution.from_domain`` shapes them. The object is never null: a contact without
a row has an empty attribution (the loader's ``EMPTY_ATTRIBUTION``), so each of its fields is
a lookup that is null without one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select

from persistence.compiled import interactions
from persistence.compiled.json_text import JsonText
from persistence.compiled.shapes import (
    Columns,
    FieldSQL,
    ObjectSpec,
    RecordsSpec,
    TypeSpec,
)
from persistence.tables import ATTRIBUTION, INTERACTION

AC = ATTRIBUTION.c


def _pointed(column: str) -> Any:
    """The interaction the contact's attribution row names in ``column`` (no row, or no
    interaction named: no rows)."""

    def rows(contact: Columns) -> Select[Any]:
        return (
            select(INTERACTION)
            .select_from(INTERACTION.join(ATTRIBUTION, INTERACTION.c.id == AC[column]))
            .where(AC.contact_id == contact.id)
            .correlate_except(INTERACTION, ATTRIBUTION)
        )

    return rows


def _reset_at(c: Columns, j: JsonText) -> ColumnElement[Any]:
    found = (
        select(AC.reset_at)
        .where(AC.contact_id == c.id)
        .correlate_except(ATTRIBUTION)
        .scalar_subquery()
    )
    return j.quote(j.timestamp(found))


FIELDS: dict[str, FieldSQL] = {"resetAt": _reset_at}
NODE = TypeSpec(
    "ContactAttribution",
    FIELDS,
    records={
        "firstInteraction": RecordsSpec(
            interactions.NODE, _pointed("first_interaction_id"), order=("id",), single=True
        ),
        "latestInteraction": RecordsSpec(
            interactions.NODE, _pointed("latest_interaction_id"), order=("id",), single=True
        ),
    },
)
OBJECTS = {"attribution": ObjectSpec(NODE)}
"""`Contact`'s objects this module compiles."""
