"""Invoices of the Payments tab (help page: "This opens the Invoice builder with the contact's
details pre-filled. Add items, discounts, and taxes, then click Send and choose a messaging
channel to deliver the invoice").

An invoice is ours: a draft is edited freely, sent (the send is recorded and handed to the
outgoing events; delivering the message is another system's job), paid by a charge through
the payment provider (domain/payments.py) or voided. Its totals are computed here, in exact
integer arithmetic, by one stated rule (:func:`totals`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any

from domain.errors import DomainError, ErrorCode, UserError
from domain.events import ContactEvent, EventKind, FieldChange
from domain.money import MAX_AMOUNT, check_amount, check_currency, parse_percent, percent_of
from domain.money import percent_text as _percent_text
from domain.ports import UnitOfWork, new_id
from domain.services import Services, contact_for, visible_item
from domain.viewer import Viewer

MAX_LINES = 100
MAX_DISCOUNTS = 10
MAX_TAXES = 10
MAX_QUANTITY = 1_000_000
MAX_TEXT = 500


class InvoiceStatus(StrEnum):
    DRAFT = "DRAFT"
    SENT = "SENT"
    PAID = "PAID"
    VOID = "VOID"


class InvoiceChannel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"


class InvoiceSortField(StrEnum):
    CREATED_AT = "CREATED_AT"
    TOTAL = "TOTAL"


@dataclass(frozen=True)
class InvoiceFilter:
    """``statuses``: in one of them (an empty tuple matches nothing)."""

    statuses: tuple[InvoiceStatus, ...] | None = None


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: int
    unit_amount: int

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_amount


@dataclass(frozen=True)
class InvoiceDiscount:
    """Either a fixed ``amount`` (minor units) or a ``percent`` of the subtotal."""

    name: str
    amount: int | None = None
    percent: Fraction | None = None


@dataclass(frozen=True)
class InvoiceTax:
    name: str
    percent: Fraction


@dataclass(frozen=True)
class InvoiceTotals:
    """The rule, in order:

    1. a line is ``quantity x unit amount``; the subtotal is the sum of the lines;
    2. each discount is its amount, or its percentage of the subtotal rounded half up to a
       whole minor unit; together they may not exceed the subtotal;
    3. the taxable amount is the subtotal less the discounts; each tax is its percentage of
       the taxable amount, rounded half up on its own (taxes do not compound);
    4. the total is the taxable amount plus the taxes.
    """

    subtotal: int
    discounts: tuple[int, ...]
    taxes: tuple[int, ...]

    @property
    def discount(self) -> int:
        return sum(self.discounts)

    @property
    def taxable(self) -> int:
        return self.subtotal - self.discount

    @property
    def tax(self) -> int:
        return sum(self.taxes)

    @property
    def total(self) -> int:
        return self.taxable + self.tax


def totals(
    lines: Sequence[InvoiceLine],
    discounts: Sequence[InvoiceDiscount],
    taxes: Sequence[InvoiceTax],
) -> InvoiceTotals:
    subtotal = sum(line.amount for line in lines)
    off = tuple(
        d.amount if d.amount is not None else percent_of(subtotal, d.percent or Fraction(0))
        for d in discounts
    )
    taxable = subtotal - sum(off)
    return InvoiceTotals(subtotal, off, tuple(percent_of(taxable, t.percent) for t in taxes))


@dataclass(frozen=True)
class BillTo:
    """Who the invoice is addressed to: pre-filled from the contact when it is created."""

    name: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class InvoiceDraft:
    """What the builder sends: the parts a draft is made of (checked by :func:`check_draft`)."""

    currency: str
    lines: tuple[InvoiceLine, ...]
    discounts: tuple[InvoiceDiscount, ...] = ()
    taxes: tuple[InvoiceTax, ...] = ()
    due_date: date | None = None
    memo: str | None = None


@dataclass(frozen=True)
class DiscountInput:
    """A discount as the client sends it: ``amount`` or ``percent`` (decimal text)."""

    name: str
    amount: int | None = None
    percent: str | None = None


@dataclass(frozen=True)
class TaxInput:
    name: str
    percent: str


def _text(value: str, *path: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise DomainError.single(ErrorCode.REQUIRED, "this cannot be empty", *path)
    if len(text) > MAX_TEXT:
        raise DomainError.single(ErrorCode.TOO_LONG, f"at most {MAX_TEXT} characters", *path)
    return text


def _collect(errors: list[UserError], check: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return check(*args, **kwargs)
    except DomainError as exc:
        errors.extend(exc.errors)
        return None


def _limit(errors: list[UserError], items: Sequence[object], most: int, name: str) -> None:
    if len(items) > most:
        errors.append(
            UserError(ErrorCode.LIMIT_EXCEEDED, f"an invoice has at most {most} {name}", (name,))
        )


@dataclass(frozen=True)
class InvoiceInput:
    """The builder's parts as the client sent them; :func:`check_draft` makes a draft."""

    currency: str
    lines: Sequence[InvoiceLine]
    discounts: Sequence[DiscountInput] = ()
    taxes: Sequence[TaxInput] = ()
    due_date: date | None = None
    memo: str | None = None


def check_draft(parts: InvoiceInput) -> InvoiceDraft:
    """Every refused part at once, with its path; the totals must stay in range."""
    currency, lines, discounts, taxes = parts.currency, parts.lines, parts.discounts, parts.taxes
    due_date, memo = parts.due_date, parts.memo
    errors: list[UserError] = []
    code = _collect(errors, check_currency, currency, "currency")
    if not lines:
        errors.append(UserError(ErrorCode.REQUIRED, "an invoice has at least one item", ("items",)))
    _limit(errors, lines, MAX_LINES, "items")
    _limit(errors, discounts, MAX_DISCOUNTS, "discounts")
    _limit(errors, taxes, MAX_TAXES, "taxes")
    clean_lines = []
    for i, line in enumerate(lines[:MAX_LINES]):
        p = ("items", str(i))
        text = _collect(errors, _text, line.description, *p, "description")
        if not 1 <= line.quantity <= MAX_QUANTITY:
            errors.append(
                UserError(
                    ErrorCode.INVALID_VALUE,
                    f"a quantity is from 1 to {MAX_QUANTITY}",
                    (*p, "quantity"),
                )
            )
        unit = _collect(errors, check_amount, line.unit_amount, *p, "unitAmount", allow_zero=True)
        clean_lines.append(InvoiceLine(text or "", line.quantity, unit or 0))
    clean_discounts = []
    for i, d in enumerate(discounts[:MAX_DISCOUNTS]):
        p = ("discounts", str(i))
        name = _collect(errors, _text, d.name, *p, "name")
        if (d.amount is None) == (d.percent is None):
            errors.append(
                UserError(ErrorCode.INVALID_VALUE, "a discount is an amount or a percentage", p)
            )
            continue
        if d.amount is not None:
            amount = _collect(errors, check_amount, d.amount, *p, "amount")
            clean_discounts.append(InvoiceDiscount(name or "", amount=amount or 0))
        else:
            pct = _collect(errors, parse_percent, d.percent or "", *p, "percent")
            clean_discounts.append(InvoiceDiscount(name or "", percent=pct or Fraction(0)))
    clean_taxes = []
    for i, t in enumerate(taxes[:MAX_TAXES]):
        p = ("taxes", str(i))
        name = _collect(errors, _text, t.name, *p, "name")
        pct = _collect(errors, parse_percent, t.percent, *p, "percent")
        clean_taxes.append(InvoiceTax(name or "", pct or Fraction(0)))
    clean_memo = _collect(errors, _text, memo, "memo") if memo and memo.strip() else None
    if not errors:
        sums = totals(clean_lines, clean_discounts, clean_taxes)
        if sums.discount > sums.subtotal:
            errors.append(
                UserError(
                    ErrorCode.INVALID_VALUE,
                    "the discounts exceed the invoice's subtotal",
                    ("discounts",),
                )
            )
        elif sums.subtotal > MAX_AMOUNT or sums.total > MAX_AMOUNT:
            errors.append(
                UserError(
                    ErrorCode.LIMIT_EXCEEDED,
                    f"an invoice's total is at most {MAX_AMOUNT} minor units",
                    ("items",),
                )
            )
    if errors:
        raise DomainError(errors)
    return InvoiceDraft(
        code, tuple(clean_lines), tuple(clean_discounts), tuple(clean_taxes), due_date, clean_memo
    )


@dataclass
class Invoice:
    location_id: str
    contact_id: str
    currency: str
    lines: tuple[InvoiceLine, ...]
    discounts: tuple[InvoiceDiscount, ...]
    taxes: tuple[InvoiceTax, ...]
    bill_to: BillTo
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    due_date: date | None = None
    memo: str | None = None
    status: InvoiceStatus = InvoiceStatus.DRAFT
    sent_via: InvoiceChannel | None = None
    sent_to: str | None = None
    sent_at: datetime | None = None
    paid_at: datetime | None = None
    payment_id: str | None = None
    voided_at: datetime | None = None
    id: str = field(default_factory=new_id)

    @property
    def totals(self) -> InvoiceTotals:
        return totals(self.lines, self.discounts, self.taxes)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status.value,
            "total": self.totals.total,
            "currency": self.currency,
        }


def discount_json(d: InvoiceDiscount) -> dict[str, Any]:
    if d.amount is not None:
        return {"name": d.name, "amount": d.amount}
    return {"name": d.name, "percent": _percent_text(d.percent or Fraction(0))}


def discount_from_json(v: dict[str, Any]) -> InvoiceDiscount:
    if "amount" in v:
        return InvoiceDiscount(v["name"], amount=int(v["amount"]))
    return InvoiceDiscount(v["name"], percent=Fraction(v["percent"]))


def _event(
    kind: EventKind,
    inv: Invoice,
    viewer: Viewer | None,
    at: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> ContactEvent:
    """``viewer`` None: the payment provider told us (a webhook); no team member did it."""
    return ContactEvent(
        kind=kind,
        contact_id=inv.contact_id,
        location_id=inv.location_id,
        actor_id=viewer.user_id if viewer else None,
        occurred_at=at,
        changes=(FieldChange("invoices", before, after),),
    )


def _missing() -> DomainError:
    return DomainError.single(ErrorCode.NOT_FOUND, "no invoice with this id", "invoiceId")


def _not_in(status: InvoiceStatus, *allowed: InvoiceStatus) -> DomainError:
    names = " or ".join(s.value for s in allowed)
    return DomainError.single(
        ErrorCode.INVALID_VALUE, f"the invoice is {status.value}; this needs {names}", "invoiceId"
    )


async def visible_invoice(uow: UnitOfWork, viewer: Viewer, invoice_id: str) -> Invoice:
    item = await uow.payments.get_invoice(viewer.location_id, invoice_id)
    return await visible_item(uow, viewer, item, _missing)


async def create_invoice(
    svc: Services, viewer: Viewer, contact_id: str, parts: InvoiceInput
) -> Invoice:
    """A DRAFT addressed to the contact: name, primary email and phone pre-filled."""
    draft = check_draft(parts)
    async with svc.uow() as uow:
        contact = await contact_for(uow, viewer.location_id, contact_id, viewer)
        now = svc.clock.now()
        email, phone = contact.emails.primary, contact.phones.primary
        inv = Invoice(
            location_id=viewer.location_id,
            contact_id=contact_id,
            currency=draft.currency,
            lines=draft.lines,
            discounts=draft.discounts,
            taxes=draft.taxes,
            bill_to=BillTo(
                contact.full_name or contact.profile.business_name,
                email.value if email else None,
                phone.value if phone else None,
            ),
            created_by=viewer.user_id,
            created_at=now,
            updated_at=now,
            due_date=draft.due_date,
            memo=draft.memo,
        )
        await uow.payments.add_invoice(inv)
        uow.record(_event(EventKind.INVOICE_CREATED, inv, viewer, now, None, inv.summary()))
        await uow.commit()
        return inv


def _parts(x: InvoiceDraft | Invoice) -> tuple[object, ...]:
    return (x.currency, x.lines, x.discounts, x.taxes, x.due_date, x.memo)


async def update_invoice(
    svc: Services, viewer: Viewer, invoice_id: str, parts: InvoiceInput
) -> Invoice:
    """Replace a DRAFT's parts; the same parts again write nothing."""
    draft = check_draft(parts)
    async with svc.uow() as uow:
        inv = await visible_invoice(uow, viewer, invoice_id)
        if inv.status is not InvoiceStatus.DRAFT:
            raise _not_in(inv.status, InvoiceStatus.DRAFT)
        same = (draft.currency, draft.lines, draft.discounts, draft.taxes, draft.due_date)
        if (*same, draft.memo) == (
            inv.currency,
            inv.lines,
            inv.discounts,
            inv.taxes,
            inv.due_date,
            inv.memo,
        ):
            return inv
        before, now = inv.summary(), svc.clock.now()
        inv = replace(
            inv,
            currency=draft.currency,
            lines=draft.lines,
            discounts=draft.discounts,
            taxes=draft.taxes,
            due_date=draft.due_date,
            memo=draft.memo,
            updated_at=now,
        )
        await uow.payments.save_invoice(inv)
        uow.record(_event(EventKind.INVOICE_UPDATED, inv, viewer, now, before, inv.summary()))
        await uow.commit()
        return inv


async def send_invoice(
    svc: Services, viewer: Viewer, invoice_id: str, channel: InvoiceChannel
) -> Invoice:
    """Record the send by ``channel`` to the bill-to address of that channel; the event it
    records is what the messaging system acts on. Sending a SENT invoice again by the same
    channel records nothing; by the other channel, it is sent again."""
    async with svc.uow() as uow:
        inv = await visible_invoice(uow, viewer, invoice_id)
        if inv.status not in (InvoiceStatus.DRAFT, InvoiceStatus.SENT):
            raise _not_in(inv.status, InvoiceStatus.DRAFT, InvoiceStatus.SENT)
        if inv.status is InvoiceStatus.SENT and inv.sent_via is channel:
            return inv
        to = inv.bill_to.email if channel is InvoiceChannel.EMAIL else inv.bill_to.phone
        if not to:
            what = "email address" if channel is InvoiceChannel.EMAIL else "phone number"
            raise DomainError.single(
                ErrorCode.REQUIRED, f"the contact has no primary {what} to send to", "channel"
            )
        before, now = inv.summary(), svc.clock.now()
        inv = replace(
            inv,
            status=InvoiceStatus.SENT,
            sent_via=channel,
            sent_to=to,
            sent_at=now,
            updated_at=now,
        )
        await uow.payments.save_invoice(inv)
        after = {**inv.summary(), "channel": channel.value, "to": to}
        uow.record(_event(EventKind.INVOICE_SENT, inv, viewer, now, before, after))
        await uow.commit()
        return inv


async def void_invoice(svc: Services, viewer: Viewer, invoice_id: str) -> Invoice:
    """A DRAFT or SENT invoice is voided; a PAID one is not (its money was taken)."""
    async with svc.uow() as uow:
        inv = await visible_invoice(uow, viewer, invoice_id)
        if inv.status is InvoiceStatus.VOID:
            return inv
        if inv.status is InvoiceStatus.PAID:
            raise _not_in(inv.status, InvoiceStatus.DRAFT, InvoiceStatus.SENT)
        before, now = inv.summary(), svc.clock.now()
        inv = replace(inv, status=InvoiceStatus.VOID, voided_at=now, updated_at=now)
        await uow.payments.save_invoice(inv)
        uow.record(_event(EventKind.INVOICE_VOIDED, inv, viewer, now, before, inv.summary()))
        await uow.commit()
        return inv


async def mark_paid(
    uow: UnitOfWork, inv: Invoice, payment_id: str, at: datetime, viewer: Viewer | None
) -> Invoice:
    """Within the unit of work that records its payment's success (a charge's answer or the
    provider's webhook): PAID once, whoever learns of it first."""
    if inv.status is InvoiceStatus.PAID:
        return inv
    before = inv.summary()
    inv = replace(inv, status=InvoiceStatus.PAID, paid_at=at, payment_id=payment_id, updated_at=at)
    await uow.payments.save_invoice(inv)
    uow.record(
        _event(
            EventKind.INVOICE_PAID,
            inv,
            viewer,
            at,
            before,
            {**inv.summary(), "paymentId": payment_id},
        )
    )
    return inv
