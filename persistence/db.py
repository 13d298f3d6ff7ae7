"""The async engine: one per process, built by the app's lifespan (never at import time)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from persistence import text
from persistence.compiled import json_text


def create_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 20,
    max_overflow: int = 10,
    pre_ping: bool = False,
) -> AsyncEngine:
    """An engine for ``sqlite+aiosqlite://`` or ``postgresql+asyncpg://`` URLs.

    SQLite gets foreign keys on, WAL and a busy timeout so concurrent writers wait for each
    other instead of failing, and PostgreSQL's Unicode text handling (``persistence.text``);
    each connection is its own file handle (NullPool), since loaders run batches
    concurrently, each on its own connection. PostgreSQL keeps ``pool_size`` sessions open
    and opens up to ``max_overflow`` more under a burst (closed when returned): a mutation
    holding its unit of work's connection still gets one for its reads.
    ``pre_ping`` checks every checkout with a round trip (after a database restart, a
    dead connection fails one request instead).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(
            url,
            echo=echo,
            poolclass=NullPool,
            connect_args={"timeout": 30, "factory": _SQLiteConnection},
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=pre_ping
    )


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """``engine`` for reads: the same pool, settings and event hooks, in autocommit, so a
    read batch sends its SELECT alone -- no BEGIN before it, no ROLLBACK when the
    connection goes back (two round trips each on PostgreSQL). Each statement sees its own
    snapshot; writes keep their transaction (``persistence.uow``)."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


class _SQLiteConnection(sqlite3.Connection):
    """Registers the text functions (and the compiled reads' base64url) as it opens:
    aiosqlite has no ``create_collation``, and sqlite3 allows it only in aiosqlite's own
    thread, where the factory runs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        text.register(self)
        json_text.register(self)  # the compiled reads' cursors


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def is_statement(sql: str) -> bool:
    """Whether ``sql`` counts as a statement: not the connection's own housekeeping."""
    return not sql.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE"))


class StatementCounter:
    """Counts the SQL statements an engine runs: the N+1 guard in tests and benchmarks."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _on_execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if is_statement(statement):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._on_execute)


def watch_statements(
    engine: AsyncEngine, on_statement: Callable[[float], None]
) -> Callable[[], None]:
    """Calls ``on_statement(seconds)`` after each statement ``engine`` runs (those
    :class:`StatementCounter` counts), in the task that ran it; returns the function that
    stops watching. A statement that fails is not reported."""
    started = "_contact_graph_started"

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, *_: Any) -> None:
        if context is not None:
            setattr(context, started, time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, *_: Any) -> None:
        began = getattr(context, started, None)
        if began is not None and is_statement(statement):
            on_statement(time.perf_counter() - began)

    target = engine.sync_engine
    event.listen(target, "before_cursor_execute", before)
    event.listen(target, "after_cursor_execute", after)

    def stop() -> None:
        event.remove(target, "before_cursor_execute", before)
        event.remove(target, "after_cursor_execute", after)

    return stop
