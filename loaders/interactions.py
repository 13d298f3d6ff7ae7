"""Loaders of interactions and attribution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.interactions import EMPTY_ATTRIBUTION, AttributionView
from loaders.base import CountByContactLoader, PagedByContactLoader, SqlLoader
from persistence import interactions as pi
from persistence.tables import INTERACTION


def interactions_page_loader(engine: AsyncEngine) -> PagedByContactLoader:
    """InteractionsByContactLoader: a page of interactions per contact."""
    return PagedByContactLoader(engine, INTERACTION, pi.interaction_filter)


def interactions_count_loader(engine: AsyncEngine) -> CountByContactLoader:
    """InteractionCountByContactLoader: how many interactions match, per contact."""
    return CountByContactLoader(engine, INTERACTION, pi.interaction_filter)


class AttributionByContactLoader(SqlLoader[str, AttributionView]):
    """First and latest interaction per contact: one statement per batch."""

    missing: Any = EMPTY_ATTRIBUTION

    async def fetch(self, conn: AsyncConnection, keys: Sequence[str]) -> dict[str, AttributionView]:
        return await pi.attributions(conn, keys)
