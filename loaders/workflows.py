"""Loaders of the workflows list (Actions panel)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from loaders.base import CountByContactLoader, PagedByContactLoader
from persistence.tables import WORKFLOW
from persistence.workflows import WORKFLOW_KEYSET, workflow_filter


def workflows_page_loader(engine: AsyncEngine) -> PagedByContactLoader:
    """WorkflowsByContactLoader: a page of enrolments per contact."""
    return PagedByContactLoader(engine, WORKFLOW, workflow_filter, WORKFLOW_KEYSET)


def workflows_count_loader(engine: AsyncEngine) -> CountByContactLoader:
    """WorkflowCountByContactLoader: how many enrolments match, per contact."""
    return CountByContactLoader(engine, WORKFLOW, workflow_filter)
