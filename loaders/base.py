"""The shape every loader shares: a batch gets its own connection and answers in key order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from persistence.tab_pages import (
    BY_COLUMN,
    EMPTY,
    FilterCompiler,
    Keyset,
    Page,
    PageRequest,
    counts_by_contact,
    pages_by_contact,
)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SqlLoader(DataLoader[K, V]):
    """Runs :meth:`fetch` once per batch on a connection of its own.

    Loaders of different fields dispatch concurrently; sharing one connection between them
    fails on asyncpg (see pitfalls.md), so each batch checks one out of the pool.
    """

    missing: Any = None
    """What a key without rows resolves to."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__()
        self.engine = engine

    async def fetch(self, conn: AsyncConnection, keys: Sequence[K]) -> dict[K, V]:
        raise NotImplementedError

    async def batch_load_fn(self, keys: Sequence[K]) -> list[V]:
        async with self.engine.connect() as conn:
            found = await self.fetch(conn, keys)
        return [found.get(k, self.missing) for k in keys]


def grouped(
    fetch: Callable[[AsyncConnection, Sequence[str]], Awaitable[dict[str, list[Any]]]],
    convert: Callable[[dict[str, Any]], Any],
) -> type[SqlLoader[str, list[Any]]]:
    """A loader class for one child list of a contact (phones, tags, ...), keyed by contact."""

    class Grouped(SqlLoader[str, list[Any]]):
        async def fetch(self, conn: AsyncConnection, keys: Sequence[str]) -> dict[str, list[Any]]:
            rows = await fetch(conn, keys)
            return {k: [convert(r) for r in rows.get(k, [])] for k in keys}

    return Grouped


PageKey = tuple[str, PageRequest]
"""(contact id, what the list field asked for)."""


class PagedByContactLoader(SqlLoader[PageKey, Page]):
    """A page of one tab's list per contact. Keys sharing a request (same first, after,
    sort, filter -- the usual case when a query lists many contacts) share one statement.
    ``keyset`` names the sorts a request may ask for (default: the table's columns by name)."""

    missing: Any = EMPTY

    def __init__(
        self,
        engine: AsyncEngine,
        table: Table,
        compile_filter: FilterCompiler,
        keyset: Keyset = BY_COLUMN,
    ) -> None:
        super().__init__(engine)
        self.table = table
        self.compile_filter = compile_filter
        self.keyset = keyset

    async def fetch(self, conn: AsyncConnection, keys: Sequence[PageKey]) -> dict[PageKey, Page]:
        by_request: dict[PageRequest, list[str]] = {}
        for contact_id, request in keys:
            by_request.setdefault(request, []).append(contact_id)
        out: dict[PageKey, Page] = {}
        for request, ids in by_request.items():
            where = self.compile_filter(request.filter)
            pages = await pages_by_contact(conn, self.table, ids, request, where, self.keyset)
            out.update({(cid, request): pages.get(cid, EMPTY) for cid in ids})
        return out


CountKey = tuple[str, Hashable]
"""(contact id, the list's filter)."""


class CountByContactLoader(SqlLoader[CountKey, int]):
    """``totalCount`` of one tab's list per contact, grouped by filter."""

    missing = 0

    def __init__(self, engine: AsyncEngine, table: Table, compile_filter: FilterCompiler) -> None:
        super().__init__(engine)
        self.table = table
        self.compile_filter = compile_filter

    async def fetch(self, conn: AsyncConnection, keys: Sequence[CountKey]) -> dict[CountKey, int]:
        by_filter: dict[Hashable, list[str]] = {}
        for contact_id, filter_ in keys:
            by_filter.setdefault(filter_, []).append(contact_id)
        out: dict[CountKey, int] = {}
        for filter_, ids in by_filter.items():
            counts = await counts_by_contact(conn, self.table, ids, self.compile_filter(filter_))
            out.update({(cid, filter_): counts.get(cid, 0) for cid in ids})
        return out
