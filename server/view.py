"""The GraphQL HTTP/websocket view: auth context, orjson, request hardening, GraphiQL.

Every HTTP answer is GraphQL JSON, ``{"errors": [{"message": ...}]}``, errors included:
strawberry's plain-text 400s (a bad ``operationName``, an unsupported content type, ...) are
answered as JSON with the same status, so an IDE can show the message."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from graphql import GraphQLError, OperationDefinitionNode
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.unset import UNSET, UnsetType

from domain.errors import AuthenticationError
from server.auth import authenticate_header
from server.context import Context
from server.fast_lane import FastLane
from server.graphiql import graphiql_page
from server.logs import bind_viewer, request_id_from, request_id_of
from server.media import GRAPHQL_RESPONSE, negotiate
from server.observability import LaneWatch
from server.persisted import PersistedQueries, load_manifest
from server.runtime import Runtime
from server.uploads import MultipartUploads, upload_request_adapter
from server.websocket import LegacyWSHandler, TextFrameWebSocketAdapter, TransportWSHandler


def bounded_body_adapter(max_bytes: int) -> type[StarletteRequestAdapter]:
    """A request adapter that refuses a body over ``max_bytes`` with a 413 as soon as it is
    known to be: from its Content-Length before reading any of it, else while it streams in
    (chunked), holding at most ``max_bytes`` of it. The connection stays open: uvicorn drops
    the rest of the body unread by the app, so the client gets the 413 rather than a reset
    connection (closing with data unread sends a TCP reset)."""

    class BoundedBodyAdapter(StarletteRequestAdapter):
        async def get_body(self) -> bytes:
            declared = self._request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise HTTPException(413, "request body too large")
            chunks, size = [], 0
            async for chunk in self._request.stream():
                size += len(chunk)
                if size > max_bytes:
                    raise HTTPException(413, "request body too large")
                chunks.append(chunk)
            return b"".join(chunks)

    return BoundedBodyAdapter


class ContactGraphView(MultipartUploads, GraphQL[Context, None]):
    """Strawberry's ASGI view, told how to build our context, to bound request bodies and
    to refuse malformed ones with a 400 instead of a 500 (see pitfalls.md)."""

    websocket_adapter_class = TextFrameWebSocketAdapter
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(
        self, runtime: Runtime, lane_watch: LaneWatch | None = None, **kwargs: Any
    ) -> None:
        super().__init__(runtime.schema, **kwargs)
        self.runtime = runtime
        self.lane_watch = lane_watch
        self.fast_lane = FastLane(
            runtime.settings.fast_lane_size if lane_watch else 0,
            runtime.schema,
            runtime.settings.max_query_cost,
            runtime.compiled_reads,
            runtime.settings.max_variable_values,
            lane_watch.direct_statements() if lane_watch else None,
        )
        self.request_adapter_class = upload_request_adapter(
            runtime.settings, bounded_body_adapter(runtime.settings.max_body_bytes)
        )
        settings = runtime.settings
        self.persisted = PersistedQueries(
            settings.apq_cache_size,
            load_manifest(settings.trusted_documents) if settings.trusted_documents else None,
            enforce=settings.environment == "production",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        if self.lane_watch is not None:
            answered = await self.fast_lane.answer(self, request, self.lane_watch)
            if answered is not None:
                await answered(scope, receive, send)
                return
        try:
            response = await self.run(request)
        except HTTPException as exc:
            accept = request.headers.get("accept")
            response = error_response(exc.status_code, exc.reason, negotiate(accept))
        finally:
            await request.close()  # a multipart request's files: closed, so deleted
        await response(scope, receive, send)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        # a body is bounded while it is read (bounded_body_adapter); what else comes here
        # (a GET's `variables`) is bounded here
        if len(data) > self.runtime.settings.max_body_bytes:
            raise HTTPException(413, "request body too large")
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise HTTPException(400, f"the body is not valid JSON: {exc}") from exc
        if not isinstance(value, dict | list):
            raise HTTPException(400, "the body must be a JSON object")
        return value

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> Any:
        """Automatic persisted queries and trusted documents (server/persisted.py)."""
        if isinstance(request_data, GraphQLRequestData):
            try:
                query = self.persisted.resolve(request_data.query, request_data.extensions)
            except GraphQLError as error:
                return RequestError(data=None, errors=[error])
            if query is not request_data.query:  # a persisted query's hash: its text
                request_data = dataclasses.replace(request_data, query=query)
        return await super().execute_operation(
            request=request,
            request_adapter=request_adapter,
            request_data=request_data,
            context=context,
            root_value=root_value,
            sub_response=sub_response,
        )

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
        message = operation_error(
            await self._operation_names(request_data.query), request_data.operation_name
        )
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
        if isinstance(result, RequestError) or self._refused_before_execution(request, result):
            # a request error happens before execution: the response has no data entry
            response.pop("data", None)
        return response

    async def _operation_names(self, query: str | None) -> tuple[str | None, ...] | None:
        """The names of the document's operations (None for an anonymous one), or None when
        there is no query or it does not parse. The schema parses it (bounded, off the event
        loop, cached), so execution finds it parsed."""
        if not isinstance(query, str) or not query:
            return None
        try:
            document = await self.runtime.schema.parsing.parse(query)
        except GraphQLError:
            return None  # execution reports the syntax error
        return tuple(
            d.name.value if d.name else None
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        )

    def _refused_before_execution(self, request: Request, result: ExecutionResult) -> bool:
        """With application/graphql-response+json, a parse, validation or variable-coercion
        failure (or the authentication guard's refusal) is a request error: no ``data``, and
        a 4xx status (``create_response``). ``application/json`` keeps ``"data": null``."""
        if negotiate(request.headers.get("accept")) != GRAPHQL_RESPONSE:
            return False
        if isinstance(result, PreExecutionError):
            return True
        # graphql-core's variable coercion and the guard answer data None, with errors
        # that name no field (every execution error carries the path of its field)
        return (
            result.data is None
            and bool(result.errors)
            and all(e.path is None for e in result.errors or [])
        )

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = negotiate(request.headers.get("accept"))
        return sub_response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """The negotiated media type; with application/graphql-response+json a response
        without ``data`` is 400 (401 when the token is missing or not valid)."""
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            if isinstance(response_data, dict) and "data" not in response_data:
                errors = cast(list[dict[str, Any]], response_data.get("errors") or [])
                codes = {(e.get("extensions") or {}).get("code") for e in errors}
                if not sub_response.status_code:
                    response.status_code = 401 if "UNAUTHENTICATED" in codes else 400
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(graphiql_page(self.runtime.dev_token))

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        ctx = Context(runtime=self.runtime, request=request, response=response)
        ctx.request_id = request_id_of(request.scope) or request_id_from(
            request.headers.get("x-request-id")
        )
        header = request.headers.get("authorization")
        if header or isinstance(request, Request):
            await self._authenticate(ctx, header)
        return ctx

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Browsers cannot set headers on a websocket: the token may come in the
        connection_init payload instead. Without a valid token there is no session: the
        protocol handler refuses the connection (graphql-transport-ws: close 4403;
        graphql-ws: connection_error, then close)."""
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        if header and not context.authenticated:
            await self._authenticate(context, str(header))
        if context.credentials is not None and context.credentials.expired():
            context.authenticate(None, AuthenticationError("the token has expired"))
        if not context.authenticated:
            error = context.auth_error or AuthenticationError(
                'authentication required: send {"Authorization": "Bearer <JWT>"} as the '
                "connection_init payload"
            )
            raise ConnectionRejectionError({"message": str(error)})
        return cast(UnsetType, UNSET)  # acknowledge without a payload

    async def _authenticate(self, ctx: Context, header: str | None) -> None:
        """Decode the token and, the first time this process sees its location, provision
        the location (a valid token is the authority that the location exists)."""
        try:
            credentials = await authenticate_header(
                header, self.runtime.settings, self.runtime.jwks, self.runtime.tokens
            )
        except AuthenticationError as exc:
            ctx.authenticate(None, exc)
            return
        bind_viewer(credentials.viewer)
        await self.runtime.locations.ensure(credentials.viewer.location_id)
        ctx.authenticate(credentials, None)


def error_response(
    status_code: int, message: str, media_type: str = "application/json"
) -> Response:
    """A refused HTTP request, as GraphQL JSON (no data: nothing was executed)."""
    body = orjson.dumps({"errors": [{"message": message}]})
    if media_type == GRAPHQL_RESPONSE:
        media_type = f"{GRAPHQL_RESPONSE}; charset=utf-8"
    return Response(body, status_code=status_code, media_type=media_type)


class RequestError(ExecutionResult):
    """An error raised before execution began (GraphQL spec: the response has no data)."""


def operation_error(names: tuple[str | None, ...] | None, operation_name: str | None) -> str | None:
    """graphql-js's message when ``operation_name`` picks no single operation of a document
    with these operation ``names``; None when it does, or when there is no parsed document
    (strawberry says why)."""
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
