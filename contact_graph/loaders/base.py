"""The shape every loader shares: a batch gets its own connection and answers in key order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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
