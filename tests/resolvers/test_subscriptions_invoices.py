"""Payments tab: subscriptions, invoices, and the state Stripe's webhooks bring."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from stripe_server import stripe_event, stripe_signature
from support import Tenant

from persistence.tables import EVENT, PAYMENT
from tests.resolvers.test_payments import charge, saved_card

SUB = """subscription { id status items { name amount { amount currency } interval quantity }
  paymentMethodId billStartDate nextBillAt canceledAt }"""
INVOICE = """invoice { id status currency items { description quantity unitAmount { amount }
  amount { amount } } discounts { name percent amount { amount } } taxes { name percent
  amount { amount } } subtotal { amount } discountTotal { amount } taxTotal { amount }
  total { amount currency } billTo { name email phone } sentVia sentTo paidAt paymentId }"""


async def subscribe(t: Tenant, contact_id: str, card: str, **kw: Any) -> dict[str, Any]:
    items = [{"name": "Gym", "amount": 4900, "interval": "MONTH", "quantity": 2}]
    return await t.mutate(
        "contactSubscriptionCreate",
        {"contactId": contact_id, "currency": "usd", "items": items, "paymentMethodId": card, **kw},
        selection=SUB,
    )


async def test_a_subscription_is_scheduled_listed_and_cancelled(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Member")
    card = await saved_card(tenant, c["id"])
    made = await subscribe(tenant, c["id"], card)
    assert made["userErrors"] == []
    sub = made["subscription"]
    assert sub["status"] == "ACTIVE"
    assert sub["items"] == [
        {
            "name": "Gym",
            "amount": {"amount": "4900", "currency": "USD"},
            "interval": "MONTH",
            "quantity": 2,
        }
    ]
    assert sub["nextBillAt"] is not None
    later = await subscribe(
        tenant, c["id"], card, billStartDate=(date.today() + timedelta(days=10)).isoformat()
    )
    assert later["subscription"]["status"] == "SCHEDULED"
    in_use = await tenant.mutate(
        "contactPaymentMethodDelete", {"paymentMethodId": card}, selection="paymentMethod { id }"
    )
    assert [e["code"] for e in in_use["userErrors"]] == ["IN_USE"]
    for s in (sub, later["subscription"]):
        cancelled = await tenant.mutate(
            "contactSubscriptionCancel", {"subscriptionId": s["id"]}, selection=SUB
        )
        assert cancelled["subscription"]["status"] == "CANCELED"
        assert cancelled["subscription"]["nextBillAt"] is None
    listed = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { subscriptions(filter: {statuses: [CANCELED]}) "
        "{ totalCount } } }",
        {"id": c["id"]},
    )
    assert listed["contact"]["subscriptions"]["totalCount"] == 2


async def test_subscription_input_is_checked(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Picky")
    card = await saved_card(tenant, c["id"])
    refused = await tenant.mutate(
        "contactSubscriptionCreate",
        {
            "contactId": c["id"],
            "currency": "usd",
            "paymentMethodId": card,
            "items": [{"name": " ", "amount": 0, "interval": "WEEK", "quantity": 0}],
            "billStartDate": (date.today() - timedelta(days=1)).isoformat(),
        },
        selection=SUB,
    )
    assert sorted((tuple(e["field"]), e["code"]) for e in refused["userErrors"]) == [
        (("input", "billStartDate"), "INVALID_VALUE"),
        (("input", "items", "0", "amount"), "INVALID_VALUE"),
        (("input", "items", "0", "name"), "REQUIRED"),
        (("input", "items", "0", "quantity"), "INVALID_VALUE"),
    ]


async def new_invoice(t: Tenant, contact_id: str, **parts: Any) -> dict[str, Any]:
    invoice = {
        "currency": "usd",
        "items": [
            {"description": "Consulting", "quantity": 3, "unitAmount": 3333},
            {"description": "Setup", "unitAmount": "1"},
        ],
        "discounts": [{"name": "Loyalty", "percent": "12.5"}, {"name": "Coupon", "amount": 100}],
        "taxes": [{"name": "State", "percent": "8.875"}, {"name": "City", "percent": "0.5"}],
        **parts,
    }
    return await t.mutate(
        "contactInvoiceCreate", {"contactId": contact_id, "invoice": invoice}, selection=INVOICE
    )


async def test_the_invoice_builder_prefills_and_totals_exactly(tenant: Tenant) -> None:
    c = await tenant.create_contact(
        firstName="Ada",
        lastName="Lovelace",
        emails=[{"address": "ada@example.com"}],
        phones=[{"number": "+14155550100"}],
    )
    made = await new_invoice(tenant, c["id"])
    assert made["userErrors"] == []
    inv = made["invoice"]
    assert inv["billTo"] == {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": "+14155550100",
    }
    # 3 x 3333 + 1 = 10000; 12.5 % = 1250, + 100 off = 1350; taxable 8650;
    # 8.875 % of 8650 = 767.6875 -> 768; 0.5 % = 43.25 -> 43; total 8650 + 811 = 9461
    assert inv["subtotal"] == {"amount": "10000"}
    assert [d["amount"]["amount"] for d in inv["discounts"]] == ["1250", "100"]
    assert [t["amount"]["amount"] for t in inv["taxes"]] == ["768", "43"]
    assert (inv["discountTotal"], inv["taxTotal"]) == ({"amount": "1350"}, {"amount": "811"})
    assert inv["total"] == {"amount": "9461", "currency": "USD"}
    assert inv["status"] == "DRAFT"
    sent = await tenant.mutate(
        "contactInvoiceSend", {"invoiceId": inv["id"], "channel": "SMS"}, selection=INVOICE
    )
    assert (sent["invoice"]["status"], sent["invoice"]["sentTo"]) == ("SENT", "+14155550100")
    edit = await tenant.mutate(
        "contactInvoiceUpdate",
        {
            "invoiceId": inv["id"],
            "invoice": {"currency": "usd", "items": [{"description": "x", "unitAmount": 1}]},
        },
        selection=INVOICE,
    )
    assert [e["code"] for e in edit["userErrors"]] == ["INVALID_VALUE"]  # only a DRAFT


async def test_bad_invoices_are_refused_whole(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Sloppy")
    refused = await new_invoice(
        tenant,
        c["id"],
        items=[{"description": "", "quantity": 0, "unitAmount": -1}],
        discounts=[{"name": "Both", "amount": 1, "percent": "1"}],
        taxes=[{"name": "Bad", "percent": "101"}],
    )
    assert sorted((tuple(e["field"]), e["code"]) for e in refused["userErrors"]) == [
        (("input", "discounts", "0"), "INVALID_VALUE"),
        (("input", "items", "0", "description"), "REQUIRED"),
        (("input", "items", "0", "quantity"), "INVALID_VALUE"),
        (("input", "items", "0", "unitAmount"), "INVALID_VALUE"),
        (("input", "taxes", "0", "percent"), "INVALID_VALUE"),
    ]
    too_much = await new_invoice(
        tenant,
        c["id"],
        items=[{"description": "x", "unitAmount": 100}],
        discounts=[{"name": "All", "amount": 101}],
    )
    assert [(e["field"], e["code"]) for e in too_much["userErrors"]] == [
        (["input", "discounts"], "INVALID_VALUE")
    ]
    no_email = await new_invoice(tenant, c["id"])
    unsent = await tenant.mutate(
        "contactInvoiceSend",
        {"invoiceId": no_email["invoice"]["id"], "channel": "EMAIL"},
        selection=INVOICE,
    )
    assert [(e["field"], e["code"]) for e in unsent["userErrors"]] == [
        (["input", "channel"], "REQUIRED")
    ]


async def test_paying_an_invoice_charges_its_total_and_marks_it_paid(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Payer")
    card = await saved_card(tenant, c["id"])
    inv = (await new_invoice(tenant, c["id"]))["invoice"]
    paid = await tenant.mutate(
        "contactInvoicePay",
        {"invoiceId": inv["id"], "paymentMethodId": card},
        selection="payment { id status amount { amount currency } invoiceId }",
    )
    assert paid["userErrors"] == []
    assert paid["payment"]["amount"] == {"amount": "9461", "currency": "USD"}
    got = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { invoices { edges { node { status paymentId } } } } }",
        {"id": c["id"]},
    )
    assert got["contact"]["invoices"]["edges"][0]["node"] == {
        "status": "PAID",
        "paymentId": paid["payment"]["id"],
    }
    void = await tenant.mutate("contactInvoiceVoid", {"invoiceId": inv["id"]}, selection=INVOICE)
    assert [e["code"] for e in void["userErrors"]] == ["INVALID_VALUE"]
    other = (await new_invoice(tenant, c["id"]))["invoice"]
    voided = await tenant.mutate(
        "contactInvoiceVoid", {"invoiceId": other["id"]}, selection=INVOICE
    )
    assert voided["invoice"]["status"] == "VOID"


async def post_webhook(
    client: httpx.AsyncClient, body: bytes, signature: str | None
) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["stripe-signature"] = signature
    return await client.post("/stripe/webhook", content=body, headers=headers)


async def test_webhooks_settle_pending_payments_once_and_refuse_bad_signatures(
    tenant: Tenant, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    from sqlalchemy import update

    c = await tenant.create_contact(firstName="Hooked")
    card = await saved_card(tenant, c["id"])
    done = await charge(
        tenant,
        contactId=c["id"],
        amount=300,
        currency="USD",
        description="Hook",
        paymentMethodId=card,
    )
    payment_id = done["payment"]["id"]
    async with engine.begin() as conn:  # the answer was lost: only the webhook can tell
        await conn.execute(
            update(PAYMENT)
            .where(PAYMENT.c.id == payment_id)
            .values(status="PENDING", provider_id=None)
        )
    body = stripe_event(
        "payment_intent.succeeded",
        {
            "id": "pi_from_hook",
            "object": "payment_intent",
            "status": "succeeded",
            "metadata": {"payment_id": payment_id},
        },
        event_id="evt_settle_" + payment_id,
    )
    for bad in (
        None,
        stripe_signature(body, secret="whsec_wrong"),
        stripe_signature(body, at=1_000_000_000),
    ):
        refused = await post_webhook(client, body, bad)
        assert refused.status_code == 400
    tampered = body.replace(b"succeeded", b"canceled")
    assert (await post_webhook(client, tampered, stripe_signature(body))).status_code == 400

    async def status() -> tuple[str, int]:
        async with engine.connect() as conn:
            st = await conn.scalar(select(PAYMENT.c.status).where(PAYMENT.c.id == payment_id))
            n = await conn.scalar(
                select(func.count())
                .select_from(EVENT)
                .where(EVENT.c.contact_id == c["id"], EVENT.c.kind == "PAYMENT_SUCCEEDED")
            )
        return str(st), int(n or 0)

    assert await status() == ("PENDING", 1)  # nothing changed by the refused ones
    first = await post_webhook(client, body, stripe_signature(body))
    assert first.json() == {"received": True, "duplicate": False}
    assert await status() == ("SUCCEEDED", 2)  # the webhook recorded what the answer had not
    again = await post_webhook(client, body, stripe_signature(body))
    assert again.json() == {"received": True, "duplicate": True}
    assert await status() == ("SUCCEEDED", 2)  # a redelivery changes nothing


async def test_a_subscription_webhook_updates_its_status(
    tenant: Tenant, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    c = await tenant.create_contact(firstName="Lapsed")
    card = await saved_card(tenant, c["id"])
    sub = (await subscribe(tenant, c["id"], card))["subscription"]
    from persistence.tables import SUBSCRIPTION

    async with engine.connect() as conn:
        provider_id = await conn.scalar(
            select(SUBSCRIPTION.c.provider_id).where(SUBSCRIPTION.c.id == sub["id"])
        )
    async with engine.begin() as conn:  # as if our record of Stripe's answer was lost
        await conn.execute(
            SUBSCRIPTION.update().where(SUBSCRIPTION.c.id == sub["id"]).values(provider_id=None)
        )
    body = stripe_event(
        "customer.subscription.updated",
        {
            "metadata": {"subscription_id": sub["id"]},  # found by our id in its metadata
            "id": provider_id,
            "object": "subscription",
            "status": "past_due",
            "current_period_end": 1_900_000_000,
        },
    )
    assert (await post_webhook(client, body, stripe_signature(body))).status_code == 200
    got = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { subscriptions { edges { node { status "
        "nextBillAt } } } activity(first: 1) { edges { node { kind ... on "
        "ContactSubscriptionActivity { subscriptionStatus previousSubscriptionStatus } } } } } }",
        {"id": c["id"]},
    )
    node = got["contact"]["subscriptions"]["edges"][0]["node"]
    assert node == {"status": "PAST_DUE", "nextBillAt": "2030-03-17T17:46:40+00:00"}
    assert got["contact"]["activity"]["edges"][0]["node"] == {
        "kind": "SUBSCRIPTION_UPDATED",
        "subscriptionStatus": "PAST_DUE",
        "previousSubscriptionStatus": "ACTIVE",
    }


async def test_a_long_provider_message_is_kept_clipped_not_failing_the_commit(
    tenant: Tenant, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    """PostgreSQL refuses a value longer than its column: the provider's words are clipped."""
    from sqlalchemy import update

    c = await tenant.create_contact(firstName="Wordy")
    card = await saved_card(tenant, c["id"])
    done = await charge(
        tenant,
        contactId=c["id"],
        amount=300,
        currency="USD",
        description="Long",
        paymentMethodId=card,
    )
    payment_id = done["payment"]["id"]
    async with engine.begin() as conn:
        await conn.execute(
            update(PAYMENT).where(PAYMENT.c.id == payment_id).values(status="PENDING")
        )
    body = stripe_event(
        "payment_intent.payment_failed",
        {
            "id": "pi_long",
            "metadata": {"payment_id": payment_id},
            "last_payment_error": {"decline_code": "x" * 100, "message": "no " * 400},
        },
    )
    assert (await post_webhook(client, body, stripe_signature(body))).status_code == 200
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(PAYMENT.c.status, PAYMENT.c.failure_code, PAYMENT.c.failure_message).where(
                    PAYMENT.c.id == payment_id
                )
            )
        ).one()
    assert (row.status, len(row.failure_code), len(row.failure_message)) == ("FAILED", 64, 500)
