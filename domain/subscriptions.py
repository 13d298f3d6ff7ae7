"""Subscriptions of the Payments tab (help page: "Set the Bill Start Date, select recurring
products, and choose the payment method. Click Schedule to activate").

Like a charge, a subscription is stored first (PENDING, under its idempotency key) and the
provider is asked after the commit, with the subscription's id as its idempotency key; the
provider's webhooks keep its status and next bill date current.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any

from domain.errors import DomainError, ErrorCode, UserError
from domain.events import EventKind
from domain.money import MAX_AMOUNT, check_amount, check_currency
from domain.payments import (
    MAX_KEY,
    customer_of,
    gateway,
    provider_event,
    unavailable,
    visible_card,
)
from domain.ports import GatewayPlanItem, GatewayRefused, GatewaySubscription, UnitOfWork, new_id
from domain.services import Services, visible_contact_id, visible_item
from domain.viewer import Viewer

MAX_ITEMS = 20
MAX_QUANTITY = 10_000
MAX_NAME = 250


class BillingInterval(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    YEAR = "YEAR"


class SubscriptionStatus(StrEnum):
    PENDING = "PENDING"
    """Stored, the provider not yet asked (or its answer lost)."""
    SCHEDULED = "SCHEDULED"
    """Billing starts on the bill start date (the provider's trial until then)."""
    ACTIVE = "ACTIVE"
    PAST_DUE = "PAST_DUE"
    INCOMPLETE = "INCOMPLETE"
    CANCELED = "CANCELED"


_PROVIDER_STATUS = {
    "trialing": SubscriptionStatus.SCHEDULED,
    "active": SubscriptionStatus.ACTIVE,
    "past_due": SubscriptionStatus.PAST_DUE,
    "unpaid": SubscriptionStatus.PAST_DUE,
    "incomplete": SubscriptionStatus.INCOMPLETE,
    "incomplete_expired": SubscriptionStatus.CANCELED,
    "canceled": SubscriptionStatus.CANCELED,
}


class SubscriptionSortField(StrEnum):
    CREATED_AT = "CREATED_AT"


@dataclass(frozen=True)
class SubscriptionFilter:
    """``statuses``: in one of them (an empty tuple matches nothing)."""

    statuses: tuple[SubscriptionStatus, ...] | None = None


@dataclass(frozen=True)
class SubscriptionItem:
    """A recurring product: ``amount`` minor units per ``interval``, ``quantity`` times."""

    name: str
    amount: int
    interval: BillingInterval
    quantity: int = 1


@dataclass
class Subscription:
    location_id: str
    contact_id: str
    idempotency_key: str
    currency: str
    items: tuple[SubscriptionItem, ...]
    payment_method_id: str
    bill_start: date | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    status: SubscriptionStatus = SubscriptionStatus.PENDING
    provider_id: str | None = None
    next_bill_at: datetime | None = None
    canceled_at: datetime | None = None
    id: str = field(default_factory=new_id)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status.value,
            "currency": self.currency,
            "items": [
                {
                    "name": i.name,
                    "amount": i.amount,
                    "interval": i.interval.value,
                    "quantity": i.quantity,
                }
                for i in self.items
            ],
        }


@dataclass(frozen=True)
class SubscribeCommand:
    contact_id: str
    currency: str
    items: tuple[SubscriptionItem, ...]
    payment_method_id: str
    bill_start: date | None = None
    idempotency_key: str | None = None


def _missing() -> DomainError:
    return DomainError.single(ErrorCode.NOT_FOUND, "no subscription with this id", "subscriptionId")


def _check(cmd: SubscribeCommand, today: date) -> tuple[str, tuple[SubscriptionItem, ...]]:
    errors: list[UserError] = []

    def collect(fn: Any, *args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except DomainError as exc:
            errors.extend(exc.errors)
            return None

    currency = collect(check_currency, cmd.currency, "currency")
    if not cmd.items:
        errors.append(
            UserError(ErrorCode.REQUIRED, "a subscription bills at least one product", ("items",))
        )
    if len(cmd.items) > MAX_ITEMS:
        errors.append(
            UserError(
                ErrorCode.LIMIT_EXCEEDED,
                f"a subscription has at most {MAX_ITEMS} products",
                ("items",),
            )
        )
    items = []
    for i, item in enumerate(cmd.items[:MAX_ITEMS]):
        p = ("items", str(i))
        name = " ".join(item.name.split())
        if not name:
            errors.append(UserError(ErrorCode.REQUIRED, "a product needs a name", (*p, "name")))
        elif len(name) > MAX_NAME:
            errors.append(
                UserError(ErrorCode.TOO_LONG, f"at most {MAX_NAME} characters", (*p, "name"))
            )
        collect(check_amount, item.amount, *p, "amount")
        if not 1 <= item.quantity <= MAX_QUANTITY:
            errors.append(
                UserError(
                    ErrorCode.INVALID_VALUE,
                    f"a quantity is from 1 to {MAX_QUANTITY}",
                    (*p, "quantity"),
                )
            )
        elif item.amount * item.quantity > MAX_AMOUNT:
            errors.append(
                UserError(
                    ErrorCode.LIMIT_EXCEEDED,
                    f"a product bills at most {MAX_AMOUNT} minor units",
                    (*p, "quantity"),
                )
            )
        items.append(replace(item, name=name))
    if cmd.bill_start is not None and cmd.bill_start < today:
        errors.append(
            UserError(
                ErrorCode.INVALID_VALUE, "the bill start date is in the past", ("billStartDate",)
            )
        )
    if cmd.idempotency_key is not None and not 0 < len(cmd.idempotency_key) <= MAX_KEY:
        errors.append(
            UserError(
                ErrorCode.INVALID_VALUE,
                f"an idempotency key has 1 to {MAX_KEY} characters",
                ("idempotencyKey",),
            )
        )
    if errors:
        raise DomainError(errors)
    return currency, tuple(items)


def _derived_key(viewer: Viewer, cmd: SubscribeCommand) -> str:
    text = repr(
        (
            viewer.location_id,
            viewer.user_id,
            cmd.contact_id,
            cmd.currency.upper(),
            cmd.items,
            cmd.payment_method_id,
            cmd.bill_start,
        )
    )
    return "derived:" + hashlib.sha256(text.encode()).hexdigest()


async def subscribe(svc: Services, viewer: Viewer, cmd: SubscribeCommand) -> Subscription:
    """Schedule a subscription; the same idempotency key (or, without one, the same command)
    is the same subscription, asked of the provider once."""
    provider = gateway(svc)
    if not viewer.may_charge:
        raise DomainError.single(ErrorCode.FORBIDDEN, "your role may not bill cards")
    now = svc.clock.now()
    currency, items = _check(cmd, now.date())
    async with svc.uow() as uow:
        await visible_contact_id(uow, viewer, cmd.contact_id)  # no lock: see payments.charge
        card = await visible_card(uow, viewer, cmd.payment_method_id)
        if card.contact_id != cmd.contact_id:
            raise DomainError.single(
                ErrorCode.NOT_FOUND, "no saved card with this id", "paymentMethodId"
            )
        sub = Subscription(
            location_id=viewer.location_id,
            contact_id=cmd.contact_id,
            idempotency_key=cmd.idempotency_key or _derived_key(viewer, cmd),
            currency=currency,
            items=items,
            payment_method_id=card.id,
            bill_start=cmd.bill_start,
            created_by=viewer.user_id,
            created_at=now,
            updated_at=now,
        )
        fresh = await uow.payments.add_subscription(sub)
        if not fresh:
            existing = await uow.payments.subscription_by_key(
                viewer.location_id, sub.idempotency_key
            )
            assert existing is not None
            return existing
        await uow.commit()
    customer = await customer_of(svc, viewer, cmd.contact_id)
    start = (
        datetime.combine(cmd.bill_start, time(), UTC)
        if cmd.bill_start is not None and cmd.bill_start > now.date()
        else None
    )
    try:
        answer = await provider.subscribe(
            customer_id=customer,
            payment_method_id=card.provider_id,
            items=[
                GatewayPlanItem(
                    i.name, i.amount, currency.lower(), i.interval.value.lower(), i.quantity
                )
                for i in items
            ],
            start=start,
            idempotency_key=sub.id,
            metadata={
                "subscription_id": sub.id,
                "contact_id": sub.contact_id,
                "location_id": sub.location_id,
            },
        )
    except GatewayRefused as exc:
        raise DomainError.single(ErrorCode.PAYMENT_REFUSED, str(exc)) from exc
    except Exception as exc:
        raise unavailable() from exc
    async with svc.uow() as uow:
        stored = await uow.payments.get_subscription(sub.location_id, sub.id)
        assert stored is not None
        sub = await _record(uow, stored, answer, svc.clock.now(), viewer, created=True)
        await uow.commit()
    return sub


async def cancel(svc: Services, viewer: Viewer, subscription_id: str) -> Subscription:
    async with svc.uow() as uow:
        item = await uow.payments.get_subscription(viewer.location_id, subscription_id)
        sub = await visible_item(uow, viewer, item, _missing)
    if sub.status is SubscriptionStatus.CANCELED:
        return sub
    if sub.provider_id is None:
        raise DomainError.single(
            ErrorCode.INVALID_VALUE, "the subscription is not scheduled yet", "subscriptionId"
        )
    try:
        answer = await gateway(svc).cancel_subscription(sub.provider_id)
    except GatewayRefused as exc:
        raise DomainError.single(ErrorCode.PAYMENT_REFUSED, str(exc), "subscriptionId") from exc
    except Exception as exc:
        raise unavailable() from exc
    async with svc.uow() as uow:
        stored = await uow.payments.get_subscription(sub.location_id, sub.id)
        assert stored is not None
        sub = await _record(uow, stored, answer, svc.clock.now(), viewer)
        await uow.commit()
    return sub


async def _record(
    uow: UnitOfWork,
    sub: Subscription,
    answer: GatewaySubscription,
    at: datetime,
    viewer: Viewer | None,
    created: bool = False,
) -> Subscription:
    status = _PROVIDER_STATUS.get(answer.status, SubscriptionStatus.INCOMPLETE)
    if (status, answer.id, answer.current_period_end) == (
        sub.status,
        sub.provider_id,
        sub.next_bill_at,
    ):
        return sub
    before = None if created else sub.summary()
    sub = replace(
        sub,
        status=status,
        provider_id=answer.id,
        next_bill_at=None if status is SubscriptionStatus.CANCELED else answer.current_period_end,
        canceled_at=at if status is SubscriptionStatus.CANCELED else sub.canceled_at,
        updated_at=at,
    )
    await uow.payments.save_subscription(sub)
    kind = (
        EventKind.SUBSCRIPTION_CREATED
        if created
        else EventKind.SUBSCRIPTION_CANCELED
        if status is SubscriptionStatus.CANCELED
        else EventKind.SUBSCRIPTION_UPDATED
    )
    uow.record(
        provider_event(
            kind,
            sub.location_id,
            sub.contact_id,
            viewer,
            at,
            "subscriptions",
            before,
            sub.summary(),
        )
    )
    return sub


async def apply_subscription_event(uow: UnitOfWork, obj: dict[str, Any], at: datetime) -> None:
    """A ``customer.subscription.*`` webhook: status and next bill date from the provider --
    also of a subscription whose own answer was lost (found by our id in its metadata)."""
    provider_id = obj.get("id")
    if not isinstance(provider_id, str):
        return
    metadata = obj.get("metadata")
    ours = metadata.get("subscription_id") if isinstance(metadata, dict) else None
    sub = await uow.payments.subscription_by_reference(
        ours if isinstance(ours, str) else None, provider_id
    )
    if sub is None:
        return
    end = obj.get("current_period_end")
    answer = GatewaySubscription(
        id=provider_id,
        status=str(obj.get("status", "")),
        current_period_end=datetime.fromtimestamp(end, UTC) if isinstance(end, int) else None,
    )
    await _record(uow, sub, answer, at, None)
