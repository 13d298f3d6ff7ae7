"""Tracing: one OpenTelemetry trace per request (HTTP span, GraphQL spans, SQL spans), off
unless an exporter is configured; and Apollo's federated trace (ftv1) for a gateway that
asks for it."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any, cast

import pytest
import websockets
from graphql.pyutils import Path as GraphQLPath
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from support import Tenant
from watch_support import LogLines, Running, eventually, running, serving, settings_for, watch

from persistence.migrate import upgrade_async
from server.auth import issue_token
from server.logs import RequestContextMiddleware
from server.observability import Observability
from server.tracing import FederatedTrace, FieldSpans, _processor

PROBE = (
    "query TraceProbe($id: ID!) { contact(id: $id) {"
    " firstName tags customFields { field { key } } } }"
)
FTV1 = {"apollo-federation-include-trace": "ftv1"}


@pytest.fixture(scope="module")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('tracing') / 'tracing.db'}"
    await upgrade_async(url)
    return url


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture(scope="module")
async def traced(sqlite_url: str, exporter: InMemorySpanExporter) -> AsyncIterator[Running]:
    settings = settings_for(sqlite_url, log_format="json")
    async with running(settings, span_exporter=exporter) as app:
        yield app


async def probe(tenant: Tenant, contact_id: str, **headers: str) -> Any:
    response = await tenant.client.post(
        "/graphql",
        json={"query": PROBE, "variables": {"id": contact_id}},
        headers={**tenant.headers(tenant.admin), **headers},
    )
    assert response.status_code == 200
    return response.json()


def ancestors(span: ReadableSpan, spans: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    chain = []
    while span.parent is not None:
        span = spans[span.parent.span_id]
        chain.append(span)
    return chain


async def test_a_request_is_one_trace_of_http_graphql_and_sql_spans(
    traced: Running, exporter: InMemorySpanExporter
) -> None:
    tenant = traced.tenant()
    contact = await tenant.create_contact(firstName="Trace")
    exporter.clear()
    logs = LogLines()
    body = await probe(tenant, contact["id"])
    assert body["data"] == {"contact": {"firstName": "Trace", "tags": [], "customFields": []}}
    assert "errors" not in body
    spans = {s.context.span_id: s for s in exporter.get_finished_spans()}
    assert len({s.context.trace_id for s in spans.values()}) == 1  # one trace
    (http,) = [s for s in spans.values() if s.parent is None]
    assert http.kind == SpanKind.SERVER
    assert http.name == "POST /graphql"
    assert (http.attributes or {})["http.status_code"] == 200
    names = {s.name for s in spans.values()}
    assert {"GraphQL Query: TraceProbe", "GraphQL Parsing", "GraphQL Validation"} <= names
    # contact(id) { firstName } is compiled; customFields is a hole, resolved
    assert {"GraphQL Compiled: contact", "GraphQL Resolving: customFields"} <= names
    assert "GraphQL Resolving: firstName" not in names  # a plain attribute: no span
    sql = [s for s in spans.values() if (s.attributes or {}).get("db.system") == "sqlite"]
    assert len(sql) >= 3, names  # the statement, the contact, its custom values
    for span in sql:
        chain = ancestors(span, spans)
        assert chain[0].name.startswith(("GraphQL Resolving: ", "GraphQL Compiled: "))
        assert chain[-1] is http  # ...in the request's trace
    # the request's log line leads to its trace
    (line,) = [line for line in logs.json() if line["event"] == "graphql operation"]
    assert line["trace_id"] == format(http.context.trace_id, "032x")
    with_executor = await probe(tenant, contact["id"], **FTV1)  # ftv1: the executor's fields
    assert with_executor["data"] == body["data"]
    resolving = next(
        s for s in exporter.get_finished_spans() if s.name == "GraphQL Resolving: contact"
    )
    assert (resolving.attributes or {})["graphql.param.id"] == contact["id"]


async def test_the_gateways_trace_is_continued(
    traced: Running, exporter: InMemorySpanExporter
) -> None:
    tenant = traced.tenant()
    exporter.clear()
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    await probe(tenant, "nobody", traceparent=f"00-{trace_id}-{parent_id}-01")
    (http,) = [s for s in exporter.get_finished_spans() if s.name == "POST /graphql"]
    assert format(http.context.trace_id, "032x") == trace_id
    assert http.parent is not None
    assert format(http.parent.span_id, "016x") == parent_id
    exporter.clear()
    assert (await traced.client.get("/health")).status_code == 200
    assert (await traced.client.get("/metrics")).status_code == 200
    assert exporter.get_finished_spans() == ()  # probes are not traced


async def test_mutation_inputs_stay_out_of_spans(
    traced: Running, exporter: InMemorySpanExporter
) -> None:
    tenant = traced.tenant()
    exporter.clear()
    await tenant.create_contact(firstName="Private", emails=[{"address": "hidden@example.com"}])
    for span in exporter.get_finished_spans():
        for key, value in (span.attributes or {}).items():
            if key != "query":  # the document itself, with variables kept apart
                assert "hidden@example.com" not in str(value), (span.name, key)


def test_tracing_is_off_unless_an_exporter_is_configured(sqlite_url: str) -> None:
    off = Observability(settings_for(sqlite_url))
    assert off.tracing is None
    assert [m.cls for m in off.middleware()] == [RequestContextMiddleware]
    assert not any(
        isinstance(f, type) and issubclass(f, FieldSpans) for f in off.schema_extensions()
    )
    console = _processor(settings_for(sqlite_url, otel_exporter="console"), None)
    assert isinstance(console, SimpleSpanProcessor)
    otlp = _processor(
        settings_for(
            sqlite_url, otel_exporter="otlp", otel_endpoint="http://127.0.0.1:9/v1/traces"
        ),
        None,
    )
    assert isinstance(otlp, BatchSpanProcessor)
    otlp.shutdown()
    on = Observability(settings_for(sqlite_url, otel_exporter="console"))
    assert on.tracing is not None
    assert len(on.middleware()) == 2
    on.tracing.shutdown()


def test_fields_without_a_resolver_are_not_made_coroutines() -> None:
    """Strawberry's own OpenTelemetry ``resolve`` is async: every field became a coroutine."""
    extension = FieldSpans()
    info = SimpleNamespace(
        field_name="firstName",
        path=GraphQLPath(None, "firstName", "Contact"),
        parent_type=SimpleNamespace(fields={"firstName": SimpleNamespace(resolve=None)}),
    )
    assert extension.resolve(lambda root, info: "Ada", None, cast(Any, info)) == "Ada"


# -- Apollo federated tracing (ftv1) ------------------------------------------------------


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """A protobuf message's (field number, value) pairs, as the wire format has them."""
    out: list[tuple[int, int | bytes]] = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            v, i = _varint(data, i)
            out.append((number, v))
        elif wire == 2:
            n, i = _varint(data, i)
            out.append((number, data[i : i + n]))
            i += n
        else:
            raise AssertionError(f"unexpected wire type {wire}")
    return out


def children(node: bytes) -> dict[str, bytes]:
    found = {}
    for number, child in fields(node):
        if number == 12:  # Node.child
            assert isinstance(child, bytes)
            name = dict(fields(child)).get(1)  # Node.response_name
            found[name.decode() if isinstance(name, bytes) else str(name)] = child
    return found


async def test_ftv1_is_included_when_the_gateway_asks(traced: Running) -> None:
    tenant = traced.tenant()
    contact = await tenant.create_contact(firstName="Fed")
    plain = await probe(tenant, contact["id"])
    assert "ftv1" not in plain.get("extensions", {})
    body = await probe(tenant, contact["id"], **FTV1)
    assert body["data"]["contact"]["firstName"] == "Fed"
    trace = dict(fields(base64.b64decode(body["extensions"]["ftv1"])))
    assert {3, 4} <= trace.keys()  # end_time, start_time
    assert isinstance(trace[11], int)
    assert trace[11] > 0  # duration_ns
    root = trace[14]
    assert isinstance(root, bytes)
    contact_node = children(root)["contact"]
    assert dict(fields(contact_node))[3] == b"Contact"  # its type
    assert {"tags", "customFields"} <= children(contact_node).keys()


async def test_ftv1_masks_unexpected_errors(
    traced: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resolvers import contact as resolvers

    async def broken(*_: object) -> None:
        raise RuntimeError("secret database detail")

    tenant = traced.tenant()
    contact = await tenant.create_contact(firstName="Fed")
    monkeypatch.setattr(resolvers, "tags", broken)
    body = await probe(tenant, contact["id"], **FTV1)
    raw = base64.b64decode(body["extensions"]["ftv1"])
    assert b"secret" not in raw
    tags = children(children(dict(fields(raw))[14])["contact"])["tags"]  # type: ignore[arg-type]
    (error,) = [v for n, v in fields(tags) if n == 11]  # Node.error
    assert isinstance(error, bytes)
    assert dict(fields(error))[1] == b"Unexpected error; it has been logged."


async def test_ftv1_costs_nothing_unless_asked_and_can_be_off(sqlite_url: str) -> None:
    def asked(headers: dict[str, str]) -> bool:
        extension = FederatedTrace()
        request = SimpleNamespace(headers=headers)
        extension.execution_context = cast(
            Any, SimpleNamespace(context=SimpleNamespace(request=request))
        )
        return extension._implements_resolve()

    assert asked(FTV1) is True
    assert asked({}) is False  # no field-by-field hook for a request that did not ask
    async with running(settings_for(sqlite_url, ftv1=False)) as app:
        tenant = app.tenant()
        response = await tenant.client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={**tenant.headers(tenant.admin), **FTV1},
        )
        assert "ftv1" not in response.json().get("extensions", {})


async def test_subscriptions_work_and_are_traced_with_tracing_on(
    traced: Running, exporter: InMemorySpanExporter
) -> None:
    tenant = traced.tenant()
    contact = await tenant.create_contact(firstName="Live")
    broker = traced.app.state.runtime.broker
    token = issue_token(tenant.admin, traced.settings)
    exporter.clear()
    async with (
        serving(traced.app) as address,
        websockets.connect(
            f"ws://{address}/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        ) as ws,
    ):
        await watch(ws, token, contact["id"])

        async def subscribed() -> bool:
            return any(contact["id"] in name for name in broker.local.subscribers)

        await eventually(subscribed, "the subscription reached the broker")
        await tenant.mutate("contactTagsAdd", {"contactId": contact["id"], "tags": ["x"]})
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message

    async def operation_ended() -> bool:
        names = {s.name for s in exporter.get_finished_spans()}
        return "GraphQL Query: Watch" in names

    await eventually(operation_ended, "the subscription's span ends with its socket")
    spans = exporter.get_finished_spans()
    watch_span = next(s for s in spans if s.name == "GraphQL Query: Watch")
    assert watch_span.parent is not None
    (connection,) = [s for s in spans if s.context.span_id == watch_span.parent.span_id]
    assert connection.kind == SpanKind.SERVER  # the websocket connection's span
    assert (connection.attributes or {})["http.target"] == "/graphql"
