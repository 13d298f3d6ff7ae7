"""What the federation tests share (fixtures built on it are in conftest.py): a real contact-graph
server with the demo data, and runs of the Node scripts in tools/federation."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_servers import free_port

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "federation"
SEED_CONTACTS = 50  # what `contact-graph seed` creates
NODE_TIMEOUT = 60  # seconds, for one run of a Node script
SERVER_START_TIMEOUT = 30  # seconds until GET /health answers


def find_node() -> str:
    """The `node` executable, once tools/federation's packages are installed."""
    exe = shutil.which("node")
    if exe is None:
        pytest.fail("Node.js is not on PATH: the federation tests need Node 20 or later")
    for package in ("@apollo/gateway", "@graphql-hive/gateway"):
        if not (TOOLS / "node_modules" / package / "package.json").is_file():
            pytest.fail(
                "tools/federation/node_modules is missing or incomplete: run "
                "`make tools/federation/node_modules/.installed` (`make test` does it), i.e. "
                "`cd tools/federation && npm ci`"
            )
    return exe


def run_node(
    node: str, script: str, *args: str, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    """Run a tools/federation script; returns (exit status, its JSON stdout, its stderr).

    The script runs in a process group of its own, killed whole if it outlives NODE_TIMEOUT:
    a script may start processes of its own (hive-subscription-check.mjs starts the gateway).
    """
    proc = subprocess.Popen(
        [node, script, *args],
        cwd=TOOLS,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=NODE_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=10)
        pytest.fail(
            f"{script} did not finish in {NODE_TIMEOUT} s\nstdout:\n{stdout}\nstderr:\n{stderr}"
        )
    try:
        report: dict[str, Any] = json.loads(stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"{script} exited {proc.returncode} without a JSON report\n"
            f"stdout:\n{stdout}\nstderr:\n{stderr}"
        )
    return proc.returncode, report, stderr


def loyalty_points(contact_id: str) -> int:
    """What the reviews subgraph derives from a contact id (see reviews-subgraph.mjs)."""
    return sum(i * ord(ch) for i, ch in enumerate(contact_id, start=1)) % 10007


@dataclass(frozen=True)
class Server:
    url: str  # the GraphQL endpoint
    tokens: dict[str, str]  # "admin" / "restricted" -> JWT
    env: dict[str, str]


def _cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"contact-graph {' '.join(args)}:\n{proc.stdout}{proc.stderr}"
    return proc.stdout


@contextmanager
def seeded_server(workdir: Path) -> Iterator[Server]:
    """contact-graph under uvicorn on a free port, with the demo data in a fresh SQLite file in
    `workdir`; stopped on exit."""
    # Only our settings, and no .env file: the subprocesses run in the temporary folder.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTACT_GRAPH_")}
    env |= {
        "CONTACT_GRAPH_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'fed.db'}",
        "CONTACT_GRAPH_ENVIRONMENT": "test",
        "CONTACT_GRAPH_LOG_LEVEL": "WARNING",
    }
    _cli(env, workdir, "seed")
    tokens = dict(
        line.split(": ", 1) for line in _cli(env, workdir, "token").splitlines() if ": " in line
    )
    assert set(tokens) >= {"admin", "restricted"}, tokens

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = workdir / "server.log"
    command = [sys.executable, "-m", "uvicorn", "--factory", "server.app:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{base}/health did not answer in {SERVER_START_TIMEOUT} s:\n"
                    f"{log_path.read_text()}"
                )
            time.sleep(0.1)
        yield Server(f"{base}/graphql", tokens, env)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def direct(server: Server, query: str, token: str | None, **variables: Any) -> dict[str, Any]:
    """Ask contact-graph itself, without a gateway."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        server.url, json={"query": query, "variables": variables}, headers=headers, timeout=10
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body["errors"]
    return body
