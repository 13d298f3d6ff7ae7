"""StripeGateway against a real localstripe with the real SDK; Stripe's documented test
cards for declines and 3-D Secure."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from aiohttp import web
from live_servers import free_port
from stripe_server import WEBHOOK_SECRET, stripe_signature

from adapters import stripe_gateway as module
from adapters.stripe_gateway import HTTPXClient, StripeGateway
from domain.ports import (
    CardDeclined,
    GatewayPlanItem,
    GatewayRefused,
    GatewayStatus,
    InvalidWebhook,
)
from server.dev_stripe import DEV_API_KEY, STORE_FILE, LocalStripe

THREE_D_SECURE = "4000002760003184"  # Stripe's "authentication required" card


def key() -> str:
    return f"test-{uuid.uuid4()}"


async def customer(gateway: StripeGateway) -> str:
    return await gateway.create_customer(
        name="Ada Lovelace",
        email="ada@example.com",
        metadata={"contact": "c1"},
        idempotency_key=key(),
    )


async def card(gateway: StripeGateway, customer_id: str, pm: str = "pm_card_visa") -> str:
    return (await gateway.attach_card(customer_id, pm)).id


async def charge(gateway: StripeGateway, customer_id: str, pm: str, idempotency_key: str) -> Any:
    return await gateway.charge(
        customer_id=customer_id,
        payment_method_id=pm,
        amount=12_345,
        currency="usd",
        description="Consultation",
        idempotency_key=idempotency_key,
        metadata={"payment": "p1"},
    )


async def test_a_customer_is_made_with_our_key_in_its_metadata(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient
) -> None:
    ours = key()
    customer_id = await stripe_gateway.create_customer(
        name="Ada", email=None, metadata={"contact": "c1"}, idempotency_key=ours
    )
    made = await stripe_client.v1.customers.retrieve_async(customer_id)
    assert (made.name, made.email) == ("Ada", None)
    assert made.metadata.to_dict() == {"contact": "c1", "idempotency_key": ours}


async def test_a_card_is_attached_with_what_may_be_shown_of_it(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient
) -> None:
    customer_id = await customer(stripe_gateway)
    attached = await stripe_gateway.attach_card(customer_id, "pm_card_visa")
    assert attached.id.startswith("pm_")
    assert attached.id != "pm_card_visa"
    assert (attached.brand, attached.last4, attached.exp_month, attached.exp_year) == (
        "visa",
        "4242",
        12,
        2030,
    )
    method = await stripe_client.v1.payment_methods.retrieve_async(attached.id)
    assert method.customer == customer_id


async def test_a_declined_card_is_not_attached(stripe_gateway: StripeGateway) -> None:
    customer_id = await customer(stripe_gateway)
    with pytest.raises(CardDeclined) as declined:
        await stripe_gateway.attach_card(customer_id, "pm_card_visa_chargeDeclined")
    assert declined.value.decline_code == "card_declined"
    assert declined.value.message == "Your card was declined."


async def test_an_unknown_payment_method_is_refused(stripe_gateway: StripeGateway) -> None:
    customer_id = await customer(stripe_gateway)
    with pytest.raises(GatewayRefused):
        await stripe_gateway.attach_card(customer_id, "pm_nosuchmethod")


async def test_detach_and_detaching_again_or_a_gone_card_is_no_error(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient
) -> None:
    customer_id = await customer(stripe_gateway)
    pm = await card(stripe_gateway, customer_id)
    await stripe_gateway.detach_card(pm)
    assert (await stripe_client.v1.payment_methods.retrieve_async(pm)).customer is None
    await stripe_gateway.detach_card(pm)
    await stripe_gateway.detach_card("pm_nosuchmethod")


async def test_a_charge_succeeds_with_our_key_description_and_metadata(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient
) -> None:
    customer_id = await customer(stripe_gateway)
    pm = await card(stripe_gateway, customer_id)
    ours = key()
    made = await charge(stripe_gateway, customer_id, pm, ours)
    assert made.status is GatewayStatus.SUCCEEDED
    assert (made.amount, made.currency, made.client_secret, made.decline_code) == (
        12_345,
        "usd",
        None,
        None,
    )
    intent = await stripe_client.v1.payment_intents.retrieve_async(made.id)
    assert intent.description == "Consultation"
    assert intent.metadata.to_dict() == {"payment": "p1", "idempotency_key": ours}
    assert intent.payment_method == pm
    assert intent.customer == customer_id


async def test_a_declined_charge_is_a_failed_charge_with_its_decline_code(
    stripe_gateway: StripeGateway,
) -> None:
    customer_id = await customer(stripe_gateway)
    pm = await card(stripe_gateway, customer_id, "pm_card_chargeCustomerFail")
    ours = key()
    made = await charge(stripe_gateway, customer_id, pm, ours)
    assert made.status is GatewayStatus.FAILED
    assert made.id.startswith("pi_")
    assert (made.decline_code, made.message) == ("card_declined", "Your card was declined.")
    found = await stripe_gateway.find_charge(customer_id, ours)
    assert found is not None
    assert (found.id, found.status, found.decline_code) == (
        made.id,
        GatewayStatus.FAILED,
        "card_declined",
    )


async def test_a_card_needing_3d_secure_asks_for_action_with_the_client_secret(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient
) -> None:
    customer_id = await customer(stripe_gateway)
    method = await stripe_client.v1.payment_methods.create_async(
        {
            "type": "card",
            "card": {"number": THREE_D_SECURE, "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        }
    )
    attached = await stripe_gateway.attach_card(customer_id, method.id)
    assert attached.last4 == "3184"
    made = await charge(stripe_gateway, customer_id, attached.id, key())
    assert made.status is GatewayStatus.REQUIRES_ACTION
    assert made.client_secret is not None
    assert made.client_secret.startswith(f"{made.id}_secret_")


@pytest.mark.parametrize(
    ("success", "status", "decline_code"),
    [
        (True, GatewayStatus.SUCCEEDED, None),
        (False, GatewayStatus.FAILED, "payment_intent_authentication_failure"),
    ],
)
async def test_a_3d_secure_charge_settles_once_the_customer_answers(
    stripe_gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
    stripe_server: str,
    success: bool,
    status: GatewayStatus,
    decline_code: str | None,
) -> None:
    customer_id = await customer(stripe_gateway)
    method = await stripe_client.v1.payment_methods.create_async(
        {
            "type": "card",
            "card": {"number": THREE_D_SECURE, "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        }
    )
    await stripe_gateway.attach_card(customer_id, method.id)
    ours = key()
    made = await charge(stripe_gateway, customer_id, method.id, ours)
    async with httpx.AsyncClient() as http:  # what localstripe's stripe.js does
        answer = await http.post(
            f"{stripe_server}/v1/payment_intents/{made.id}/_authenticate",
            data={
                "client_secret": made.client_secret,
                "success": str(success).lower(),
                "key": "pk_test_contact_graph",
            },
        )
    assert answer.status_code == 200
    found = await stripe_gateway.find_charge(customer_id, ours)
    assert found is not None
    assert (found.id, found.status, found.decline_code, found.client_secret) == (
        made.id,
        status,
        decline_code,
        None,
    )


async def test_an_unknown_card_is_a_refused_charge(stripe_gateway: StripeGateway) -> None:
    customer_id = await customer(stripe_gateway)
    with pytest.raises(GatewayRefused):
        await charge(stripe_gateway, customer_id, "pm_nosuchmethod", key())


async def test_find_charge_finds_by_our_key_across_pages(
    stripe_gateway: StripeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "PAGE", 2)
    customer_id = await customer(stripe_gateway)
    other_customer = await customer(stripe_gateway)
    pm = await card(stripe_gateway, customer_id)
    keys = [key() for _ in range(5)]
    made = [await charge(stripe_gateway, customer_id, pm, k) for k in keys]
    for k, m in zip(keys, made, strict=True):
        found = await stripe_gateway.find_charge(customer_id, k)
        assert found == m
    assert await stripe_gateway.find_charge(customer_id, key()) is None
    assert await stripe_gateway.find_charge(other_customer, keys[0]) is None


MONTHLY = GatewayPlanItem(
    name="Coaching", amount=9_900, currency="usd", interval="month", quantity=2
)


async def test_a_subscription_starting_now_bills_the_chosen_card(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient
) -> None:
    customer_id = await customer(stripe_gateway)
    pm = await card(stripe_gateway, customer_id)  # not the customer's default: ours is named
    ours = key()
    made = await stripe_gateway.subscribe(
        customer_id=customer_id,
        payment_method_id=pm,
        items=[MONTHLY],
        start=None,
        idempotency_key=ours,
        metadata={"subscription": "s1"},
    )
    assert made.status == "active"
    assert made.current_period_end is not None
    expected = datetime.now(UTC) + timedelta(days=28)
    assert expected <= made.current_period_end <= expected + timedelta(days=4)
    at_stripe = await stripe_client.v1.subscriptions.retrieve_async(made.id)
    assert at_stripe.metadata.to_dict() == {"subscription": "s1", "idempotency_key": ours}
    assert at_stripe["items"].data[0].quantity == 2
    assert at_stripe["items"].data[0].plan.amount == 9_900
    invoice = await stripe_client.v1.invoices.retrieve_async(str(at_stripe.latest_invoice))
    assert (invoice.status, invoice.total) == ("paid", 19_800)


async def test_a_subscription_bills_every_item(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient
) -> None:
    customer_id = await customer(stripe_gateway)
    pm = await card(stripe_gateway, customer_id)
    extra = GatewayPlanItem(
        name="Hosting", amount=1_250, currency="usd", interval="month", quantity=1
    )
    made = await stripe_gateway.subscribe(
        customer_id=customer_id,
        payment_method_id=pm,
        items=[MONTHLY, extra],
        start=None,
        idempotency_key=key(),
        metadata={},
    )
    assert made.status == "active"
    at_stripe = await stripe_client.v1.subscriptions.retrieve_async(made.id)
    assert [(i.plan.amount, i.quantity) for i in at_stripe["items"].data] == [
        (9_900, 2),
        (1_250, 1),
    ]
    invoice = await stripe_client.v1.invoices.retrieve_async(str(at_stripe.latest_invoice))
    assert (invoice.status, invoice.total) == ("paid", 21_050)


async def test_a_subscription_starting_later_bills_nothing_until_then(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient
) -> None:
    customer_id = await customer(stripe_gateway)
    pm = await card(stripe_gateway, customer_id)
    start = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    made = await stripe_gateway.subscribe(
        customer_id=customer_id,
        payment_method_id=pm,
        items=[MONTHLY],
        start=start,
        idempotency_key=key(),
        metadata={},
    )
    assert (made.status, made.current_period_end) == ("trialing", start)
    at_stripe = await stripe_client.v1.subscriptions.retrieve_async(made.id)
    assert at_stripe.latest_invoice is None


async def test_a_subscription_on_a_declined_card_is_incomplete(
    stripe_gateway: StripeGateway,
) -> None:
    customer_id = await customer(stripe_gateway)
    pm = await card(stripe_gateway, customer_id, "pm_card_chargeCustomerFail")
    made = await stripe_gateway.subscribe(
        customer_id=customer_id,
        payment_method_id=pm,
        items=[MONTHLY],
        start=None,
        idempotency_key=key(),
        metadata={},
    )
    assert made.status == "incomplete"


async def test_cancel_and_cancel_again(stripe_gateway: StripeGateway) -> None:
    customer_id = await customer(stripe_gateway)
    pm = await card(stripe_gateway, customer_id)
    made = await stripe_gateway.subscribe(
        customer_id=customer_id,
        payment_method_id=pm,
        items=[MONTHLY],
        start=None,
        idempotency_key=key(),
        metadata={},
    )
    canceled = await stripe_gateway.cancel_subscription(made.id)
    assert (canceled.id, canceled.status) == (made.id, "canceled")
    assert (await stripe_gateway.cancel_subscription(made.id)).status == "canceled"
    with pytest.raises(GatewayRefused):
        await stripe_gateway.cancel_subscription("sub_nosuchsubscription")


EVENT = json.dumps(
    {
        "id": "evt_test_1",
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_1", "object": "payment_intent", "status": "succeeded"}},
    }
).encode()


def test_a_signed_webhook_is_the_event(stripe_gateway: StripeGateway) -> None:
    event = stripe_gateway.verify_webhook(EVENT, stripe_signature(EVENT))
    assert (event.id, event.type) == ("evt_test_1", "payment_intent.succeeded")
    assert event.object == {"id": "pi_1", "object": "payment_intent", "status": "succeeded"}


@pytest.mark.parametrize(
    ("payload", "signature"),
    [
        pytest.param(EVENT, None, id="unsigned"),
        pytest.param(EVENT, "", id="empty"),
        pytest.param(EVENT, "t=1,v1=nonsense", id="garbage"),
        pytest.param(EVENT.replace(b"pi_1", b"pi_2"), stripe_signature(EVENT), id="tampered"),
        pytest.param(EVENT, stripe_signature(EVENT, secret="whsec_other"), id="other secret"),
        pytest.param(EVENT, stripe_signature(EVENT, at=int(time.time()) - 301), id="stale"),
        pytest.param(b"not json", stripe_signature(b"not json"), id="not json"),
        pytest.param(b"[1]", stripe_signature(b"[1]"), id="not an event"),
    ],
)
def test_an_unsigned_tampered_or_stale_webhook_is_refused(
    stripe_gateway: StripeGateway, payload: bytes, signature: str | None
) -> None:
    with pytest.raises(InvalidWebhook):
        stripe_gateway.verify_webhook(payload, signature)


def test_a_gateway_without_a_webhook_secret_refuses_every_webhook(stripe_server: str) -> None:
    gateway = StripeGateway(DEV_API_KEY, None, api_base=stripe_server)
    with pytest.raises(InvalidWebhook):
        gateway.verify_webhook(EVENT, stripe_signature(EVENT))


async def test_localstripe_delivers_signed_webhooks_the_gateway_accepts(
    localstripe: LocalStripe, stripe_gateway: StripeGateway
) -> None:
    received: asyncio.Queue[tuple[bytes, str | None]] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        await received.put((await request.read(), request.headers.get("Stripe-Signature")))
        return web.Response()

    app = web.Application()
    app.router.add_post("/stripe/webhook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    name = f"test-{uuid.uuid4()}"
    try:
        await asyncio.to_thread(
            localstripe.register_webhook,
            f"http://127.0.0.1:{port}/stripe/webhook",
            WEBHOOK_SECRET,
            name,
            ["customer.created"],
        )
        customer_id = await customer(stripe_gateway)
        while True:
            payload, signature = await asyncio.wait_for(received.get(), 10)
            event = stripe_gateway.verify_webhook(payload, signature)
            if event.object["id"] == customer_id:
                break
        assert event.type == "customer.created"
    finally:
        await asyncio.to_thread(  # nothing matches: it delivers no more
            localstripe.register_webhook, "http://127.0.0.1:9/", "x", name, ["none"]
        )
        await runner.cleanup()


def test_localstripe_listens_on_127_0_0_1_only(localstripe: LocalStripe) -> None:
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", localstripe.port)) == 0
    with socket.socket() as s:  # another loopback address: refused unless bound to all
        assert s.connect_ex(("127.0.0.2", localstripe.port)) != 0


async def test_the_sessions_localstripe_keeps_its_objects_in_memory_only(
    localstripe: LocalStripe, stripe_gateway: StripeGateway
) -> None:
    await customer(stripe_gateway)
    assert not (localstripe.data_dir / STORE_FILE).exists()


def test_localstripe_keeps_its_store_in_the_data_dir_across_restarts(
    tmp_path: Path,
) -> None:
    with LocalStripe(tmp_path, free_port()) as server:
        made = httpx.post(
            f"{server.url}/v1/customers",
            data={"name": "Kept"},
            headers={"Authorization": f"Bearer {DEV_API_KEY}"},
        ).json()
    assert (tmp_path / STORE_FILE).stat().st_size > 0
    with LocalStripe(tmp_path, free_port()) as server:
        again = httpx.get(
            f"{server.url}/v1/customers/{made['id']}",
            headers={"Authorization": f"Bearer {DEV_API_KEY}"},
        )
    assert again.status_code == 200
    assert again.json()["name"] == "Kept"


class RecordingClient(HTTPXClient):
    """The SDK's own async client, noting the headers of each request it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, Mapping[str, str]]] = []

    async def request_async(
        self, method: str, url: str, headers: Any, post_data: Any = None
    ) -> Any:  # type: ignore[override]
        self.sent.append((method, url, dict(headers or {})))
        return await super().request_async(method, url, headers, post_data)


async def test_every_create_sends_our_idempotency_key(stripe_server: str) -> None:
    gateway = StripeGateway(DEV_API_KEY, WEBHOOK_SECRET, api_base=stripe_server)
    recorder = RecordingClient()
    gateway._http = recorder
    gateway._client = stripe.StripeClient(
        DEV_API_KEY, base_addresses={"api": stripe_server}, http_client=recorder
    )
    try:
        ours = key()
        customer_id = await gateway.create_customer(
            name="A", email=None, metadata={}, idempotency_key=ours
        )
        pm = await card(gateway, customer_id)
        await charge(gateway, customer_id, pm, f"{ours}:charge")
        await gateway.subscribe(
            customer_id=customer_id,
            payment_method_id=pm,
            items=[MONTHLY],
            start=None,
            idempotency_key=f"{ours}:sub",
            metadata={},
        )
    finally:
        await gateway.stop()
    keys = {
        url.split("/v1/")[1]: headers.get("Idempotency-Key")
        for method, url, headers in recorder.sent
        if method == "post" and "/attach" not in url
    }
    assert keys == {
        "customers": ours,
        "payment_intents": f"{ours}:charge",
        "plans": f"{ours}:sub:plan:0",
        "subscriptions": f"{ours}:sub:subscription",
    }


async def test_an_unreachable_stripe_is_an_exception_not_a_decline() -> None:
    closed = free_port()
    gateway = StripeGateway(
        DEV_API_KEY, None, api_base=f"http://127.0.0.1:{closed}", max_network_retries=0
    )
    try:
        with pytest.raises(stripe.APIConnectionError):
            await charge(gateway, "cus_x", "pm_x", key())
        with pytest.raises(stripe.APIConnectionError):
            await gateway.find_charge("cus_x", key())
    finally:
        await gateway.stop()


async def test_the_default_localstripe_ignores_idempotency_keys(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient
) -> None:
    """What our own exactly-once code is tested against: a retry would charge twice."""
    customer_id = await customer(stripe_gateway)
    pm = await card(stripe_gateway, customer_id)
    ours = key()
    first, second = [await charge(stripe_gateway, customer_id, pm, ours) for _ in range(2)]
    assert first.id != second.id
    intents = await stripe_client.v1.payment_intents.list_async({"customer": customer_id})
    assert len(intents.data) == 2


async def test_an_idempotent_localstripe_answers_a_repeated_key_with_the_first_answer(
    idempotent_localstripe: LocalStripe,
) -> None:
    gateway = StripeGateway(DEV_API_KEY, None, api_base=idempotent_localstripe.url)
    http = HTTPXClient()
    raw = stripe.StripeClient(
        DEV_API_KEY, base_addresses={"api": idempotent_localstripe.url}, http_client=http
    )
    try:
        customer_id = await customer(gateway)
        pm = await card(gateway, customer_id)
        ours = key()
        made = await asyncio.gather(*(charge(gateway, customer_id, pm, ours) for _ in range(20)))
        made.append(await charge(gateway, customer_id, pm, ours))
        assert {m.id for m in made} == {made[0].id}
        intents = await raw.v1.payment_intents.list_async({"customer": customer_id})
        assert [i.id for i in intents.data] == [made[0].id]

        declined_pm = await card(gateway, customer_id, "pm_card_chargeCustomerFail")
        declined = key()
        again = [await charge(gateway, customer_id, declined_pm, declined) for _ in range(2)]
        assert again[0] == again[1]
        assert again[0].status is GatewayStatus.FAILED

        with pytest.raises(stripe.IdempotencyError):  # the same key, other parameters
            await raw.v1.payment_intents.create_async(
                {"amount": 1, "currency": "usd", "customer": customer_id},
                {"idempotency_key": ours},
            )
    finally:
        await gateway.stop()
        await http.close_async()  # type: ignore[no-untyped-call]
