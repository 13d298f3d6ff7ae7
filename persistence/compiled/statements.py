"""Turns a selection tree into SQL: objects from rows, a tab's list as a correlated
connection subquery."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import and_

from persistence.compiled.connections import Rows, connection
from persistence.compiled.json_text import JsonText
from persistence.compiled.shapes import SQL, Columns, ListSpec, Member, Paged, TypeSpec, object_json
from persistence.tab_pages import PageRequest, after


class Compiler:
    """Builds one statement's JSON expressions; ``requests`` holds each list's arguments
    (by the ``id`` of its ``Paged`` member), read before building."""

    def __init__(self, json: JsonText, requests: Mapping[int, PageRequest]) -> None:
        self.json = json
        self.requests = requests

    def object(self, spec: TypeSpec, cols: Columns, members: tuple[Member, ...]) -> SQL:
        return object_json(spec, cols, members, self.json, self.tab)

    def tab(self, spec: ListSpec, paged: Paged, parent: Columns) -> SQL:
        """A tab's page under its contact, as the tab's loader reads it
        (``persistence.tab_pages.pages_by_contact``); raises InvalidCursor."""
        request = self.requests[id(paged)]
        table = spec.table
        sort = spec.keyset.sort(table, request.sort)
        ident = table.c[spec.keyset.ident]
        rows = Rows(
            source=table,
            where=and_(
                table.c[spec.parent_column] == parent.id, spec.compile_filter(request.filter)
            ),
            sort=sort,
            ident=ident,
            descending=request.descending,
            first=request.first,
            after=after(request, sort, ident) if request.after is not None else None,
        )
        built = connection(
            self.json, rows, paged.members, lambda c, ms: self.object(spec.node, c, ms)
        )
        return built.scalar_subquery()
