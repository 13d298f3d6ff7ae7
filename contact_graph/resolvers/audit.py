"""Reads of a contact's audit log (the event log, newest first)."""

from __future__ import annotations

from ..domain.events import ContactEvent
from ..persistence.paging import InvalidCursor, decode_cursor, encode_cursor
from .common import Info, bad_cursor, page_size


async def audit_page(
    info: Info, contact_id: str, first: int | None, after: str | None
) -> tuple[list[ContactEvent], list[str], bool]:
    size = page_size(first)
    before: int | None = None
    if after:
        try:
            (before,) = decode_cursor(after, 1)
        except InvalidCursor as exc:
            raise bad_cursor(exc) from exc
        if not isinstance(before, int):
            raise bad_cursor(InvalidCursor(f"invalid cursor: {after!r}"))
    events: list[ContactEvent] = await info.context.loaders.audit_log.load(
        (contact_id, size, before)
    )
    page = list(events[:size])
    return page, [encode_cursor([e.sequence]) for e in page], len(events) > size


async def audit_count(info: Info, contact_id: str) -> int:
    return await info.context.loaders.audit_count.load(contact_id)
