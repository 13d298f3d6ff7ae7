"""The SSRF guard (adapters/outbound.py) as the webhook sender uses it: no request to a
private, loopback, link-local, reserved or unspecified address -- literal, IPv4-mapped, or
behind a name -- and the request goes to the address that was checked."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook
from webhook_receiver import Receiver

from adapters.outbound import AddressGuard, Resolver, address_problem
from adapters.webhooks import WebhookSender
from domain.webhooks import new_secret


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    made = Receiver()
    await made.start()
    try:
        yield made
    finally:
        await made.stop()


def names(table: dict[str, list[str]]) -> Resolver:
    """A DNS of the test's own (the machine's resolver knows none of these names)."""
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        if host not in table:
            raise OSError(f"unknown host {host}")
        return table[host]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


async def send(guard: AddressGuard, url: str) -> tuple[int | None, str | None]:
    sender = WebhookSender(guard, timeout=2)
    await sender.start()
    try:
        sent = await sender.send(url, new_secret(), "msg_1", {"type": "t"}, datetime.now(UTC))
    finally:
        await sender.stop()
    return sent.status_code, sent.error


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("10.0.0.1", "10.0.0.1 is a private address"),
        ("127.0.0.1", "127.0.0.1 is a loopback address"),
        ("[::ffff:127.0.0.1]", "carries 127.0.0.1: 127.0.0.1 is a loopback address"),
        ("[::1]", "::1 is a loopback address"),
        ("169.254.169.254", "169.254.169.254 is a link-local address"),
        ("0.0.0.0", "0.0.0.0 is an unspecified address"),
        ("192.168.1.20", "is a private address"),
        ("100.64.0.1", "is a non-global address"),
    ],
)
async def test_addresses_that_are_never_called(receiver: Receiver, host: str, why: str) -> None:
    port = receiver.port
    status, error = await send(AddressGuard(), f"http://{host}:{port}/hook")
    assert status is None
    assert error is not None
    assert error.startswith("refused: ")
    assert why in error
    assert receiver.received == []


async def test_loopback_only_with_the_development_setting(receiver: Receiver) -> None:
    assert await send(AddressGuard(allow_loopback=True), receiver.url()) == (200, None)
    status, _ = await send(AddressGuard(allow_loopback=True), f"http://10.0.0.1:{receiver.port}/")
    assert status is None  # private ranges stay refused with it
    assert len(receiver.received) == 1


async def test_a_name_is_refused_when_any_of_its_addresses_is_private(
    receiver: Receiver,
) -> None:
    resolve = names({"intranet.test": ["10.1.2.3"], "mixed.test": ["93.184.216.34", "10.0.0.5"]})
    guard = AddressGuard(allow_loopback=True, resolve=resolve)
    for name in ("intranet.test", "mixed.test"):
        status, error = await send(guard, f"http://{name}:{receiver.port}/hook")
        assert status is None
        assert error is not None
        assert f"refused: {name}: 10." in error
    status, error = await send(AddressGuard(), f"http://localhost:{receiver.port}/hook")
    assert error is not None
    assert "loopback" in error  # the machine's own resolver, no development setting
    assert receiver.received == []


async def test_the_checked_address_is_the_one_called_with_the_name_as_host(
    receiver: Receiver,
) -> None:
    """DNS rebinding: the name is resolved once; the request goes to that address with the
    name in the Host header (a second lookup -- here one that fails -- never happens)."""
    resolve = names({"hooks.example.test": ["127.0.0.1"]})
    guard = AddressGuard(allow_loopback=True, resolve=resolve)
    secret = new_secret()
    sender = WebhookSender(guard, timeout=2)
    await sender.start()
    try:
        url = f"http://hooks.example.test:{receiver.port}/in"
        sent = await sender.send(url, secret, "msg_2", {"type": "x"}, datetime.now(UTC))
    finally:
        await sender.stop()
    assert (sent.status_code, sent.error) == (200, None)
    (got,) = receiver.received
    assert got.headers["host"] == f"hooks.example.test:{receiver.port}"
    assert got.path == "/in"
    assert resolve.calls == ["hooks.example.test"]  # type: ignore[attr-defined]
    assert Webhook(secret).verify(got.body, got.headers) == {"type": "x"}


async def test_redirects_are_not_followed(receiver: Receiver) -> None:
    receiver.status = 307
    status, error = await send(AddressGuard(allow_loopback=True), receiver.url())
    assert (status, error) == (307, "HTTP 307")


@pytest.mark.parametrize(
    "address",
    ["2002:a00:1::", "64:ff9b::a00:1", "fe80::1", "ff02::1", "fc00::1", "240.0.0.1", "::"],
)
def test_ipv6_forms_of_private_addresses_and_other_ranges(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


async def test_a_slow_receiver_is_a_timed_out_attempt(receiver: Receiver) -> None:
    receiver.delay = 1.5
    sender = WebhookSender(AddressGuard(allow_loopback=True), timeout=0.3)
    await sender.start()
    try:
        sent = await sender.send(receiver.url(), new_secret(), "m", {}, datetime.now(UTC))
    finally:
        await sender.stop()
    assert sent.status_code is None
    assert sent.error is not None
    assert sent.error.startswith("timed out after 0.3 s")
    assert 250 <= sent.duration_ms < 1400
