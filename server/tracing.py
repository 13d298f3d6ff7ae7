"""Tracing: OpenTelemetry spans for HTTP, GraphQL and SQL, and Apollo's federated trace.

OpenTelemetry is off unless an exporter is configured (``CONTACT_GRAPH_OTEL_EXPORTER`` =
``otlp`` or ``console``; tests pass an exporter of their own). Then one trace per request:
the ASGI middleware's HTTP span (continuing the gateway's ``traceparent``), strawberry's
operation, parsing, validation and resolver spans under it, and a span per SQL statement
(the SQLAlchemy instrumentation) under the resolver that started it. The provider is the
app's own, passed to each instrumentation: nothing is installed process-wide.

Apollo's federated tracing (``ftv1``) is strawberry's ``ApolloFederationTracingExtension``:
a gateway that sends ``apollo-federation-include-trace: ftv1`` gets the resolver timings as
``extensions.ftv1`` (a base64 protobuf ``Trace``), unless ``CONTACT_GRAPH_FTV1=false``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Generator, Sequence
from inspect import isawaitable
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo
from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware
from strawberry.extensions import LifecycleStep
from strawberry.extensions.tracing.apollo_federation import ApolloFederationTracingExtension
from strawberry.extensions.tracing.opentelemetry import OpenTelemetryExtension
from strawberry.extensions.tracing.utils import should_skip_tracing

from domain.errors import AuthenticationError
from schema.build import ExtensionFactory
from schema.masking import MASKED_MESSAGE
from server.settings import Settings

SPAN_ARGUMENTS = frozenset({"id", "contactId", "first", "after", "last", "before"})
"""Resolver arguments recorded on their spans (ids and paging); inputs, filters and search
text may hold personal data and are left out."""
UNTRACED_PATHS = "/health,/metrics"


class FieldSpans(OpenTelemetryExtension):
    """Strawberry's OpenTelemetry extension with a synchronous ``resolve``: its own is
    ``async``, which makes every field of every response a coroutine (pitfalls.md: ~5x on
    scalar fields). Here a field without a resolver of its own costs a function call, and a
    resolver's span is current while it runs, awaited or not."""

    def on_operation(self) -> Generator[None, None, None]:
        """Strawberry's, with its span ended however the operation ends: a subscription
        ends by being cancelled when its client goes, which skipped the end (the span was
        never exported)."""
        hook = super().on_operation()
        next(hook)
        try:
            yield
        finally:
            with contextlib.suppress(StopIteration):
                next(hook)

    def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo[Any],
        *args: str,
        **kwargs: Any,
    ) -> Any:
        if should_skip_tracing(_next, info):
            return _next(root, info, *args, **kwargs)
        span = self._tracer.start_span(
            f"GraphQL Resolving: {info.field_name}",
            context=trace.set_span_in_context(self._span_holder[LifecycleStep.OPERATION]),
        )
        self.add_tags(span, info, kwargs)
        try:
            with trace.use_span(span):
                result = _next(root, info, *args, **kwargs)
        except BaseException:
            span.end()
            raise
        if isawaitable(result):
            return _finish(span, result)
        span.end()
        return result


async def _finish(span: trace.Span, result: Awaitable[Any]) -> Any:
    with trace.use_span(span, end_on_exit=True):
        return await result


def _span_arguments(args: dict[str, Any], info: GraphQLResolveInfo[Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if k in SPAN_ARGUMENTS}


class FederatedTrace(ApolloFederationTracingExtension):
    """``ftv1`` for a gateway that asks, at no cost for requests that do not: strawberry
    calls an extension's ``resolve`` on every field once it defines one (an ``async`` one
    here), so it is defined only for a request that asked for a trace. Errors in the trace
    are masked as they are for the client."""

    def _implements_resolve(self) -> bool:  # type: ignore[override]
        return self._check_should_trace()

    def _make_error(self, e: Exception, info: GraphQLResolveInfo[Any]) -> Any:
        if isinstance(e, GraphQLError | AuthenticationError):
            return super()._make_error(e, info)
        return super()._make_error(RuntimeError(MASKED_MESSAGE), info)


def federated_trace_extensions(settings: Settings) -> list[ExtensionFactory]:
    return [FederatedTrace] if settings.ftv1 else []


class Tracing:
    """The app's tracer provider and what it instruments."""

    def __init__(self, settings: Settings, exporter: SpanExporter | None = None) -> None:
        self.provider = TracerProvider(
            resource=Resource.create({SERVICE_NAME: settings.otel_service_name}),
            sampler=ParentBased(TraceIdRatioBased(settings.otel_sample_ratio)),
        )
        self.provider.add_span_processor(_processor(settings, exporter))

    def middleware(self) -> Middleware:
        """The HTTP (and websocket connection) span around everything else."""
        return Middleware(
            OpenTelemetryMiddleware,
            tracer_provider=self.provider,
            meter_provider=NoOpMeterProvider(),  # the metrics are Prometheus's
            excluded_urls=UNTRACED_PATHS,
            exclude_spans=["receive", "send"],
        )

    def schema_extensions(self) -> list[ExtensionFactory]:
        provider = self.provider
        return [lambda: FieldSpans(tracer_provider=provider, arg_filter=_span_arguments)]

    def instrument(self, engine: AsyncEngine) -> Callable[[], None]:
        """A span per SQL statement; returns the undo."""
        registered = EngineTracer._remove_event_listener_params
        first = len(registered)
        EngineTracer(  # type: ignore[no-untyped-call]
            self.provider.get_tracer("opentelemetry.instrumentation.sqlalchemy"),
            engine.sync_engine,
            NoOpMeterProvider().get_meter("sqlalchemy").create_up_down_counter("unused"),
        )
        mine: Sequence[Any] = registered[first:]

        def stop() -> None:
            for target, identifier, func in mine:
                if target() is not None and event.contains(target(), identifier, func):
                    event.remove(target(), identifier, func)
                registered.remove((target, identifier, func))

        return stop

    def shutdown(self) -> None:
        self.provider.shutdown()  # flushes the batch exporter


def _processor(settings: Settings, exporter: SpanExporter | None) -> SpanProcessor:
    if exporter is not None:
        return SimpleSpanProcessor(exporter)
    if settings.otel_exporter == "console":
        return SimpleSpanProcessor(ConsoleSpanExporter(service_name=settings.otel_service_name))
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otel_endpoint))


def tracing_for(settings: Settings, exporter: SpanExporter | None = None) -> Tracing | None:
    """The app's tracing, or None when no exporter is configured (the default)."""
    if exporter is None and settings.otel_exporter == "none":
        return None
    return Tracing(settings, exporter)
