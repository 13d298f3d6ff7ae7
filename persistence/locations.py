"""Locations (tenants) come into being on first use: the gateway's token is the authority on
which locations exist, so a valid token for a location this database has never seen gets its
row, instead of a foreign-key violation on its first write."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from persistence.inserts import insert_new
from persistence.tables import LOCATION

log = logging.getLogger(__name__)


class LocationProvisioner:
    """Inserts a location's row once per process: later requests of the location cost a
    dictionary look-up. Concurrent first requests share one insert, and the insert itself is
    ``ON CONFLICT DO NOTHING``, so other processes doing the same at the same time are
    harmless on SQLite and PostgreSQL alike."""

    def __init__(self, engine: AsyncEngine, capacity: int = 10_000) -> None:
        self.engine = engine
        self.capacity = capacity
        """Locations remembered (least recently used forgotten first): a forgotten one costs
        one more no-op insert."""
        self._known: OrderedDict[str, None] = OrderedDict()
        self._pending: dict[str, asyncio.Task[None]] = {}

    async def ensure(self, location_id: str) -> None:
        """Make sure the location's row exists. A database error is logged, not raised: the
        request goes on and meets the outage the way every request does."""
        if location_id in self._known:
            self._known.move_to_end(location_id)
            return
        task = self._pending.get(location_id)
        if task is None:
            task = asyncio.create_task(self._insert(location_id))
            self._pending[location_id] = task
            task.add_done_callback(lambda _: self._pending.pop(location_id, None))
        try:
            await asyncio.shield(task)  # one caller giving up must not cancel the others' insert
        except Exception:
            log.exception("provisioning location %s failed", location_id)

    async def _insert(self, location_id: str) -> None:
        async with self.engine.begin() as conn:
            values = {"id": location_id, "name": location_id, "created_at": datetime.now(UTC)}
            if await insert_new(conn, LOCATION, values):
                log.info("location %s provisioned on first use", location_id)
        self._known[location_id] = None
        while len(self._known) > self.capacity:
            self._known.popitem(last=False)
