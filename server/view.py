"""The GraphQL HTTP/websocket view: auth context, orjson, request hardening, GraphiQL.

Every HTTP answer is GraphQL JSON, ``{"errors": [{"message": ...}]}``, errors included:
strawberry's plain-text 400s (a bad ``operationName``, an unsupported content type, ...) are
answered as JSON with the same status, so an IDE can show the message."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from domain.errors import AuthenticationError
from domain.viewer import Viewer
from server.auth import viewer_from_header
from server.context import Context
from server.graphiql import graphiql_page
from server.runtime import Runtime
from server.uploads import MultipartUploads, upload_request_adapter


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Websocket messages go out as text frames: browsers' graphql-ws clients reject the
    binary frames strawberry would send for our bytes-returning (orjson) ``encode_json``."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class ContactGraphView(MultipartUploads, GraphQL[Context, None]):
    """Strawberry's ASGI view, told how to build our context and to refuse malformed
    bodies with a 400 instead of a 500 (see pitfalls.md)."""

    websocket_adapter_class = TextFrameWebSocketAdapter

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        super().__init__(runtime.schema, **kwargs)
        self.runtime = runtime
        self.request_adapter_class = upload_request_adapter(runtime.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as exc:
            response = error_response(exc.status_code, exc.reason)
        finally:
            await request.close()  # a multipart request's files: closed, so deleted
        await response(scope, receive, send)

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

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry answers an ``operationName`` that names no operation with a plain-text
        400 and runs the first operation of a multi-operation document sent without one.
        Both are GraphQL request errors: answer them as GraphQL JSON (200, per
        GraphQL-over-HTTP for application/json), before anything is executed."""
        name: object = request_data.operation_name
        if name is not None and not isinstance(name, str):
            raise HTTPException(
                400,
                "The GraphQL operation's `operationName` must be a string or null, if provided.",
            )
        message = operation_error(request_data.query, request_data.operation_name)
        if message is not None:
            return RequestError(data=None, errors=[GraphQLError(message)])
        return await super().execute_single(
            request=request,
            request_adapter=request_adapter,
            sub_response=sub_response,
            context=context,
            root_value=root_value,
            request_data=request_data,
        )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if isinstance(result, RequestError):
            # a request error happens before execution: the response has no data entry
            response.pop("data", None)
        return response

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


def error_response(status_code: int, message: str) -> Response:
    """A refused HTTP request, as GraphQL JSON (no data: nothing was executed)."""
    body = orjson.dumps({"errors": [{"message": message}]})
    return Response(body, status_code=status_code, media_type="application/json")


class RequestError(ExecutionResult):
    """An error raised before execution began (GraphQL spec: the response has no data)."""


def operation_error(query: str | None, operation_name: str | None) -> str | None:
    """graphql-js's message when ``operation_name`` picks no single operation of ``query``;
    None when it does, or when the query is missing or does not parse (strawberry says so)."""
    if not isinstance(query, str) or not query:
        return None
    names = _operation_names(query)
    if names is None:
        return None
    if operation_name is not None:
        if operation_name in names:
            return None
        return f'Unknown operation named "{operation_name}".'
    if not names:
        return "Must provide an operation."
    if len(names) > 1:
        return "Must provide operation name if query contains multiple operations."
    return None


@lru_cache(maxsize=1000)
def _operation_names(query: str) -> tuple[str | None, ...] | None:
    """The names of the document's operations (None for an anonymous one), or None when it
    does not parse. Cached like strawberry's parser, so a repeated query is parsed once."""
    try:
        document = parse(query, no_location=True)
    except GraphQLError:
        return None
    return tuple(
        d.name.value if d.name else None
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    )


def _authenticate(ctx: Context, decode: Callable[[], Viewer]) -> None:
    try:
        ctx.authenticate(decode(), None)
    except AuthenticationError as exc:
        ctx.authenticate(None, exc)
