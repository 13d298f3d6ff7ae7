"""Notes: repository for writes, filter for reads, row mapping."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, insert, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.notes import Note, NoteFilter
from persistence.filters import contains_text
from persistence.mappers import RowLike
from persistence.tables import NOTE


def note_row(n: Note) -> dict[str, Any]:
    return {
        "id": n.id,
        "location_id": n.location_id,
        "contact_id": n.contact_id,
        "body": n.body,
        "author_id": n.author_id,
        "created_at": n.created_at,
        "updated_at": n.updated_at,
    }


def note_from_row(r: RowLike) -> Note:
    return Note(
        id=r["id"],
        location_id=r["location_id"],
        contact_id=r["contact_id"],
        body=r["body"],
        author_id=r["author_id"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def note_filter(f: NoteFilter | None) -> ColumnElement[bool]:
    if f is None:
        return true()
    return contains_text(f.search, NOTE.c.body)


class SqlNoteRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, location_id: str, note_id: str) -> Note | None:
        stmt = (
            select(NOTE)
            .where(NOTE.c.location_id == location_id, NOTE.c.id == note_id)
            .with_for_update()
        )
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else note_from_row(row)

    async def add(self, note: Note) -> None:
        await self.conn.execute(insert(NOTE).values(note_row(note)))

    async def save(self, note: Note) -> bool:
        stmt = update(NOTE).where(NOTE.c.id == note.id).values(note_row(note))
        return (await self.conn.execute(stmt)).rowcount == 1

    async def delete(self, note: Note) -> bool:
        return (await self.conn.execute(delete(NOTE).where(NOTE.c.id == note.id))).rowcount == 1
