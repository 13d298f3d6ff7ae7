"""graphql-http's GraphQL-over-HTTP audits against a real server (tools/http-audit)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from live_servers import ROOT, Server, start_server, token_for

from domain.viewer import Role, Viewer
from persistence.migrate import upgrade_async

TOOL = ROOT / "tools" / "http-audit"
TIMEOUT = 120  # seconds for the whole audit (about 60 requests)

pytestmark = pytest.mark.node


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    """uvicorn serving the app on a migrated SQLite file of its own (the audit reads no data)."""
    tmp = tmp_path_factory.mktemp("http-audit")
    url = f"sqlite+aiosqlite:///{tmp / 'audit.db'}"
    await upgrade_async(url)
    running = start_server(url, None, Path(tmp))
    try:
        yield running
    finally:
        running.stop()


def audit(server: Server, token: str | None) -> tuple[int, dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not on PATH: the audit needs Node 20 or later")
    if not (TOOL / "node_modules" / "graphql-http" / "package.json").is_file():
        pytest.fail(
            "tools/http-audit/node_modules is missing: run "
            "`make tools/http-audit/node_modules/.installed` (`make test` does it)"
        )
    proc = subprocess.Popen(
        [node, "audit.mjs", server.http, *([token] if token else [])],
        cwd=TOOL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=10)
        pytest.fail(f"the audit did not finish in {TIMEOUT} s\n{stdout}\n{stderr}")
    try:
        report: dict[str, Any] = json.loads(stdout)
    except json.JSONDecodeError:
        pytest.fail(f"audit.mjs exited {proc.returncode} without a report:\n{stdout}\n{stderr}")
    return proc.returncode, report


def failures(report: dict[str, Any], status: str) -> list[str]:
    return [
        f"{r['id']} {r['name']}: {r['reason']} -> {r['response']}"
        for r in report["results"]
        if r["status"] == status
    ]


def test_the_graphql_over_http_audit_finds_no_error(server: Server) -> None:
    # The audits ask `__type(...)`: introspection needs a token here, so the client has one.
    token = token_for(Viewer("user-admin", "location-1", Role.ADMIN))
    code, report = audit(server, token)
    assert failures(report, "error") == []
    assert code == 0
    # application/graphql-response+json too (tests/server/test_http_media.py): every audit
    # passes, none warns
    assert failures(report, "warn") == []
    assert report["counts"] == {"ok": 61, "notice": 0, "warn": 0, "error": 0}, report["counts"]
    # notices: the MAY rules on a non-string operationName are met too (400)
    assert failures(report, "notice") == []
