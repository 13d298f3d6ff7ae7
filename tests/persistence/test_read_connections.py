"""Reads on PostgreSQL: no transaction around them, and no new session per request.

A read batch runs in autocommit (``persistence.db.read_only``): PostgreSQL gets its SELECT
alone, not BEGIN, SELECT, ROLLBACK. What the server is sent is watched on each asyncpg
connection as it is checked out (asyncpg's query logger sees every statement sent as text,
BEGIN, COMMIT and ROLLBACK included; SQLAlchemy's own events see the SELECTs)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant

from persistence.db import StatementCounter

READ = """query($id: ID!) { contact(id: $id) {
  id firstName tags phones { number } emails { address } followers { id }
  notes(first: 5) { totalCount edges { node { body } } }
  tasks(first: 5) { totalCount edges { node { title } } }
} }"""
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION")


@pytest.fixture
def postgres(engine: AsyncEngine) -> AsyncEngine:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's driver sends no BEGIN before a SELECT, and pools no connection")
    return engine


@contextmanager
def sent_as_text(engine: AsyncEngine) -> Iterator[list[str]]:
    """What asyncpg sends as text on each connection checked out meanwhile."""
    sent: list[str] = []
    watched: list[Any] = []

    def logger(record: Any) -> None:
        sent.append(record.query.strip().rstrip(";").upper())

    def checkout(dbapi_connection: Any, *_: object) -> None:
        driver = dbapi_connection.driver_connection
        driver.add_query_logger(logger)
        watched.append(driver)

    event.listen(engine.sync_engine, "checkout", checkout)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "checkout", checkout)
        for driver in watched:
            driver.remove_query_logger(logger)


async def settled() -> None:
    """asyncpg calls its query loggers with ``call_soon``."""
    for _ in range(3):
        await asyncio.sleep(0)


async def a_contact_with_tabs(tenant: Tenant) -> str:
    contact = await tenant.create_contact(
        firstName="Read", phones=[{"number": "+14155550101"}], tags=["a", "b"]
    )
    await tenant.mutate(
        "contactNoteAdd", {"contactId": contact["id"], "body": "hello"}, selection="note { id }"
    )
    return str(contact["id"])


async def test_a_read_query_sends_no_begin_or_rollback(
    tenant: Tenant, postgres: AsyncEngine
) -> None:
    contact_id = await a_contact_with_tabs(tenant)
    with sent_as_text(postgres) as sent, StatementCounter(postgres) as selects:
        data = await tenant.gql(READ, {"id": contact_id})
        await settled()
    assert data["contact"]["notes"]["totalCount"] == 1
    assert selects.count >= 3  # several loader batches, each on a connection of its own
    assert [q for q in sent if q.startswith(TRANSACTION_CONTROL)] == []
    # the logger does see transaction control: a mutation's unit of work
    with sent_as_text(postgres) as sent:
        await tenant.mutate("contactTagsAdd", {"contactId": contact_id, "tags": ["c"]})
        await settled()
    assert any(q.startswith("BEGIN") for q in sent), sent
    assert "COMMIT" in sent, sent


async def test_a_steady_load_opens_no_new_sessions(tenant: Tenant, postgres: AsyncEngine) -> None:
    """Sequential requests reuse the pool's sessions: the pool opens none, and PostgreSQL
    sees no backend for this database come and go."""
    contact_id = await a_contact_with_tabs(tenant)
    await tenant.gql(READ, {"id": contact_id})  # the pool holds what one request needs
    opened: list[object] = []

    def connect(*_: object) -> None:
        opened.append(1)

    async def backends() -> set[int]:
        async with postgres.connect() as conn:
            rows = await conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            )
            return {row.pid for row in rows}

    before = await backends()
    event.listen(postgres.sync_engine, "connect", connect)
    try:
        for _ in range(30):
            await tenant.gql(READ, {"id": contact_id})
    finally:
        event.remove(postgres.sync_engine, "connect", connect)
    after = await backends()
    assert opened == []
    assert after <= before
