"""The composition root: builds engine, schema and view in the lifespan, serves ASGI."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send

from adapters.background import BackgroundTasks
from adapters.broker import RedisBroker, create_broker
from persistence.db import create_engine, read_only
from persistence.locations import LocationProvisioner
from schema.build import ContactGraphSchema, ExtensionFactory, Limits, build_schema
from schema.compiled.reads import CompiledReads
from server.auth import VerifiedTokens
from server.files import file_routes, file_store_for
from server.gateway import payment_gateway_for
from server.graphiql import graphiql_assets_route
from server.jwks import JWKSKeys
from server.logs import configure_logging, route_uvicorn_logs
from server.observability import Observability
from server.pictures import picture_fetcher_for, picture_tools_for
from server.runtime import Runtime
from server.settings import Settings, get_settings
from server.stripe_webhook import stripe_routes
from server.view import ContactGraphView
from server.webhooks import webhook_sender_for, webhook_worker_for
from server.websocket import ServerSendMiddleware

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

log = logging.getLogger(__name__)


def schema_for(
    settings: Settings, extensions: Sequence[ExtensionFactory] = ()
) -> ContactGraphSchema:
    """The schema with this deployment's limits; "Did you mean" hints only in development;
    the server's observability ``extensions``."""
    limits = Limits(**{f.name: getattr(settings, f.name) for f in fields(Limits)})
    return build_schema(
        limits, hide_suggestions=settings.environment != "development", extensions=extensions
    )


async def _database_answers(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _probe(check: Awaitable[object], seconds: float, name: str) -> str:
    """``ok``, or what went wrong: the exception's type only (the full error is logged, since
    the body is public and a driver's message names hosts and users)."""
    try:
        async with asyncio.timeout(seconds):
            await check
    except TimeoutError:
        log.warning("readiness: %s did not answer in %g s", name, seconds)
        return f"no answer in {seconds:g} s"
    except Exception as exc:
        log.warning("readiness: %s failed: %r", name, exc)
        return f"failed: {type(exc).__name__}"
    return "ok"


async def readiness(runtime: Runtime) -> JSONResponse:
    """/health/ready: 200 when the database answers ``SELECT 1`` and, when configured, Redis
    answers PING, each within CONTACT_GRAPH_HEALTH_TIMEOUT_SECONDS; 503 naming what failed."""
    timeout = runtime.settings.health_timeout_seconds
    checks: dict[str, Awaitable[object]] = {"database": _database_answers(runtime.engine)}
    if isinstance(runtime.broker, RedisBroker):
        checks["redis"] = runtime.broker.redis.ping()
    results = await asyncio.gather(
        *(_probe(check, timeout, name) for name, check in checks.items())
    )
    answers = dict(zip(checks, results, strict=True))
    failed = [name for name, result in answers.items() if result != "ok"]
    body: dict[str, Any] = {"status": "unavailable" if failed else "ok", "checks": answers}
    if failed:
        body["failed"] = failed
    return JSONResponse(body, status_code=503 if failed else 200)


async def _jwks_for(settings: Settings) -> JWKSKeys | None:
    if not settings.jwks_url:
        return None
    jwks = JWKSKeys(settings.jwks_url, cache_seconds=settings.jwks_cache_seconds)
    await jwks.prefetch()
    return jwks


def create_app(
    settings: Settings | None = None,
    dev_token: str | None = None,
    *,
    span_exporter: SpanExporter | None = None,
) -> Starlette:
    """``span_exporter`` traces into that exporter whatever the settings say (tests)."""
    settings = settings or get_settings()
    configure_logging(settings)
    watch = Observability(settings, span_exporter)
    state: dict[str, Any] = {}
    files = file_store_for(settings)  # connects nowhere until the lifespan starts it

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        route_uvicorn_logs()  # uvicorn may have configured its loggers after create_app
        engine = create_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_pool_overflow,
            pre_ping=settings.db_pool_pre_ping,
        )
        watch.start(engine)
        broker = create_broker(settings.redis_url)
        await broker.start()
        await files.start()
        fetcher = picture_fetcher_for(settings)
        await fetcher.start()
        background = BackgroundTasks()
        sender = webhook_sender_for(settings)
        await sender.start()
        webhooks = webhook_worker_for(settings, engine, sender)
        if settings.webhooks_worker:
            webhooks.start()
        payments = payment_gateway_for(settings)
        runtime = Runtime(
            settings=settings,
            engine=engine,
            schema=schema_for(settings, watch.schema_extensions()),
            broker=broker,
            locations=LocationProvisioner(engine),
            files=files,
            pictures=picture_tools_for(settings, fetcher, background),
            background=background,
            dev_token=dev_token if settings.environment != "production" else None,
            jwks=await _jwks_for(settings),
            tokens=VerifiedTokens(settings.token_cache_size),
            live_observer=watch.live_observer,
            webhooks=webhooks,
            payments=payments,
            compiled_reads=CompiledReads(
                settings.compiled_reads, read_only(engine), settings.max_entities, watch.tracer
            ),  # one statement per root field, in autocommit like every read
        )
        app.state.observability = watch  # tests read the metrics and spans through this
        app.state.runtime = runtime  # tests and tools reach the engine through this
        view = ContactGraphView(
            runtime,
            lane_watch=watch.lane_watch(),
            graphql_ide="graphiql" if settings.graphiql else None,
            allowed_origins=settings.cors_origins,
            multipart_uploads_enabled=True,  # with limits: server/uploads.py
        )
        state["view"] = view
        try:
            yield
        finally:
            await webhooks.stop()  # a send cut short is sent again once its lease expires
            await sender.stop()
            await background.stop()  # its jobs use the store and the database
            if payments is not None:
                await payments.stop()
            await fetcher.stop()
            await files.stop()
            await broker.stop()
            watch.stop()
            await engine.dispose()

    graphql = _ViewProxy(state)

    async def live(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def ready(request: Request) -> JSONResponse:
        return await readiness(request.app.state.runtime)

    async def root(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{request.scope.get('root_path', '')}/graphql")

    # outermost: the server's own websocket `send`, for live frames (server/websocket.py)
    middleware = [Middleware(ServerSendMiddleware), *watch.middleware()]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST", "PUT"],
                allow_headers=["authorization", "content-type"],
            )
        )
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/health/live", live),
            Route("/health/ready", ready),
            Route("/health", live),  # the first health route, kept as an alias of live
            Route("/", root),
            *watch.routes(),
            *file_routes(files),
            *stripe_routes(),
            *([graphiql_assets_route()] if settings.graphiql else []),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )


class _ViewProxy:
    """An ASGI app that forwards to the view the lifespan built (routes exist before it)."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.state["view"](scope, receive, send)
