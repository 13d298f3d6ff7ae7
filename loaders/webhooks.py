"""Loaders of webhook deliveries (a page per endpoint) and their latest attempts, so a page
of endpoints with their deliveries and attempts costs the same statements for 1 or 20."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.webhooks import WebhookAttempt
from loaders.base import SqlLoader
from persistence.tab_pages import EMPTY, Page, PageRequest, windowed_pages
from persistence.tables import WEBHOOK_ATTEMPT, WEBHOOK_DELIVERY
from persistence.webhooks import attempt_from_row, delivery_filter

LATEST_ATTEMPTS = 20
"""A delivery shows its 20 latest attempts (``attemptCount`` counts them all)."""
WD, WA = WEBHOOK_DELIVERY.c, WEBHOOK_ATTEMPT.c


class DeliveryPagesLoader(SqlLoader[tuple[str, PageRequest], Page]):
    """Keyed by (endpoint id, request); one statement per distinct request. Endpoint ids
    come from endpoints already read in the viewer's location."""

    missing = EMPTY

    async def fetch(
        self, conn: AsyncConnection, keys: Sequence[tuple[str, PageRequest]]
    ) -> dict[tuple[str, PageRequest], Page]:
        by_request: dict[PageRequest, list[str]] = {}
        for endpoint_id, request in keys:
            by_request.setdefault(request, []).append(endpoint_id)
        out: dict[tuple[str, PageRequest], Page] = {}
        for request, ids in by_request.items():
            rows = select(WEBHOOK_DELIVERY).where(
                WD.endpoint_id.in_(ids), delivery_filter(request.filter)
            )
            pages = await windowed_pages(
                conn, rows, WD.endpoint_id, WD[request.sort], WD.id, request
            )
            out.update({(i, request): pages.get(i, EMPTY) for i in ids})
        return out


class DeliveryCountLoader(SqlLoader[tuple[str, Hashable], int]):
    missing = 0

    async def fetch(
        self, conn: AsyncConnection, keys: Sequence[tuple[str, Hashable]]
    ) -> dict[tuple[str, Hashable], int]:
        by_filter: dict[Hashable, list[str]] = {}
        for endpoint_id, f in keys:
            by_filter.setdefault(f, []).append(endpoint_id)
        out: dict[tuple[str, Hashable], int] = {}
        for f, ids in by_filter.items():
            stmt = (
                select(WD.endpoint_id, func.count())
                .where(WD.endpoint_id.in_(ids), delivery_filter(f))
                .group_by(WD.endpoint_id)
            )
            counts: dict[str, int] = {e: n for e, n in (await conn.execute(stmt)).all()}
            out.update({(i, f): counts.get(i, 0) for i in ids})
        return out


class LatestAttemptsLoader(SqlLoader[str, list[WebhookAttempt]]):
    """A delivery's latest attempts, newest first."""

    missing: list[WebhookAttempt] = []

    async def fetch(
        self, conn: AsyncConnection, keys: Sequence[str]
    ) -> dict[str, list[WebhookAttempt]]:
        rows = select(WEBHOOK_ATTEMPT).where(WA.delivery_id.in_(keys))
        request = PageRequest(LATEST_ATTEMPTS, None, "at", True)
        pages = await windowed_pages(conn, rows, WA.delivery_id, WA.at, WA.id, request)
        return {k: [attempt_from_row(r) for r in p.rows] for k, p in pages.items()}
