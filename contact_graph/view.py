"""The GraphQL HTTP/websocket view: auth context, orjson, request hardening, GraphiQL."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.http.exceptions import WebSocketDisconnected

from .auth import AuthenticationError, viewer_from_header
from .context import Context
from .domain.ports import SystemClock
from .domain.services import Services
from .graphiql import graphiql_page
from .persistence.uow import SqlUnitOfWork
from .runtime import Runtime


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Websocket messages go out as text frames: browsers' graphql-ws clients reject the
    binary frames strawberry would send for our bytes-returning (orjson) ``encode_json``."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class ContactGraphView(GraphQL[Context, None]):
    """Strawberry's ASGI view, told how to build our context and to refuse malformed
    bodies with a 400 instead of a 500 (see pitfalls.md)."""

    websocket_adapter_class = TextFrameWebSocketAdapter

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        super().__init__(runtime.schema, **kwargs)
        self.runtime = runtime

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        if len(data) > self.runtime.settings.max_body_bytes:
            raise HTTPException(413, "request body too large")
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise HTTPException(400, f"the body is not valid JSON: {exc}") from exc
        if not isinstance(value, dict | list):
            raise HTTPException(400, "the body must be a JSON object")
        return value

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(graphiql_page(self.runtime.dev_token))

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        rt = self.runtime
        ctx = Context(
            settings=rt.settings,
            engine=rt.engine,
            services=None,
            request=request,
            response=response,
        )
        ctx.request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        try:
            ctx._viewer = viewer_from_header(request.headers.get("authorization"), rt.settings)
        except AuthenticationError as exc:
            ctx.auth_error = exc
        if ctx._viewer is not None:
            ctx.services = Services(
                uow=lambda: SqlUnitOfWork(rt.engine),
                clock=SystemClock(),
                phone_region=rt.settings.phone_region,
            )
        return ctx
