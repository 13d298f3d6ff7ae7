"""Inserts that let the database decide uniqueness, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert_new(conn: AsyncConnection, table: Table, values: dict[str, Any]) -> bool:
    """``INSERT ... ON CONFLICT DO NOTHING``: True when the row went in, False when a unique
    key (primary, unique or partial unique index) already held it.

    Checking first and inserting after would let two concurrent requests both pass the
    check; here the database's own uniqueness decides, without aborting the transaction.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(values).on_conflict_do_nothing()
    result = await conn.execute(stmt)
    return bool(result.rowcount == 1)
