"""Webhook rules without I/O: a body type for every event kind, the URL and event-kind
rules, who may manage endpoints, and the retry schedule."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.errors import DomainError, ErrorCode
from domain.events import ContactEvent, EventKind, FieldChange
from domain.viewer import Role, Viewer
from domain.webhook_bodies import WEBHOOK_TYPES, webhook_body
from domain.webhooks import (
    DeliveryStatus,
    RetryPolicy,
    WebhookDelivery,
    check_event_kinds,
    check_url,
    new_secret,
    require_manager,
)

README = Path(__file__).resolve().parents[2] / "README.md"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_every_event_kind_has_a_webhook_type() -> None:
    """A new EventKind (CONTACT_MERGED, PAYMENT_…) fails here until WEBHOOK_TYPES in
    domain/webhook_bodies.py names its body type."""
    missing = [k.name for k in EventKind if k not in WEBHOOK_TYPES]
    assert missing == [], f"add these to WEBHOOK_TYPES: {missing}"
    names = [t.name for t in WEBHOOK_TYPES.values()]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", n) for n in names), names


def test_the_readme_lists_every_webhook_type() -> None:
    section = README.read_text().split("## Webhooks", 1)[1].split("\n## ", 1)[0]
    missing = [t.name for t in WEBHOOK_TYPES.values() if f"`{t.name}`" not in section]
    assert missing == [], f"document these body types in the README: {missing}"


def event(changes: tuple[FieldChange, ...] = ()) -> ContactEvent:
    return ContactEvent(
        kind=EventKind.ASSOCIATION_ADDED,
        contact_id="c-1",
        location_id="loc-1",
        actor_id="user-1",
        occurred_at=NOW,
        changes=changes,
        sequence=7,
    )


def test_a_body_carries_type_contact_and_changes() -> None:
    change = FieldChange("associations", None, {"id": "a-1", "objectType": "OPPORTUNITY"})
    body = webhook_body(event((change,)), lambda _: True)
    assert body == {
        "type": "association.added",
        "timestamp": "2026-12-02T12:00:00Z",
        "data": {
            "eventId": body["data"]["eventId"],
            "sequence": 7,
            "kind": "ASSOCIATION_ADDED",
            "locationId": "loc-1",
            "contactId": "c-1",
            "actorId": "user-1",
            "occurredAt": "2026-12-02T12:00:00Z",
            "redacted": False,
            "changes": [{"field": "associations", "before": None, "after": change.after}],
        },
    }


def test_a_body_never_names_a_contact_outside_the_endpoints_location() -> None:
    linked = {"id": "a-1", "objectType": "CONTACT", "objectId": "c-elsewhere", "labels": ["x"]}
    body = webhook_body(event((FieldChange("associations", None, linked),)), lambda c: False)
    assert "c-elsewhere" not in str(body)
    assert body["data"]["redacted"] is True
    assert body["data"]["changes"][0]["after"]["objectId"] is None
    assert body["data"]["changes"][0]["after"]["labels"] is None


@pytest.mark.parametrize(
    ("url", "allow_http", "code"),
    [
        ("https://hooks.example.com/in", False, None),
        ("http://hooks.example.com/in", False, ErrorCode.INVALID_VALUE),
        ("http://127.0.0.1:9000/in", True, None),
        ("ftp://hooks.example.com/in", True, ErrorCode.INVALID_VALUE),
        ("https://user:pw@hooks.example.com/", False, ErrorCode.INVALID_VALUE),
        ("https:///path-only", False, ErrorCode.INVALID_VALUE),
        ("https://hooks.example.com:99999/", False, ErrorCode.INVALID_VALUE),
        ("https://hooks.example.com/a b", False, ErrorCode.INVALID_VALUE),
        ("   ", False, ErrorCode.REQUIRED),
        ("https://h.example.com/" + "a" * 2048, False, ErrorCode.TOO_LONG),
    ],
)
def test_endpoint_urls(url: str, allow_http: bool, code: ErrorCode | None) -> None:
    if code is None:
        assert check_url(url, allow_http, "url") == url.strip()
        return
    with pytest.raises(DomainError) as caught:
        check_url(url, allow_http, "url")
    assert [(e.code, e.field) for e in caught.value.errors] == [(code, ("url",))]


def test_event_kinds() -> None:
    assert check_event_kinds(None) is None
    kinds = check_event_kinds(["NOTE_ADDED", "CONTACT_CREATED", "NOTE_ADDED"], "eventKinds")
    assert kinds == (EventKind.CONTACT_CREATED, EventKind.NOTE_ADDED)
    with pytest.raises(DomainError) as caught:
        check_event_kinds(["NOTE_ADDED", "NOPE"], "eventKinds")
    assert [(e.code, e.field) for e in caught.value.errors] == [
        (ErrorCode.INVALID_VALUE, ("eventKinds", "1"))
    ]
    with pytest.raises(DomainError, match="at least one"):
        check_event_kinds([], "eventKinds")


@pytest.mark.parametrize(
    ("viewer", "allowed"),
    [
        (Viewer("u", "loc", Role.ADMIN), True),
        (Viewer("u", "loc", Role.ADMIN, assigned_only=True), False),
        (Viewer("u", "loc", Role.USER), False),
    ],
)
def test_who_manages_endpoints(viewer: Viewer, allowed: bool) -> None:
    if allowed:
        require_manager(viewer)
        return
    with pytest.raises(DomainError) as caught:
        require_manager(viewer)
    assert caught.value.errors[0].code is ErrorCode.FORBIDDEN


def test_retries_back_off_exponentially_with_jitter_then_give_up() -> None:
    policy = RetryPolicy(initial=5, max_delay=3600, give_up_after=timedelta(hours=2))
    for n in range(1, 8):
        delays = {policy.delay(n) for _ in range(50)}
        base = 5 * 2 ** (n - 1)
        assert all(base <= d <= base + 5 for d in delays), (n, delays)
        assert len(delays) > 1  # jitter: replicas do not retry in lockstep
    assert policy.delay(30) == 3600
    delivery = WebhookDelivery(
        location_id="loc",
        endpoint_id="e",
        event_id="ev",
        event_sequence=1,
        event_kind="NOTE_ADDED",
        contact_id="c",
        status=DeliveryStatus.PENDING,
        attempts=3,
        next_attempt_at=NOW,
        started_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    assert policy.next_attempt(delivery, NOW + timedelta(minutes=1)) is not None
    assert policy.next_attempt(delivery, NOW + timedelta(hours=2)) is None


def test_secrets_are_standard_webhooks_secrets() -> None:
    first, second = new_secret(), new_secret()
    assert first != second
    assert first.startswith("whsec_")
    assert len(first) == len("whsec_") + 44  # base64 of 32 bytes
