"""Payments tab: the repository for writes, keysets for reads, row mapping of cards,
payments, subscriptions and invoices."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.invoices import (
    BillTo,
    Invoice,
    InvoiceChannel,
    InvoiceFilter,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTax,
    discount_from_json,
    discount_json,
)
from domain.money import percent_text
from domain.payments import Payment, PaymentFilter, PaymentMethod, PaymentStatus
from domain.subscriptions import (
    BillingInterval,
    Subscription,
    SubscriptionFilter,
    SubscriptionItem,
    SubscriptionStatus,
)
from persistence.filters import one_of
from persistence.inserts import insert_new
from persistence.mappers import RowLike
from persistence.tables import (
    INVOICE,
    PAYMENT,
    PAYMENT_CUSTOMER,
    PAYMENT_METHOD,
    PROVIDER_EVENT,
    SUBSCRIPTION,
)


def card_filter(_: object) -> ColumnElement[bool]:
    """Cards on file are few (no filter)."""
    return true()


def payment_filter(f: PaymentFilter | None) -> ColumnElement[bool]:
    return true() if f is None else one_of(PAYMENT.c.status, f.statuses)


def subscription_filter(f: SubscriptionFilter | None) -> ColumnElement[bool]:
    return true() if f is None else one_of(SUBSCRIPTION.c.status, f.statuses)


def invoice_filter(f: InvoiceFilter | None) -> ColumnElement[bool]:
    return true() if f is None else one_of(INVOICE.c.status, f.statuses)


def card_row(c: PaymentMethod) -> dict[str, Any]:
    return {
        "id": c.id,
        "location_id": c.location_id,
        "contact_id": c.contact_id,
        "provider_id": c.provider_id,
        "brand": c.brand,
        "last4": c.last4,
        "exp_month": c.exp_month,
        "exp_year": c.exp_year,
        "label": c.label,
        "created_by": c.created_by,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def card_from_row(r: RowLike) -> PaymentMethod:
    return PaymentMethod(
        id=r["id"],
        location_id=r["location_id"],
        contact_id=r["contact_id"],
        provider_id=r["provider_id"],
        brand=r["brand"],
        last4=r["last4"],
        exp_month=r["exp_month"],
        exp_year=r["exp_year"],
        label=r["label"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


_PAYMENT_FIELDS = (
    "id",
    "location_id",
    "contact_id",
    "idempotency_key",
    "amount",
    "currency",
    "description",
    "payment_method_id",
    "card",
    "provider_id",
    "failure_code",
    "failure_message",
    "client_secret",
    "invoice_id",
    "lease_until",
    "created_by",
    "created_at",
    "updated_at",
)


def payment_row(p: Payment) -> dict[str, Any]:
    return {**{f: getattr(p, f) for f in _PAYMENT_FIELDS}, "status": p.status.value}


def payment_from_row(r: RowLike) -> Payment:
    return Payment(**{f: r[f] for f in _PAYMENT_FIELDS}, status=PaymentStatus(r["status"]))


def subscription_row(s: Subscription) -> dict[str, Any]:
    return {
        "id": s.id,
        "location_id": s.location_id,
        "contact_id": s.contact_id,
        "idempotency_key": s.idempotency_key,
        "currency": s.currency,
        "items": [
            {
                "name": i.name,
                "amount": i.amount,
                "interval": i.interval.value,
                "quantity": i.quantity,
            }
            for i in s.items
        ],
        "payment_method_id": s.payment_method_id,
        "bill_start": s.bill_start,
        "status": s.status.value,
        "provider_id": s.provider_id,
        "next_bill_at": s.next_bill_at,
        "canceled_at": s.canceled_at,
        "created_by": s.created_by,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


def subscription_from_row(r: RowLike) -> Subscription:
    return Subscription(
        id=r["id"],
        location_id=r["location_id"],
        contact_id=r["contact_id"],
        idempotency_key=r["idempotency_key"],
        currency=r["currency"],
        items=tuple(
            SubscriptionItem(
                i["name"], int(i["amount"]), BillingInterval(i["interval"]), int(i["quantity"])
            )
            for i in r["items"]
        ),
        payment_method_id=r["payment_method_id"],
        bill_start=r["bill_start"],
        status=SubscriptionStatus(r["status"]),
        provider_id=r["provider_id"],
        next_bill_at=r["next_bill_at"],
        canceled_at=r["canceled_at"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def invoice_row(i: Invoice) -> dict[str, Any]:
    return {
        "id": i.id,
        "location_id": i.location_id,
        "contact_id": i.contact_id,
        "currency": i.currency,
        "lines": [
            {"description": x.description, "quantity": x.quantity, "unit_amount": x.unit_amount}
            for x in i.lines
        ],
        "discounts": [discount_json(d) for d in i.discounts],
        "taxes": [{"name": t.name, "percent": percent_text(t.percent)} for t in i.taxes],
        "total": i.totals.total,
        "bill_to": {"name": i.bill_to.name, "email": i.bill_to.email, "phone": i.bill_to.phone},
        "due_date": i.due_date,
        "memo": i.memo,
        "status": i.status.value,
        "sent_via": i.sent_via.value if i.sent_via else None,
        "sent_to": i.sent_to,
        "sent_at": i.sent_at,
        "paid_at": i.paid_at,
        "payment_id": i.payment_id,
        "voided_at": i.voided_at,
        "created_by": i.created_by,
        "created_at": i.created_at,
        "updated_at": i.updated_at,
    }


def invoice_from_row(r: RowLike) -> Invoice:
    bill_to = r["bill_to"]
    return Invoice(
        id=r["id"],
        location_id=r["location_id"],
        contact_id=r["contact_id"],
        currency=r["currency"],
        lines=tuple(
            InvoiceLine(x["description"], int(x["quantity"]), int(x["unit_amount"]))
            for x in r["lines"]
        ),
        discounts=tuple(discount_from_json(d) for d in r["discounts"]),
        taxes=tuple(InvoiceTax(t["name"], Fraction(t["percent"])) for t in r["taxes"]),
        bill_to=BillTo(bill_to.get("name"), bill_to.get("email"), bill_to.get("phone")),
        due_date=r["due_date"],
        memo=r["memo"],
        status=InvoiceStatus(r["status"]),
        sent_via=InvoiceChannel(r["sent_via"]) if r["sent_via"] else None,
        sent_to=r["sent_to"],
        sent_at=r["sent_at"],
        paid_at=r["paid_at"],
        payment_id=r["payment_id"],
        voided_at=r["voided_at"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


class SqlPaymentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def _one(self, stmt: Any) -> RowLike | None:
        return (await self.conn.execute(stmt)).mappings().first()

    async def _by_reference(
        self, table: Any, our_id: str | None, provider_id: str | None
    ) -> RowLike | None:
        """A row a provider's webhook names: by our id (its metadata) or the provider's id,
        locked for the unit of work (the request's own answer may race it)."""
        wanted = [
            cond
            for cond in (
                table.c.id == our_id if our_id else None,
                table.c.provider_id == provider_id if provider_id else None,
            )
            if cond is not None
        ]
        if not wanted:
            return None
        return await self._one(select(table).where(or_(*wanted)).limit(1).with_for_update())

    # customers
    async def customer_of(self, location_id: str, contact_id: str) -> str | None:
        stmt = select(PAYMENT_CUSTOMER.c.customer_id).where(
            PAYMENT_CUSTOMER.c.location_id == location_id,
            PAYMENT_CUSTOMER.c.contact_id == contact_id,
        )
        return (await self.conn.execute(stmt)).scalar()

    async def set_customer(self, location_id: str, contact_id: str, customer_id: str) -> str:
        values = {"location_id": location_id, "contact_id": contact_id, "customer_id": customer_id}
        await insert_new(self.conn, PAYMENT_CUSTOMER, values)
        stored = await self.customer_of(location_id, contact_id)
        assert stored is not None
        return stored

    # cards
    async def add_card(self, card: PaymentMethod) -> bool:
        return await insert_new(self.conn, PAYMENT_METHOD, card_row(card))

    async def get_card(self, location_id: str, card_id: str) -> PaymentMethod | None:
        c = PAYMENT_METHOD.c
        row = await self._one(
            select(PAYMENT_METHOD).where(c.location_id == location_id, c.id == card_id)
        )
        return None if row is None else card_from_row(row)

    async def card_by_provider_id(self, location_id: str, provider_id: str) -> PaymentMethod | None:
        c = PAYMENT_METHOD.c
        row = await self._one(
            select(PAYMENT_METHOD).where(c.location_id == location_id, c.provider_id == provider_id)
        )
        return None if row is None else card_from_row(row)

    async def cards_of(self, location_id: str, contact_id: str) -> list[PaymentMethod]:
        c = PAYMENT_METHOD.c
        stmt = (
            select(PAYMENT_METHOD)
            .where(c.location_id == location_id, c.contact_id == contact_id)
            .order_by(c.created_at.desc(), c.id.desc())
        )
        return [card_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def card_in_use(self, card_id: str) -> bool:
        s = SUBSCRIPTION.c
        stmt = select(s.id).where(
            s.payment_method_id == card_id, s.status != SubscriptionStatus.CANCELED.value
        )
        return (await self.conn.execute(stmt.limit(1))).first() is not None

    async def save_card(self, card: PaymentMethod) -> None:
        c = PAYMENT_METHOD.c
        await self.conn.execute(
            update(PAYMENT_METHOD).where(c.id == card.id).values(card_row(card))
        )

    async def delete_card(self, card_id: str) -> bool:
        result = await self.conn.execute(
            delete(PAYMENT_METHOD).where(PAYMENT_METHOD.c.id == card_id)
        )
        return bool(result.rowcount == 1)

    # payments
    async def add_payment(self, payment: Payment) -> bool:
        return await insert_new(self.conn, PAYMENT, payment_row(payment))

    async def get_payment(self, location_id: str, payment_id: str) -> Payment | None:
        p = PAYMENT.c
        stmt = select(PAYMENT).where(p.location_id == location_id, p.id == payment_id)
        row = await self._one(stmt.with_for_update())
        return None if row is None else payment_from_row(row)

    async def payment_by_key(self, location_id: str, key: str) -> Payment | None:
        p = PAYMENT.c
        row = await self._one(
            select(PAYMENT).where(p.location_id == location_id, p.idempotency_key == key)
        )
        return None if row is None else payment_from_row(row)

    async def payment_by_reference(
        self, payment_id: str | None, provider_id: str | None
    ) -> Payment | None:
        row = await self._by_reference(PAYMENT, payment_id, provider_id)
        return None if row is None else payment_from_row(row)

    async def claim(self, payment_id: str, now: datetime, until: datetime) -> bool:
        p = PAYMENT.c
        stmt = (
            update(PAYMENT)
            .where(
                p.id == payment_id,
                p.status == PaymentStatus.PENDING.value,
                or_(p.lease_until.is_(None), p.lease_until < now),
            )
            .values(lease_until=until)
        )
        return bool((await self.conn.execute(stmt)).rowcount == 1)

    async def save_payment(self, payment: Payment) -> None:
        stmt = update(PAYMENT).where(PAYMENT.c.id == payment.id).values(payment_row(payment))
        await self.conn.execute(stmt)

    # subscriptions
    async def add_subscription(self, subscription: Subscription) -> bool:
        return await insert_new(self.conn, SUBSCRIPTION, subscription_row(subscription))

    async def get_subscription(self, location_id: str, subscription_id: str) -> Subscription | None:
        s = SUBSCRIPTION.c
        stmt = select(SUBSCRIPTION).where(s.location_id == location_id, s.id == subscription_id)
        row = await self._one(stmt.with_for_update())
        return None if row is None else subscription_from_row(row)

    async def subscription_by_key(self, location_id: str, key: str) -> Subscription | None:
        s = SUBSCRIPTION.c
        row = await self._one(
            select(SUBSCRIPTION).where(s.location_id == location_id, s.idempotency_key == key)
        )
        return None if row is None else subscription_from_row(row)

    async def subscription_by_reference(
        self, subscription_id: str | None, provider_id: str | None
    ) -> Subscription | None:
        row = await self._by_reference(SUBSCRIPTION, subscription_id, provider_id)
        return None if row is None else subscription_from_row(row)

    async def save_subscription(self, subscription: Subscription) -> None:
        stmt = (
            update(SUBSCRIPTION)
            .where(SUBSCRIPTION.c.id == subscription.id)
            .values(subscription_row(subscription))
        )
        await self.conn.execute(stmt)

    # invoices
    async def add_invoice(self, invoice: Invoice) -> None:
        await insert_new(self.conn, INVOICE, invoice_row(invoice))

    async def get_invoice(self, location_id: str, invoice_id: str) -> Invoice | None:
        i = INVOICE.c
        stmt = select(INVOICE).where(i.location_id == location_id, i.id == invoice_id)
        row = await self._one(stmt.with_for_update())
        return None if row is None else invoice_from_row(row)

    async def save_invoice(self, invoice: Invoice) -> None:
        stmt = update(INVOICE).where(INVOICE.c.id == invoice.id).values(invoice_row(invoice))
        await self.conn.execute(stmt)

    # provider events
    async def remember_event(self, event_id: str, event_type: str, at: datetime) -> bool:
        values = {"id": event_id, "type": event_type[:128], "received_at": at}
        return await insert_new(self.conn, PROVIDER_EVENT, values)
