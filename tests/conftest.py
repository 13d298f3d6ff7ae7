"""Fixtures shared by the API, integration and federation tests.

Every persistence and API test runs twice: on SQLite and on the real PostgreSQL server
(CONTACT_GRAPH_TEST_POSTGRES_URL, default 127.0.0.1:5432 with trust auth). PostgreSQL is
required, never skipped: `.ci/run` starts it, and a test session without it fails.

Tests are isolated by tenancy rather than by truncating tables: each test gets a location of
its own, which no other test can see -- the same rule the product enforces.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from support import Tenant

from persistence.migrate import upgrade_async
from persistence.tables import LOCATION
from server.app import create_app
from server.dev_stripe import DEV_API_KEY
from server.settings import Settings

pytest_plugins = [
    "live_servers",  # real server processes, private Redis, websocket client
    "stripe_server",  # localstripe and a StripeGateway pointed at it
]

POSTGRES_URL = os.environ.get(
    "CONTACT_GRAPH_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


async def _admin_connection() -> asyncpg.Connection:
    admin = make_url(POSTGRES_URL)
    try:
        return await asyncpg.connect(
            host=admin.host,
            port=admin.port or 5432,
            user=admin.username,
            password=admin.password,
            database=admin.database,
        )
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(
            f"PostgreSQL at {POSTGRES_URL} is required for the tests and is not "
            f"reachable ({exc}); start it with `make services`"
        )


async def _create_postgres_database() -> tuple[str, str]:
    """A fresh database for this test session; returns (its URL, its name)."""
    name = f"contact_graph_test_{uuid.uuid4().hex[:10]}"
    conn = await _admin_connection()
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = make_url(POSTGRES_URL).set(database=name)
    return url.render_as_string(hide_password=False), name


async def _drop_postgres_database(name: str) -> None:
    conn = await _admin_connection()
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "test.db"
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade_async(url)
        yield url
        return
    url, name = await _create_postgres_database()
    try:
        await upgrade_async(url)
        yield url
    finally:
        await _drop_postgres_database(name)


@pytest.fixture(scope="session")
def settings(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, stripe_server: str
) -> Settings:
    """The shared app's settings: payments go to the session's localstripe."""
    from stripe_server import WEBHOOK_SECRET  # a plugin module: imported after registration

    return Settings(  # type: ignore[call-arg]
        database_url=database_url,
        environment="test",
        graphiql=False,
        files_dir=tmp_path_factory.mktemp("files"),
        webhooks_worker=False,  # tests that deliver start one of their own
        webhooks_allow_http=True,  # receivers are http://127.0.0.1 (test_webhook_rules: https)
        stripe_api_key=SecretStr(DEV_API_KEY),
        stripe_api_base=stripe_server,
        stripe_webhook_secret=SecretStr(WEBHOOK_SECRET),
        # every query of the suite that compiles runs both ways; a difference fails its test
        compiled_reads="verify",
        _env_file=None,
    )


@pytest.fixture(autouse=True)
def compiled_reads_agree(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fails a test during which a compiled read answered otherwise than the executor
    (CONTACT_GRAPH_COMPILED_READS=verify logs CompiledReadMismatch) or failed."""
    yield
    found = [
        r.getMessage() + "\n" + str(r.exc_info and r.exc_info[1])
        for when in ("setup", "call")  # at teardown, ``caplog.records`` is the teardown's
        for r in caplog.get_records(when)
        if r.name.startswith("schema.compiled.") and r.levelno >= logging.ERROR
    ]
    if found:
        pytest.fail("compiled reads differ from the executor:\n" + "\n".join(found))


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def served(settings: Settings) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """Apps over the shared database with compiled reads ``off`` (the executor alone) and
    ``on`` (the statements, holes executed), by mode: each path's statement budget (the
    shared app's ``verify`` runs both). Each client's ``app`` is its app."""
    async with contextlib.AsyncExitStack() as stack:
        clients: dict[str, httpx.AsyncClient] = {}
        for mode in ("off", "on"):
            # small pools: PostgreSQL's 100 connections are shared by every worker's apps
            small = {"compiled_reads": mode, "db_pool_size": 4, "db_pool_overflow": 4}
            application = create_app(settings.model_copy(update=small))
            await stack.enter_async_context(application.router.lifespan_context(application))
            transport = httpx.ASGITransport(app=application)
            c = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            c.app = application  # type: ignore[attr-defined]
            clients[mode] = await stack.enter_async_context(c)
        yield clients


@pytest.fixture(scope="session")
def engine(app: Starlette) -> AsyncEngine:
    """The engine the running app uses (to count its statements, or to arrange data)."""
    return app.state.runtime.engine  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def tenant(client: httpx.AsyncClient, settings: Settings, engine: AsyncEngine) -> Tenant:
    location_id = str(uuid.uuid4())
    async with engine.begin() as conn:
        await conn.execute(
            insert(LOCATION).values(
                id=location_id, name=f"test {location_id[:8]}", created_at=datetime.now(UTC)
            )
        )
    return Tenant(client, settings, location_id)
