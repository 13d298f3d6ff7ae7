"""Payments tab: cards on file, charge now, declines, authentication, idempotency, lists --
against localstripe (the real stripe SDK, a real fake Stripe server)."""

from __future__ import annotations

import asyncio
from typing import Any

import stripe
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant

from domain.viewer import Role, Viewer
from persistence.tables import EVENT, PAYMENT, PAYMENT_METHOD

CARD = "paymentMethod { id contactId brand last4 expMonth expYear label addedBy { id } }"
CHARGE = """payment { id status amount { amount currency } description card failureCode
  paymentMethodId chargedBy { id } idempotencyKey } clientSecret declineCode
  otherPaymentMethods { id last4 }"""
TAB = """query($id: ID!) { contact(id: $id) {
  paymentMethods { totalCount edges { node { id brand last4 label } } }
  payments { totalCount edges { node { id status amount { amount currency } card } } } } }"""


async def add_card(
    t: Tenant, contact_id: str, pm: str = "pm_card_visa", **kw: Any
) -> dict[str, Any]:
    return await t.mutate(
        "contactPaymentMethodAdd",
        {"contactId": contact_id, "paymentMethod": pm, **kw},
        selection=CARD,
    )


async def charge(t: Tenant, viewer: Viewer | None = None, **input: Any) -> dict[str, Any]:
    return await t.mutate("contactCharge", input, selection=CHARGE, viewer=viewer)


async def saved_card(t: Tenant, contact_id: str, pm: str = "pm_card_visa") -> str:
    added = await add_card(t, contact_id, pm)
    assert added["userErrors"] == [], added["userErrors"]
    return str(added["paymentMethod"]["id"])


async def test_a_card_is_saved_listed_labelled_and_deleted(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Card", emails=[{"address": "card@example.com"}])
    added = await add_card(tenant, c["id"], label="Company card")
    assert added["userErrors"] == []
    card = added["paymentMethod"]
    assert (card["brand"], card["last4"], card["label"]) == ("visa", "4242", "Company card")
    assert 1 <= card["expMonth"] <= 12
    assert card["expYear"] >= 2026
    relabelled = await tenant.mutate(
        "contactPaymentMethodUpdate",
        {"paymentMethodId": card["id"], "label": "Personal"},
        selection=CARD,
    )
    assert relabelled["paymentMethod"]["label"] == "Personal"
    tab = await tenant.gql(TAB, {"id": c["id"]})
    assert tab["contact"]["paymentMethods"]["totalCount"] == 1
    deleted = await tenant.mutate(
        "contactPaymentMethodDelete", {"paymentMethodId": card["id"]}, selection=CARD
    )
    assert deleted["userErrors"] == []
    tab = await tenant.gql(TAB, {"id": c["id"]})
    assert tab["contact"]["paymentMethods"]["totalCount"] == 0


async def test_a_declined_card_is_not_saved(tenant: Tenant, engine: AsyncEngine) -> None:
    c = await tenant.create_contact(firstName="Declined")
    refused = await add_card(tenant, c["id"], "pm_card_visa_chargeDeclined")
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "paymentMethod"], "CARD_DECLINED")
    ]
    assert refused["paymentMethod"] is None
    async with engine.connect() as conn:
        n = await conn.scalar(
            select(func.count())
            .select_from(PAYMENT_METHOD)
            .where(PAYMENT_METHOD.c.contact_id == c["id"])
        )
    assert n == 0


async def test_charge_now_records_a_payment_and_a_timeline_item(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Buyer")
    card = await saved_card(tenant, c["id"])
    done = await charge(
        tenant,
        contactId=c["id"],
        amount="250000000000",
        currency="usd",
        description="Annual plan",
        paymentMethodId=card,
    )
    assert done["userErrors"] == []
    pay = done["payment"]
    assert pay["status"] == "SUCCEEDED"
    assert pay["amount"] == {"amount": "250000000000", "currency": "USD"}  # past 2^31
    assert (pay["card"], pay["chargedBy"], pay["paymentMethodId"]) == (
        "Visa •••• 4242",
        {"id": "user-admin"},
        card,
    )
    tab = await tenant.gql(TAB, {"id": c["id"]})
    assert [e["node"]["status"] for e in tab["contact"]["payments"]["edges"]] == ["SUCCEEDED"]
    activity = await tenant.gql(
        """query($id: ID!) { contact(id: $id) { activity(first: 5) { edges { node {
        kind ... on ContactPaymentActivity { paymentId paymentStatus amount { amount }
        description card } } } } } }""",
        {"id": c["id"]},
    )
    items = [e["node"] for e in activity["contact"]["activity"]["edges"]]
    assert items[0] == {
        "kind": "PAYMENT_SUCCEEDED",
        "paymentId": pay["id"],
        "paymentStatus": "SUCCEEDED",
        "amount": {"amount": "250000000000"},
        "description": "Annual plan",
        "card": "Visa •••• 4242",
    }


async def test_a_declined_charge_is_a_failed_payment_naming_the_other_cards(
    tenant: Tenant,
) -> None:
    c = await tenant.create_contact(firstName="Unlucky")
    spare = await saved_card(tenant, c["id"])
    failing = await saved_card(tenant, c["id"], "pm_card_chargeCustomerFail")
    done = await charge(
        tenant,
        contactId=c["id"],
        amount=5000,
        currency="USD",
        description="Boots",
        paymentMethodId=failing,
    )
    assert [(e["field"], e["code"]) for e in done["userErrors"]] == [
        (["input", "paymentMethodId"], "CARD_DECLINED")
    ]
    assert done["payment"]["status"] == "FAILED"
    assert done["declineCode"] == done["payment"]["failureCode"]
    assert done["declineCode"]
    assert [x["id"] for x in done["otherPaymentMethods"]] == [spare]
    retry = await charge(
        tenant,
        contactId=c["id"],
        amount=5000,
        currency="USD",
        description="Boots",
        paymentMethodId=spare,
    )
    assert retry["payment"]["status"] == "SUCCEEDED"


async def test_a_card_needing_authentication_returns_the_client_secret(
    tenant: Tenant, stripe_server: str
) -> None:
    from stripe_server import card_payment_method

    c = await tenant.create_contact(firstName="Secure")
    pm = await card_payment_method(stripe_server)
    done = await charge(
        tenant,
        contactId=c["id"],
        amount=1200,
        currency="EUR",
        description="Class pass",
        newPaymentMethod=pm,
    )
    assert done["userErrors"] == []
    assert done["payment"]["status"] == "REQUIRES_ACTION"
    assert done["clientSecret"]
    assert "_secret_" in done["clientSecret"]
    tab = await tenant.gql(TAB, {"id": c["id"]})
    assert tab["contact"]["paymentMethods"]["totalCount"] == 1  # the new card was saved


def _meta(obj: Any) -> dict[str, Any]:
    return obj.metadata.to_dict() if obj.metadata else {}


async def stripe_charges(client: stripe.StripeClient, payment_id: str) -> int:
    """How many PaymentIntents Stripe holds for our payment (its metadata names it)."""
    found, page = 0, await client.v1.payment_intents.list_async({"limit": 100})
    while True:
        found += sum(1 for pi in page.data if _meta(pi).get("payment_id") == payment_id)
        if not page.has_more:
            return found
        page = await client.v1.payment_intents.list_async(
            {"limit": 100, "starting_after": page.data[-1].id}
        )


async def test_one_key_is_one_charge_however_often_and_concurrently_it_is_sent(
    tenant: Tenant, engine: AsyncEngine, stripe_client: stripe.StripeClient
) -> None:
    c = await tenant.create_contact(firstName="Retry")
    card = await saved_card(tenant, c["id"])
    command = {
        "contactId": c["id"],
        "amount": 9900,
        "currency": "USD",
        "description": "Retried",
        "paymentMethodId": card,
        "idempotencyKey": "order-1001",
    }
    answers = await asyncio.gather(*(charge(tenant, **command) for _ in range(50)))
    answers += [await charge(tenant, **command) for _ in range(10)]
    ids = {a["payment"]["id"] for a in answers}
    assert len(ids) == 1
    assert all(a["userErrors"] == [] for a in answers)
    async with engine.connect() as conn:
        rows = await conn.scalar(
            select(func.count()).select_from(PAYMENT).where(PAYMENT.c.contact_id == c["id"])
        )
        succeeded = await conn.scalar(
            select(func.count())
            .select_from(EVENT)
            .where(EVENT.c.contact_id == c["id"], EVENT.c.kind == "PAYMENT_SUCCEEDED")
        )
    assert (rows, succeeded) == (1, 1)
    assert await stripe_charges(stripe_client, ids.pop()) == 1


async def test_without_a_key_the_same_command_is_the_same_charge(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Derived")
    card = await saved_card(tenant, c["id"])
    command = {
        "contactId": c["id"],
        "amount": 700,
        "currency": "USD",
        "description": "Coffee",
        "paymentMethodId": card,
    }
    first, again = await charge(tenant, **command), await charge(tenant, **command)
    assert first["payment"]["id"] == again["payment"]["id"]
    other = await charge(tenant, **{**command, "description": "Second coffee"})
    assert other["payment"]["id"] != first["payment"]["id"]
    reused = await charge(
        tenant, **{**command, "amount": 800, "idempotencyKey": first["payment"]["idempotencyKey"]}
    )
    assert [e["code"] for e in reused["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]


async def test_a_charge_whose_answer_was_lost_is_reconciled_not_repeated(
    tenant: Tenant, engine: AsyncEngine, stripe_client: stripe.StripeClient
) -> None:
    """The crash between Stripe's answer and our commit: the charge exists at Stripe, our
    row is still PENDING with its lease run out. The retry asks Stripe before charging."""
    from sqlalchemy import update

    c = await tenant.create_contact(firstName="Crash")
    card = await saved_card(tenant, c["id"])
    command = {
        "contactId": c["id"],
        "amount": 4200,
        "currency": "USD",
        "description": "Lost answer",
        "paymentMethodId": card,
        "idempotencyKey": "lost-1",
    }
    done = await charge(tenant, **command)
    payment_id = done["payment"]["id"]
    async with engine.begin() as conn:  # as if our commit of the answer never happened
        await conn.execute(
            update(PAYMENT)
            .where(PAYMENT.c.id == payment_id)
            .values(status="PENDING", provider_id=None, lease_until=None)
        )
    again = await charge(tenant, **command)
    assert again["payment"]["status"] == "SUCCEEDED"
    assert await stripe_charges(stripe_client, payment_id) == 1


async def test_charging_is_for_roles_allowed_to_and_follows_visibility(tenant: Tenant) -> None:
    owner = tenant.viewer("user-owner")
    c = await tenant.create_contact(firstName="Guarded", ownerId="user-owner")
    card = await saved_card(tenant, c["id"])
    command = {
        "contactId": c["id"],
        "amount": 100,
        "currency": "USD",
        "description": "x",
        "paymentMethodId": card,
    }
    plain = await charge(tenant, viewer=owner, **command)
    assert [e["code"] for e in plain["userErrors"]] == ["FORBIDDEN"]
    cashier = Viewer("user-cashier", tenant.location_id, Role.USER, True, can_charge=True)
    hidden = await charge(tenant, viewer=cashier, **command)
    assert [e["code"] for e in hidden["userErrors"]] == ["NOT_FOUND"]
    allowed = Viewer("user-owner", tenant.location_id, Role.USER, True, can_charge=True)
    assert (await charge(tenant, viewer=allowed, **command))["payment"]["status"] == "SUCCEEDED"
    tab = await tenant.gql(TAB, {"id": c["id"]}, viewer=cashier)
    assert tab["contact"] is None


async def test_bad_charges_are_typed_errors_and_store_nothing(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    c = await tenant.create_contact(firstName="Bad")
    card = await saved_card(tenant, c["id"])
    cases = [
        ({"amount": 0}, ["input", "amount"], "INVALID_VALUE"),
        ({"amount": str(10**16)}, ["input", "amount"], "LIMIT_EXCEEDED"),
        ({"currency": "dollars"}, ["input", "currency"], "INVALID_VALUE"),
        ({"description": "  "}, ["input", "description"], "REQUIRED"),
        ({"paymentMethodId": "missing"}, ["input", "paymentMethodId"], "NOT_FOUND"),
    ]
    base = {
        "contactId": c["id"],
        "amount": 100,
        "currency": "USD",
        "description": "x",
        "paymentMethodId": card,
    }
    for change, field, code in cases:
        refused = await charge(tenant, **{**base, **change})
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(field, code)], change
        assert refused["payment"] is None
    async with engine.connect() as conn:
        n = await conn.scalar(
            select(func.count()).select_from(PAYMENT).where(PAYMENT.c.contact_id == c["id"])
        )
    assert n == 0
    body = await tenant.raw(
        "mutation($i: ContactChargeInput!) { contactCharge(input: $i) { userErrors { code } } }",
        {"i": {**base, "amount": "12.5"}},
        tenant.admin,
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
