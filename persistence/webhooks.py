"""Webhook endpoints, deliveries and attempts: row mapping, the admin's repository, and the
pages the API lists (the delivery worker's queries are in ``persistence/webhook_queue.py``)."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.events import EventKind
from domain.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from persistence.mappers import RowLike
from persistence.tab_pages import Page, PageRequest, single_page
from persistence.tables import EVENT, WEBHOOK_ATTEMPT, WEBHOOK_DELIVERY, WEBHOOK_ENDPOINT

WE, WD, WA = WEBHOOK_ENDPOINT.c, WEBHOOK_DELIVERY.c, WEBHOOK_ATTEMPT.c


def endpoint_row(e: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": e.id,
        "location_id": e.location_id,
        "url": e.url,
        "event_kinds": None if e.event_kinds is None else [k.value for k in e.event_kinds],
        "enabled": e.enabled,
        "disabled_reason": e.disabled_reason,
        "secret": e.secret,
        "start_after_sequence": e.start_after_sequence,
        "created_by": e.created_by,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
    }


def endpoint_from_row(r: RowLike) -> WebhookEndpoint:
    kinds = r["event_kinds"]
    return WebhookEndpoint(
        id=r["id"],
        location_id=r["location_id"],
        url=r["url"],
        # a kind no longer known (renamed away) is simply never matched
        event_kinds=None
        if kinds is None
        else tuple(EventKind(k) for k in kinds if k in EventKind.__members__),
        enabled=r["enabled"],
        disabled_reason=r["disabled_reason"],
        secret=r["secret"],
        start_after_sequence=r["start_after_sequence"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def delivery_from_row(r: RowLike) -> WebhookDelivery:
    return WebhookDelivery(
        id=r["id"],
        location_id=r["location_id"],
        endpoint_id=r["endpoint_id"],
        event_id=r["event_id"],
        event_sequence=r["event_sequence"],
        event_kind=r["event_kind"],
        contact_id=r["contact_id"],
        status=DeliveryStatus(r["status"]),
        attempts=r["attempts"],
        next_attempt_at=r["next_attempt_at"],
        started_at=r["started_at"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def attempt_row(a: WebhookAttempt, location_id: str) -> dict[str, Any]:
    return {
        "id": a.id,
        "location_id": location_id,
        "delivery_id": a.delivery_id,
        "at": a.at,
        "status_code": a.status_code,
        "duration_ms": a.duration_ms,
        "error": a.error,
    }


def attempt_from_row(r: RowLike) -> WebhookAttempt:
    return WebhookAttempt(
        id=r["id"],
        delivery_id=r["delivery_id"],
        at=r["at"],
        status_code=r["status_code"],
        duration_ms=r["duration_ms"],
        error=r["error"],
    )


def delivery_filter(statuses: Hashable) -> ColumnElement[bool]:
    """``statuses``: a tuple of DeliveryStatus, or None for every delivery."""
    if statuses is None:
        return true()
    assert isinstance(statuses, tuple)
    return WD.status.in_([s.value for s in statuses])


def endpoint_filter(enabled: Hashable) -> ColumnElement[bool]:
    """``enabled``: True or False, or None for every endpoint."""
    return true() if enabled is None else WE.enabled.is_(bool(enabled))


async def endpoint_page(conn: AsyncConnection, location_id: str, request: PageRequest) -> Page:
    """A page of the location's endpoints (at most MAX_ENDPOINTS in all); ``request.sort``
    is a column name, ``request.filter`` whether they are enabled."""
    rows = select(WEBHOOK_ENDPOINT).where(
        WE.location_id == location_id, endpoint_filter(request.filter)
    )
    return await single_page(conn, rows, WE[request.sort], WE.id, request)


async def endpoint_count(conn: AsyncConnection, location_id: str, enabled: Hashable = None) -> int:
    stmt = (
        select(func.count())
        .select_from(WEBHOOK_ENDPOINT)
        .where(WE.location_id == location_id, endpoint_filter(enabled))
    )
    return int((await conn.execute(stmt)).scalar_one())


class SqlWebhookRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def endpoint(self, location_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        stmt = select(WEBHOOK_ENDPOINT).where(WE.location_id == location_id, WE.id == endpoint_id)
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else endpoint_from_row(row)

    async def count(self, location_id: str) -> int:
        return await endpoint_count(self.conn, location_id)

    async def add(self, endpoint: WebhookEndpoint) -> None:
        await self.conn.execute(insert(WEBHOOK_ENDPOINT).values(endpoint_row(endpoint)))

    async def save(self, endpoint: WebhookEndpoint) -> None:
        values = endpoint_row(endpoint)
        del values["id"], values["location_id"], values["created_at"]
        await self.conn.execute(
            update(WEBHOOK_ENDPOINT)
            .where(WE.id == endpoint.id, WE.location_id == endpoint.location_id)
            .values(values)
        )

    async def delete(self, endpoint: WebhookEndpoint) -> None:
        # explicit, not only ON DELETE CASCADE: SQLite connections may have foreign keys off
        ids = select(WD.id).where(WD.endpoint_id == endpoint.id).scalar_subquery()
        await self.conn.execute(delete(WEBHOOK_ATTEMPT).where(WA.delivery_id.in_(ids)))
        await self.conn.execute(delete(WEBHOOK_DELIVERY).where(WD.endpoint_id == endpoint.id))
        await self.conn.execute(
            delete(WEBHOOK_ENDPOINT).where(
                WE.id == endpoint.id, WE.location_id == endpoint.location_id
            )
        )

    async def log_position(self) -> int:
        stmt = select(func.coalesce(func.max(EVENT.c.sequence), 0))
        return int((await self.conn.execute(stmt)).scalar_one())

    async def delivery(self, location_id: str, delivery_id: str) -> WebhookDelivery | None:
        stmt = select(WEBHOOK_DELIVERY).where(WD.location_id == location_id, WD.id == delivery_id)
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else delivery_from_row(row)

    async def restart_pending(self, endpoint_id: str, now: datetime) -> None:
        await self.conn.execute(
            update(WEBHOOK_DELIVERY)
            .where(WD.endpoint_id == endpoint_id, WD.status == DeliveryStatus.PENDING.value)
            .values(next_attempt_at=now, started_at=now, updated_at=now)
        )

    async def redeliver(self, delivery: WebhookDelivery) -> None:
        await self.conn.execute(
            update(WEBHOOK_DELIVERY)
            .where(WD.id == delivery.id)
            .values(
                status=delivery.status.value,
                next_attempt_at=delivery.next_attempt_at,
                started_at=delivery.started_at,
                updated_at=delivery.updated_at,
            )  # a lease stays: a worker sending it now finishes first, never two at once
        )
