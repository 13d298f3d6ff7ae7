"""``POST /stripe/webhook``: the payment provider tells us what became of payments and
subscriptions. Only a payload carrying the provider's valid, recent signature (the SDK's
``construct_event`` and its tolerance) changes anything; an event already applied (the
provider redelivers) is acknowledged and changes nothing (domain/payments.py)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.payments import apply_provider_event
from domain.ports import InvalidWebhook
from server.context import services_for

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
"""Stripe's events are a few KiB; anything larger is not one."""


async def stripe_webhook(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    if runtime.payments is None:
        return JSONResponse({"error": "payments are not configured"}, status_code=404)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "the body is too large"}, status_code=413)
    try:
        event = runtime.payments.verify_webhook(
            bytes(body), request.headers.get("stripe-signature")
        )
    except InvalidWebhook as exc:
        log.warning("stripe webhook refused: %s", exc)
        return JSONResponse({"error": f"invalid webhook: {exc}"}, status_code=400)
    applied = await apply_provider_event(services_for(runtime), event)
    return JSONResponse({"received": True, "duplicate": not applied})


def stripe_routes() -> list[Route]:
    return [Route("/stripe/webhook", stripe_webhook, methods=["POST"])]
