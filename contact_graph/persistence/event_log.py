"""Reads of the event log: per-contact pages in one windowed statement, and counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.events import ContactEvent
from .mappers import event_from_row
from .tables import EVENT

E = EVENT.c


async def newest_first(
    conn: AsyncConnection, contact_ids: Sequence[str], first: int, before_sequence: int | None
) -> dict[str, list[ContactEvent]]:
    """Up to ``first + 1`` events per contact, newest first, older than the cursor.

    One statement for any number of contacts: ``row_number()`` per contact does the
    per-parent limit (the extra row tells whether a next page exists).
    """
    rank = (
        func.row_number().over(partition_by=E.contact_id, order_by=E.sequence.desc()).label("rank")
    )
    inner = select(EVENT, rank).where(E.contact_id.in_(contact_ids))
    if before_sequence is not None:
        inner = inner.where(E.sequence < before_sequence)
    sub = inner.subquery()
    stmt = select(sub).where(sub.c.rank <= first + 1).order_by(sub.c.contact_id, sub.c.rank)
    out: dict[str, list[ContactEvent]] = defaultdict(list)
    for row in (await conn.execute(stmt)).mappings():
        out[row["contact_id"]].append(event_from_row(row))
    return out


async def counts(conn: AsyncConnection, contact_ids: Sequence[str]) -> dict[str, int]:
    stmt = (
        select(E.contact_id, func.count())
        .where(E.contact_id.in_(contact_ids))
        .group_by(E.contact_id)
    )
    return {cid: n for cid, n in (await conn.execute(stmt)).all()}
