"""Loaders of the workflows list (Actions panel)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from loaders.base import CountByContactLoader, PagedByContactLoader
from persistence.tables import WORKFLOW
from persistence.workflows import workflow_filter


def workflows_page_loader(engine: AsyncEngine) -> PagedByContactLoader:
    """WorkflowsByContactLoader: a page of enrolments per contact, by state."""
    return PagedByContactLoader(engine, WORKFLOW, workflow_filter)


def workflows_count_loader(engine: AsyncEngine) -> CountByContactLoader:
    """WorkflowCountByContactLoader: how many enrolments of a state, per contact."""
    return CountByContactLoader(engine, WORKFLOW, workflow_filter)
