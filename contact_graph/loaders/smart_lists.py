"""Loaders of smart lists: a list by id, and a contact's place in a list."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..domain.contact_query import ContactQuery
from ..domain.smart_lists import SmartList
from ..domain.viewer import Viewer
from ..persistence import smart_lists as sl
from .base import SqlLoader


class SmartListByIdLoader(SqlLoader[str, SmartList | None]):
    """Lists of the viewer's location; any other id resolves to ``None``."""

    def __init__(self, engine: AsyncEngine, location_id: str) -> None:
        super().__init__(engine)
        self.location_id = location_id

    async def fetch(
        self, conn: AsyncConnection, keys: Sequence[str]
    ) -> dict[str, SmartList | None]:
        return dict(await sl.by_ids(conn, self.location_id, keys))


NavigationKey = tuple[ContactQuery, str]
"""(the list's query, contact id)."""


class NavigationLoader(SqlLoader[NavigationKey, sl.Neighbours | None]):
    """A contact's neighbours, position and list size, as the viewer sees the list.

    Per batch and list: one statement finds which of the asked contacts are in the list
    (and their sort values), then one statement per such contact answers the rest. A
    contact outside the list (or hidden from the viewer) resolves to ``None``.
    """

    def __init__(self, engine: AsyncEngine, viewer: Viewer) -> None:
        super().__init__(engine)
        self.viewer = viewer

    async def fetch(
        self, conn: AsyncConnection, keys: Sequence[NavigationKey]
    ) -> dict[NavigationKey, sl.Neighbours | None]:
        by_query: dict[ContactQuery, list[str]] = {}
        for query, contact_id in keys:
            by_query.setdefault(query, []).append(contact_id)
        out: dict[NavigationKey, sl.Neighbours | None] = {}
        for query, ids in by_query.items():
            found = await sl.sort_keys(conn, self.viewer, query, ids)
            for contact_id, sort_key in found.items():
                out[(query, contact_id)] = await sl.neighbours(
                    conn, self.viewer, query, contact_id, sort_key
                )
        return out
