"""The Payments tab, compiled: `Contact.paymentMethods`, `payments`, `subscriptions` and
`invoices`, with their nodes' stored columns (``schema/payments.py``,
``schema/invoices.py``: ``from_domain`` of the rows ``persistence.payments`` maps). Not
compiled, so holes: a subscription's ``items`` and an invoice's items, discounts, taxes,
totals and ``billTo`` (JSON read and summed in Python)."""

from __future__ import annotations

from domain.invoices import InvoiceChannel, InvoiceStatus
from domain.payments import PaymentStatus
from domain.subscriptions import SubscriptionStatus
from persistence.compiled.shapes import (
    ListSpec,
    TypeSpec,
    date,
    enum_of,
    integer,
    money,
    text,
    timestamp,
    user,
)
from persistence.payments import card_filter, invoice_filter, payment_filter, subscription_filter
from persistence.tables import INVOICE, PAYMENT, PAYMENT_METHOD, SUBSCRIPTION

CARD = TypeSpec(
    "ContactPaymentMethod",
    {
        "id": text("id"),
        "contactId": text("contact_id"),
        "brand": text("brand"),
        "last4": text("last4"),
        "expMonth": integer("exp_month"),
        "expYear": integer("exp_year"),
        "label": text("label"),
        "providerId": text("provider_id"),
        "createdAt": timestamp("created_at"),
    },
    objects={"addedBy": user("created_by")},
)
PAYMENT_NODE = TypeSpec(
    "ContactPayment",
    {
        "id": text("id"),
        "contactId": text("contact_id"),
        "description": text("description"),
        "status": enum_of("status", PaymentStatus),
        "paymentMethodId": text("payment_method_id"),
        "card": text("card"),
        "failureCode": text("failure_code"),
        "failureMessage": text("failure_message"),
        "invoiceId": text("invoice_id"),
        "idempotencyKey": text("idempotency_key"),
        "createdAt": timestamp("created_at"),
        "updatedAt": timestamp("updated_at"),
    },
    objects={"amount": money("amount", "currency"), "chargedBy": user("created_by")},
)
SUBSCRIPTION_NODE = TypeSpec(
    "ContactSubscription",
    {
        "id": text("id"),
        "contactId": text("contact_id"),
        "status": enum_of("status", SubscriptionStatus),
        "paymentMethodId": text("payment_method_id"),
        "billStartDate": date("bill_start"),
        "nextBillAt": timestamp("next_bill_at"),
        "canceledAt": timestamp("canceled_at"),
        "createdAt": timestamp("created_at"),
    },
    objects={"createdBy": user("created_by")},
)
INVOICE_NODE = TypeSpec(
    "ContactInvoice",
    {
        "id": text("id"),
        "contactId": text("contact_id"),
        "status": enum_of("status", InvoiceStatus),
        "currency": text("currency"),
        "dueDate": date("due_date"),
        "memo": text("memo"),
        "sentVia": enum_of("sent_via", InvoiceChannel),
        "sentTo": text("sent_to"),
        "sentAt": timestamp("sent_at"),
        "paidAt": timestamp("paid_at"),
        "paymentId": text("payment_id"),
        "voidedAt": timestamp("voided_at"),
        "createdAt": timestamp("created_at"),
        "updatedAt": timestamp("updated_at"),
    },
    objects={"createdBy": user("created_by")},
)
LISTS = {
    "paymentMethods": ListSpec(PAYMENT_METHOD, card_filter, CARD),
    "payments": ListSpec(PAYMENT, payment_filter, PAYMENT_NODE),
    "subscriptions": ListSpec(SUBSCRIPTION, subscription_filter, SUBSCRIPTION_NODE),
    "invoices": ListSpec(INVOICE, invoice_filter, INVOICE_NODE),
}
"""`Contact`'s fields this tab compiles (the loaders' tables and filters)."""
