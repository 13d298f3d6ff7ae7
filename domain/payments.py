"""Payments tab (help page: "Add a credit or debit card"; "Apply an immediate charge ...
enter the amount and a description, select or add a payment method, and click Confirm &
Charge"; "If a saved card fails, attempt a different saved card"; "View all stored cards
showing the last four digits, expiration date, and label. Click the trash icon to delete").

Card numbers never reach us: the client collects them with the provider's own elements and
sends its payment-method id; we keep what may be shown (brand, last four, expiry, a label).

Money is never lost or doubled. A charge is first stored as a PENDING payment under its
idempotency key (unique per location) and committed; only then is the provider called, with
the payment's id as the provider's idempotency key and in its metadata. Whoever holds the
payment's lease calls the provider; every other request with the same key gets the payment as
it stands. A payment whose answer was lost (a crash, a timeout) is reconciled once its lease
ran out -- the retry asks the provider for the charge made under the key before making one --
or by the provider's webhook (:func:`apply_provider_event`), whichever comes first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from domain.errors import DomainError, ErrorCode
from domain.events import ContactEvent, EventKind, FieldChange
from domain.invoices import InvoiceStatus, mark_paid, visible_invoice
from domain.money import check_amount, check_currency
from domain.ports import (
    CardDeclined,
    GatewayCharge,
    GatewayEvent,
    GatewayRefused,
    GatewayStatus,
    PaymentGateway,
    UnitOfWork,
    new_id,
)
from domain.services import Services, contact_for, visible_contact_id, visible_item
from domain.viewer import Viewer

MAX_LABEL = 100
MAX_DESCRIPTION = 500
MAX_KEY = 255
LEASE = timedelta(seconds=60)
"""How long the request that stored a pending payment has to get the provider's answer;
after it, a retry with the same key reconciles the payment from the provider."""
DERIVED_KEY_WINDOW = timedelta(hours=24)
"""A charge sent without an idempotency key gets one derived from the command: the same
command within this window (Stripe keeps keys as long) is the same charge; after it, a new one."""


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    """Stored, the provider's answer not yet known."""
    SUCCEEDED = "SUCCEEDED"
    REQUIRES_ACTION = "REQUIRES_ACTION"
    PROCESSING = "PROCESSING"
    FAILED = "FAILED"
    CANCELED = "CANCELED"

    @property
    def final(self) -> bool:
        return self in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELED)


_FROM_GATEWAY = {
    GatewayStatus.SUCCEEDED: PaymentStatus.SUCCEEDED,
    GatewayStatus.REQUIRES_ACTION: PaymentStatus.REQUIRES_ACTION,
    GatewayStatus.PROCESSING: PaymentStatus.PROCESSING,
    GatewayStatus.FAILED: PaymentStatus.FAILED,
    GatewayStatus.CANCELED: PaymentStatus.CANCELED,
}
_EVENT_OF = {
    PaymentStatus.SUCCEEDED: EventKind.PAYMENT_SUCCEEDED,
    PaymentStatus.FAILED: EventKind.PAYMENT_FAILED,
    PaymentStatus.CANCELED: EventKind.PAYMENT_FAILED,
    PaymentStatus.REQUIRES_ACTION: EventKind.PAYMENT_ACTION_REQUIRED,
}
"""The payment events the timeline shows (PENDING and PROCESSING record none)."""


class PaymentSortField(StrEnum):
    CREATED_AT = "CREATED_AT"
    AMOUNT = "AMOUNT"


class PaymentMethodSortField(StrEnum):
    CREATED_AT = "CREATED_AT"


@dataclass(frozen=True)
class PaymentFilter:
    """``statuses``: in one of them (an empty tuple matches nothing)."""

    statuses: tuple[PaymentStatus, ...] | None = None


@dataclass
class PaymentMethod:
    """A card on file of a contact; ``provider_id`` is the provider's payment-method id."""

    location_id: str
    contact_id: str
    provider_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    label: str | None = None
    id: str = field(default_factory=new_id)

    @property
    def display(self) -> str:
        return f"{self.brand.title()} •••• {self.last4}"

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "card": self.display, "label": self.label}


@dataclass
class Payment:
    """One charge of a contact, from the moment it was asked for."""

    location_id: str
    contact_id: str
    idempotency_key: str
    amount: int
    currency: str
    description: str
    payment_method_id: str | None
    card: str | None
    """The card as shown when it was charged ("Visa •••• 4242"): kept if the card goes."""
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    status: PaymentStatus = PaymentStatus.PENDING
    provider_id: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    client_secret: str | None = None
    invoice_id: str | None = None
    lease_until: datetime | None = None
    id: str = field(default_factory=new_id)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status.value,
            "amount": self.amount,
            "currency": self.currency,
            "description": self.description,
            "card": self.card,
            "failureCode": self.failure_code,
        }


@dataclass(frozen=True)
class ChargeCommand:
    contact_id: str
    amount: int
    currency: str
    description: str
    payment_method_id: str | None = None
    """A saved card of the contact (ours), or ..."""
    new_payment_method: str | None = None
    """... a payment method the client just collected (the provider's id): saved first."""
    idempotency_key: str | None = None
    invoice_id: str | None = None


@dataclass(frozen=True)
class Charge:
    """What a charge came to, and the contact's other saved cards (to try after a decline)."""

    payment: Payment
    other_cards: tuple[PaymentMethod, ...] = ()


def provider_event(
    kind: EventKind,
    location_id: str,
    contact_id: str,
    viewer: Viewer | None,
    at: datetime,
    field_name: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> ContactEvent:
    """A Payments-tab event; ``viewer`` None when the provider told us (a webhook)."""
    return ContactEvent(
        kind=kind,
        contact_id=contact_id,
        location_id=location_id,
        actor_id=viewer.user_id if viewer else None,
        occurred_at=at,
        changes=(FieldChange(field_name, before, after),),
    )


def gateway(svc: Services) -> PaymentGateway:
    if svc.payments is None:
        raise DomainError.single(
            ErrorCode.PAYMENT_PROVIDER_UNAVAILABLE, "payments are not configured on this server"
        )
    return svc.payments


def unavailable() -> DomainError:
    return DomainError.single(
        ErrorCode.PAYMENT_PROVIDER_UNAVAILABLE,
        "the payment provider did not answer; try again (with the same idempotency key)",
    )


def _card_missing(*path: str) -> DomainError:
    return DomainError.single(ErrorCode.NOT_FOUND, "no saved card with this id", *path)


def _check_label(label: str | None) -> str | None:
    text = " ".join((label or "").split()) or None
    if text and len(text) > MAX_LABEL:
        raise DomainError.single(ErrorCode.TOO_LONG, f"at most {MAX_LABEL} characters", "label")
    return text


async def visible_card(uow: UnitOfWork, viewer: Viewer, card_id: str, *path: str) -> PaymentMethod:
    item = await uow.payments.get_card(viewer.location_id, card_id)
    return await visible_item(
        uow, viewer, item, lambda: _card_missing(*(path or ("paymentMethodId",)))
    )


async def customer_of(svc: Services, viewer: Viewer, contact_id: str) -> str:
    """The contact's customer at the provider, created on first use. Two first uses at once
    may both create one; the first stored wins and the other stays unused (no money moves)."""
    async with svc.uow() as uow:
        contact = await contact_for(uow, viewer.location_id, contact_id, viewer)
        known = await uow.payments.customer_of(viewer.location_id, contact_id)
    if known:
        return known
    primary = contact.emails.primary
    try:
        created = await gateway(svc).create_customer(
            name=contact.full_name or contact.profile.business_name or contact.id,
            email=primary.value if primary else None,
            metadata={"contact_id": contact_id, "location_id": viewer.location_id},
            idempotency_key=f"customer:{contact_id}",
        )
    except (GatewayRefused, CardDeclined) as exc:
        raise DomainError.single(ErrorCode.PAYMENT_REFUSED, str(exc)) from exc
    except Exception as exc:
        raise unavailable() from exc
    async with svc.uow() as uow:
        stored = await uow.payments.set_customer(viewer.location_id, contact_id, created)
        await uow.commit()
    return stored


# -- cards on file --------------------------------------------------------------------------


async def add_card(
    svc: Services,
    viewer: Viewer,
    contact_id: str,
    provider_pm: str,
    label: str | None,
    path: tuple[str, ...] = ("paymentMethod",),
) -> PaymentMethod:
    """Attach the client-collected payment method to the contact's customer and keep it.
    A card the provider declines is CARD_DECLINED and nothing is kept. Adding the same
    payment method again returns the saved card."""
    clean_label = _check_label(label)
    pm_id = provider_pm.strip()
    if not pm_id or len(pm_id) > MAX_KEY:
        raise DomainError.single(ErrorCode.INVALID_VALUE, "a payment-method id is required", *path)
    async with svc.uow() as uow:
        await contact_for(uow, viewer.location_id, contact_id, viewer)
        same = await uow.payments.card_by_provider_id(viewer.location_id, pm_id)
    if same is not None:
        if same.contact_id != contact_id:
            raise DomainError.single(
                ErrorCode.DUPLICATE, "this payment method is saved on another contact", *path
            )
        return same
    customer = await customer_of(svc, viewer, contact_id)
    try:
        card = await gateway(svc).attach_card(customer, pm_id)
    except CardDeclined as exc:
        raise DomainError.single(
            ErrorCode.CARD_DECLINED, f"the card was declined ({exc.decline_code})", *path
        ) from exc
    except GatewayRefused as exc:
        raise DomainError.single(ErrorCode.PAYMENT_REFUSED, str(exc), *path) from exc
    except Exception as exc:
        raise unavailable() from exc
    async with svc.uow() as uow:
        now = svc.clock.now()
        method = PaymentMethod(
            location_id=viewer.location_id,
            contact_id=contact_id,
            provider_id=card.id,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            created_by=viewer.user_id,
            created_at=now,
            updated_at=now,
            label=clean_label,
        )
        if not await uow.payments.add_card(method):  # the same card, saved meanwhile
            existing = await uow.payments.card_by_provider_id(viewer.location_id, card.id)
            assert existing is not None
            return existing
        uow.record(
            provider_event(
                EventKind.PAYMENT_METHOD_ADDED,
                method.location_id,
                contact_id,
                viewer,
                now,
                "paymentMethods",
                None,
                method.summary(),
            )
        )
        await uow.commit()
        return method


async def label_card(
    svc: Services, viewer: Viewer, card_id: str, label: str | None
) -> PaymentMethod:
    async with svc.uow() as uow:
        card = await visible_card(uow, viewer, card_id)
        clean = _check_label(label)
        if clean == card.label:
            return card
        before, now = card.summary(), svc.clock.now()
        card = replace(card, label=clean, updated_at=now)
        await uow.payments.save_card(card)
        uow.record(
            provider_event(
                EventKind.PAYMENT_METHOD_UPDATED,
                card.location_id,
                card.contact_id,
                viewer,
                now,
                "paymentMethods",
                before,
                card.summary(),
            )
        )
        await uow.commit()
        return card


async def remove_card(svc: Services, viewer: Viewer, card_id: str) -> PaymentMethod:
    """Detach the card at the provider, then forget it; payments made with it keep showing
    it. Subscriptions billing it must be cancelled or moved first (IN_USE)."""
    async with svc.uow() as uow:
        card = await visible_card(uow, viewer, card_id)
        if await uow.payments.card_in_use(card.id):
            raise DomainError.single(
                ErrorCode.IN_USE, "an active subscription bills this card", "paymentMethodId"
            )
    try:
        await gateway(svc).detach_card(card.provider_id)
    except GatewayRefused:
        pass  # already detached at the provider: forgetting it is all that is left
    except Exception as exc:
        raise unavailable() from exc
    async with svc.uow() as uow:
        if not await uow.payments.delete_card(card.id):
            raise _card_missing("paymentMethodId")  # a concurrent delete won
        uow.record(
            provider_event(
                EventKind.PAYMENT_METHOD_REMOVED,
                card.location_id,
                card.contact_id,
                viewer,
                svc.clock.now(),
                "paymentMethods",
                card.summary(),
                None,
            )
        )
        await uow.commit()
    return card


# -- charge now -----------------------------------------------------------------------------


def _check_charge(cmd: ChargeCommand) -> tuple[int, str, str]:
    errors = []
    for check, args in (
        (check_amount, (cmd.amount, "amount")),
        (check_currency, (cmd.currency, "currency")),
    ):
        try:
            check(*args)
        except DomainError as exc:
            errors.extend(exc.errors)
    description = " ".join(cmd.description.split())
    if not description:
        errors.extend(
            DomainError.single(
                ErrorCode.REQUIRED, "a charge needs a description", "description"
            ).errors
        )
    elif len(description) > MAX_DESCRIPTION:
        errors.extend(
            DomainError.single(
                ErrorCode.TOO_LONG, f"at most {MAX_DESCRIPTION} characters", "description"
            ).errors
        )
    if (cmd.payment_method_id is None) == (cmd.new_payment_method is None):
        errors.extend(
            DomainError.single(
                ErrorCode.INVALID_VALUE,
                "give a saved card (paymentMethodId) or a new payment method",
                "paymentMethodId",
            ).errors
        )
    if cmd.idempotency_key is not None and not 0 < len(cmd.idempotency_key) <= MAX_KEY:
        errors.extend(
            DomainError.single(
                ErrorCode.INVALID_VALUE,
                f"an idempotency key has 1 to {MAX_KEY} characters",
                "idempotencyKey",
            ).errors
        )
    if errors:
        raise DomainError(errors)
    return cmd.amount, check_currency(cmd.currency), description


def derived_key(viewer: Viewer, cmd: ChargeCommand, card_id: str) -> str:
    """The key of a charge sent without one: the command itself (who, whom, how much, what
    for, which card, which invoice), hashed."""
    parts = (
        viewer.location_id,
        viewer.user_id,
        cmd.contact_id,
        str(cmd.amount),
        cmd.currency.upper(),
        " ".join(cmd.description.split()),
        card_id,
        cmd.invoice_id or "",
    )
    return "derived:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


async def _key_for(uow: UnitOfWork, location_id: str, base: str, now: datetime) -> str:
    """A derived key names the same charge for :data:`DERIVED_KEY_WINDOW`; the same command
    later chains onto the earlier payment's id, so it is a new charge, once."""
    key = base
    while True:
        p = await uow.payments.payment_by_key(location_id, key)
        if p is None or not p.status.final or now - p.created_at < DERIVED_KEY_WINDOW:
            return key
        key = f"{base}:{p.id}"


async def charge(svc: Services, viewer: Viewer, cmd: ChargeCommand) -> Charge:
    """Charge now. The same idempotency key always names the same payment: whatever the
    retries, concurrent or not, the provider is asked to charge it once."""
    provider = gateway(svc)
    if not viewer.may_charge:
        raise DomainError.single(ErrorCode.FORBIDDEN, "your role may not charge cards")
    amount, currency, description = _check_charge(cmd)
    card_id = cmd.payment_method_id
    if cmd.new_payment_method is not None:
        card_id = (await add_card(svc, viewer, cmd.contact_id, cmd.new_payment_method, None)).id
    assert card_id is not None
    async with svc.uow() as uow:
        # no lock on the contact (contact_for would take one on PostgreSQL): the insert below
        # may wait for another request's answer, whose events lock the contact
        await visible_contact_id(uow, viewer, cmd.contact_id)
        card = await visible_card(uow, viewer, card_id)
        if card.contact_id != cmd.contact_id:
            raise _card_missing("paymentMethodId")
        if cmd.invoice_id is not None:
            inv = await visible_invoice(uow, viewer, cmd.invoice_id)
            if inv.contact_id != cmd.contact_id or inv.status not in (
                InvoiceStatus.DRAFT,
                InvoiceStatus.SENT,
            ):
                raise DomainError.single(
                    ErrorCode.INVALID_VALUE,
                    "only a draft or sent invoice of the contact can be paid",
                    "invoiceId",
                )
        now = svc.clock.now()
        key = cmd.idempotency_key or await _key_for(
            uow, viewer.location_id, derived_key(viewer, cmd, card_id), now
        )
        payment = Payment(
            location_id=viewer.location_id,
            contact_id=cmd.contact_id,
            idempotency_key=key,
            amount=amount,
            currency=currency,
            description=description,
            payment_method_id=card.id,
            card=card.display,
            created_by=viewer.user_id,
            created_at=now,
            updated_at=now,
            invoice_id=cmd.invoice_id,
            lease_until=now + LEASE,
        )
        fresh = await uow.payments.add_payment(payment)
        if fresh:
            await uow.commit()  # stored before the provider is called
    if not fresh:
        return await _replay(svc, viewer, key, payment)
    return await _ask_provider(svc, viewer, provider, payment, card.provider_id, reconcile=False)


async def _replay(svc: Services, viewer: Viewer, key: str, asked: Payment) -> Charge:
    """Another request stored this key first: the payment as it stands; if its lease ran out
    with no answer stored, reconcile it from the provider (this request takes the lease)."""
    async with svc.uow() as uow:
        payment = await uow.payments.payment_by_key(viewer.location_id, key)
        assert payment is not None
        if (payment.contact_id, payment.amount, payment.currency, payment.payment_method_id) != (
            asked.contact_id,
            asked.amount,
            asked.currency,
            asked.payment_method_id,
        ):
            raise DomainError.single(
                ErrorCode.IDEMPOTENCY_KEY_REUSED,
                "this idempotency key was used for a different charge",
                "idempotencyKey",
            )
        now = svc.clock.now()
        claimed = payment.status is PaymentStatus.PENDING and await uow.payments.claim(
            payment.id, now, now + LEASE
        )
        card = await uow.payments.get_card(viewer.location_id, payment.payment_method_id or "")
        if claimed:
            await uow.commit()
    if not claimed or card is None:
        return await _result(svc, payment)
    return await _ask_provider(svc, viewer, gateway(svc), payment, card.provider_id, reconcile=True)


async def _ask_provider(
    svc: Services,
    viewer: Viewer,
    provider: PaymentGateway,
    payment: Payment,
    card: str,
    reconcile: bool,
) -> Charge:
    customer = await customer_of(svc, viewer, payment.contact_id)
    try:
        answer = await provider.find_charge(customer, payment.id) if reconcile else None
        if answer is None:
            answer = await provider.charge(
                customer_id=customer,
                payment_method_id=card,
                amount=payment.amount,
                currency=payment.currency.lower(),
                description=payment.description,
                idempotency_key=payment.id,
                metadata={
                    "payment_id": payment.id,
                    "contact_id": payment.contact_id,
                    "location_id": payment.location_id,
                },
            )
    except GatewayRefused as exc:
        answer = GatewayCharge(
            "", GatewayStatus.FAILED, payment.amount, payment.currency, message=str(exc)
        )
    except Exception as exc:
        raise unavailable() from exc  # stays PENDING: the retry or the webhook reconciles it
    async with svc.uow() as uow:
        stored = await uow.payments.get_payment(payment.location_id, payment.id)
        assert stored is not None
        updated = await record_answer(uow, stored, answer, svc.clock.now(), viewer)
        await uow.commit()
    return await _result(svc, updated)


def _clip(text: str | None, most: int) -> str | None:
    """The provider's words fit our columns: a long message must not fail the commit that
    records a charge already made."""
    return None if text is None else text[:most]


async def record_answer(
    uow: UnitOfWork, payment: Payment, answer: GatewayCharge, at: datetime, viewer: Viewer | None
) -> Payment:
    """Store what the provider said of a payment -- once: an answer that changes nothing
    (the webhook after the charge's own answer, or the reverse) records nothing."""
    status = _FROM_GATEWAY[answer.status]
    if payment.status == status or payment.status.final:
        return payment
    before = payment.summary()
    payment = replace(
        payment,
        status=status,
        provider_id=answer.id or payment.provider_id,
        failure_code=_clip(answer.decline_code, 64) if status is PaymentStatus.FAILED else None,
        failure_message=_clip(answer.message, MAX_DESCRIPTION)
        if status is PaymentStatus.FAILED
        else None,
        client_secret=answer.client_secret if status is PaymentStatus.REQUIRES_ACTION else None,
        lease_until=None,
        updated_at=at,
    )
    await uow.payments.save_payment(payment)
    kind = _EVENT_OF.get(status)
    if kind is not None:
        uow.record(
            provider_event(
                kind,
                payment.location_id,
                payment.contact_id,
                viewer,
                at,
                "payments",
                before if before["status"] != "PENDING" else None,
                payment.summary(),
            )
        )
    if status is PaymentStatus.SUCCEEDED and payment.invoice_id:
        inv = await uow.payments.get_invoice(payment.location_id, payment.invoice_id)
        if inv is not None:
            await mark_paid(uow, inv, payment.id, at, viewer)
    return payment


async def _result(svc: Services, payment: Payment) -> Charge:
    if payment.status is not PaymentStatus.FAILED:
        return Charge(payment)
    async with svc.uow() as uow:
        cards = await uow.payments.cards_of(payment.location_id, payment.contact_id)
    return Charge(payment, tuple(c for c in cards if c.id != payment.payment_method_id))


# -- state from the provider ----------------------------------------------------------------

_INTENT_STATUS = {
    "payment_intent.succeeded": GatewayStatus.SUCCEEDED,
    "payment_intent.payment_failed": GatewayStatus.FAILED,
    "payment_intent.canceled": GatewayStatus.CANCELED,
    "payment_intent.requires_action": GatewayStatus.REQUIRES_ACTION,
    "payment_intent.processing": GatewayStatus.PROCESSING,
}


def _str(obj: Any, *keys: str) -> str | None:
    for key in keys:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj if isinstance(obj, str) else None


async def apply_provider_event(svc: Services, event: GatewayEvent) -> bool:
    """Apply a verified webhook event once: False when its id was seen before. Events about
    objects that are not ours (another integration's charges) are remembered and ignored."""
    from domain.subscriptions import apply_subscription_event  # one tab, two modules

    async with svc.uow() as uow:
        if not await uow.payments.remember_event(event.id, event.type, svc.clock.now()):
            return False
        obj = dict(event.object)
        status = _INTENT_STATUS.get(event.type)
        if status is not None:
            await _apply_intent(uow, obj, status, svc.clock.now())
        elif event.type.startswith("customer.subscription."):
            await apply_subscription_event(uow, obj, svc.clock.now())
        await uow.commit()
        return True


async def _apply_intent(
    uow: UnitOfWork, obj: dict[str, Any], status: GatewayStatus, at: datetime
) -> None:
    payment_id = _str(obj, "metadata", "payment_id")
    payment = await uow.payments.payment_by_reference(payment_id, _str(obj, "id"))
    if payment is None:
        return
    error = obj.get("last_payment_error") if isinstance(obj.get("last_payment_error"), dict) else {}
    answer = GatewayCharge(
        id=_str(obj, "id") or "",
        status=status,
        amount=payment.amount,
        currency=payment.currency,
        client_secret=_str(obj, "client_secret"),
        decline_code=_str(error, "decline_code") or _str(error, "code"),
        message=_str(error, "message"),
    )
    await record_answer(uow, payment, answer, at, None)


async def pay_invoice(
    svc: Services, viewer: Viewer, invoice_id: str, card_id: str, idempotency_key: str | None
) -> Charge:
    """Charge an invoice's total to a saved card; its success marks the invoice PAID."""
    async with svc.uow() as uow:
        inv = await visible_invoice(uow, viewer, invoice_id)
    cmd = ChargeCommand(
        contact_id=inv.contact_id,
        amount=inv.totals.total,
        currency=inv.currency,
        description=f"Invoice {inv.id[:8]}",
        payment_method_id=card_id,
        idempotency_key=idempotency_key,
        invoice_id=inv.id,
    )
    return await charge(svc, viewer, cmd)
