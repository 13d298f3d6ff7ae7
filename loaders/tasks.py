"""Loaders of the tasks tab."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from loaders.base import CountByContactLoader, PagedByContactLoader
from persistence.tables import TASK
from persistence.tasks import task_filter


def tasks_page_loader(engine: AsyncEngine) -> PagedByContactLoader:
    """TasksByContactLoader: a page of tasks per contact."""
    return PagedByContactLoader(engine, TASK, task_filter)


def tasks_count_loader(engine: AsyncEngine) -> CountByContactLoader:
    """TaskCountByContactLoader: how many tasks match, per contact."""
    return CountByContactLoader(engine, TASK, task_filter)
