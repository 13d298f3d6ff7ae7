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


async def add_card(t: Tenant, contact_id: str, pm: str = "pm_card_visa", **kw: Any) -> dict[str, Any]:
    return await t.mutate(
        "contactPaymentMethodAdd", {"contactId": contact_id, "paymentMethod": pm, **kw},
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
    assert 1 <= card["expMonth"] <= 12 and card["expYear"] >= 2026
    relabelled = await tenant.mutate(
        "contactPaymentMethodUpdate", {"paymentMethodId": card["id"], "label": "Personal"},
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
            select(func.count()).select_from(PAYMENT_METHOD).where(PAYMENT_METHOD.c.contact_id == c["id"])
        )
    assert n == 0


async def test_charge_now_records_a_payment_and_a_timeline_item(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Buyer")
    card = await saved_card(tenant, c["id"])
    done = await charge(
        tenant, contactId=c["id"], amount="250000000000", currency="usd",
        description="Annual plan", paymentMethodId=card,
    )
    assert done["userErrors"] == []
    pay = done["payment"]
    assert pay["status"] == "SUCCEEDED"
    assert pay["amount"] == {"amount": "250000000000", "currency": "USD"}  # past 2^31
    assert (pay["card"], pay["chargedBy"], pay["paymentMethodId"]) == (
        "Visa •••• 4242", {"id": "user-admin"}, card,
    )
    tab = await tenant.gql(TAB, {"id": c["id"]})
    assert [e["node"]["status"] for e in tab["contact"]["payments"]["edges"]] == ["SUCCEEDED"]
    activity = await tenant.gql(
        """query($id: ID!) { contact(id: $id) { activity(first: 5) { edges { node {
        kind ... on ContactPaymentActivity { paymentId status amount { amount } description card
        } } } } } }""",
        {"id": c["id"]},
    )
    items = [e["node"] for e in activity["contact"]["activity"]["edges"]]
    assert items[0] == {
        "kind": "PAYMENT_SUCCEEDED", "paymentId": pay["id"], "status": "SUCCEEDED",
        "amount": {"amount": "250000000000"}, "description": "Annual plan",
        "card": "Visa •••• 4242",
    }
