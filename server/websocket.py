"""The websocket side of the view: text frames, malformed frames, and sessions that end when
their token does.

Strawberry's protocol handlers do the protocols; these subclasses add, through the handlers'
own hooks: a frame that is not a message of the protocol closes a graphql-transport-ws socket
with 4400 (it raised out of the handler: 1006 and an ASGI traceback); the socket closes with
4403 when the token's ``exp`` passes, and a ``subscribe`` after that is refused the same way
(subscriptions kept delivering, and new ones were accepted, after the token expired). Refusing
an unauthenticated ``connection_init`` is the view's ``on_ws_connect``. Each operation's task
gets a live sink (``schema/fanout.py``): its shared event frames are written here, raw to the
transport where the socket allows it (:class:`RawFrames`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import (
    NonJsonMessageReceived,
    NonTextMessageReceived,
    WebSocketDisconnected,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage as LegacyConnectionInitMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.types import (
    OperationMessage,
    StartMessage,
)
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State as WebSocketsState

from schema.fanout import SINK, LiveSink
from server.context import Context

if TYPE_CHECKING:
    from strawberry.http.async_base_view import AsyncBaseHTTPView

FORBIDDEN = 4403
EXPIRED = "Forbidden: the token has expired"
TOO_BIG = 1009
"""RFC 6455 "Message Too Big": a frame longer than the body limit (max_body_bytes)."""


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Frames in and out as websocket messages, not HTTP bodies.

    Out: text frames (browsers' graphql-ws clients reject the binary frames strawberry would
    send for our bytes-returning orjson ``encode_json``). In: decoded here rather than by the
    view's HTTP ``decode_json``, whose 400s escaped the protocol handler as ASGI errors; a
    frame that is not JSON raises strawberry's ``NonJsonMessageReceived``, which the
    graphql-transport-ws handler answers with 4400 (graphql-ws ignores it).
    """

    def __init__(
        self,
        view: AsyncBaseHTTPView[Any, Any, Any, Any, Any, Any, Any],
        request: WebSocket,
        response: WebSocket,
    ) -> None:
        super().__init__(view, request, response)
        self.max_bytes: int = cast(Any, view).runtime.settings.max_body_bytes

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if len(text) > self.max_bytes:
                    await self.close(TOO_BIG, f"messages are limited to {self.max_bytes} bytes")
                    return
                try:
                    yield orjson.loads(text)
                except orjson.JSONDecodeError as exc:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from exc
        except KeyError as exc:  # a binary frame
            raise NonTextMessageReceived from exc
        except WebSocketDisconnect:
            pass

    async def send_json(self, message: Mapping[str, object]) -> None:
        await self.send_text(orjson.dumps(message).decode())

    async def send_text(self, text: str) -> None:
        """One text frame, already serialised (a shared live event's ``next``)."""
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


RAW_SEND = "contact_graph.server_send"
"""Where :class:`ServerSendMiddleware` keeps the server's own ASGI ``send`` in the scope."""


class ServerSendMiddleware:
    """Keeps the server's ``send`` of a websocket connection in ``scope["state"]`` (it
    wraps nothing), so :class:`RawFrames` can find the connection's transport. Outermost:
    any middleware that wraps ``send`` hides the server's, and the frames take the ASGI way."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope.setdefault("state", {})[RAW_SEND] = send
        await self.app(scope, receive, send)


class RawFrames:
    """Text frames written straight to uvicorn's transport for the socket: a live event's
    frame costs its bytes and one write, not starlette's, the middlewares' and uvicorn's
    per-message path with the websockets library's framing (about a third of a delivery
    in the benchmark). Only for uvicorn's default websockets implementation and a socket
    without extensions (with permessage-deflate every frame takes the ASGI way, compressed);
    backpressure is uvicorn's own (a paused transport holds the writer); nothing is written
    once either side has begun to close."""

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self.protocol = protocol

    @classmethod
    def of(cls, websocket: WebSocket) -> RawFrames | None:
        send = websocket.scope.get("state", {}).get(RAW_SEND)
        protocol = getattr(send, "__self__", None)
        if not isinstance(protocol, WebSocketsSansIOProtocol) or protocol.conn.extensions:
            return None
        return cls(protocol)

    def open(self) -> bool:
        """Whether a frame may still be written: neither side has begun to close."""
        protocol = self.protocol
        return not (
            protocol.disconnected
            or protocol.close_sent
            or not protocol.handshake_complete
            or protocol.conn.state is not WebSocketsState.OPEN
            or protocol.transport.is_closing()
        )

    async def write(self, head: bytes, tail: bytes) -> bool:
        """One text frame, ``head`` then ``tail``; False when the socket is going or gone."""
        protocol = self.protocol
        if not protocol.writable.is_set():
            await protocol.writable.wait()
        if not self.open():
            return False
        protocol.transport.write(b"".join((frame_header(len(head) + len(tail)), head, tail)))
        return True

    def write_now(self, head: bytes, tail: bytes) -> bool | None:
        """:meth:`write` without waiting: None when the transport is paused (the frame
        must wait for it, in order, from the operation's task)."""
        protocol = self.protocol
        if not protocol.writable.is_set():
            return None
        if not self.open():
            return False
        protocol.transport.write(b"".join((frame_header(len(head) + len(tail)), head, tail)))
        return True


def frame_header(length: int) -> bytes:
    """RFC 6455 §5.2: FIN + text opcode, then the payload length, unmasked (server)."""
    if length < 126:
        return bytes((0x81, length))
    if length < 1 << 16:
        return b"\x81\x7e" + length.to_bytes(2, "big")
    return b"\x81\x7f" + length.to_bytes(8, "big")


def live_sink_for(adapter: object, head: str, is_open: Callable[[], bool]) -> LiveSink | None:
    """A sink writing an operation's shared frames (``schema/fanout.py``) as text frames on
    this socket (raw when it can, else the ASGI way), in the order the operation sends
    them; a socket that went away meanwhile gets nothing more (its handler ends the
    operation when it sees the close). Only the raw way can write without waiting."""
    if not isinstance(adapter, TextFrameWebSocketAdapter):
        return None
    raw = RawFrames.of(adapter.ws)
    gone = False

    async def write(head: bytes, tail: bytes) -> None:
        nonlocal gone
        if gone:
            return
        if raw is not None:
            gone = not await raw.write(head, tail)
            return
        try:
            await adapter.send_text((head + tail).decode())
        except WebSocketDisconnected:
            gone = True

    if raw is None:
        return LiveSink(head, write, is_open)

    def write_now(head: bytes, tail: bytes) -> bool:
        nonlocal gone
        if gone:
            return True
        written = raw.write_now(head, tail)
        if written is None:
            return False
        gone = not written
        return True

    return LiveSink(head, write, is_open, write_now)


def frame_problem(message: object) -> str | None:
    """Why a decoded frame is not a client message of either protocol, or None.

    Strawberry indexes into frames as they come: a list, an ``id`` that is a list or a
    ``payload`` that is a string raised TypeErrors out of its handler."""
    if not isinstance(message, dict):
        return "WebSocket message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "WebSocket message must have a string 'type'"
    if kind in ("subscribe", "start", "complete", "stop") and not isinstance(
        message.get("id"), str
    ):
        return f"a '{kind}' message must have a string 'id'"
    if kind not in ("subscribe", "start"):
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return f"a '{kind}' message must have a payload with a string 'query'"
    for key, expected, what in (
        ("variables", dict, "an object"),
        ("extensions", dict, "an object"),
        ("operationName", str, "a string"),
    ):
        if payload.get(key) is not None and not isinstance(payload[key], expected):
            return f"the payload's '{key}' must be {what} or null"
    return None


class ExpiryTimer:
    """Runs ``on_expiry`` once the session's token expires; stopped when the socket closes."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def start(self, context: Context, on_expiry: Callable[[], Awaitable[None]]) -> None:
        if self._task is not None or context.credentials is None:
            return
        delay = context.credentials.expires_at - time.time()
        self._task = asyncio.create_task(self._run(delay, on_expiry), name="ws-token-expiry")

    @staticmethod
    async def _run(delay: float, on_expiry: Callable[[], Awaitable[None]]) -> None:
        await asyncio.sleep(max(delay, 0.0))
        with contextlib.suppress(WebSocketDisconnect, WebSocketDisconnected):  # closed meanwhile
            await on_expiry()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def expired(context: Context) -> bool:
    return context.credentials is not None and context.credentials.expired()


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws: 4400 for malformed frames, 4403 once the token has expired."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expiry = ExpiryTimer()

    async def handle_message(self, message: Message) -> None:
        problem = frame_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged:
            self.expiry.start(self.context, self.expire)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and expired(self.context):
            await self.expire()
            return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        """The operation's task: live items go to its sink as shared frames."""
        head = f'{{"id":{orjson.dumps(operation.id).decode()},"type":"next","payload":'
        operations, op_id = self.operations, operation.id

        def is_open() -> bool:
            """Not completed by either side: a client's ``complete`` only cancels the task,
            and a frame written from the broker's delivery must not follow it."""
            return not operation.completed and operations.get(op_id) is operation

        sink = live_sink_for(self.websocket, head, is_open)
        if sink is not None:
            SINK.set(sink)
        await super().run_operation(operation)

    async def expire(self) -> None:
        """Stop every operation (so none sends on a closed socket), then close 4403."""
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        await self.websocket.close(code=FORBIDDEN, reason=EXPIRED)

    async def shutdown(self) -> None:
        await self.expiry.stop()
        await super().shutdown()


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """graphql-ws (the legacy protocol): the same session rules in its terms. A malformed
    frame with an operation id gets an ``error`` for that id (others are ignored, as strawberry
    ignores frames that are not JSON in this protocol); an expired token ends every operation,
    then ``connection_error`` and close 4403."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expiry = ExpiryTimer()

    async def handle_message(self, message: OperationMessage) -> None:
        problem = frame_problem(message)
        if problem is None:
            await super().handle_message(message)
            return
        operation_id = message.get("id") if isinstance(message, dict) else None
        if isinstance(operation_id, str):
            await self.send_message(
                {"type": "error", "id": operation_id, "payload": {"message": problem}}
            )

    async def handle_connection_init(self, message: LegacyConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged:
            self.expiry.start(self.context, self.expire)

    async def handle_start(self, message: StartMessage) -> None:
        if self.connection_acknowledged and expired(self.context):
            await self.expire()
            return
        await super().handle_start(message)

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        """The operation's task: live items go to its sink as shared frames."""
        head = f'{{"type":"data","id":{orjson.dumps(operation_id).decode()},"payload":'
        sink = live_sink_for(self.websocket, head, lambda: operation_id in self.tasks)
        if sink is not None:
            SINK.set(sink)
        await super().handle_async_results(operation_id, query, operation_name, variables)

    async def expire(self) -> None:
        await self.cleanup()
        await self.send_message(
            {"type": "connection_error", "payload": {"message": "the token has expired"}}
        )
        await self.websocket.close(code=FORBIDDEN, reason=EXPIRED)

    async def cleanup(self) -> None:
        await self.expiry.stop()
        await super().cleanup()
