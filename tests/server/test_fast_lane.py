"""The fast lane answers what the normal path would, byte for byte (server/fast_lane.py).

Differential: every request goes to an app with the lane and to one without it (same
database, same settings otherwise), twice -- the first teaches the lane the document -- and
the second answers must be equal: status, headers (the request id is sent, so it is the
same) and body bytes. Each case also says whether the lane is to answer it, so the cases
that must go the normal way are seen to."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from support import Tenant
from watch_support import LogLines, Running, running, scrape, settings_for

from domain.viewer import Role, Viewer
from server.auth import issue_token
from server.context import Context
from server.fast_lane import TRACE_HEADER
from server.persisted import sha256

REQUEST_ID = "fast-lane-test-request"
MAX_VARIABLE_VALUES = 20
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
TWO = "query A { __typename } query B { b: __typename __typename }"


@dataclass
class Lanes:
    on: Running
    off: Running
    exporter: InMemorySpanExporter


@pytest.fixture(scope="module")
async def lanes(database_url: str) -> AsyncIterator[Lanes]:
    exporter = InMemorySpanExporter()
    values: dict[str, Any] = {
        "max_variable_values": MAX_VARIABLE_VALUES,
        "log_format": "json",
        "compiled_reads": "on",  # both apps: the lane's compiled answers vs the executor hook's
    }
    async with (
        running(settings_for(database_url, fast_lane_size=0, **values)) as off,
        running(
            settings_for(database_url, fast_lane_size=100, **values), span_exporter=exporter
        ) as on,
    ):
        yield Lanes(on, off, exporter)


VIEWER = Viewer("user-lane", "loc-fast-lane", Role.ADMIN)


def token(running: Running, ttl: timedelta = timedelta(days=1)) -> str:
    return issue_token(VIEWER, running.settings, ttl)


@dataclass
class Case:
    """One request: POST ``body`` as JSON (or GET ``params``), with ``headers``."""

    lane: bool
    body: dict[str, Any] | None = None
    params: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None


def cases(on: Running) -> dict[str, Case]:
    good = {"Authorization": f"Bearer {token(on)}"}
    typename = {"query": "{ __typename }"}
    return {
        "no token": Case(True, typename),
        "a token": Case(True, typename, headers=good),
        "a bad token": Case(True, typename, headers={"Authorization": "Bearer not-a-jwt"}),
        "not bearer": Case(True, typename, headers={"Authorization": "Basic abc"}),
        "aliases": Case(True, {"query": "{ a: __typename b: __typename __typename }"}),
        "a repeated alias": Case(True, {"query": "{ a: __typename a: __typename }"}),
        "named, by name": Case(
            True, {"query": "query Ping { __typename }", "operationName": "Ping"}
        ),
        "named, no name sent": Case(True, {"query": "query Pong { __typename }"}),
        "named, another name": Case(
            False, {"query": "query Ping { __typename }", "operationName": "Pang"}
        ),
        "two operations, B": Case(True, {"query": TWO, "operationName": "B"}),
        "two operations, no name": Case(False, {"query": TWO}),
        "null variables and extensions": Case(
            True, {"query": "{ __typename }", "variables": None, "extensions": None}
        ),
        "GET": Case(True, params={"query": "{ c: __typename }"}),
        "GET, named": Case(
            True, params={"query": "query Get { __typename }", "operationName": "Get"}
        ),
        "graphql-response+json": Case(
            True, typename, headers={"Accept": "application/graphql-response+json"}
        ),
        "accept, both": Case(
            True,
            typename,
            headers={"Accept": "application/json;q=0.5, application/graphql-response+json"},
        ),
        "mutation": Case(False, {"query": "mutation { __typename }"}),
        "mutation over GET": Case(False, params={"query": "mutation { __typename }"}),
        "invalid: too many aliases": Case(
            False, {"query": "{ " + " ".join(f"a{i}: __typename" for i in range(101)) + " }"}
        ),
        "invalid: two operations named alike": Case(
            False, {"query": "query D { __typename } query D { __typename }", "operationName": "D"}
        ),
        "invalid: unknown field": Case(False, {"query": "{ __typename nope }"}),
        "syntax error": Case(False, {"query": "{ __typename "}),
        "a directive": Case(False, {"query": "{ __typename @include(if: false) }"}),
        "a variable": Case(
            False, {"query": "query($x: Boolean!) { __typename }", "variables": {"x": True}}
        ),
        "variables over the limit": Case(
            False, {"query": "{ __typename }", "variables": {"v": list(range(30))}}
        ),
        "a fragment": Case(False, {"query": "{ ...F } fragment F on Query { __typename }"}),
        "introspection": Case(False, {"query": "{ __schema { queryType { name } } }"}),
        "__type": Case(False, {"query": '{ __type(name: "Query") { name } }'}),
        "_service": Case(False, {"query": "{ _service { __typename } }"}),
        "a field that needs a token": Case(False, {"query": "{ __typename customFields { key } }"}),
        "a persisted query": Case(
            False,
            {
                "query": "{ __typename }",
                "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}},
            },
        ),
        "a batch": Case(False, content=orjson.dumps([typename, typename])),
        "text/plain": Case(
            False, content=b'{"query": "{ __typename }"}', headers={"Content-Type": "text/plain"}
        ),
        "an event stream": Case(False, typename, headers={"Accept": "text/event-stream"}),
        "a number as operationName": Case(False, {"query": "{ __typename }", "operationName": 1}),
    }


async def send(client: httpx.AsyncClient, case: Case) -> httpx.Response:
    headers = {"X-Request-ID": REQUEST_ID, **case.headers}
    if case.params is not None:
        return await client.get("/graphql", params=case.params, headers=headers)
    if case.content is not None:
        headers.setdefault("Content-Type", "application/json")
        return await client.post("/graphql", content=case.content, headers=headers)
    return await client.post("/graphql", json=case.body, headers=headers)


def answers(lanes: Lanes) -> int:
    return int(lanes.on.app.state.observability.metrics.fast_lane_answers._value.get())


def shape(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, response.headers.multi_items(), response.content


async def test_the_lane_answers_what_the_normal_path_answers(lanes: Lanes) -> None:
    for name, case in cases(lanes.on).items():
        for _ in range(2):  # the first request teaches the lane (when it may learn)
            before = answers(lanes)
            expected = await send(lanes.off.client, case)
            got = await send(lanes.on.client, case)
        assert shape(got) == shape(expected), name
        assert answers(lanes) - before == (1 if case.lane else 0), name


async def test_an_expired_token_is_answered_as_without_the_lane(lanes: Lanes) -> None:
    """The token is checked on each request, as the normal path checks it: one that expired
    since it was last used is refused alike (here the field is public: the same answer)."""
    expiring = token(lanes.on, timedelta(seconds=2))
    case = Case(
        True, {"query": "{ e: __typename }"}, headers={"Authorization": f"Bearer {expiring}"}
    )
    for _ in range(2):
        await send(lanes.on.client, case)
        await send(lanes.off.client, case)
    await asyncio.sleep(2.1)
    before = answers(lanes)
    expected, got = await send(lanes.off.client, case), await send(lanes.on.client, case)
    assert shape(got) == shape(expected)
    assert answers(lanes) - before == 1


def requests_moved(before: Samples, after: Samples) -> dict[tuple[str, str], float]:
    name = "contact_graph_graphql_requests_total"
    moved = {}
    for (sample, labels), count in after.items():
        if sample == name and count != before.get((sample, labels), 0.0):
            keyed = dict(labels)
            moved[(keyed["operation"], keyed["outcome"])] = count - before.get((sample, labels), 0)
    return moved


async def test_an_answer_counts_in_the_operation_metrics_as_it_would_without(
    lanes: Lanes,
) -> None:
    """Same series, same labels (a name is kept only for an authenticated request), and the
    lane's own counter."""
    named = {"query": "query Metered { __typename }", "operationName": "Metered"}
    other = {"query": "query Unknown1 { __typename }", "operationName": "Unknown1"}
    good = {"Authorization": f"Bearer {token(lanes.on)}"}
    for app in (lanes.on, lanes.off):  # the lane learns the documents
        await send(app.client, Case(True, {"query": "{ __typename }"}))
        await send(app.client, Case(True, other))
        await send(app.client, Case(True, named))  # no token: the name is not kept yet
    moved = {}
    for app in (lanes.on, lanes.off):
        before = await scrape(app.client)
        await send(app.client, Case(True, named, headers=good))
        await send(app.client, Case(True, other))  # no token: not a name to keep
        await send(app.client, Case(True, {"query": "{ __typename }"}))
        after = await scrape(app.client)
        moved[app is lanes.on] = (requests_moved(before, after), after, before)
    on, off = moved[True], moved[False]
    assert on[0] == off[0] == {("Metered", "ok"): 1, ("other", "ok"): 1, ("anonymous", "ok"): 1}
    lane = ("contact_graph_fast_lane_answers_total", ())
    assert on[1][lane] - on[2][lane] == 3
    assert off[1][lane] == off[2][lane] == 0


async def test_an_answer_logs_its_request_line(lanes: Lanes) -> None:
    """The request id, the viewer, the operation: the line the normal path writes, marked."""
    named = Case(
        True,
        {"query": "query Logged { __typename }", "operationName": "Logged"},
        headers={"Authorization": f"Bearer {token(lanes.on)}"},
    )
    await send(lanes.on.client, named)
    await send(lanes.off.client, named)
    lines = LogLines()
    await send(lanes.off.client, named)
    await send(lanes.on.client, named)
    slow, fast = [line for line in lines.json() if line["event"] == "graphql operation"]
    assert fast.pop("fast_lane") is True
    assert "trace_id" in fast  # that app traces: the line leads to the lane's span
    for line in (slow, fast):
        for key in ("duration_ms", "sql_ms", "timestamp", "trace_id", "span_id"):
            line.pop(key, None)
    assert fast == slow
    assert fast["request_id"] == REQUEST_ID
    assert fast["user_id"] == VIEWER.user_id
    assert fast["operation"] == "Logged"


async def test_an_answer_is_traced(lanes: Lanes) -> None:
    case = Case(True, {"query": "query Traced { __typename }", "operationName": "Traced"})
    await send(lanes.on.client, case)
    lanes.exporter.clear()
    before = answers(lanes)
    await send(lanes.on.client, case)
    assert answers(lanes) - before == 1
    spans = {s.name: s for s in lanes.exporter.get_finished_spans()}
    span = spans["GraphQL Query: Traced"]
    assert span.attributes is not None
    assert span.attributes["graphql.fast_lane"] is True
    assert span.attributes["query"] == case.body["query"]  # type: ignore[index]
    http = [s for s in spans.values() if s.kind.name == "SERVER" and s is not span]
    assert span.parent is not None
    assert span.parent.span_id in {s.context.span_id for s in http if s.context is not None}


async def test_a_gateway_asking_for_a_trace_gets_it(lanes: Lanes) -> None:
    """``apollo-federation-include-trace: ftv1`` goes the normal way: the trace is there."""
    case = Case(False, {"query": "{ t: __typename }"}, headers={TRACE_HEADER: "ftv1"})
    await send(lanes.on.client, Case(True, {"query": "{ t: __typename }"}))
    before = answers(lanes)
    response = await send(lanes.on.client, case)
    assert answers(lanes) == before
    assert "ftv1" in response.json()["extensions"]


async def test_trusted_documents_only_in_production(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """With a manifest in production, a document it does not list is refused over HTTP
    even when the lane learned it elsewhere: the lane answers only listed ones."""
    listed = "query Listed { __typename }"
    manifest = tmp_path_factory.mktemp("trusted") / "manifest.json"
    manifest.write_bytes(orjson.dumps({sha256(listed): listed}))
    settings = settings_for(database_url, environment="production", trusted_documents=manifest)
    async with running(settings) as app:
        metrics = app.app.state.observability.metrics
        runtime = app.app.state.runtime
        # validated where no persisted-query step runs (as over a websocket): learned
        executed = await runtime.schema.execute("{ __typename }", context_value=Context(runtime))
        assert executed.data == {"__typename": "Query"}
        for _ in range(2):
            refused = await app.client.post("/graphql", json={"query": "{ __typename }"})
            ok = await app.client.post("/graphql", json={"query": listed})
        assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_LISTED"
        assert ok.json()["data"] == {"__typename": "Query"}
        assert metrics.fast_lane_answers._value.get() == 1


NOTES = (
    "notes(first: $n, after: $after) { totalCount pageInfo { hasNextPage endCursor } "
    "edges { cursor node { id body } } }"
)
ONE = (
    "query One($id: ID!, $n: Int, $after: String) { contact(id: $id) { id firstName "
    f"__typename {NOTES} tasks(first: 2) {{ totalCount edges {{ node {{ title status }} }} }} }} }}"
)
SHAPES = """query Shapes($id: ID!, $yes: Boolean!) {
  a: contact(id: $id) { ...Head extra: lastName @include(if: $yes) ... on Contact { type } }
  b: contact(id: $id) { id }
  __typename
}
fragment Head on Contact { id name: firstName notes(first: 1) { edges { node { body } } } }"""
LIST = "query($n: Int) { contacts(first: $n) { totalCount edges { node { id firstName } } } }"
ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Contact { id firstName } } }"""


async def seeded(t: Tenant, first_name: str, owner: str | None = None) -> str:
    fields: dict[str, Any] = {"firstName": first_name}
    if owner is not None:
        fields["ownerId"] = owner
    contact = await t.create_contact(**fields)
    for body in ("one", "two", "three"):
        await t.mutate(
            "contactNoteAdd", {"contactId": contact["id"], "body": body}, selection="note { id }"
        )
    for title in ("call", "write"):
        await t.mutate(
            "contactTaskAdd",
            {"contactId": contact["id"], "title": title, "assigneeId": "u1"},
            selection="task { id }",
        )
    return str(contact["id"])


def compiled_answers(running: Running) -> int:
    return int(running.app.state.runtime.compiled_reads.answered)


async def test_compiled_operations_are_answered_as_the_normal_path_answers(
    lanes: Lanes,
) -> None:
    """Compiled reads (variables, aliases, fragments, paging, visibility, tenancy, errors)
    through the lane and through the executor's hook: the same bytes; the lane answers
    where the whole operation compiles and declines the rest."""
    t, elsewhere = lanes.on.tenant(), lanes.on.tenant()
    dan = t.viewer("user-dan", assigned_only=True)
    owned = await seeded(t, "Owned", owner="user-dan")
    hidden = await seeded(t, "Hidden", owner="someone-else")
    far = await seeded(elsewhere, "Far")
    admin, restricted = t.headers(t.admin), t.headers(dan)
    first = await t.gql(ONE, {"id": owned, "n": 1})
    cursor = first["contact"]["notes"]["pageInfo"]["endCursor"]
    literal = f'{{ contact(id: "{owned}") {{ id notes(first: 2) {{ totalCount }} }} }}'
    reps = [{"__typename": "Contact", "id": i} for i in (owned, hidden, far, "nope")]
    compiled = {
        "variables": Case(True, {"query": ONE, "variables": {"id": owned, "n": 2}}, headers=admin),
        "no variables": Case(True, {"query": literal}, headers=admin),
        "GET": Case(True, params={"query": literal}, headers=admin),
        "paging after": Case(
            True, {"query": ONE, "variables": {"id": owned, "after": cursor}}, headers=admin
        ),
        "aliases and fragments": Case(
            True,
            {"query": SHAPES, "variables": {"id": owned, "yes": True}, "operationName": "Shapes"},
            headers=admin,
        ),
        "@include false": Case(
            True, {"query": SHAPES, "variables": {"id": owned, "yes": False}}, headers=admin
        ),
        "a restricted viewer, visible": Case(
            True, {"query": ONE, "variables": {"id": owned}}, headers=restricted
        ),
        "a restricted viewer, not visible": Case(
            True, {"query": ONE, "variables": {"id": hidden}}, headers=restricted
        ),
        "a restricted viewer's list": Case(
            True, {"query": LIST, "variables": {"n": 5}}, headers=restricted
        ),
        "entities": Case(True, {"query": ENTITIES, "variables": {"reps": reps}}, headers=admin),
        "a restricted viewer's entities": Case(
            True, {"query": ENTITIES, "variables": {"reps": reps}}, headers=restricted
        ),
        "another location's contact": Case(
            True, {"query": ONE, "variables": {"id": far}}, headers=admin
        ),
        "graphql-response+json": Case(
            True,
            {"query": ONE, "variables": {"id": owned}},
            headers={**admin, "Accept": "application/graphql-response+json"},
        ),
        "a bad cursor": Case(
            False, {"query": ONE, "variables": {"id": owned, "after": "forged"}}, headers=admin
        ),
        "a wrong variable type": Case(
            False, {"query": ONE, "variables": {"id": owned, "n": "ten"}}, headers=admin
        ),
        "a missing variable": Case(False, {"query": ONE, "variables": {}}, headers=admin),
        "variables not an object": Case(False, {"query": ONE, "variables": [owned]}, headers=admin),
        "no token": Case(False, {"query": ONE, "variables": {"id": owned}}),
        "a NUL in a variable": Case(
            False, {"query": ONE, "variables": {"id": "a\u0000b"}}, headers=admin
        ),
        "variables over the limit": Case(
            False, {"query": ENTITIES, "variables": {"reps": reps * 2}}, headers=admin
        ),
        "a field that does not compile": Case(
            False,
            {
                "query": "query($id: ID!) { contact(id: $id) { id picture { source } } }",
                "variables": {"id": owned},
            },
            headers=admin,
        ),
    }
    for name, case in compiled.items():
        for _ in range(2):  # the first request teaches the lane
            before, executed = answers(lanes), compiled_answers(lanes.off)
            expected = await send(lanes.off.client, case)
            got = await send(lanes.on.client, case)
        assert shape(got) == shape(expected), name
        assert answers(lanes) - before == (1 if case.lane else 0), name
        if case.lane:
            assert compiled_answers(lanes.off) == executed + 1, name  # compiled there too
            assert b'"errors"' not in got.content, name


async def test_the_lane_answers_no_compiled_read_unless_compiled_reads_are_on(
    database_url: str,
) -> None:
    """verify serves the executor's answer (and compares): the lane must not answer."""
    for mode in ("verify", "off"):
        settings = settings_for(database_url, fast_lane_size=100, compiled_reads=mode)
        async with running(settings) as app:
            t = app.tenant()
            cid = await seeded(t, "Mode")
            case = Case(True, {"query": ONE, "variables": {"id": cid}}, headers=t.headers(t.admin))
            metrics = app.app.state.observability.metrics
            for _ in range(2):
                response = await send(app.client, case)
            assert response.json()["data"]["contact"]["id"] == cid
            assert metrics.fast_lane_answers._value.get() == 0, mode
