"""The unit of work: one connection, one transaction, events stored with the change."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Self

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from ..domain.events import ContactEvent
from .associations import SqlAssociationRepository, SqlRecordRepository
from .mappers import event_row
from .notes import SqlNoteRepository
from .repositories import SqlContactRepository, SqlCustomFieldRepository
from .tables import EVENT

log = logging.getLogger(__name__)
AfterCommit = Callable[[Sequence[ContactEvent]], Awaitable[None]]


class SqlUnitOfWork:
    """Rolls back unless :meth:`commit` is called; publishes events only after commit.

    ``after_commit`` is where the broker plugs in: a rolled-back change is never seen.
    """

    contacts: SqlContactRepository
    custom_fields: SqlCustomFieldRepository
    notes: SqlNoteRepository
    associations: SqlAssociationRepository
    records: SqlRecordRepository

    def __init__(self, engine: AsyncEngine, after_commit: AfterCommit | None = None) -> None:
        self.engine = engine
        self.after_commit = after_commit
        self.events: list[ContactEvent] = []
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        self._conn = await self.engine.connect()
        self._tx = await self._conn.begin()
        self.contacts = SqlContactRepository(self._conn)
        self.custom_fields = SqlCustomFieldRepository(self._conn)
        self.notes = SqlNoteRepository(self._conn)
        self.associations = SqlAssociationRepository(self._conn)
        self.records = SqlRecordRepository(self._conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None and self._tx is not None
        try:
            if self._tx.is_active:
                await self._tx.rollback()
        finally:
            await self._conn.close()

    def record(self, event: ContactEvent) -> None:
        self.events.append(event)

    async def commit(self) -> None:
        assert self._conn is not None and self._tx is not None
        if self.events:
            await self._conn.execute(insert(EVENT), [event_row(e) for e in self.events])
        await self._tx.commit()
        committed, self.events = self.events, []
        if committed and self.after_commit is not None:
            try:
                await self.after_commit(committed)
            except Exception:  # the change is committed; a broker hiccup must not undo it
                log.exception("publishing %d committed events failed", len(committed))
