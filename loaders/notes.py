"""Loaders of the notes tab."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from loaders.base import CountByContactLoader, PagedByContactLoader
from persistence.notes import note_filter
from persistence.tables import NOTE


def notes_page_loader(engine: AsyncEngine) -> PagedByContactLoader:
    """NotesByContactLoader: a page of notes per contact."""
    return PagedByContactLoader(engine, NOTE, note_filter)


def notes_count_loader(engine: AsyncEngine) -> CountByContactLoader:
    """NoteCountByContactLoader: how many notes match, per contact."""
    return CountByContactLoader(engine, NOTE, note_filter)
