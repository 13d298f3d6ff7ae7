"""The GraphQL HTTP/websocket view: auth context, orjson, request hardening, GraphiQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, cast

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.types.unset import UNSET, UnsetType

from domain.errors import AuthenticationError
from domain.viewer import Viewer
from server.auth import viewer_from_header
from server.context import Context
from server.graphiql import graphiql_page
from server.runtime import Runtime


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
        ctx = Context(runtime=self.runtime, request=request, response=response)
        ctx.request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        header = request.headers.get("authorization")
        if header or isinstance(request, Request):
            _authenticate(ctx, lambda: viewer_from_header(header, self.runtime.settings))
        return ctx

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Browsers cannot set headers on a websocket: the token may come in the
        connection_init payload instead. A token that is there and invalid closes the
        socket; no token at all leaves operations to fail with UNAUTHENTICATED."""
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        if header and not context.authenticated:
            _authenticate(context, lambda: viewer_from_header(str(header), self.runtime.settings))
            if not context.authenticated:
                raise ConnectionRejectionError({"message": str(context.auth_error)})
        return cast(UnsetType, UNSET)  # acknowledge without a payload


def _authenticate(ctx: Context, decode: Callable[[], Viewer]) -> None:
    try:
        ctx.authenticate(decode(), None)
    except AuthenticationError as exc:
        ctx.authenticate(None, exc)
