"""Loaders of smart lists: a list by id, a contact's place in a list, and the contacts of
many lists at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.contact_query import ContactQuery
from domain.smart_lists import SmartList
from domain.viewer import Viewer
from loaders.base import SqlLoader
from persistence import smart_lists as sl
from persistence.contact_search import Page


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

    One statement per list in the batch (window functions over the list, see
    :func:`persistence.smart_lists.places`), however many contacts ask. A contact outside
    the list (or hidden from the viewer) resolves to ``None``.
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
            found = await sl.places(conn, self.viewer, query, ids)
            out.update({(query, cid): place for cid, place in found.items()})
        return out


class ListContactsLoader(SqlLoader[sl.ContactsRequest, Page]):
    """``SmartList.contacts`` pages: one statement per batch, however many lists ask (see
    :func:`persistence.smart_lists.pages_of`). An invalid cursor fails its own key only."""

    def __init__(self, engine: AsyncEngine, viewer: Viewer) -> None:
        super().__init__(engine)
        self.viewer = viewer

    async def fetch(
        self, conn: AsyncConnection, keys: Sequence[sl.ContactsRequest]
    ) -> dict[sl.ContactsRequest, Any]:
        return dict(await sl.pages_of(conn, self.viewer, keys))


class ListCountLoader(SqlLoader[ContactQuery, int]):
    """``SmartList.contacts.totalCount``: one statement per batch, however many lists ask."""

    missing = 0

    def __init__(self, engine: AsyncEngine, viewer: Viewer) -> None:
        super().__init__(engine)
        self.viewer = viewer

    async def fetch(self, conn: AsyncConnection, keys: Sequence[ContactQuery]) -> dict[Any, int]:
        return await sl.counts_of(conn, self.viewer, keys)
