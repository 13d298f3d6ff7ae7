"""The Contact type's compilable fields, and the three root statements that read contacts:
``contact(id)``, ``contacts(...)`` and ``_entities``.

Tenancy and visibility are the loaders' own clauses: :func:`persistence.queries.visible_to`
(the location, and for an assigned-only viewer "owns or follows"), the lookup by id that
follows a merged contact to its survivor (:func:`persistence.queries.by_alias`), and the
list's WHERE of :func:`persistence.contact_search.where_clause` with its keyset.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, String, Text, bindparam, case, func, select

from domain.contact import ContactType
from domain.contact_query import ContactQuery
from domain.viewer import Viewer
from persistence import contact_search, queries
from persistence.compiled.connections import Rows, connection
from persistence.compiled.json_text import JsonText, constant
from persistence.compiled.shapes import (
    SQL,
    Columns,
    FieldSQL,
    Member,
    ObjectSpec,
    TypeSpec,
    date,
    enum,
    integer,
    is_set,
    text,
    timestamp,
    user,
)
from persistence.compiled.statements import Compiler
from persistence.tables import CONTACT

C = CONTACT.c


def _full_name(c: Columns, j: JsonText) -> SQL:
    """``Contact.full_name``: first and last name, the non-empty ones, joined by a space;
    null when neither is."""
    first, last = func.coalesce(c.first_name, ""), func.coalesce(c.last_name, "")
    joined = case(
        (first == "", last),
        (last == "", first),
        else_=j.join([first, constant(" "), last]),
    )
    return j.quote(func.nullif(joined, ""))


FIELDS: dict[str, FieldSQL] = {
    "id": text("id"),
    "firstName": text("first_name"),
    "lastName": text("last_name"),
    "fullName": _full_name,
    "type": enum("contact_type", {t.value: t.name for t in ContactType}),
    "source": text("source"),
    "timeZone": text("time_zone"),
    "dateOfBirth": date("date_of_birth"),
    "businessName": text("business_name"),
    "website": text("website"),
    "createdAt": timestamp("created_at"),
    "updatedAt": timestamp("updated_at"),
    "version": integer("version"),
    "archivedAt": timestamp("archived_at"),
    "archived": is_set("archived_at"),
}
ADDRESS = TypeSpec(
    "ContactAddress",
    {
        "line1": text("address_line1"),
        "line2": text("address_line2"),
        "city": text("city"),
        "state": text("state"),
        "postalCode": text("postal_code"),
        "country": text("country"),
    },
)
OBJECTS = {"address": ObjectSpec(ADDRESS), "owner": user("owner_id")}


def contact(
    c: Compiler, spec: TypeSpec, viewer: Viewer, members: tuple[Member, ...]
) -> Select[Any]:
    """``contact(id)`` (the parameter ``contact_id``): the object, or no row (null) when the
    viewer may not see it."""
    asked, source, condition = queries.by_alias(queries.visible_to(viewer))
    return (
        select(c.object(spec, C, members))
        .select_from(source)
        .where(asked.c.id == bindparam("contact_id", type_=String), condition)
    )


def entities(
    c: Compiler, spec: TypeSpec, viewer: Viewer, members: tuple[Member, ...]
) -> Select[Any]:
    """``_entities`` (the parameter ``ids``, a JSON list): one item per representation, in
    their order, null where not seen."""
    reps, position, value = c.json.ids(bindparam("ids", type_=Text))
    asked, source, condition = queries.by_alias(queries.visible_to(viewer))
    found = (
        select(c.object(spec, C, members))
        .select_from(source)
        .where(asked.c.id == value, condition)
        .scalar_subquery()
    )
    item = func.coalesce(found, constant("null"))
    return select(c.json.array(item, [position])).select_from(reps)


def contacts(
    c: Compiler,
    spec: TypeSpec,
    viewer: Viewer,
    query: ContactQuery,
    first: int,
    after: str | None,
    members: tuple[Member, ...],
) -> Select[Any]:
    """``contacts``: the connection, keyset-paged as ``contact_search.page`` pages it."""
    rows = Rows(
        source=CONTACT,
        where=contact_search.where_clause(viewer, query),
        sort=contact_search.SORT_COLUMNS[query.order.field],
        ident=C.id,
        descending=query.order.descending,
        first=first,
        # raises InvalidCursor (the empty one too), as contact_search.page: not compiled
        after=contact_search.after_clause(query.order, after) if after is not None else None,
    )
    return connection(c.json, rows, members, lambda cols, ms: c.object(spec, cols, ms))
