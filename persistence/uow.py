"""The unit of work: one connection, one transaction, events stored with the change."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from types import TracebackType
from typing import Self

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from domain.events import ContactEvent
from persistence.appointments import SqlAppointmentRepository
from persistence.associations import SqlAssociationRepository, SqlRecordRepository
from persistence.calendars import SqlCalendarRepository
from persistence.client_portal import SqlPortalRepository
from persistence.documents import SqlDocumentRepository
from persistence.interactions import SqlInteractionRepository
from persistence.mappers import event_row
from persistence.merge import SqlMergeRepository
from persistence.notes import SqlNoteRepository
from persistence.payments import SqlPaymentRepository
from persistence.repositories import SqlContactRepository, SqlCustomFieldRepository
from persistence.smart_lists import SqlSmartListRepository
from persistence.tables import CONTACT, EVENT
from persistence.tasks import SqlTaskRepository
from persistence.webhooks import SqlWebhookRepository
from persistence.workflows import SqlWorkflowRepository

log = logging.getLogger(__name__)
AfterCommit = Callable[[Sequence[ContactEvent]], Awaitable[None]]


class SqlUnitOfWork:
    """Rolls back unless :meth:`commit` is called; publishes events only after commit.

    ``after_commit`` is where the broker plugs in: a rolled-back change is never seen.
    """

    contacts: SqlContactRepository
    custom_fields: SqlCustomFieldRepository
    notes: SqlNoteRepository
    tasks: SqlTaskRepository
    interactions: SqlInteractionRepository
    workflows: SqlWorkflowRepository
    client_portal: SqlPortalRepository
    smart_lists: SqlSmartListRepository
    calendars: SqlCalendarRepository
    appointments: SqlAppointmentRepository
    associations: SqlAssociationRepository
    records: SqlRecordRepository
    documents: SqlDocumentRepository
    webhooks: SqlWebhookRepository
    merges: SqlMergeRepository
    payments: SqlPaymentRepository

    def __init__(self, engine: AsyncEngine, after_commit: AfterCommit | None = None) -> None:
        self.engine = engine
        self.after_commit = after_commit
        self.events: list[ContactEvent] = []
        self.actions: list[Callable[[], Awaitable[None]]] = []
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        self._conn = await self.engine.connect()
        self._tx = await self._conn.begin()
        self.contacts = SqlContactRepository(self._conn)
        self.custom_fields = SqlCustomFieldRepository(self._conn)
        self.notes = SqlNoteRepository(self._conn)
        self.tasks = SqlTaskRepository(self._conn)
        self.interactions = SqlInteractionRepository(self._conn)
        self.workflows = SqlWorkflowRepository(self._conn)
        self.client_portal = SqlPortalRepository(self._conn)
        self.smart_lists = SqlSmartListRepository(self._conn)
        self.calendars = SqlCalendarRepository(self._conn)
        self.appointments = SqlAppointmentRepository(self._conn)
        self.associations = SqlAssociationRepository(self._conn)
        self.records = SqlRecordRepository(self._conn)
        self.documents = SqlDocumentRepository(self._conn)
        self.webhooks = SqlWebhookRepository(self._conn)
        self.merges = SqlMergeRepository(self._conn)
        self.payments = SqlPaymentRepository(self._conn)
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

    def on_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        self.actions.append(action)

    async def commit(self) -> None:
        """Store the recorded events, commit, then hand them (with their sequence) on.

        Before the events are numbered, their contacts' rows are locked (PostgreSQL; SQLite
        holds its write lock anyway), so one contact's events commit in sequence order: a
        subscription that resumes "after sequence N" can never miss an event that committed
        late with a smaller number.
        """
        assert self._conn is not None and self._tx is not None
        if self.events:
            contact_ids = sorted({e.contact_id for e in self.events})
            await self._conn.execute(
                select(CONTACT.c.id)
                .where(CONTACT.c.id.in_(contact_ids))
                .order_by(CONTACT.c.id)
                # FOR NO KEY UPDATE: it does not conflict with the KEY SHARE locks that other
                # writers' child-row inserts take, so they cannot deadlock with it
                .with_for_update(key_share=True)
            )
            result = await self._conn.execute(
                insert(EVENT).returning(EVENT.c.sequence, sort_by_parameter_order=True),
                [event_row(e) for e in self.events],
            )
            numbers = result.scalars().all()
            self.events = [
                replace(e, sequence=n) for e, n in zip(self.events, numbers, strict=True)
            ]
        await self._tx.commit()
        committed, self.events = self.events, []
        actions, self.actions = self.actions, []
        if committed and self.after_commit is not None:
            try:
                await self.after_commit(committed)
            except Exception:  # the change is committed; a broker hiccup must not undo it
                log.exception("publishing %d committed events failed", len(committed))
        for action in actions:
            try:
                await action()
            except Exception:  # committed all the same; what is left behind is only bytes
                log.exception("an after-commit action failed")
