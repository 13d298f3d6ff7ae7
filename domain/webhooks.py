"""Outgoing webhooks: the endpoints admins register, the rules they keep, and how often a
failing delivery is tried again.

An endpoint receives every committed event of its location whose kind it wants (all kinds
when ``event_kinds`` is None), signed with its secret as the Standard Webhooks
specification says; bodies are in ``domain/webhook_bodies.py``, the sending and the
delivery worker outside the domain (``adapters/webhooks.py``, ``server/webhook_worker.py``).

Who may manage them: an admin who sees every contact of the location. An endpoint receives
events of all the location's contacts, so an admin restricted to assigned contacts (or a
plain user) could otherwise learn of contacts they may not see: FORBIDDEN.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from tenacity import RetryCallState, Retrying, wait_exponential_jitter

from domain.errors import DomainError, ErrorCode, UserError
from domain.events import EventKind
from domain.ports import UnitOfWork, new_id
from domain.services import Services
from domain.viewer import Viewer

MAX_ENDPOINTS = 20
"""Per location: keeps the fan-out of one event bounded."""
MAX_URL = 2048
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
"""Standard Webhooks: a secret of 24 to 64 random bytes, base64 after ``whsec_``."""


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    """Not sent yet, or failed and waiting for its next attempt."""
    DELIVERED = "DELIVERED"
    """The endpoint answered 2xx."""
    FAILED = "FAILED"
    """Retried for the whole retry window without success; only a redelivery sends it again."""


class WebhookEndpointSortField(StrEnum):
    CREATED_AT = "CREATED_AT"
    URL = "URL"


class WebhookDeliverySortField(StrEnum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


@dataclass
class WebhookEndpoint:
    location_id: str
    url: str
    secret: str
    created_at: datetime
    updated_at: datetime
    event_kinds: tuple[EventKind, ...] | None = None
    enabled: bool = True
    disabled_reason: str | None = None
    start_after_sequence: int = 0
    """Events of the log after this sequence are its to deliver (those after its creation)."""
    created_by: str | None = None
    id: str = field(default_factory=new_id)

    def wants(self, kind: EventKind | str) -> bool:
        return self.event_kinds is None or kind in self.event_kinds


@dataclass(frozen=True)
class WebhookAttempt:
    """One request of a delivery: the HTTP status (None when no answer came), how long it
    took, and what went wrong (None on a 2xx)."""

    delivery_id: str
    at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    id: str = field(default_factory=new_id)

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class WebhookDelivery:
    """One event for one endpoint. ``started_at`` is when the current series of attempts
    began (creation, or the last redelivery): the retry window counts from it."""

    location_id: str
    endpoint_id: str
    event_id: str
    event_sequence: int
    event_kind: str
    contact_id: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    started_at: datetime
    created_at: datetime
    updated_at: datetime
    id: str = field(default_factory=new_id)

    def due(self, now: datetime) -> bool:
        return self.status is DeliveryStatus.PENDING and self.next_attempt_at <= now


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter (tenacity's ``wait_exponential_jitter``): the n-th
    retry waits ``initial * 2**(n-1)`` plus up to ``initial`` at random, at most
    ``max_delay``; after ``give_up_after`` since the first attempt a delivery is FAILED and
    its endpoint disabled."""

    initial: float = 5.0
    max_delay: float = 3600.0
    give_up_after: timedelta = timedelta(days=3)

    def delay(self, failed_attempts: int) -> float:
        wait = wait_exponential_jitter(
            multiplier=self.initial, max=self.max_delay, jitter=self.initial
        )
        state = RetryCallState(Retrying(), None, (), {})
        state.attempt_number = max(1, failed_attempts)
        return float(wait(state))

    def next_attempt(self, delivery: WebhookDelivery, failed_at: datetime) -> datetime | None:
        """When to try again after the ``delivery.attempts``-th failure, or None: give up."""
        at = failed_at + timedelta(seconds=self.delay(delivery.attempts))
        return None if at - delivery.started_at > self.give_up_after else at


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def check_url(url: str, allow_http: bool, *path: str) -> str:
    """An absolute https URL with a host (http too where a development setting allows it);
    no credentials in it (they would be sent to whoever the name points at later)."""
    url = url.strip()
    schemes = ("https", "http") if allow_http else ("https",)
    if not url:
        raise DomainError.single(ErrorCode.REQUIRED, "an endpoint needs a URL", *path)
    if len(url) > MAX_URL:
        raise DomainError.single(ErrorCode.TOO_LONG, f"at most {MAX_URL} characters", *path)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        raise DomainError.single(ErrorCode.INVALID_VALUE, "not a URL", *path) from None
    if parts.scheme.lower() not in schemes:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise DomainError.single(ErrorCode.INVALID_VALUE, f"the URL must start {allowed}", *path)
    if not parts.hostname:
        raise DomainError.single(ErrorCode.INVALID_VALUE, "the URL has no host", *path)
    if parts.username is not None or parts.password is not None:
        raise DomainError.single(ErrorCode.INVALID_VALUE, "no user or password in the URL", *path)
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise DomainError.single(ErrorCode.INVALID_VALUE, "no spaces in the URL", *path)
    return url


def check_event_kinds(kinds: Sequence[str] | None, *path: str) -> tuple[EventKind, ...] | None:
    """None means every kind (also those added later); otherwise at least one known kind,
    each once, in the enum's order."""
    if kinds is None:
        return None
    errors: list[UserError] = []
    found: set[EventKind] = set()
    for i, raw in enumerate(kinds):
        try:
            found.add(EventKind(raw))
        except ValueError:
            errors.append(
                UserError(ErrorCode.INVALID_VALUE, f"no event kind {raw!r}", (*path, str(i)))
            )
    if errors:
        raise DomainError(errors)
    if not found:
        raise DomainError.single(
            ErrorCode.REQUIRED, "name at least one event kind, or null for all of them", *path
        )
    return tuple(k for k in EventKind if k in found)


def require_manager(viewer: Viewer) -> None:
    """Admins who see every contact; see the module docstring for why."""
    viewer.require_admin("webhook endpoints")
    if viewer.assigned_only:
        raise DomainError.single(
            ErrorCode.FORBIDDEN,
            "an admin restricted to assigned contacts cannot manage webhook endpoints: "
            "they receive the events of every contact",
        )


KEEP: Any = object()
"""A patch member left as it is."""


@dataclass(frozen=True)
class EndpointPatch:
    """What a create or an update sets; KEEP leaves a member as it is (an update only)."""

    url: Any = KEEP
    event_kinds: Any = KEEP
    enabled: Any = KEEP


def checked(patch: EndpointPatch, allow_http: bool) -> dict[str, Any]:
    """The patch's members after their rules, by attribute name; every error at once."""
    out: dict[str, Any] = {}
    errors: list[UserError] = []
    for name, value, check in (
        ("url", patch.url, lambda v: check_url(v, allow_http, "url")),
        ("event_kinds", patch.event_kinds, lambda v: check_event_kinds(v, "eventKinds")),
        ("enabled", patch.enabled, bool),
    ):
        if value is KEEP:
            continue
        try:
            out[name] = check(value)
        except DomainError as exc:
            errors += exc.errors
    if errors:
        raise DomainError(errors)
    return out


# -- use cases ---------------------------------------------------------------------------------


def _no_endpoint() -> DomainError:
    return DomainError.single(ErrorCode.NOT_FOUND, "no webhook endpoint with this id", "id")


async def _endpoint(uow: UnitOfWork, viewer: Viewer, endpoint_id: str) -> WebhookEndpoint:
    found = await uow.webhooks.endpoint(viewer.location_id, endpoint_id)
    if found is None:
        raise _no_endpoint()
    return found


async def create_endpoint(svc: Services, viewer: Viewer, patch: EndpointPatch) -> WebhookEndpoint:
    """Every call creates one, with a new secret (shown in this payload only). It receives
    the events committed from now on."""
    require_manager(viewer)
    settings = checked(patch, svc.webhooks_allow_http)
    if "url" not in settings:
        raise DomainError.single(ErrorCode.REQUIRED, "an endpoint needs a URL", "url")
    async with svc.uow() as uow:
        if await uow.webhooks.count(viewer.location_id) >= MAX_ENDPOINTS:
            raise DomainError.single(
                ErrorCode.LIMIT_EXCEEDED, f"a location has at most {MAX_ENDPOINTS} endpoints"
            )
        now = svc.clock.now()
        endpoint = WebhookEndpoint(
            location_id=viewer.location_id,
            secret=new_secret(),
            created_at=now,
            updated_at=now,
            start_after_sequence=await uow.webhooks.log_position(),
            created_by=viewer.user_id,
            **settings,
        )
        await uow.webhooks.add(endpoint)
        await uow.commit()
        return endpoint


async def update_endpoint(
    svc: Services, viewer: Viewer, endpoint_id: str, patch: EndpointPatch
) -> WebhookEndpoint:
    """Settings it already has write nothing. Enabling an endpoint clears the reason the
    worker disabled it for; its pending deliveries go out again at once, each with a fresh
    retry window."""
    require_manager(viewer)
    settings = checked(patch, svc.webhooks_allow_http)
    async with svc.uow() as uow:
        endpoint = await _endpoint(uow, viewer, endpoint_id)
        changed = {k: v for k, v in settings.items() if getattr(endpoint, k) != v}
        if not changed:
            return endpoint
        for key, value in changed.items():
            setattr(endpoint, key, value)
        endpoint.updated_at = svc.clock.now()
        if changed.get("enabled") is True:
            endpoint.disabled_reason = None
            await uow.webhooks.restart_pending(endpoint.id, endpoint.updated_at)
        await uow.webhooks.save(endpoint)
        await uow.commit()
        return endpoint


async def rotate_secret(svc: Services, viewer: Viewer, endpoint_id: str) -> WebhookEndpoint:
    """A new secret, shown in this payload only; the old one signs nothing from now on."""
    require_manager(viewer)
    async with svc.uow() as uow:
        endpoint = await _endpoint(uow, viewer, endpoint_id)
        endpoint.secret = new_secret()
        endpoint.updated_at = svc.clock.now()
        await uow.webhooks.save(endpoint)
        await uow.commit()
        return endpoint


async def delete_endpoint(svc: Services, viewer: Viewer, endpoint_id: str) -> WebhookEndpoint:
    """With its deliveries and their attempts; NOT_FOUND once it is gone."""
    require_manager(viewer)
    async with svc.uow() as uow:
        endpoint = await _endpoint(uow, viewer, endpoint_id)
        await uow.webhooks.delete(endpoint)
        await uow.commit()
        return endpoint


async def redeliver(svc: Services, viewer: Viewer, delivery_id: str) -> WebhookDelivery:
    """Send a delivery again (delivered, failed or waiting for a retry): due now, with a
    fresh retry window. One that is already due and waiting is returned as it is."""
    require_manager(viewer)
    async with svc.uow() as uow:
        delivery = await uow.webhooks.delivery(viewer.location_id, delivery_id)
        if delivery is None:
            raise DomainError.single(ErrorCode.NOT_FOUND, "no webhook delivery with this id", "id")
        now = svc.clock.now()
        if delivery.due(now):
            return delivery
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = delivery.started_at = delivery.updated_at = now
        await uow.webhooks.redeliver(delivery)
        await uow.commit()
        return delivery
