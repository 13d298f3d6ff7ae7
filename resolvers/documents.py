"""Documents tab: a page of a contact's documents, their download URLs, and document writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain import documents as d
from domain.ports import UploadTarget
from persistence.documents import document_from_row
from persistence.tab_pages import PageRequest
from resolvers.common import Info, Outcome, run_write, signed_url, tab_page
from resolvers.uploads import incoming_files


async def page(
    info: Info, contact_id: str, request: PageRequest
) -> tuple[list[d.Document], list[str], bool]:
    return await tab_page(info.context.loaders.documents, contact_id, request, document_from_row)


async def count(info: Info, contact_id: str, document_filter: d.DocumentFilter) -> int:
    return await info.context.loaders.documents_count.load((contact_id, document_filter))


async def by_ids(info: Info, ids: Sequence[str]) -> list[d.Document]:
    """The documents a FILE_UPLOAD value names, in its order; deleted ones drop out."""
    found = await info.context.loaders.document.load_many(list(ids))
    return [doc for doc in found if doc is not None]


async def download_url(info: Info, doc: d.Document) -> str:
    """Signed for the viewer's location (the document is theirs: it was read in it)."""
    return await signed_url(info, doc.key, doc.name, doc.content_type)


async def upload(
    info: Info,
    contact_id: str,
    files: Sequence[Any],
    folder: d.DocumentFolder | None,
    origin: d.UploadOrigin,
) -> Outcome[list[d.Document]]:
    ctx = info.context
    incoming = incoming_files(files, "files")
    return await run_write(
        info, d.upload_documents(ctx.svc, ctx.viewer, contact_id, incoming, folder, origin)
    )


async def rename(info: Info, document_id: str, name: str) -> Outcome[d.Document]:
    ctx = info.context
    return await run_write(info, d.rename_document(ctx.svc, ctx.viewer, document_id, name))


async def move(info: Info, document_id: str, folder: d.DocumentFolder) -> Outcome[d.Document]:
    ctx = info.context
    return await run_write(info, d.move_document(ctx.svc, ctx.viewer, document_id, folder))


async def delete(info: Info, document_id: str) -> Outcome[d.Document]:
    ctx = info.context
    return await run_write(info, d.delete_document(ctx.svc, ctx.viewer, document_id))


async def stage(info: Info, contact_id: str) -> Outcome[tuple[str, UploadTarget]]:
    ctx = info.context
    return await run_write(info, d.stage_upload(ctx.svc, ctx.viewer, contact_id))


async def finalize(
    info: Info,
    contact_id: str,
    upload_id: str,
    name: str,
    folder: d.DocumentFolder | None,
    origin: d.UploadOrigin,
) -> Outcome[d.Document]:
    ctx = info.context
    return await run_write(
        info,
        d.finalize_upload(ctx.svc, ctx.viewer, contact_id, upload_id, name, folder, origin),
    )
