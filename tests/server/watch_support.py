"""What the observability tests share: an app of their own (its settings, its exporter),
its log lines, and a token for a tenant of its own."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from live_servers import LiveClient, connection_init, free_port
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from starlette.applications import Starlette
from support import Tenant

from server.app import create_app
from server.logs import installed_handler
from server.settings import Settings

SECRET = SecretStr("a-production-secret-of-at-least-32-bytes!")


def settings_for(database_url: str, **values: Any) -> Settings:
    """No webhook worker unless asked: its polls are statements, spans and log lines of no
    request, which the tests that count them would see (a flaky SQL total)."""
    return Settings(  # type: ignore[call-arg]
        database_url=database_url,
        graphiql=False,
        _env_file=None,
        **{"environment": "test", "jwt_secret": SECRET, "webhooks_worker": False, **values},
    )


@dataclass
class Running:
    app: Starlette
    client: httpx.AsyncClient
    settings: Settings

    def tenant(self) -> Tenant:
        """A location of its own (provisioned on first use) acting through this app."""
        return Tenant(self.client, self.settings, str(uuid.uuid4()))


@asynccontextmanager
async def running(settings: Settings, **kwargs: Any) -> AsyncIterator[Running]:
    """``create_app(settings, **kwargs)``, its lifespan and an HTTP client; the log handler
    that was there before is put back afterwards."""
    previous = installed_handler()
    app = create_app(settings, **kwargs)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                yield Running(app, c, settings)
    finally:
        root = logging.getLogger()
        mine = installed_handler()
        if mine is not None:
            root.removeHandler(mine)
        if previous is not None:
            root.addHandler(previous)


class LogLines:
    """Points the app's root handler at a buffer; ``json()`` parses what it wrote."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        handler = installed_handler()
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(self.buffer)

    def text(self) -> str:
        return self.buffer.getvalue()

    def json(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text().splitlines() if line.strip()]


@asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """``app`` (its lifespan already running) served by uvicorn in this event loop, for
    websockets; yields ``host:port``."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:

        async def started() -> bool:
            return server.started

        await eventually(started, "uvicorn started", wait=10)
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def eventually(check: Callable[[], Awaitable[bool]], what: str, wait: float = 5) -> None:
    """Wait until ``check()`` holds; fail after ``wait`` seconds."""
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        if await check():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what}: not after {wait}s")
        await asyncio.sleep(0.02)


WATCH = """subscription Watch($id: ID!, $after: String) {
  contactActivity(contactId: $id, after: $after) { id } }"""


async def watch(ws: Any, token: str, contact_id: str, after: str | None = None) -> None:
    """On a graphql-transport-ws socket: connection_init with ``token`` (acknowledged), then
    subscribe to the contact's activity (after the cursor ``after``) as operation ``Watch``."""
    ack = await connection_init(ws, token)
    assert ack["type"] == "connection_ack", ack
    client = LiveClient(ws, "graphql-transport-ws")
    await client.subscribe(WATCH, {"id": contact_id, "after": after})


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """A scrape, as {(sample name, sorted labels): value}."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)
