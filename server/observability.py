"""Watching the service: logs, metrics and traces, composed for the app (``server/app.py``).

The composition root asks this for its middleware, schema extensions, routes and engine
hooks, and hands the schema and the resolvers only hooks (``schema.build``'s
``extensions``, ``resolvers/observers.py``): neither imports the server.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

from graphql import ExecutionResult as GraphQLExecutionResult
from opentelemetry.sdk.trace.export import SpanExporter
from opentelemetry.trace import SpanKind, Tracer
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.execution import ExecutionContext

from resolvers.observers import LiveObserver
from schema.build import ExtensionFactory
from schema.guards import is_unexpected
from server.logs import RequestContextMiddleware, bind_operation, get_logger
from server.metrics import Metrics, SqlTally, start_tally, stop_tally
from server.settings import Settings
from server.tracing import Tracing, federated_trace_extensions, tracing_for

log = get_logger("contact_graph.requests")
_REQUEST_LINES = logging.getLogger("contact_graph.requests")


def outcome_of(result: object) -> str:
    """How an operation ended (``server.metrics.OUTCOMES``), from its unmasked result."""
    errors = getattr(result, "errors", None) or []
    if errors:
        if any(is_unexpected(e) for e in errors):
            return "masked"
        if any((e.extensions or {}).get("code") == "UNAUTHENTICATED" for e in errors):
            return "unauthenticated"
        return "graphql_error"
    data = getattr(result, "data", None)
    if isinstance(data, dict) and any(
        isinstance(payload, dict) and payload.get("userErrors") for payload in data.values()
    ):
        return "user_error"
    return "ok"


def _operation_type(context: ExecutionContext) -> str | None:
    try:
        return context.operation_type.value
    except Exception:  # no document, or a name it does not hold: the error says so
        return None


class OperationWatch(SchemaExtension):
    """One GraphQL operation, over HTTP or one operation of a websocket: its name (and, once
    parsed, its type) bound to the log context; for a query or mutation, its count, time
    and SQL in the metrics; a subscription in the live-subscriptions gauge while it runs;
    one log line when it ends.

    Listed after ``MaskErrors``, so it sees the errors before they are masked."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.kind: str | None = None
        self.live = False

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        started = time.perf_counter()
        tally = start_tally()
        bind_operation(context.operation_name)  # the client's operationName, until parsed
        try:
            yield
        finally:
            stop_tally()
            try:
                self._done(time.perf_counter() - started, tally)
            except Exception:  # watching must never fail the operation it watches
                log.exception("could not record the operation")

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        self.kind = _operation_type(context)
        bind_operation(context.operation_name, self.kind)
        if self.kind == "subscription":
            self.live = True
            self.metrics.subscriptions.inc()
            log.info("graphql subscription started")
        yield

    def _done(self, seconds: float, tally: SqlTally) -> None:
        context = self.execution_context
        result = context.result
        outcome = outcome_of(result) if isinstance(result, _RESULTS) else "ok"
        if self.live:
            self.metrics.subscriptions.dec()
        else:
            admit = bool(getattr(context.context, "authenticated", False))
            count_operation(self.metrics, context.operation_name, admit, outcome, seconds, tally)
        log_operation(
            "graphql subscription ended" if self.live else "graphql operation",
            self.kind,
            outcome,
            seconds,
            tally,
        )


def count_operation(
    metrics: Metrics,
    name: str | None,
    authenticated: bool,
    outcome: str,
    seconds: float,
    tally: SqlTally,
) -> None:
    """A query's or mutation's count, time and SQL, under its bounded name label."""
    label = metrics.operations.label(name, admit=authenticated)
    metrics.operation_done(label, outcome, seconds, tally)


def log_operation(
    event: str,
    kind: str | None,
    outcome: str,
    seconds: float,
    tally: SqlTally,
    **extra: object,
) -> None:
    """The request line, built only when its level lets it through (structlog runs its
    processors before the standard library drops a line)."""
    if not _REQUEST_LINES.isEnabledFor(logging.INFO):
        return
    log.info(
        event,
        operation_type=kind,
        outcome=outcome,
        duration_ms=round(seconds * 1000, 2),
        sql_statements=tally.statements,
        sql_ms=round(tally.seconds * 1000, 2),
        **extra,
    )


class LaneWatch:
    """What an operation the fast lane answered (``server/fast_lane.py``) reports: what
    :class:`OperationWatch` reports for an executed one -- its name bound to the log
    context, its count, time and SQL in the operation metrics, the request line, the
    operation's span when tracing -- plus ``contact_graph_fast_lane_answers_total``."""

    def __init__(self, metrics: Metrics, tracing: Tracing | None) -> None:
        self.metrics = metrics
        self.tracer = tracing.provider.get_tracer("contact_graph.fast_lane") if tracing else None

    def direct_statements(self) -> Callable[[float], None] | None:
        """Where a statement the lane runs on the driver's connection is reported, as the
        engine reports its own (``Metrics.statement``); None when tracing, whose SQL
        spans come from the engine: then the lane's statements go through the engine."""
        return self.metrics.statement if self.tracer is None else None

    @contextmanager
    def answering(self, name: str | None, query: str, authenticated: bool) -> Iterator[Answering]:
        """Watches one answer; the lane may still ``decline()`` inside (a compiled read
        that does not run): then nothing is counted or logged, as the normal path answers
        and reports it."""
        started = time.perf_counter()
        tally = start_tally()
        bind_operation(name, LANE_KIND)
        answering = Answering()
        span = (
            self.tracer.start_as_current_span(
                f"GraphQL Query: {name}" if name else "GraphQL Query",
                kind=SpanKind.SERVER,
                attributes={"component": "graphql", "query": query, "graphql.fast_lane": True},
            )
            if self.tracer
            else nullcontext()
        )
        try:
            with span as current:
                yield answering
                if answering.declined and current is not None:
                    current.set_attribute("graphql.fast_lane.declined", True)
        finally:
            stop_tally()
        if answering.declined:
            return
        seconds = time.perf_counter() - started
        try:
            count_operation(self.metrics, name, authenticated, "ok", seconds, tally)
            self.metrics.fast_lane_answers.inc()
            log_operation("graphql operation", LANE_KIND, "ok", seconds, tally, fast_lane=True)
        except Exception:  # watching must never fail the operation it watches
            log.exception("could not record the operation")


class Answering:
    """One answer being watched; ``decline()``: the lane leaves it to the normal path."""

    declined = False

    def decline(self) -> None:
        self.declined = True


LANE_KIND = "query"
"""The only operation type the fast lane answers."""


_RESULTS = (ExecutionResult, GraphQLExecutionResult)


class Observability:
    """The app's logs context, metrics and tracing. ``span_exporter`` turns tracing on with
    that exporter, whatever the settings say (tests pass an in-memory one)."""

    def __init__(self, settings: Settings, span_exporter: SpanExporter | None = None) -> None:
        self.settings = settings
        self.metrics = Metrics(settings.metrics_max_operations)
        self.tracing: Tracing | None = tracing_for(settings, span_exporter)
        self._undo: list[Callable[[], None]] = []

    def middleware(self) -> list[Middleware]:
        """Outermost first: the HTTP span, then the request id."""
        spans = [self.tracing.middleware()] if self.tracing else []
        return [*spans, Middleware(RequestContextMiddleware)]

    def schema_extensions(self) -> list[ExtensionFactory]:
        metrics = self.metrics
        spans = self.tracing.schema_extensions() if self.tracing else []
        return [
            *spans,
            *federated_trace_extensions(self.settings),
            lambda: OperationWatch(metrics),
        ]

    def routes(self) -> list[BaseRoute]:
        if not self.settings.metrics:
            return []
        return [self.metrics.route(self.settings.metrics_token)]

    @property
    def tracer(self) -> Tracer | None:
        """For spans of the app's own (a compiled read's), when tracing."""
        return self.tracing.provider.get_tracer("contact_graph") if self.tracing else None

    def lane_watch(self) -> LaneWatch:
        return LaneWatch(self.metrics, self.tracing)

    @property
    def live_observer(self) -> LiveObserver:
        return self.metrics

    def start(self, engine: AsyncEngine) -> None:
        """Watch the engine (in the lifespan, where it is built)."""
        self._undo.append(self.metrics.watch_engine(engine))
        if self.tracing:
            self._undo.append(self.tracing.instrument(engine))

    def stop(self) -> None:
        while self._undo:
            self._undo.pop()()
        if self.tracing:
            self.tracing.shutdown()
