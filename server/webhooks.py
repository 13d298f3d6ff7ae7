"""The webhook parts for this deployment: the sender behind the SSRF guard, and the worker."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.outbound import AddressGuard
from adapters.webhooks import WebhookSender
from domain.webhooks import RetryPolicy
from server.settings import Settings
from server.webhook_worker import WebhookWorker


def retry_policy_for(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        initial=settings.webhooks_retry_initial_seconds,
        max_delay=settings.webhooks_retry_max_delay_seconds,
        give_up_after=timedelta(seconds=settings.webhooks_retry_window_seconds),
    )


def webhook_sender_for(settings: Settings) -> WebhookSender:
    """Not started: the lifespan (or a test) starts and stops it."""
    guard = AddressGuard(allow_loopback=settings.outbound_allow_loopback)
    return WebhookSender(guard, timeout=settings.webhooks_timeout_seconds)


def webhook_worker_for(
    settings: Settings, engine: AsyncEngine, sender: WebhookSender
) -> WebhookWorker:
    return WebhookWorker(
        engine,
        sender,
        policy=retry_policy_for(settings),
        poll_seconds=settings.webhooks_poll_seconds,
    )
