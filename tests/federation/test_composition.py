"""Federation: our SDL composes with another subgraph, and the running server works behind
@apollo/gateway.

The Node side lives in tools/federation (`make test` installs it with `npm ci`):
- compose.mjs composes schema.graphql with reviews.graphql using @apollo/composition and
  @theguild/federation-composition and reports both outcomes as JSON;
- gateway-check.mjs serves the reviews subgraph, composes the supergraph, starts
  @apollo/gateway (forwarding the caller's Authorization header) and runs queries that cross
  both subgraphs against a real contact-graph server, which the fixture below starts.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.node

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "federation"
SEED_CONTACTS = 50  # what `contact-graph seed` creates
NODE_TIMEOUT = 60  # seconds, for one run of a Node script
SERVER_START_TIMEOUT = 30  # seconds until GET /health answers


@pytest.fixture(scope="session")
def node() -> str:
    """The `node` executable, once tools/federation's packages are installed."""
    exe = shutil.which("node")
    if exe is None:
        pytest.fail("Node.js is not on PATH: the federation tests need Node 20 or later")
    if not (TOOLS / "node_modules" / "@apollo" / "gateway" / "package.json").is_file():
        pytest.fail(
            "tools/federation/node_modules is missing or incomplete: run "
            "`make tools/federation/node_modules/.installed` (`make test` does it), i.e. "
            "`cd tools/federation && npm ci`"
        )
    return exe


def run_node(
    node: str, script: str, *args: str, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    """Run a tools/federation script; returns (exit status, its JSON stdout, its stderr)."""
    proc = subprocess.run(
        [node, script, *args],
        cwd=TOOLS,
        env=env,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
        check=False,
    )
    try:
        report: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"{script} exited {proc.returncode} without a JSON report\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    return proc.returncode, report, proc.stderr


def loyalty_points(contact_id: str) -> int:
    """What the reviews subgraph derives from a contact id (see gateway-check.mjs)."""
    return sum(i * ord(ch) for i, ch in enumerate(contact_id, start=1)) % 10007


def expected_reviews(contact_id: str) -> list[dict[str, Any]]:
    points = loyalty_points(contact_id)
    return [
        {"id": f"{contact_id}:r{k}", "rating": 1 + (points + k) % 5} for k in range(1 + points % 2)
    ]


# --- composition ------------------------------------------------------------------------------


def test_schema_composes_with_both_composers(node: str) -> None:
    status, report, stderr = run_node(node, "compose.mjs")

    assert report == {
        "apollo": {"ok": True, "errors": []},
        "guild": {"ok": True, "errors": []},
    }, stderr
    assert status == 0


BROKEN_SUBGRAPHS = {
    # Contact.firstName is a String in contact-graph.
    "FIELD_TYPE_MISMATCH": """
        type Contact @key(fields: "id") {
          id: ID!
          firstName: Int @shareable
          loyaltyPoints: Int!
        }
        type Query { ping: Int }
    """,
    # Query.contact belongs to contact-graph and is not shareable.
    "INVALID_FIELD_SHARING": """
        type Contact @key(fields: "id") {
          id: ID!
          loyaltyPoints: Int!
        }
        type Query { contact(id: ID!): Contact }
    """,
}


@pytest.mark.parametrize("code", sorted(BROKEN_SUBGRAPHS))
def test_conflicting_subgraph_does_not_compose(node: str, tmp_path: Path, code: str) -> None:
    other = tmp_path / "broken.graphql"
    other.write_text(
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", '
        'import: ["@key", "@shareable"])\n' + BROKEN_SUBGRAPHS[code]
    )

    status, report, _ = run_node(node, "compose.mjs", "--other-sdl", str(other))

    assert status == 1
    for composer in ("apollo", "guild"):
        assert report[composer]["ok"] is False
        assert code in {e["code"] for e in report[composer]["errors"]}, report[composer]


# --- end to end through @apollo/gateway -------------------------------------------------------


@dataclass(frozen=True)
class Server:
    url: str  # the GraphQL endpoint
    tokens: dict[str, str]  # "admin" / "restricted" -> JWT
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "contact_graph.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"contact-graph {' '.join(args)}:\n{proc.stdout}{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def server(node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """contact-graph under uvicorn on a free port, with the demo data in a fresh SQLite file."""
    workdir = tmp_path_factory.mktemp("federation")
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

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = workdir / "server.log"
    command = [sys.executable, "-m", "uvicorn", "--factory", "contact_graph.app:create_app"]
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


def gateway_check(node: str, server: Server, token: str | None) -> tuple[int, dict[str, Any], str]:
    env = {k: v for k, v in server.env.items() if k != "CONTACT_GRAPH_TOKEN"}
    env["CONTACT_GRAPH_URL"] = server.url
    if token is not None:
        env["CONTACT_GRAPH_TOKEN"] = token
    return run_node(node, "gateway-check.mjs", env=env)


def direct(server: Server, query: str, token: str | None) -> dict[str, Any]:
    """Ask contact-graph itself, without the gateway."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(server.url, json={"query": query}, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body["errors"]
    return body


def test_gateway_joins_contacts_with_the_other_subgraph(node: str, server: Server) -> None:
    token = server.tokens["admin"]
    status, report, stderr = gateway_check(node, server, token)
    assert status == 0, json.dumps(report, indent=2) + stderr
    results = report["results"]
    own = direct(server, "{ contacts(first: 3) { edges { node { id fullName } } } }", token)
    own_names = {e["node"]["id"]: e["node"]["fullName"] for e in own["data"]["contacts"]["edges"]}

    # contacts (contact-graph) -> loyaltyPoints, reviews (reviews) -> contact.fullName (ours)
    contacts = results["Contacts"]["data"]["contacts"]
    assert contacts["totalCount"] == SEED_CONTACTS
    nodes = [e["node"] for e in contacts["edges"]]
    assert [n["id"] for n in nodes] == list(own_names)
    for n in nodes:
        assert n["fullName"] == own_names[n["id"]]
        assert n["fullName"]
        assert n["loyaltyPoints"] == loyalty_points(n["id"])
        assert [{"id": r["id"], "rating": r["rating"]} for r in n["reviews"]] == (
            expected_reviews(n["id"])
        )
        for r in n["reviews"]:
            assert r["contact"] == {"id": n["id"], "fullName": n["fullName"]}

    # contact(id:) on our side, joined with the other subgraph
    first = nodes[0]
    one = results["Contact"]["data"]["contact"]
    assert one == {
        "id": first["id"],
        "firstName": one["firstName"],
        "lastName": one["lastName"],
        "fullName": first["fullName"],
        "loyaltyPoints": loyalty_points(first["id"]),
    }
    assert f"{one['firstName']} {one['lastName']}" == first["fullName"]

    # review(id:) on the other side: the gateway resolves its Contact through our _entities
    review = results["Review"]["data"]["review"]
    assert review["id"] == f"{first['id']}:r0"
    assert review["contact"] == {
        "id": first["id"],
        "fullName": first["fullName"],
        "loyaltyPoints": loyalty_points(first["id"]),
    }

    # the gateway forwarded the caller's Authorization header to the other subgraph, too
    calls = report["reviewsSubgraph"]
    assert calls["requests"] >= 3
    assert calls["withClientAuthorization"] == calls["requests"]


def test_gateway_forwards_each_callers_token(node: str, server: Server) -> None:
    status, report, stderr = gateway_check(node, server, server.tokens["restricted"])
    assert status == 0, json.dumps(report, indent=2) + stderr

    # the restricted user sees only the contacts they own or follow
    expected = direct(server, "{ contacts { totalCount } }", server.tokens["restricted"])
    total = report["results"]["Contacts"]["data"]["contacts"]["totalCount"]
    assert total == expected["data"]["contacts"]["totalCount"]
    assert 0 < total < SEED_CONTACTS


def test_gateway_without_a_token_reports_the_subgraphs_error(node: str, server: Server) -> None:
    status, report, _ = gateway_check(node, server, token=None)

    assert status == 1
    result = report["results"]["Contacts"]
    assert result["data"] is None
    [error] = result["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "serviceName": "contacts"}
    assert report["reviewsSubgraph"]["requests"] == 0


def test_served_sdl_composes(node: str, server: Server, tmp_path: Path) -> None:
    """What the running server hands a gateway (`_service { sdl }`) composes as well."""
    body = direct(server, "{ _service { sdl } }", server.tokens["admin"])
    served = tmp_path / "served.graphql"
    served.write_text(body["data"]["_service"]["sdl"])

    status, report, _ = run_node(node, "compose.mjs", "--contact-sdl", str(served))

    assert status == 0, report
    assert report["apollo"]["ok"], report
    assert report["guild"]["ok"], report
