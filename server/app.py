"""The composition root: builds engine, schema and view in the lifespan, serves ASGI."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send

from adapters.background import BackgroundTasks
from adapters.broker import create_broker
from persistence.db import create_engine
from schema.build import ContactGraphSchema, build_schema
from server.files import file_routes, file_store_for
from server.graphiql import graphiql_assets_route
from server.pictures import picture_fetcher_for, picture_tools_for
from server.runtime import Runtime
from server.settings import Settings, get_settings
from server.view import ContactGraphView


def schema_for(settings: Settings) -> ContactGraphSchema:
    """The schema with this deployment's limits."""
    return build_schema(
        max_query_depth=settings.max_query_depth, max_entities=settings.max_entities
    )


def create_app(settings: Settings | None = None, dev_token: str | None = None) -> Starlette:
    settings = settings or get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    state: dict[str, Any] = {}
    files = file_store_for(settings)  # connects nowhere until the lifespan starts it

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        broker = create_broker(settings.redis_url)
        await broker.start()
        await files.start()
        fetcher = picture_fetcher_for(settings)
        await fetcher.start()
        background = BackgroundTasks()
        runtime = Runtime(
            settings=settings,
            engine=engine,
            schema=schema_for(settings),
            broker=broker,
            files=files,
            pictures=picture_tools_for(settings, fetcher, background),
            background=background,
            dev_token=dev_token if settings.environment != "production" else None,
        )
        app.state.runtime = runtime  # tests and tools reach the engine through this
        view = ContactGraphView(
            runtime,
            graphql_ide="graphiql" if settings.graphiql else None,
            allowed_origins=settings.cors_origins,
            multipart_uploads_enabled=True,  # with limits: server/uploads.py
        )
        state["view"] = view
        try:
            yield
        finally:
            await background.stop()  # its jobs use the store and the database
            await fetcher.stop()
            await files.stop()
            await broker.stop()
            await engine.dispose()

    graphql = _ViewProxy(state)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def root(request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    middleware = []
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
            Route("/health", health),
            Route("/", root),
            *file_routes(files),
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
