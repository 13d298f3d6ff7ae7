"""Logs: JSON lines in production, each line of a request carrying its request id, operation,
viewer and location; the id echoed in ``X-Request-ID`` and in masked errors. The last test
runs a real uvicorn process: its own lines and the websocket's share the format and context."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from live_servers import Server, start_server
from support import Tenant
from watch_support import SECRET, LogLines, Running, running, settings_for, watch

from persistence.migrate import upgrade_async
from server.auth import issue_token
from server.logs import installed_handler, request_id_from

PROBE = "query LogProbe($id: ID!) { contact(id: $id) { firstName } }"


@pytest.fixture(scope="module")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('logs') / 'logs.db'}"
    await upgrade_async(url)
    return url


@pytest.fixture(scope="module")
async def production(sqlite_url: str) -> AsyncIterator[Running]:
    async with running(settings_for(sqlite_url, environment="production")) as app:
        yield app


async def post(tenant: Tenant, query: str, variables: dict[str, Any], **headers: str) -> Any:
    return await tenant.client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={**tenant.headers(tenant.admin), **headers},
    )


async def test_every_line_of_a_request_names_it_its_operation_viewer_and_location(
    production: Running,
) -> None:
    tenant = production.tenant()
    contact = await tenant.create_contact(firstName="Ada")
    logs = LogLines()
    response = await post(tenant, PROBE, {"id": contact["id"]}, **{"X-Request-ID": "gw-42.a"})
    assert response.json()["data"] == {"contact": {"firstName": "Ada"}}
    assert response.headers["x-request-id"] == "gw-42.a"  # the gateway's id, echoed
    lines = [line for line in logs.json() if line.get("request_id") == "gw-42.a"]
    assert lines, logs.text()
    for line in lines:
        assert line["operation"] == "LogProbe", line
        assert line["user_id"] == tenant.admin.user_id, line
        assert line["location_id"] == tenant.location_id, line
        assert line["timestamp"].endswith("Z"), line
    (done,) = [line for line in lines if line["event"] == "graphql operation"]
    assert (done["level"], done["operation_type"], done["outcome"]) == ("info", "query", "ok")
    assert done["sql_statements"] >= 1
    assert done["duration_ms"] > 0
    assert done["logger"] == "contact_graph.requests"


async def test_a_request_without_an_id_gets_one_and_is_told_it(production: Running) -> None:
    tenant = production.tenant()
    logs = LogLines()
    response = await post(tenant, "query Anyone { contacts(first: 1) { totalCount } }", {})
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32
    assert int(request_id, 16) >= 0
    (done,) = [line for line in logs.json() if line["event"] == "graphql operation"]
    assert (done["request_id"], done["operation"]) == (request_id, "Anyone")
    # an id that is not sane (too long, spaces) is replaced, not echoed
    odd = await post(tenant, "{ __typename }", {}, **{"X-Request-ID": "a b"})
    assert len(odd.headers["x-request-id"]) == 32
    assert request_id_from("x" * 129) != "x" * 129


async def test_a_masked_error_carries_the_id_of_its_log_line(
    production: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resolvers import contact as resolvers

    async def broken(*_: object) -> None:
        raise RuntimeError("secret database detail")

    tenant = production.tenant()
    contact = await tenant.create_contact(firstName="Boom")
    monkeypatch.setattr(resolvers, "custom_values", broken)  # a resolved field
    logs = LogLines()
    response = await post(
        tenant,
        "query Tagged($id: ID!) { contact(id: $id) { customFields { field { key } } } }",
        {"id": contact["id"]},
    )
    (error,) = response.json()["errors"]
    assert error["message"] == "Unexpected error; it has been logged."
    request_id = response.headers["x-request-id"]
    assert error["extensions"] == {"requestId": request_id}
    (logged,) = [line for line in logs.json() if line["level"] == "error"]
    assert logged["request_id"] == request_id
    assert (logged["operation"], logged["user_id"], logged["location_id"]) == (
        "Tagged",
        tenant.admin.user_id,
        tenant.location_id,
    )
    assert "secret database detail" in logged["exception"]  # the traceback, in the JSON
    assert logged["logger"] == "contact_graph.errors"
    (done,) = [line for line in logs.json() if line["event"] == "graphql operation"]
    assert done["outcome"] == "masked"


async def test_development_logs_are_readable_lines(sqlite_url: str) -> None:
    async with running(settings_for(sqlite_url, environment="development")) as app:
        logs = LogLines()
        await post(app.tenant(), "query Readable { __typename }", {})
    line = logs.text().strip()
    assert "graphql operation" in line, line
    assert "operation=Readable" in line, line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def start_production_server(database_url: str, tmp: Path) -> Server:
    """A uvicorn process as the serve command would run it, logging at INFO in JSON."""
    production = {
        "CONTACT_GRAPH_ENVIRONMENT": "production",
        "CONTACT_GRAPH_JWT_SECRET": SECRET.get_secret_value(),
    }
    return start_server(database_url, None, tmp, production, log_level="info")


async def test_a_real_server_logs_uvicorn_and_websocket_lines_in_the_same_json(
    production: Running, sqlite_url: str, tmp_path: Path
) -> None:
    server = start_production_server(sqlite_url, tmp_path)
    try:
        tenant = production.tenant()
        token = issue_token(tenant.admin, production.settings)
        headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "http-1"}
        async with httpx.AsyncClient(timeout=10) as http:
            made = await http.post(
                server.http,
                json={
                    "query": 'mutation Make { contactCreate(input: {firstName: "Wes"}) '
                    "{ contact { id } } }"
                },
                headers=headers,
            )
        contact_id = made.json()["data"]["contactCreate"]["contact"]["id"]
        async with websockets.connect(
            server.ws,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            additional_headers={"X-Request-ID": "ws-1"},
        ) as ws:
            assert ws.response is not None
            assert ws.response.headers["x-request-id"] == "ws-1"
            await watch(ws, token, contact_id)
            await asyncio.sleep(0.3)
        await asyncio.sleep(0.3)  # the server ends the subscription once the socket closes
    finally:
        server.stop()
    lines = [json.loads(line) for line in server.log.read_text().splitlines() if line.strip()]
    by_event = {(line.get("logger"), line["event"]): line for line in lines}
    for line in lines:  # uvicorn's coloured copy of each message is not a field
        assert not {"color_message", "message"} & line.keys(), line
    assert ("uvicorn.error", "Application startup complete.") in by_event
    (access,) = [
        line
        for line in lines
        if line.get("logger") == "uvicorn.access" and "POST /graphql" in line["event"]
    ]
    assert (access["request_id"], access["operation"], access["user_id"]) == (
        "http-1",
        "Make",
        tenant.admin.user_id,
    )
    started = by_event[("contact_graph.requests", "graphql subscription started")]
    ended = by_event[("contact_graph.requests", "graphql subscription ended")]
    for line in (started, ended):
        assert (line["request_id"], line["operation"], line["operation_type"]) == (
            "ws-1",
            "Watch",
            "subscription",
        )
        assert (line["user_id"], line["location_id"]) == (
            tenant.admin.user_id,
            tenant.location_id,
        )


def test_serve_leaves_uvicorns_logging_to_the_app(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    """With its default log_config, uvicorn would print its own lines (with several
    workers, all of the supervisor's) in its own format."""
    import logging

    import uvicorn

    from server import cli

    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: ran.update(kwargs))
    previous = installed_handler()
    error_log = logging.getLogger("uvicorn.error")
    level = error_log.level
    try:
        cli.serve(settings_for(sqlite_url, environment="production"), apply_migrations=False)
        assert "log_config" in ran
        assert ran["log_config"] is None
        logs = LogLines()  # the handler serve installed
        # its level is uvicorn's, set when it starts (here mocked): an in-process uvicorn of an
        # earlier test in this process may have left it at ERROR (webhook receivers do)
        error_log.setLevel(logging.INFO)
        error_log.warning("Waiting for child process")
        (line,) = logs.json()
        assert (line["logger"], line["event"]) == ("uvicorn.error", "Waiting for child process")
    finally:
        error_log.setLevel(level)
        root = logging.getLogger()
        mine = installed_handler()
        if mine is not None:
            root.removeHandler(mine)
        if previous is not None:
            root.addHandler(previous)
