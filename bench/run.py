"""`make bench`: the whole contact record over real HTTP, against a bare ASGI ceiling.

One run: seed a fresh database (a temporary SQLite file, or with ``--postgres`` a fresh
PostgreSQL database that is dropped afterwards), count the SQL statements of the whole-record
query (`bench/whole_record.graphql`) in-process for 1 and for 50 contacts, then serve the app
with uvicorn and a bare ASGI app (`bench/bare_asgi.py`) with the same uvicorn settings, each in
a subprocess on a free 127.0.0.1 port, and put the same closed-loop load on each: a fixed number
of concurrent clients, each sending its next request when the previous answer arrived, for a
fixed time and at most a fixed number of requests; then one client alone, for the latency of a
request that waits for no other. Then the live updates (`bench/subscriptions.py`): two replicas
over Redis, the time from a commit to its delivery with one subscriber, and to the last of 100
and of 1,000 subscribers of one contact on one replica, with each process's CPU time per event.
Latency percentiles, requests per second and errors are written to
`bench/results/<UTC time>-<db>.json` (and `latest-<db>.json`) and printed as Markdown tables.

Machines are shared and noisy: compare the ratios of one run (our requests per second / bare
requests per second), not absolute figures across runs or machines. Nothing here asserts a time.

    .venv/bin/python bench/run.py [--postgres] [--duration 8] [--concurrency 8] ...
    .venv/bin/python bench/run.py --profile-live    # where replica A's time goes, per delivery
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import hashlib
import json
import math
import os
import platform
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import httpx
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from subscriptions import LivePlan, bench_live
from subscriptions import table as live_table

from adapters.files import LocalFileStore
from persistence.db import StatementCounter, create_engine
from persistence.migrate import upgrade_async
from server.app import create_app
from server.auth import issue_token
from server.pictures import picture_tools_for
from server.seed import ADMIN, demo_contact_ids, seed
from server.seed_tabs import TAB_SEEDERS, Shared, fill_tabs
from server.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
QUERY_FILE = BENCH / "whole_record.graphql"
RESULTS = BENCH / "results"
HOST = "127.0.0.1"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
ENV_PREFIX = "CONTACT_GRAPH_"
STARTUP_TIMEOUT_S = 120.0  # a server that does not answer its health check by then failed
SERVING = ("strawberry-graphql", "starlette", "uvicorn", "uvloop", "httptools", "sqlalchemy")
PACKAGES = {"sqlite": (*SERVING, "aiosqlite"), "postgres": (*SERVING, "asyncpg")}


# --------------------------------------------------------------------------- the database


@dataclass
class Database:
    kind: str  # "sqlite" or "postgres"
    url: str
    server_version: str


@contextlib.asynccontextmanager
async def sqlite_database(folder: Path) -> AsyncIterator[Database]:
    yield Database("sqlite", f"sqlite+aiosqlite:///{folder / 'bench.db'}", sqlite3.sqlite_version)


@contextlib.asynccontextmanager
async def postgres_database(admin_url: str) -> AsyncIterator[Database]:
    """A fresh database on the server of ``admin_url`` (as tests/conftest.py makes one),
    dropped afterwards whatever happens."""
    admin = make_url(admin_url)
    if admin.host not in (HOST, "localhost"):
        raise SystemExit(f"the benchmark only talks to 127.0.0.1, not {admin.host}")
    name = f"contact_graph_bench_{uuid.uuid4().hex[:10]}"

    async def admin_connection() -> Any:
        return await asyncpg.connect(
            host=admin.host,
            port=admin.port or 5432,
            user=admin.username,
            password=admin.password,
            database=admin.database,
        )

    try:
        conn = await admin_connection()
    except (OSError, asyncpg.PostgresError) as exc:
        raise SystemExit(
            f"PostgreSQL at {admin_url} is not reachable ({exc}); start it with `make services`"
        ) from exc
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        server_version = str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()
    try:
        url = admin.set(database=name).render_as_string(hide_password=False)
        yield Database("postgres", url, server_version)
    finally:
        conn = await admin_connection()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def seed_database(
    url: str, files_dir: Path, items_per_tab: int
) -> tuple[dict[str, Any], Shared]:
    """Migrate, then the demo data of `make run` (one location, 50 contacts with phones,
    emails, tags, owner, followers, DND and custom fields, every fifth with a profile
    picture, stored under ``files_dir``), then ``items_per_tab`` items in
    every tab of every contact (TAB_SEEDERS), all through the domain services, so each record
    also carries the events of its changes (the audit log, the activity timeline). The tabs
    are filled one item at a time in turn, so the newest activity mixes every tab's kinds.
    Returns a summary for the results, and the ids the seeders shared (the smart list the
    query's ``smartListId`` names, the contacts). Documents' bytes go to ``files_dir``."""
    await upgrade_async(url)
    files = LocalFileStore(files_dir, "http://127.0.0.1", b"bench" * 8, timedelta(minutes=5))
    await files.start()
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        # seeding only: skip the fsync of every commit (the served app keeps the default)
        event.listen(engine.sync_engine, "connect", _sqlite_no_sync)
    try:
        pictures = picture_tools_for(Settings(_env_file=None))
        contacts = await seed(engine, files, pictures=pictures)
        shared = await fill_tabs(engine, files, await demo_contact_ids(engine), items_per_tab)
    finally:
        await engine.dispose()
    summary = {"contacts": contacts, "items_per_tab": items_per_tab, "tabs": list(TAB_SEEDERS)}
    return summary, shared


def _sqlite_no_sync(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


# --------------------------------------------------------------------------- statements


@dataclass
class Operation:
    first: int
    statements: int
    response_bytes: int
    contacts_returned: int


async def count_statements(
    settings: Settings, query: str, token: str, sizes: list[int], variables: dict[str, Any]
) -> dict[int, Operation]:
    """Run the query in-process (ASGI transport, no network) and count its SQL statements."""
    app = create_app(settings)
    out: dict[int, Operation] = {}
    async with app.router.lifespan_context(app):
        engine: AsyncEngine = app.state.runtime.engine
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for first in sizes:
                payload = {"query": query, "variables": {**variables, "first": first}}
                headers = {"Authorization": f"Bearer {token}"}
                await client.post("/graphql", json=payload, headers=headers)  # warm caches
                with StatementCounter(engine) as counter:
                    response = await client.post("/graphql", json=payload, headers=headers)
                returned = check_response(response.status_code, response.content, first)
                out[first] = Operation(first, counter.count, len(response.content), returned)
    return out


def check_response(status: int, body: bytes, first: int) -> int:
    """Fail unless the answer is a whole page of contacts without errors; returns its size."""
    if status != 200:
        raise SystemExit(f"HTTP {status}: {body[:500]!r}")
    document = json.loads(body)
    if document.get("errors"):
        raise SystemExit(f"the query failed: {json.dumps(document['errors'])[:1000]}")
    edges = document["data"]["contacts"]["edges"]
    if len(edges) != first:
        raise SystemExit(f"asked for {first} contacts, got {len(edges)}: is the database seeded?")
    return len(edges)


# --------------------------------------------------------------------------- the servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Served:
    port: int
    pid: int  # of the uvicorn process itself (one process, no workers): its CPU time is ours


@contextlib.asynccontextmanager
async def uvicorn_server(
    name: str,
    target: list[str],
    env: dict[str, str],
    folder: Path,
    health: str,
    python_args: tuple[str, ...] = (),
) -> AsyncIterator[Served]:
    """Serve ``target`` with uvicorn in a subprocess (cwd ``folder``, so no stray ``.env`` is
    read); yields its port and pid once ``health`` answers 200, stops it afterwards
    (gracefully, so a profiler given in ``python_args`` writes its file)."""
    port = free_port()
    args = [
        *python_args,
        *("-m", "uvicorn", "--host", HOST, "--port", str(port)),
        *("--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", "5"),
        *target,
    ]
    # SIGINT, not SIGTERM, under a profiler: uvicorn re-raises the signal it stopped on, and
    # only SIGINT's default (KeyboardInterrupt) lets cProfile write its file
    async with served_process(
        name, [sys.executable, *args], port, env, folder, health, interrupt=bool(python_args)
    ) as served:
        yield served


@contextlib.asynccontextmanager
async def served_process(
    name: str,
    argv: list[str],
    port: int,
    env: dict[str, str],
    folder: Path,
    health: str,
    *,
    cwd: Path | None = None,
    interrupt: bool = False,
    health_post: dict[str, Any] | None = None,
) -> AsyncIterator[Served]:
    """Run the server ``argv`` (listening on ``port``) in a subprocess, its output in
    ``folder/<name>.log``, cwd ``cwd`` or ``folder``; yields once ``health`` answers 200 (to a
    GET, or to a POST of the JSON ``health_post``), stops it afterwards: SIGINT if
    ``interrupt`` (and longer to finish), else SIGTERM."""
    log_path = folder / f"{name}.log"
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=cwd or folder, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        await _wait_until_up(proc, f"http://{HOST}:{port}{health}", log_path, health_post)
        yield Served(port, proc.pid)
    finally:
        if proc.returncode is None:
            if interrupt:
                proc.send_signal(signal.SIGINT)
            else:
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 30 if interrupt else 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def _wait_until_up(
    proc: asyncio.subprocess.Process, url: str, log: Path, post: dict[str, Any] | None = None
) -> None:
    # generous: on a shared two-core machine importing the app alone can take 30 s
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    async with httpx.AsyncClient(timeout=1) as client:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                answer = await (client.get(url) if post is None else client.post(url, json=post))
                if answer.status_code == 200:
                    return
            await asyncio.sleep(0.1)
    tail = (await asyncio.to_thread(log.read_text))[-3000:]
    raise SystemExit(f"{url} did not come up; server log:\n{tail}")


def server_settings(database_url: str, folder: Path, **overrides: Any) -> Settings:
    """The settings every benchmark serves the app with: production, no GraphiQL, quiet logs,
    a fresh secret and the run's own files folder (``overrides`` for what one bench varies)."""
    return Settings(
        database_url=database_url,
        environment="production",
        jwt_secret=secrets.token_urlsafe(32),
        graphiql=False,
        log_level="WARNING",
        files_dir=folder / "files",
        _env_file=None,
        **overrides,
    )


def load_plan(args: argparse.Namespace) -> LoadPlan:
    """The closed-loop load the command line asks for (every bench takes the same options)."""
    return LoadPlan(
        client="raw",
        concurrency=args.concurrency,
        duration_s=args.duration,
        warmup_s=args.warmup,
        max_requests=args.max_requests,
        request_timeout_s=getattr(args, "request_timeout", 30.0),
    )


def server_env(settings: Settings) -> dict[str, str]:
    """The parent's environment without any CONTACT_GRAPH_ variable, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env.update(
        {
            f"{ENV_PREFIX}DATABASE_URL": settings.database_url,
            f"{ENV_PREFIX}ENVIRONMENT": settings.environment,
            f"{ENV_PREFIX}JWT_SECRET": settings.jwt_secret.get_secret_value(),
            f"{ENV_PREFIX}GRAPHIQL": "false",
            f"{ENV_PREFIX}LOG_LEVEL": settings.log_level,
            f"{ENV_PREFIX}FILES_DIR": str(settings.files_dir),
        }
    )
    return env


# --------------------------------------------------------------------------- the load


class Sender(Protocol):
    async def send(self) -> tuple[int, bytes]: ...
    async def close(self) -> None: ...


class RawHttpSender:
    """One HTTP/1.1 keep-alive connection that sends the same prepared request again and
    again. It spends a few tens of microseconds of client CPU per request where httpx spends
    several hundred, so on a two-core machine the client does not hide the ceiling."""

    def __init__(self, port: int, path: str, body: bytes, headers: dict[str, str]) -> None:
        head = [f"POST {path} HTTP/1.1", f"Host: {HOST}:{port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head += [f"Content-Length: {len(body)}", "", ""]
        self.request = "\r\n".join(head).encode() + body
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        reader, writer = self.reader, self.writer
        writer.write(self.request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        fields: dict[bytes, bytes] = {}
        for line in head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            fields[key.strip().lower()] = value.strip().lower()
        if b"content-length" in fields:
            body = await reader.readexactly(int(fields[b"content-length"]))
        elif fields.get(b"transfer-encoding") == b"chunked":
            body = await self._chunks(reader)
        else:
            raise ValueError(f"cannot tell where the response ends: {head!r}")
        if fields.get(b"connection") == b"close":
            await self.close()
        return status, body

    @staticmethod
    async def _chunks(reader: asyncio.StreamReader) -> bytes:
        parts = []
        while size := int((await reader.readline()).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readline()
        await reader.readline()
        return b"".join(parts)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


class HttpxSender:
    """The same request through httpx (``--client httpx``): slower per request on the client
    side, so it measures the ceiling lower than it is."""

    def __init__(self, client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]):
        self.client, self.url, self.body, self.headers = client, url, body, headers

    async def send(self) -> tuple[int, bytes]:
        response = await self.client.post(self.url, content=self.body, headers=self.headers)
        return response.status_code, response.content

    async def close(self) -> None:
        pass


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    response_bytes: int
    first_error: str | None


@dataclass
class LoadPlan:
    client: str  # "raw" or "httpx"
    concurrency: int
    duration_s: float
    warmup_s: float
    max_requests: int
    request_timeout_s: float


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


async def run_load(
    plan: LoadPlan,
    port: int,
    path: str,
    payload: dict[str, Any],
    token: str,
    *,
    authorize: bool = True,
) -> LoadResult:
    """Closed loop: ``plan.concurrency`` workers, each on its own keep-alive connection, send
    the request, wait for the answer, send again. A warm-up (not measured; one client, so a
    request that takes seconds does not make it last ``concurrency`` times longer), then the
    measured phase, each bounded in time and in number of requests."""
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if authorize:
        headers["Authorization"] = f"Bearer {token}"
    async with contextlib.AsyncExitStack() as stack:
        if plan.client == "httpx":
            limits = httpx.Limits(
                max_connections=plan.concurrency, max_keepalive_connections=plan.concurrency
            )
            client = await stack.enter_async_context(
                httpx.AsyncClient(limits=limits, timeout=plan.request_timeout_s)
            )
            url = f"http://{HOST}:{port}{path}"
            senders: list[Sender] = [
                HttpxSender(client, url, body, headers) for _ in range(plan.concurrency)
            ]
        else:
            senders = [RawHttpSender(port, path, body, headers) for _ in range(plan.concurrency)]
        for sender in senders:
            stack.push_async_callback(sender.close)
        await _phase(plan, senders[:1], plan.warmup_s, plan.max_requests)
        return await _phase(plan, senders, plan.duration_s, plan.max_requests)


async def _phase(plan: LoadPlan, senders: list[Sender], seconds: float, budget: int) -> LoadResult:
    latencies: list[float] = []
    errors: list[str] = []
    size = 0
    started = time.perf_counter()
    deadline = started + seconds
    issued = 0

    async def worker(sender: Sender) -> None:
        nonlocal issued, size
        while time.perf_counter() < deadline and issued < budget:
            issued += 1
            t0 = time.perf_counter()
            try:
                async with asyncio.timeout(plan.request_timeout_s):
                    status, answer = await sender.send()
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                await sender.close()
                continue
            latencies.append(time.perf_counter() - t0)
            size = len(answer)
            # a GraphQL error is an "errors" member; inside a JSON string the quotes would be
            # escaped, so this cannot match note text
            if status != 200 or b'"errors":' in answer:
                errors.append(f"HTTP {status}: {answer[:300]!r}")

    await asyncio.gather(*(worker(sender) for sender in senders))
    elapsed = time.perf_counter() - started
    ms = sorted(x * 1000 for x in latencies)
    return LoadResult(
        requests=len(latencies),
        errors=len(errors),
        seconds=round(elapsed, 3),
        requests_per_second=round(len(latencies) / elapsed, 1),
        p50_ms=round(percentile(ms, 50), 2),
        p90_ms=round(percentile(ms, 90), 2),
        p99_ms=round(percentile(ms, 99), 2),
        max_ms=round(ms[-1], 2) if ms else math.nan,
        mean_ms=round(sum(ms) / len(ms), 2) if ms else math.nan,
        response_bytes=size,
        first_error=errors[0] if errors else None,
    )


# --------------------------------------------------------------------------- the run


async def bench(args: argparse.Namespace, query: str) -> dict[str, Any]:
    sizes = [1, 50]
    plan = LoadPlan(
        client=args.client,
        concurrency=args.concurrency,
        duration_s=args.duration,
        warmup_s=args.warmup,
        max_requests=args.max_requests,
        request_timeout_s=args.request_timeout,
    )
    # one client, one request at a time: the latency of a request that waits for no other
    alone = dataclasses.replace(
        plan, concurrency=1, duration_s=min(plan.duration_s, 3.0), warmup_s=0.0, max_requests=200
    )
    machine = machine_info()
    started_at = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="contact-graph-bench-") as tmp:
        folder = Path(tmp)
        database = (
            postgres_database(args.postgres_url) if args.postgres else sqlite_database(folder)
        )
        async with database as db:
            t0 = time.perf_counter()
            seeded, shared = await seed_database(db.url, folder / "files", args.items)
            seed_seconds = time.perf_counter() - t0
            log(f"seeded {db.kind} in {seed_seconds:.1f} s: {seeded}")
            settings = server_settings(db.url, folder)
            token = issue_token(ADMIN, settings)
            # the query's other variables name seeded data: the smart list `navigation` walks
            variables = {"smartListId": shared.smart_list_id}
            operations = await count_statements(settings, query, token, sizes, variables)
            log("statements: " + ", ".join(f"{n}: {o.statements}" for n, o in operations.items()))
            env = server_env(settings)
            app_target = ["--app-dir", str(ROOT), "--factory", "server.app:create_app"]
            bare_target = ["--app-dir", str(BENCH), "bare_asgi:app"]
            async with (
                uvicorn_server("app", app_target, env, folder, "/health") as app,
                uvicorn_server("bare", bare_target, env, folder, "/") as bare_server,
            ):
                app_port, bare_port = app.port, bare_server.port
                for first in sizes:  # over the network once, checked in full
                    async with httpx.AsyncClient(timeout=30) as client:
                        response = await client.post(
                            f"http://{HOST}:{app_port}/graphql",
                            json={"query": query, "variables": {**variables, "first": first}},
                            headers={"Authorization": f"Bearer {token}"},
                        )
                    check_response(response.status_code, response.content, first)
                log(f"load: {plan}")
                # the bare app gets the same request bytes (and answers a fixed small body)
                same = {"query": query, "variables": {**variables, "first": sizes[0]}}
                bare = await run_load(plan, bare_port, "/graphql", same, token)
                bare_alone = await run_load(alone, bare_port, "/graphql", same, token)
                log(f"  bare ASGI: {bare.requests_per_second} req/s")
                loads: dict[int, LoadResult] = {}
                loads_alone: dict[int, LoadResult] = {}
                for first in sizes:
                    payload = {"query": query, "variables": {**variables, "first": first}}
                    loads[first] = await run_load(plan, app_port, "/graphql", payload, token)
                    loads_alone[first] = await run_load(alone, app_port, "/graphql", payload, token)
                    log(f"  first={first}: {loads[first].requests_per_second} req/s")
            live = None
            if not args.no_subscriptions:
                redis_env = env | {f"{ENV_PREFIX}REDIS_URL": args.redis_url}

                profile = folder / "replica-a.prof" if args.profile_live else None

                def replica(name: str) -> contextlib.AbstractAsyncContextManager[Served]:
                    profiler = ("-m", "cProfile", "-o", str(profile))
                    python_args = profiler if profile and name == "replica-a" else ()
                    return uvicorn_server(
                        name, app_target, redis_env, folder, "/health", python_args
                    )

                live_plan = LivePlan(
                    redis_url=args.redis_url,
                    latency_events=args.live_events,
                    fan_out_events=args.fan_out_events,
                    subscribers=tuple(args.subscribers),
                    compare_at=min(args.subscribers, default=0),
                    profile=profile,
                )
                log(f"live updates: {live_plan}")
                live = await bench_live(live_plan, replica, token, shared.contact_ids[0], log)
    return {
        "benchmark": "whole-record",
        "started_at": started_at.isoformat(timespec="seconds"),
        "git": git_info(),
        "machine": machine,
        "database": {"kind": db.kind, "server_version": db.server_version},
        "packages": {name: version(name) for name in PACKAGES[db.kind]},
        "seed": seeded | {"seconds": round(seed_seconds, 1)},
        "load": asdict(plan),
        "load_alone": asdict(alone),
        "query": {
            "file": str(QUERY_FILE.relative_to(ROOT)),
            "sha256": hashlib.sha256(query.encode()).hexdigest(),
            "text": query,
        },
        "bare": asdict(bare),
        "bare_alone": asdict(bare_alone),
        "operations": [
            {
                "name": f"whole record, {first} contact{'s' if first > 1 else ''}",
                "first": first,
                "statements": operations[first].statements,
                "response_bytes": operations[first].response_bytes,
                "load": asdict(loads[first]),
                "alone": asdict(loads_alone[first]),
                "records_per_second": round(loads[first].requests_per_second * first, 1),
                "ratio_to_bare": float(
                    f"{loads[first].requests_per_second / bare.requests_per_second:.3g}"
                ),
            }
            for first in sizes
        ],
        "subscriptions": live,
    }


def machine_info() -> dict[str, Any]:
    model = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


def git_info() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=10
        )
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD") or None,
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def table(result: dict[str, Any]) -> str:
    """The figures as a Markdown table (what the README shows)."""
    rows = [
        "| operation | SQL statements | response | alone p50 ms | req/s | records/s "
        "| p50 ms | p90 ms | p99 ms | requests | errors | req/s vs bare |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    bare = result["bare"]
    rows.append(
        f"| bare ASGI (ceiling) | n/a | {bare['response_bytes']} B "
        f"| {result['bare_alone']['p50_ms']} | {bare['requests_per_second']:.0f} | n/a "
        f"| {bare['p50_ms']} | {bare['p90_ms']} | {bare['p99_ms']} | {bare['requests']} "
        f"| {bare['errors']} | 1 |"
    )
    for op in result["operations"]:
        load = op["load"]
        rows.append(
            f"| {op['name']} | {op['statements']} | {op['response_bytes'] / 1024:.0f} KiB "
            f"| {op['alone']['p50_ms']} | {load['requests_per_second']:.1f} "
            f"| {op['records_per_second']:.0f} | {load['p50_ms']} | {load['p90_ms']} "
            f"| {load['p99_ms']} | {load['requests']} | {load['errors']} "
            f"| {op['ratio_to_bare']:.2g} |"
        )
    return "\n".join(rows)


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/run.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(f"{ENV_PREFIX}TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="server (and admin database) where a fresh database is created and dropped",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=8.0, help="measured seconds per load")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds first")
    parser.add_argument(
        "--max-requests", type=int, default=200_000, help="at most this many requests per phase"
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=30.0,
        help="seconds before a request counts as failed (the 50-contact whole record can take "
        "longer than 30 on a busy machine)",
    )
    parser.add_argument(
        "--items",
        type=int,
        default=21,
        help="items seeded per contact in every tab (notes, tasks…); 21 fills each page of 20",
    )
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="load client: a minimal HTTP/1.1 one (default) or httpx (slower, lower ceiling)",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/13",
        help="Redis for the live-update figures (a database number of the benchmark's own; "
        "nothing is flushed, and the channels are named after the fresh contacts' ids)",
    )
    parser.add_argument(
        "--live-events", type=int, default=100, help="changes timed with one subscriber"
    )
    parser.add_argument(
        "--fan-out-events", type=int, default=20, help="changes timed with many subscribers"
    )
    parser.add_argument(
        "--subscribers",
        type=int,
        nargs="*",
        default=[100, 1000],
        help="subscriber counts of the fan-out phases (all on one replica, one contact)",
    )
    parser.add_argument(
        "--no-subscriptions", action="store_true", help="skip the live-update figures"
    )
    parser.add_argument(
        "--profile-live",
        action="store_true",
        help="run the replica that serves the subscribers under cProfile and add the CPU "
        "per delivery of its main parts (slows that replica down: its figures are not "
        "comparable with an unprofiled run)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only, write no file")
    args = parser.parse_args(argv)
    if not (1 <= args.concurrency <= 64 and 0 < args.duration <= 120 and 0 <= args.warmup <= 30):
        parser.error("concurrency 1-64, duration up to 120 s, warm-up up to 30 s")
    if not 1 <= args.items <= 100:
        parser.error("items 1-100")
    if not 0 < args.request_timeout <= 600:
        parser.error("request timeout up to 600 s")
    if not (
        1 <= args.live_events <= 2000
        and 1 <= args.fan_out_events <= 200
        and all(2 <= n <= 5000 for n in args.subscribers)
    ):
        parser.error("live events 1-2000, fan-out events 1-200, subscribers 2-5000")
    args.subscribers = sorted(set(args.subscribers))
    if make_url(args.redis_url).host not in (HOST, "localhost"):
        parser.error(f"the benchmark only talks to {HOST}")

    try:
        result = asyncio.run(bench(args, QUERY_FILE.read_text()))
    except KeyboardInterrupt:
        log("interrupted; servers stopped and the database removed")
        return 130
    summary = table(result)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        text = json.dumps(result, indent=2) + "\n"
        kind = result["database"]["kind"]
        for name in (f"{stamp}-{kind}.json", f"latest-{kind}.json"):
            (RESULTS / name).write_text(text)
        log(f"wrote bench/results/{stamp}-{kind}.json and latest-{kind}.json")
    machine = result["machine"]
    print(
        f"\n{result['database']['kind']} {result['database']['server_version']}, "
        f"{machine['cpus']} CPUs, Python {machine['python']}, "
        f"{result['load']['concurrency']} concurrent clients ({result['load']['client']}), "
        f"{result['load']['duration_s']:g} s per load\n\n{summary}\n"
    )
    if result["subscriptions"]:
        print(f"{live_table(result['subscriptions'])}\n")
    measured = [("bare ASGI", result["bare"]), ("bare ASGI, alone", result["bare_alone"])]
    for op in result["operations"]:
        measured += [(op["name"], op["load"]), (f"{op['name']}, alone", op["alone"])]
    failed = [(name, figures) for name, figures in measured if figures["errors"]]
    for name, figures in failed:
        log(f"{name}: {figures['errors']} requests failed; first: {figures['first_error']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
