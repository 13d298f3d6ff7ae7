"""Loaders of the event log: the activity timeline and the audit log are its pages."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from loaders.base import CountByContactLoader, PagedByContactLoader
from persistence.activity import activity_filter
from persistence.tables import EVENT


def activity_page_loader(engine: AsyncEngine) -> PagedByContactLoader:
    """ActivityByContactLoader: a page of events per contact."""
    return PagedByContactLoader(engine, EVENT, activity_filter)


def activity_count_loader(engine: AsyncEngine) -> CountByContactLoader:
    """ActivityCountByContactLoader: how many events match, per contact."""
    return CountByContactLoader(engine, EVENT, activity_filter)
