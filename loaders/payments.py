"""Loaders of the Payments tab: a page and a count per contact of each of its four lists
(cards on file, payments, subscriptions, invoices)."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from loaders.base import CountByContactLoader, PagedByContactLoader
from persistence.payments import card_filter, invoice_filter, payment_filter, subscription_filter
from persistence.tab_pages import FilterCompiler
from persistence.tables import INVOICE, PAYMENT, PAYMENT_METHOD, SUBSCRIPTION

PageAndCount = tuple[PagedByContactLoader, CountByContactLoader]


def _pair(engine: AsyncEngine, table: Table, compile_filter: FilterCompiler) -> PageAndCount:
    return (
        PagedByContactLoader(engine, table, compile_filter),
        CountByContactLoader(engine, table, compile_filter),
    )


def card_loaders(engine: AsyncEngine) -> PageAndCount:
    return _pair(engine, PAYMENT_METHOD, card_filter)


def payment_loaders(engine: AsyncEngine) -> PageAndCount:
    return _pair(engine, PAYMENT, payment_filter)


def subscription_loaders(engine: AsyncEngine) -> PageAndCount:
    return _pair(engine, SUBSCRIPTION, subscription_filter)


def invoice_loaders(engine: AsyncEngine) -> PageAndCount:
    return _pair(engine, INVOICE, invoice_filter)
