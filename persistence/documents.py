"""Documents: repository for writes, filter and keyset for reads, row mapping."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, insert, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.documents import (
    Document,
    DocumentFilter,
    DocumentFolder,
    DocumentSortField,
    DocumentSource,
)
from persistence.filters import contains_text, one_of
from persistence.mappers import RowLike
from persistence.tab_pages import Keyset
from persistence.tables import DOCUMENT
from persistence.text import name_order

D = DOCUMENT.c


def document_row(d: Document) -> dict[str, Any]:
    return {
        "id": d.id,
        "location_id": d.location_id,
        "contact_id": d.contact_id,
        "name": d.name,
        "content_type": d.content_type,
        "size": d.size,
        "sha256": d.sha256,
        "folder": d.folder.value,
        "source": d.source.value,
        "source_ref": d.source_ref,
        "added_by": d.added_by,
        "created_at": d.created_at,
        "updated_at": d.updated_at,
    }


def document_from_row(r: RowLike) -> Document:
    return Document(
        id=r["id"],
        location_id=r["location_id"],
        contact_id=r["contact_id"],
        name=r["name"],
        content_type=r["content_type"],
        size=r["size"],
        sha256=r["sha256"],
        folder=DocumentFolder(r["folder"]),
        source=DocumentSource(r["source"]),
        source_ref=r["source_ref"],
        added_by=r["added_by"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def document_filter(f: DocumentFilter | None) -> ColumnElement[bool]:
    if f is None:
        return true()
    return and_(
        one_of(D.folder, f.folders), one_of(D.source, f.sources), contains_text(f.search, D.name)
    )


DOCUMENT_KEYSET = Keyset(
    {
        DocumentSortField.CREATED_AT: D.created_at,
        DocumentSortField.UPDATED_AT: D.updated_at,
        DocumentSortField.NAME: name_order(D.name),
        DocumentSortField.SIZE: D.size,
    }
)


class SqlDocumentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, location_id: str, document_id: str) -> Document | None:
        stmt = select(DOCUMENT).where(D.location_id == location_id, D.id == document_id)
        row = (await self.conn.execute(stmt.with_for_update())).mappings().first()
        return None if row is None else document_from_row(row)

    async def existing(self, location_id: str, contact_id: str, ids: Sequence[str]) -> set[str]:
        stmt = select(D.id).where(
            D.location_id == location_id, D.contact_id == contact_id, D.id.in_(ids)
        )
        return set((await self.conn.execute(stmt)).scalars())

    async def add(self, document: Document) -> None:
        await self.conn.execute(insert(DOCUMENT).values(document_row(document)))

    async def save(self, document: Document) -> None:
        stmt = update(DOCUMENT).where(D.id == document.id).values(document_row(document))
        await self.conn.execute(stmt)

    async def delete(self, document: Document) -> bool:
        result = await self.conn.execute(delete(DOCUMENT).where(D.id == document.id))
        return result.rowcount == 1
