"""Loaders of the documents tab."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.documents import Document
from loaders.base import CountByContactLoader, PagedByContactLoader, SqlLoader
from persistence.documents import DOCUMENT_KEYSET, document_filter, document_from_row
from persistence.tables import DOCUMENT


def documents_page_loader(engine: AsyncEngine) -> PagedByContactLoader:
    """DocumentsByContactLoader: a page of documents per contact."""
    return PagedByContactLoader(engine, DOCUMENT, document_filter, DOCUMENT_KEYSET)


def documents_count_loader(engine: AsyncEngine) -> CountByContactLoader:
    """DocumentCountByContactLoader: how many documents match, per contact."""
    return CountByContactLoader(engine, DOCUMENT, document_filter)


class DocumentByIdLoader(SqlLoader[str, Document | None]):
    """Documents of the viewer's location by id (the files of FILE_UPLOAD custom fields,
    which name documents of their own contact); another location's id is ``None``."""

    def __init__(self, engine: AsyncEngine, location_id: str) -> None:
        super().__init__(engine)
        self.location_id = location_id

    async def fetch(self, conn: AsyncConnection, keys: Sequence[str]) -> dict[str, Document | None]:
        stmt = select(DOCUMENT).where(
            DOCUMENT.c.location_id == self.location_id, DOCUMENT.c.id.in_(keys)
        )
        return {r["id"]: document_from_row(r) for r in (await conn.execute(stmt)).mappings()}
