"""Webhooks: the location's endpoints with their deliveries and attempts (admins who see
every contact only), and the admin writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable

from graphql import GraphQLError

from domain import webhooks as w
from domain.errors import DomainError
from persistence.paging import InvalidCursor
from persistence.tab_pages import PageRequest
from persistence.webhooks import delivery_from_row, endpoint_count, endpoint_from_row
from persistence.webhooks import endpoint_page as endpoint_rows
from resolvers.common import Info, Outcome, bad_cursor, run_write


def _require_manager(info: Info) -> None:
    """Reads show URLs and what every contact did: the same rule as the writes, as a
    top-level FORBIDDEN error (there is no payload to carry it)."""
    try:
        w.require_manager(info.context.viewer)
    except DomainError as exc:
        raise GraphQLError(str(exc), extensions={"code": "FORBIDDEN"}) from exc


async def endpoint_page(
    info: Info, request: PageRequest
) -> tuple[list[w.WebhookEndpoint], list[str], bool, Callable[[], Awaitable[int]]]:
    _require_manager(info)
    ctx = info.context
    location_id = ctx.viewer.location_id
    try:
        async with ctx.engine.connect() as conn:
            found = await endpoint_rows(conn, location_id, request)
    except InvalidCursor as exc:
        raise bad_cursor(exc) from exc

    async def count() -> int:
        async with ctx.engine.connect() as conn:
            return await endpoint_count(conn, location_id, request.filter)

    return [endpoint_from_row(r) for r in found.rows], found.cursors, found.has_next, count


async def endpoint(info: Info, endpoint_id: str) -> w.WebhookEndpoint | None:
    _require_manager(info)
    ctx = info.context
    async with ctx.svc.uow() as uow:
        return await uow.webhooks.endpoint(ctx.viewer.location_id, endpoint_id)


async def deliveries(
    info: Info, endpoint_id: str, request: PageRequest
) -> tuple[list[w.WebhookDelivery], list[str], bool]:
    try:
        found = await info.context.loaders.webhook_deliveries.load((endpoint_id, request))
    except InvalidCursor as exc:
        raise bad_cursor(exc) from exc
    return [delivery_from_row(r) for r in found.rows], found.cursors, found.has_next


async def delivery_count(info: Info, endpoint_id: str, statuses: Hashable) -> int:
    return await info.context.loaders.webhook_deliveries_count.load((endpoint_id, statuses))


async def attempts(info: Info, delivery_id: str) -> list[w.WebhookAttempt]:
    return await info.context.loaders.webhook_attempts.load(delivery_id)


async def create(info: Info, patch: w.EndpointPatch) -> Outcome[w.WebhookEndpoint]:
    ctx = info.context
    return await run_write(info, w.create_endpoint(ctx.svc, ctx.viewer, patch))


async def update(
    info: Info, endpoint_id: str, patch: w.EndpointPatch
) -> Outcome[w.WebhookEndpoint]:
    ctx = info.context
    return await run_write(info, w.update_endpoint(ctx.svc, ctx.viewer, endpoint_id, patch))


async def rotate_secret(info: Info, endpoint_id: str) -> Outcome[w.WebhookEndpoint]:
    ctx = info.context
    return await run_write(info, w.rotate_secret(ctx.svc, ctx.viewer, endpoint_id))


async def delete(info: Info, endpoint_id: str) -> Outcome[w.WebhookEndpoint]:
    ctx = info.context
    return await run_write(info, w.delete_endpoint(ctx.svc, ctx.viewer, endpoint_id))


async def redeliver(info: Info, delivery_id: str) -> Outcome[w.WebhookDelivery]:
    ctx = info.context
    outcome = await run_write(info, w.redeliver(ctx.svc, ctx.viewer, delivery_id))
    if outcome.value is not None:
        info.context.loaders.webhook_attempts.clear(delivery_id)
    return outcome
