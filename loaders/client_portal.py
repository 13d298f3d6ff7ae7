"""Loaders of the client portal (Actions panel): pages and counts of a contact's course
offers and community groups, one statement per batch for any number of contacts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.client_portal import PortalKind
from loaders.base import CountByContactLoader, PagedByContactLoader
from persistence import client_portal as cp


def portal_page_loader(engine: AsyncEngine, kind: PortalKind) -> PagedByContactLoader:
    """CourseOffersByContactLoader, CommunityGroupsByContactLoader: a page per contact."""
    table = cp.TABLES[kind].table
    return PagedByContactLoader(engine, table, cp.portal_filter(kind), cp.KEYSETS[kind])


def portal_count_loader(engine: AsyncEngine, kind: PortalKind) -> CountByContactLoader:
    """CourseOfferCountByContactLoader, CommunityGroupCountByContactLoader."""
    return CountByContactLoader(engine, cp.TABLES[kind].table, cp.portal_filter(kind))
