"""Real servers for live tests: uvicorn processes, a private Redis, websocket clients."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from pydantic import SecretStr

from domain.viewer import Viewer
from server.auth import issue_token
from server.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
"""``gw0``, ``gw1``, ... in a pytest-xdist worker; empty in a serial run."""
WORKER_PORTS = 1000
"""Ports of each xdist worker's block, the blocks from 20000 on: under the kernel's ephemeral
range (32768-60999), so no outgoing connection and no ``bind(0)`` is handed one of them."""
_port_turn = itertools.count(random.randrange(WORKER_PORTS))


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on, for a server a test is about to start.

    It is free only until someone binds it. In a serial run the kernel picks it (port 0).
    Under pytest-xdist each worker takes the ports of a block of its own in turn, so another
    worker's pick (or the kernel's) cannot take the same port before this worker's server
    binds it, nor a receiver's while it is stopped to be started again on it."""
    if not XDIST_WORKER:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    block = 20000 + int(XDIST_WORKER.removeprefix("gw")) % 12 * WORKER_PORTS  # to 31999
    for _ in range(WORKER_PORTS):
        port = block + next(_port_turn) % WORKER_PORTS
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use (or still in TIME_WAIT): the next one
            return port
    raise RuntimeError(f"no free port in {block}-{block + WORKER_PORTS - 1}")


def wait_until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} not ready after {timeout}s")


@dataclass
class Server:
    """One uvicorn process serving the app."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_server(
    database_url: str,
    redis_url: str | None,
    tmp: Path,
    env_overrides: dict[str, str] | None = None,
    log_level: str = "warning",
) -> Server:
    """A uvicorn process of the app on a free port, up and healthy (``env_overrides`` and
    ``log_level`` for tests of what a deployment's process does, e.g. its logs)."""
    port = free_port()
    env = {
        **os.environ,
        "CONTACT_GRAPH_DATABASE_URL": database_url,
        "CONTACT_GRAPH_ENVIRONMENT": "test",
        "CONTACT_GRAPH_GRAPHIQL": "false",
        "CONTACT_GRAPH_WEBHOOKS_WORKER": "false",
        "CONTACT_GRAPH_LOG_LEVEL": log_level.upper(),
        **(env_overrides or {}),
    }
    env.pop("CONTACT_GRAPH_REDIS_URL", None)
    if redis_url:
        env["CONTACT_GRAPH_REDIS_URL"] = redis_url
    log = tmp / f"server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "server.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                log_level,
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(port, process, log)

    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, 90, "server")  # a loaded 2-core machine starts it slowly
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture
def servers(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """Start servers on the test database: ``servers(redis_url=None)``; stopped after."""
    started: list[Server] = []

    def start(redis_url: str | None = None) -> Server:
        server = start_server(database_url, redis_url, tmp_path)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@dataclass
class PrivateRedis:
    """A Redis server of this test's own, so it can be stopped and started again."""

    port: int
    dir: str
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def up() -> bool:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                return True
            return False

        wait_until(up, 10, "redis")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    with tempfile.TemporaryDirectory() as d:
        redis = PrivateRedis(free_port(), d)
        redis.start()
        try:
            yield redis
        finally:
            redis.stop()


@dataclass
class LiveClient:
    """A minimal graphql-transport-ws (or legacy graphql-ws) client."""

    socket: Any
    protocol: str
    received: list[dict[str, Any]] = field(default_factory=list)

    async def subscribe(self, query: str, variables: dict[str, Any], op_id: str = "1") -> None:
        kind = "subscribe" if self.protocol == "graphql-transport-ws" else "start"
        await self.socket.send(
            json.dumps(
                {"id": op_id, "type": kind, "payload": {"query": query, "variables": variables}}
            )
        )

    async def next(self, wait: float = 10) -> dict[str, Any]:
        """The next message about an operation (skips keep-alives)."""
        while True:
            raw = await asyncio.wait_for(self.socket.recv(), wait)
            message: dict[str, Any] = json.loads(raw)
            if message["type"] in ("ka", "ping", "pong"):
                continue
            return message

    async def items(self, n: int, wait: float = 10) -> list[dict[str, Any]]:
        out = []
        for _ in range(n):
            message = await self.next(wait)
            assert message["type"] in ("next", "data"), message
            assert "errors" not in message["payload"], message
            out.append(message["payload"]["data"]["contactActivity"])
        return out

    async def error(self, wait: float = 10) -> dict[str, Any]:
        """The first error of the operation, sent as an `error` message or in a result."""
        message = await self.next(wait)
        if message["type"] == "error":
            errors = message["payload"]
        else:
            assert message["type"] in ("next", "data"), message
            errors = message["payload"].get("errors")
            assert errors, message
        first: dict[str, Any] = errors[0]
        return first

    async def nothing_for(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            message = await self.next(seconds)
            raise AssertionError(f"unexpected message {message}")


@contextlib.asynccontextmanager
async def live_socket(url: str, protocol: str = "graphql-transport-ws") -> AsyncIterator[Any]:
    """A bare websocket speaking ``protocol``, not yet initialised."""
    async with websockets.connect(url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        yield ws


async def connection_init(ws: Any, token: str | None) -> dict[str, Any]:
    """Send connection_init (the token, if any, in its payload); the server's answer."""
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    answer: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return answer


async def closing(ws: Any, wait: float = 10) -> tuple[int, str, list[dict[str, Any]]]:
    """Read until the server closes the socket: (close code, reason, messages before it).
    A socket that dies without a close frame (an ASGI error) gives 1006."""
    messages: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(wait):
            while True:
                messages.append(json.loads(await ws.recv()))
    except websockets.ConnectionClosed as closed:
        frame = closed.rcvd
        return (frame.code, frame.reason, messages) if frame else (1006, "", messages)


@contextlib.asynccontextmanager
async def live_client(
    url: str, token: str | None, protocol: str = "graphql-transport-ws"
) -> AsyncIterator[LiveClient]:
    async with live_socket(url, protocol) as ws:
        ack = await connection_init(ws, token)
        assert ack["type"] == "connection_ack", ack
        yield LiveClient(ws, protocol)


def token_for(viewer: Viewer, ttl: timedelta = timedelta(days=30)) -> str:
    return issue_token(viewer, Settings(_env_file=None), ttl)  # type: ignore[call-arg]


@dataclass
class S3Server:
    """A real S3-compatible server (moto's standalone server) on 127.0.0.1, for this test
    session only: its buckets live in its memory and go with it."""

    endpoint: str
    process: subprocess.Popen[bytes]

    def settings(self, bucket: str) -> dict[str, Any]:
        """Settings fields that point the app's file store at ``bucket`` on this server."""
        return {
            "files_backend": "s3",
            "s3_bucket": bucket,
            "s3_endpoint_url": self.endpoint,
            "s3_region": "us-east-1",
            "s3_access_key_id": "test",
            "s3_secret_access_key": SecretStr("test"),
        }

    def client(self) -> Any:
        """An aiobotocore client context for checking buckets behind the app's back."""
        from aiobotocore.session import get_session

        return get_session().create_client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{endpoint}/moto-api/", timeout=1).status_code < 500
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, 30, "moto S3 server")
        yield S3Server(endpoint, process)
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class PictureServer:
    """A real HTTP server on 127.0.0.1 (in a thread) standing in for a social platform's
    picture CDN. ``routes`` maps a path to what it answers:

    - ``("image", body, content_type)``: 200 with the body and its Content-Length
    - ``("status", code)``: that status (403 and 404: a private profile)
    - ``("slow", seconds, body)``: waits before it answers at all
    - ``("drip", interval, chunks)``: an image/jpeg body, one byte every ``interval`` seconds
    - ``("declared", length)``: announces ``length`` bytes, then sends none
    - ``("chunked", total)``: a chunked image/jpeg body of ``total`` bytes (no length)
    - ``("redirect", location)``: 302 to ``location``

    ``hits`` lists every path asked for, in order.
    """

    port: int
    routes: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="session")
def picture_server() -> Iterator[PictureServer]:
    import http.server
    import threading

    state = PictureServer(port=0)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_GET(self) -> None:
            state.hits.append(self.path)
            route = state.routes.get(self.path, ("status", 404))
            kind, *args = route
            try:
                if kind == "slow":
                    time.sleep(args[0])
                    kind, args = "image", [args[1], "image/jpeg"]

                if kind == "image":
                    body, content_type = args
                    self.send_response(200)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(body)
                elif kind == "status":
                    self.send_response(args[0])
                    self.send_header("Content-Length", "0")
                    self.send_header("Connection", "close")
                    self.end_headers()
                elif kind == "redirect":
                    self.send_response(302)
                    self.send_header("Location", args[0])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif kind == "declared":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(args[0]))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.flush()
                    time.sleep(3)
                elif kind in ("drip", "chunked"):
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    pieces = (
                        [(b"x", args[0])] * args[1]
                        if kind == "drip"
                        else [(b"x" * 65536, 0.0)] * (args[0] // 65536 + 1)
                    )
                    for piece, pause in pieces:
                        time.sleep(pause)
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up, as it should have

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
