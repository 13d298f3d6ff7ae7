"""Payments tab: pages of a contact's cards, payments, subscriptions and invoices, and the
tab's writes (all through the domain's use cases)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from domain import invoices as i
from domain import payments as p
from domain import subscriptions as s
from loaders.base import CountByContactLoader, PagedByContactLoader
from persistence.mappers import RowLike
from persistence.payments import (
    card_from_row,
    invoice_from_row,
    payment_from_row,
    subscription_from_row,
)
from persistence.tab_pages import PageRequest
from resolvers.common import Info, Outcome, run_write, tab_page

T = TypeVar("T")
Page = tuple[list[T], list[str], bool]


def _lists(info: Info) -> dict[str, tuple[PagedByContactLoader, CountByContactLoader]]:
    loaders = info.context.loaders
    return {
        "payment_methods": (loaders.payment_methods, loaders.payment_methods_count),
        "payments": (loaders.payments, loaders.payments_count),
        "subscriptions": (loaders.subscriptions, loaders.subscriptions_count),
        "invoices": (loaders.invoices, loaders.invoices_count),
    }


_CONVERT: dict[str, Callable[[RowLike], object]] = {
    "payment_methods": card_from_row,
    "payments": payment_from_row,
    "subscriptions": subscription_from_row,
    "invoices": invoice_from_row,
}


async def page(info: Info, name: str, contact_id: str, request: PageRequest) -> Page[object]:
    """One contact's page of the list ``name`` (payment_methods, payments, ...)."""
    return await tab_page(_lists(info)[name][0], contact_id, request, _CONVERT[name])


async def count(info: Info, name: str, contact_id: str, list_filter: object) -> int:
    return await _lists(info)[name][1].load((contact_id, list_filter))


async def add_card(
    info: Info, contact_id: str, provider_pm: str, label: str | None
) -> Outcome[p.PaymentMethod]:
    ctx = info.context
    return await run_write(info, p.add_card(ctx.svc, ctx.viewer, contact_id, provider_pm, label))


async def label_card(info: Info, card_id: str, label: str | None) -> Outcome[p.PaymentMethod]:
    ctx = info.context
    return await run_write(info, p.label_card(ctx.svc, ctx.viewer, card_id, label))


async def remove_card(info: Info, card_id: str) -> Outcome[p.PaymentMethod]:
    ctx = info.context
    return await run_write(info, p.remove_card(ctx.svc, ctx.viewer, card_id))


async def charge(info: Info, cmd: p.ChargeCommand) -> Outcome[p.Charge]:
    ctx = info.context
    return await run_write(info, p.charge(ctx.svc, ctx.viewer, cmd))


async def pay_invoice(
    info: Info, invoice_id: str, card_id: str, key: str | None
) -> Outcome[p.Charge]:
    ctx = info.context
    return await run_write(info, p.pay_invoice(ctx.svc, ctx.viewer, invoice_id, card_id, key))


async def subscribe(info: Info, cmd: s.SubscribeCommand) -> Outcome[s.Subscription]:
    ctx = info.context
    return await run_write(info, s.subscribe(ctx.svc, ctx.viewer, cmd))


async def cancel_subscription(info: Info, subscription_id: str) -> Outcome[s.Subscription]:
    ctx = info.context
    return await run_write(info, s.cancel(ctx.svc, ctx.viewer, subscription_id))


async def create_invoice(info: Info, contact_id: str, parts: i.InvoiceInput) -> Outcome[i.Invoice]:
    ctx = info.context
    return await run_write(info, i.create_invoice(ctx.svc, ctx.viewer, contact_id, parts))


async def update_invoice(info: Info, invoice_id: str, parts: i.InvoiceInput) -> Outcome[i.Invoice]:
    ctx = info.context
    return await run_write(info, i.update_invoice(ctx.svc, ctx.viewer, invoice_id, parts))


async def send_invoice(
    info: Info, invoice_id: str, channel: i.InvoiceChannel
) -> Outcome[i.Invoice]:
    ctx = info.context
    return await run_write(info, i.send_invoice(ctx.svc, ctx.viewer, invoice_id, channel))


async def void_invoice(info: Info, invoice_id: str) -> Outcome[i.Invoice]:
    ctx = info.context
    return await run_write(info, i.void_invoice(ctx.svc, ctx.viewer, invoice_id))
