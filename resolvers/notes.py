"""Notes tab: a page of a contact's notes, and note writes."""

from __future__ import annotations

from domain import notes as n
from persistence.notes import note_from_row
from persistence.tab_pages import PageRequest
from resolvers.common import Info, Outcome, run_write, tab_page


async def page(
    info: Info, contact_id: str, request: PageRequest
) -> tuple[list[n.Note], list[str], bool]:
    return await tab_page(info.context.loaders.notes, contact_id, request, note_from_row)


async def count(info: Info, contact_id: str, note_filter: n.NoteFilter) -> int:
    return await info.context.loaders.notes_count.load((contact_id, note_filter))


async def add(info: Info, contact_id: str, body: str) -> Outcome[n.Note]:
    ctx = info.context
    return await run_write(info, n.add_note(ctx.svc, ctx.viewer, contact_id, body))


async def edit(info: Info, note_id: str, body: str) -> Outcome[n.Note]:
    ctx = info.context
    return await run_write(info, n.edit_note(ctx.svc, ctx.viewer, note_id, body))


async def delete(info: Info, note_id: str) -> Outcome[n.Note]:
    ctx = info.context
    return await run_write(info, n.delete_note(ctx.svc, ctx.viewer, note_id))
