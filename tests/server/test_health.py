"""/health/live answers without I/O; /health/ready asks the database (SELECT 1) and, when
configured, Redis (PING), each within a short timeout, and names what failed with a 503."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_servers import PrivateRedis, free_port

from persistence.migrate import upgrade_async
from server.app import create_app
from server.settings import Settings


def settings_for(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"environment": "test", "graphiql": False} | overrides
    return Settings(database_url=database_url, _env_file=None, **values)


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db' / 'health.db'}"
    (tmp_path / "db").mkdir()
    await upgrade_async(url)
    return url


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


async def test_live_and_ready_answer_200_on_each_database(client: httpx.AsyncClient) -> None:
    live = await client.get("/health/live")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert (await client.get("/health")).json() == {"status": "ok"}  # the alias of live
    ready = await client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ok", "checks": {"database": "ok"}}


async def test_ready_is_503_once_the_sqlite_directory_is_gone(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with serving(settings_for(sqlite_url)) as client:
        assert (await client.get("/health/ready")).status_code == 200
        shutil.rmtree(tmp_path / "db")
        ready = await client.get("/health/ready")
        live = await client.get("/health/live")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "checks": {"database": "failed: OperationalError"},
        "failed": ["database"],
    }
    assert live.status_code == 200  # the process is up: live does no I/O


async def test_ready_is_503_when_postgres_is_not_listening() -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/postgres"
    async with serving(settings_for(url)) as client:
        ready = await client.get("/health/ready")
        assert (await client.get("/health/live")).status_code == 200
    assert ready.status_code == 503
    body = ready.json()
    assert body["failed"] == ["database"]
    assert body["checks"]["database"].startswith("failed: "), body
    assert "127.0.0.1" not in ready.text  # the driver's message (hosts, users) is only logged


async def test_ready_gives_up_on_a_database_that_never_answers(silent_port: int) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{silent_port}/postgres"
    async with serving(settings_for(url, health_timeout_seconds=0.5)) as client:
        started = time.monotonic()
        ready = await client.get("/health/ready")
        took = time.monotonic() - started
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "no answer in 0.5 s"}
    assert took < 3, took


async def test_ready_checks_a_configured_redis(
    sqlite_url: str, private_redis: PrivateRedis
) -> None:
    async with serving(settings_for(sqlite_url, redis_url=private_redis.url)) as client:
        up = await client.get("/health/ready")
        private_redis.stop()
        down = await client.get("/health/ready")
    assert up.status_code == 200, up.text
    assert up.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert down.status_code == 503
    assert down.json()["failed"] == ["redis"]
    assert down.json()["checks"]["database"] == "ok"


async def test_ready_is_503_when_the_configured_redis_is_down(sqlite_url: str) -> None:
    nothing_there = f"redis://127.0.0.1:{free_port()}/0"
    async with serving(settings_for(sqlite_url, redis_url=nothing_there)) as client:
        ready = await client.get("/health/ready")
        assert (await client.get("/health/live")).status_code == 200
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "failed: ConnectionError"},
        "failed": ["redis"],
    }


async def test_the_root_redirects_under_the_root_path(sqlite_url: str) -> None:
    app = create_app(settings_for(sqlite_url, root_path="/contacts"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, root_path="/contacts")
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            answer = await c.get("/")
            live = await c.get("/health/live")
    assert answer.status_code == 307
    assert answer.headers["location"] == "/contacts/graphql"
    assert live.status_code == 200
