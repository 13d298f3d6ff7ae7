"""Payments configuration: `run`'s localstripe beside the server when no Stripe key is set,
the settings' refusals, and the gateway the settings make."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr, ValidationError

from adapters.stripe_gateway import StripeGateway
from server import cli
from server.dev_stripe import DEV_API_KEY, DEV_WEBHOOK_SECRET
from server.gateway import payment_gateway_for
from server.settings import Settings

PRODUCTION_SECRET = "a-production-secret-of-at-least-32-bytes"


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **({"environment": "test"} | values))


def refuses_connections(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


async def test_without_a_key_run_starts_localstripe_and_its_signed_webhooks_reach_the_server(
    tmp_path: Path,
) -> None:
    received: asyncio.Queue[tuple[bytes, str | None]] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        await received.put((await request.read(), request.headers.get("Stripe-Signature")))
        return web.Response()

    app = web.Application()  # stands in for the server's POST /stripe/webhook
    app.router.add_post("/stripe/webhook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        plain = settings(host="0.0.0.0", port=port)
        with cli.development_payments(plain, tmp_path / "localstripe") as paid:
            assert paid.stripe_api_key == SecretStr(DEV_API_KEY)
            assert paid.stripe_webhook_secret == SecretStr(DEV_WEBHOOK_SECRET)
            assert paid.stripe_api_base is not None
            assert paid.stripe_api_base.startswith("http://127.0.0.1:")
            gateway = payment_gateway_for(paid)
            assert gateway is not None
            try:
                customer = await gateway.create_customer(
                    name="Run", email=None, metadata={}, idempotency_key="run-1"
                )
                while True:
                    payload, signature = await asyncio.wait_for(received.get(), 10)
                    event = gateway.verify_webhook(payload, signature)
                    if event.type == "customer.created" and event.object["id"] == customer:
                        break
            finally:
                await gateway.stop()
            localstripe_port = int(paid.stripe_api_base.rsplit(":", 1)[1])
        assert refuses_connections(localstripe_port)  # stopped on exit
        assert (tmp_path / "localstripe" / "localstripe.pickle").exists()
        assert plain.stripe_api_key is None  # the caller's settings are left as they were
    finally:
        await runner.cleanup()


def test_with_a_key_run_uses_it_and_starts_nothing(tmp_path: Path) -> None:
    configured = settings(
        stripe_api_key=SecretStr("sk_test_real"), stripe_webhook_secret=SecretStr("whsec_x")
    )
    with cli.development_payments(configured, tmp_path / "localstripe") as paid:
        assert paid is configured
    assert not (tmp_path / "localstripe").exists()


def test_production_refuses_a_stripe_key_without_the_webhook_secret() -> None:
    with pytest.raises(ValidationError, match="STRIPE_WEBHOOK_SECRET"):
        settings(
            environment="production",
            jwt_secret=SecretStr(PRODUCTION_SECRET),
            stripe_api_key=SecretStr("sk_live_x"),
        )
    settings(
        environment="production",
        jwt_secret=SecretStr(PRODUCTION_SECRET),
        stripe_api_key=SecretStr("sk_live_x"),
        stripe_webhook_secret=SecretStr("whsec_x"),
    )
    settings(environment="production", jwt_secret=SecretStr(PRODUCTION_SECRET))


async def test_the_gateway_is_stripes_with_a_key_and_none_without() -> None:
    assert payment_gateway_for(settings()) is None
    gateway = payment_gateway_for(
        settings(stripe_api_key=SecretStr("sk_test_x"), stripe_api_base="http://127.0.0.1:9")
    )
    assert isinstance(gateway, StripeGateway)
    await gateway.stop()


def test_serve_without_a_key_says_payments_are_unconfigured(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    monkeypatch.setattr(cli, "schema_problem", lambda s: None)
    monkeypatch.setattr(cli, "get_settings", settings)
    assert cli.main(["serve"]) == 0
    assert "payments unconfigured" in capsys.readouterr().err
