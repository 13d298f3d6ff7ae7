"""Logs: one format for the app's own lines and uvicorn's and the standard library's, and
the request's context on every line logged while serving it.

The root logger has one handler whose formatter is structlog's ``ProcessorFormatter``, so a
record renders the same whether it came through structlog or a plain ``logging`` logger:
one JSON object a line in production, readable coloured lines in development
(``CONTACT_GRAPH_LOG_FORMAT``). The request's id, its operation, the viewer and the location
are contextvars (``structlog.contextvars``), bound as the request learns them and cleared at
its end (:class:`RequestContextMiddleware`, the view, ``server/observability.py``); every
line carries the ones bound in the task that logs it.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from typing import TYPE_CHECKING, TextIO

import structlog
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bind_contextvars, clear_contextvars
from structlog.typing import EventDict, Processor, WrappedLogger

if TYPE_CHECKING:
    from domain.viewer import Viewer
    from server.settings import Settings

REQUEST_ID_HEADER = "x-request-id"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+=/@-]{1,128}")
"""What a gateway's id may look like to be kept (UUIDs, W3C trace ids, ULIDs...); anything
else -- too long, spaces, control characters -- is replaced by a fresh id."""
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
HANDLER_NAME = "contact-graph"


def request_id_from(value: str | None) -> str:
    """The gateway's request id when it sent a sane one, else a new one."""
    if value is not None and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def request_id_of(scope: Scope) -> str | None:
    """The id :class:`RequestContextMiddleware` gave this request, if it ran."""
    state = scope.get("state")
    value = state.get("request_id") if isinstance(state, dict) else None
    return value if isinstance(value, str) else None


class RequestContextMiddleware:
    """Gives every HTTP request and websocket connection its request id (the gateway's
    ``X-Request-ID``, or a new one), binds it to the log context for as long as the request
    runs, keeps it in ``scope["state"]`` for the view and echoes it in the response's (or the
    websocket handshake's) ``X-Request-ID`` header.

    The context is cleared when the request ends. Not when it fails: the server logs the
    exception after this returns, in the same task, and that line should carry the id too
    (the task, and its context, end right after)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        sent: str | None = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                sent = value.decode("latin-1")
                break
        request_id = request_id_from(sent)
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        clear_contextvars()
        bind_contextvars(request_id=request_id)
        await self.app(scope, receive, send_with_id)
        clear_contextvars()


def bind_viewer(viewer: Viewer) -> None:
    """From here on this request's lines name its viewer and location."""
    bind_contextvars(user_id=viewer.user_id, location_id=viewer.location_id)


def bind_operation(name: str | None, kind: str | None = None) -> None:
    """From here on this request's (or websocket operation's) lines name its operation."""
    bind_contextvars(operation=name, **({"operation_type": kind} if kind else {}))


def _trace_ids(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """The current span's ids, when tracing is on: a log line leads to its trace."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = format(context.trace_id, "032x")
        event["span_id"] = format(context.span_id, "016x")
    return event


NOT_EXTRAS = ("color_message", "message", "asctime")
"""Record attributes that are not the caller's extras: uvicorn's coloured copy of the
message, and what another handler's formatter (a test runner's) left on the record."""


def _drop_non_extras(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    for key in NOT_EXTRAS:
        event.pop(key, None)
    return event


def json_lines(settings: Settings) -> bool:
    if settings.log_format == "auto":
        return settings.environment == "production"
    return settings.log_format == "json"


class RootHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the stream it is given, or else to whatever ``sys.stderr`` is when a line
    is written (a test runner swaps it), like logging's own last-resort handler."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self._fixed = stream

    @property
    def stream(self) -> TextIO:
        return self._fixed if self._fixed is not None else sys.stderr

    @stream.setter
    def stream(self, value: TextIO | None) -> None:
        self._fixed = value


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Route every log record through structlog's formatter, at ``settings.log_level``.

    Replaces the handler an earlier call installed and leaves others alone (a test
    runner's capture). Returns the handler (tests point it at a buffer)."""
    as_json = json_lines(settings)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        _trace_ids,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Processor
    if as_json:
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=(stream or sys.stderr).isatty())
    formatter = structlog.stdlib.ProcessorFormatter(
        # records from plain logging loggers (ours, uvicorn's, libraries')
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), _drop_non_extras],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *([structlog.processors.format_exc_info] if as_json else []),
            renderer,
        ],
    )
    handler = RootHandler(stream)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    route_uvicorn_logs()
    return handler


def route_uvicorn_logs() -> None:
    """uvicorn gives its loggers handlers of their own (its default ``log_config``, applied
    when it starts, possibly after :func:`configure_logging`): take them away, so uvicorn's
    lines reach the root handler and share its format. Levels stay as uvicorn set them."""
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = True


def installed_handler() -> logging.Handler | None:
    """The root handler :func:`configure_logging` installed."""
    for handler in logging.getLogger().handlers:
        if handler.get_name() == HANDLER_NAME:
            return handler
    return None


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger: ``log.info("event", key=value)``; same handler, same format."""
    return structlog.stdlib.get_logger(name)
