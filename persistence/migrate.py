"""Run Alembic migrations programmatically: the app, the CLI and the tests all call this."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if database_url is not None:
        cfg.set_main_option("sqlalchemy.url", database_url)
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to ``revision``. Blocking: env.py runs its own event loop."""
    command.upgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    """From async code: migrate in a worker thread (Alembic's env.py needs its own loop)."""
    await asyncio.to_thread(upgrade, database_url, revision)


def head_revisions() -> set[str]:
    """The revisions the code's migrations end in (one, unless a branch is unmerged)."""
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


async def current_revisions(database_url: str) -> set[str]:
    """The revisions the database is at (empty: no migration applied). Raises what the
    driver raises when the database cannot be reached."""
    from persistence.db import create_engine

    def read(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(read)
    finally:
        await engine.dispose()
