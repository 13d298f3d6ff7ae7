"""What a cached tiny operation pays before and around execution: nothing worked out again
per request that was worked out once (bench/cheap.py measures it; nothing here times it)."""

from __future__ import annotations

import inspect
import logging
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from support import Tenant

from schema.extension_runner import CachedHooksRunner
from server import observability

TYPENAME = {"query": "{ ... on Query { __typename } }"}
"""Tiny, and executed: the fast lane (tests/server/test_fast_lane.py) leaves a fragment to
execution, whose per-request work these tests watch."""


async def test_extension_hooks_are_inspected_once_per_class(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Strawberry asks ``inspect`` about every hook of every extension of every request;
    ours asks once per (extension class, step). The hooks still all run: the cost
    extension's figure is in the answer."""
    response = await tenant.client.post("/graphql", json=TYPENAME)  # the classes are seen
    assert response.json()["extensions"]["cost"]["requested"] == 0
    asked: list[object] = []
    for name in ("isgeneratorfunction", "isasyncgenfunction"):
        real = getattr(inspect, name)

        def counting(fn: object, real: Any = real) -> bool:
            asked.append(fn)
            return bool(real(fn))

        monkeypatch.setattr(inspect, name, counting)
    response = await tenant.client.post("/graphql", json=TYPENAME)
    assert response.json()["data"] == {"__typename": "Query"}
    assert response.json()["extensions"]["cost"]["requested"] == 0
    assert asked == []


def test_the_schema_runs_its_extensions_with_the_cached_runner(app: Starlette) -> None:
    schema = app.state.runtime.schema
    assert isinstance(schema.create_extensions_runner(None, []), CachedHooksRunner)


class Recorder:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, event: str, **_: object) -> None:
        self.lines.append(event)


async def test_the_operation_line_is_not_built_below_its_level(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At WARNING the request line is dropped anyway: it is not built (structlog runs its
    processors before the standard library looks at the level)."""
    recorder = Recorder()
    monkeypatch.setattr(observability, "log", recorder)
    logger = logging.getLogger("contact_graph.requests")
    monkeypatch.setattr(logger, "level", logging.WARNING)
    logger.manager._clear_cache()  # type: ignore[attr-defined]
    await post(tenant.client)
    assert recorder.lines == []
    monkeypatch.setattr(logger, "level", logging.INFO)
    logger.manager._clear_cache()  # type: ignore[attr-defined]
    await post(tenant.client)
    assert recorder.lines == ["graphql operation"]
    logger.manager._clear_cache()  # type: ignore[attr-defined]


async def post(client: httpx.AsyncClient, document: dict[str, str] = TYPENAME) -> None:
    response = await client.post("/graphql", json=document)
    assert response.json()["data"] == {"__typename": "Query"}, response.text


async def test_a_cached_document_is_neither_parsed_nor_validated_again(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second request of a document finds it parsed and validated (schema/parsing.py):
    neither graphql-core's parser nor its validator, nor strawberry's own, runs again."""
    import graphql
    import strawberry.schema.schema as strawberry_schema

    from schema import parsing

    document = {"query": "query Cached { ... on Query { __typename } }", "operationName": "Cached"}
    await post(tenant.client, document)
    calls: list[str] = []

    def refuse(name: str) -> Any:
        def called(*_: object, **__: object) -> None:
            calls.append(name)
            raise AssertionError(f"{name} ran again")

        return called

    for module in (parsing, graphql, strawberry_schema):
        for name in ("parse", "validate", "validate_document"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, refuse(f"{module.__name__}.{name}"))
    await post(tenant.client, document)
    assert calls == []


async def test_the_cost_of_an_operation_without_variables_is_worked_out_once(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A variable-free operation's cost cannot change: it is not walked again. One with
    variables is costed every time (its cost follows them)."""
    from schema import cost

    paged = "query Paged($first: Int) { contacts(first: $first) { edges { node { id } } } }"
    sizes = {}
    for first in (1, 50):
        body = await tenant.raw(paged, {"first": first}, tenant.admin)
        sizes[first] = body["extensions"]["cost"]["requested"]
    assert sizes == {1: 3, 50: 101}
    await post(tenant.client)
    walked: list[object] = []
    real = cost.operation_cost

    def counting(*args: Any) -> int | None:
        walked.append(args[2])
        return real(*args)

    monkeypatch.setattr(cost, "operation_cost", counting)
    response = await tenant.client.post("/graphql", json=TYPENAME)
    assert response.json()["extensions"]["cost"] == {"requested": 0, "limit": 1_000_000}
    assert walked == []
    assert (await tenant.raw(paged, {"first": 20}, tenant.admin))["extensions"]["cost"][
        "requested"
    ] == 41
    assert len(walked) == 1


async def test_an_operations_series_are_looked_up_once(
    tenant: Tenant, app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request counter and histograms of one (operation, outcome) are found once, not by
    ``labels()`` (a lock and a key) on every request; the counts still add up."""
    from prometheus_client.metrics import MetricWrapperBase

    metrics = app.state.observability.metrics
    await post(tenant.client)
    before = metrics.requests.labels("anonymous", "ok")._value.get()
    looked_up: list[object] = []
    real = MetricWrapperBase.labels

    def counting(self: MetricWrapperBase, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(MetricWrapperBase, "labels", counting)
    await post(tenant.client)
    assert looked_up == []
    monkeypatch.undo()
    assert metrics.requests.labels("anonymous", "ok")._value.get() == before + 1
