"""localstripe for the tests: one process for the session, and gateways pointed at it.

Fixtures: ``localstripe`` (the :class:`server.dev_stripe.LocalStripe`, e.g. to register a
webhook URL; it ignores idempotency keys), ``idempotent_localstripe`` (one that honours
them), ``stripe_server`` (its API base URL), ``stripe_client`` (a raw SDK client, for
looking behind the gateway's back) and ``stripe_gateway`` (a ``StripeGateway`` verifying
webhooks with :data:`WEBHOOK_SECRET`).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import stripe
from live_servers import free_port

from adapters.stripe_gateway import HTTPXClient, StripeGateway
from server.dev_stripe import DEV_API_KEY, LocalStripe

WEBHOOK_SECRET = "whsec_contact_graph_tests"


def stripe_signature(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe sends with ``payload``: ``t=<unix time>,
    v1=<hex HMAC-SHA256 of "<t>.<payload>" under the endpoint's secret>``."""
    t = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    data = tmp_path_factory.mktemp("localstripe")
    with LocalStripe(data, free_port(), persist=False) as server:
        yield server


@pytest.fixture(scope="session")
def idempotent_localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    """A second localstripe that honours ``Idempotency-Key`` as Stripe does (the default
    one ignores it, so our own exactly-once guarantees are tested against double charges)."""
    data = tmp_path_factory.mktemp("localstripe-idempotent")
    with LocalStripe(data, free_port(), idempotency=True, persist=False) as server:
        yield server


@pytest.fixture(scope="session")
def stripe_server(localstripe: LocalStripe) -> str:
    """localstripe's API base URL (``StripeClient(base_addresses={"api": url})``)."""
    return localstripe.url


@pytest.fixture
async def stripe_client(stripe_server: str) -> AsyncIterator[stripe.StripeClient]:
    http = HTTPXClient()
    yield stripe.StripeClient(DEV_API_KEY, base_addresses={"api": stripe_server}, http_client=http)
    await http.close_async()  # type: ignore[no-untyped-call]


@pytest.fixture
async def stripe_gateway(stripe_server: str) -> AsyncIterator[StripeGateway]:
    gateway = StripeGateway(DEV_API_KEY, WEBHOOK_SECRET, api_base=stripe_server)
    yield gateway
    await gateway.stop()


THREE_D_SECURE_CARD = "4000002760003184"
"""Stripe's documented "authentication required" test card."""


async def card_payment_method(stripe_server: str, number: str = THREE_D_SECURE_CARD) -> str:
    """A payment method for a card number, as Stripe's elements would make on the client."""
    http = HTTPXClient()
    try:
        client = stripe.StripeClient(
            DEV_API_KEY, base_addresses={"api": stripe_server}, http_client=http
        )
        card = {"number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"}
        method = await client.v1.payment_methods.create_async({"type": "card", "card": card})
        return str(method.id)
    finally:
        await http.close_async()  # type: ignore[no-untyped-call]


def stripe_event(event_type: str, obj: dict[str, object], event_id: str | None = None) -> bytes:
    """A webhook body as Stripe sends it."""
    import json
    import uuid

    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex}",
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "data": {"object": obj},
        }
    ).encode()
