"""Where one request of the peer benchmark's queries spends its time in contact-graph,
without HTTP's sockets: the app (``server.app.create_app``, production settings) called as
ASGI in-process on a fresh PostgreSQL database loaded as `bench/peer.py` loads it, each
request run ``--requests`` times one after the other under cProfile (or just timed).

    .venv/bin/python bench/lane_profile.py [--requests 2000] [--query one|many] [--no-profile]
        [--distinct 500]

Prints the mean microseconds per request (wall, and this process's CPU: on a shared machine
the CPU is the steadier figure, PostgreSQL's own work not in it) and cProfile's top functions
by cumulative and own time (cProfile inflates code of many small Python calls: compare
runs, not absolutes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from peer import QUERIES, load_rows, payload
from run import DEFAULT_POSTGRES_URL, postgres_database, server_settings
from sqlalchemy.engine import make_url

from persistence.migrate import upgrade_async
from server.app import create_app
from server.auth import issue_token
from server.seed import ADMIN, DEMO_LOCATION_ID


async def call(app: Any, body: bytes, token: str) -> tuple[int, bytes]:
    """One POST /graphql through the ASGI app: its status and body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    out: list[bytes] = []
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            out.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(out)


@contextlib.asynccontextmanager
async def asyncpg_connection(url: str) -> AsyncIterator[asyncpg.Connection]:
    u = make_url(url)
    conn = await asyncpg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password, database=u.database
    )
    try:
        yield conn
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="contact-graph-lane-profile-") as tmp:
        async with postgres_database(args.postgres_url) as db:
            await upgrade_async(db.url)
            _, contact_id = await load_rows(db.url, args.contacts, 10, 10)
            settings = server_settings(db.url, Path(tmp))
            token = issue_token(ADMIN, settings)
            app = create_app(settings)
            query = QUERIES[0 if args.query == "one" else 1].contact_graph
            ids = [contact_id]
            if args.distinct > 1:
                async with asyncpg_connection(db.url) as conn:
                    rows = await conn.fetch("SELECT id FROM contact LIMIT $1", args.distinct)
                ids = [row["id"] for row in rows]
            bodies = [
                orjson.dumps(payload(query, {"id": i, "location": DEMO_LOCATION_ID})) for i in ids
            ]
            body = bodies[0]
            async with app.router.lifespan_context(app):
                for _ in range(50):  # learn the document, warm every cache
                    status, answer = await call(app, body, token)
                if status != 200 or b'"errors"' in answer:
                    raise SystemExit(answer[:500].decode())
                lane = app.state.runtime.compiled_reads
                before = lane.answered
                # timed by CPU, not the wall: waiting for PostgreSQL is not in it
                profiler = cProfile.Profile(time.process_time) if args.profile else None
                started, cpu = time.perf_counter(), time.process_time()
                if profiler:
                    profiler.enable()
                for n in range(args.requests):
                    await call(app, bodies[n % len(bodies)], token)
                if profiler:
                    profiler.disable()
                    if args.dump:
                        profiler.dump_stats(args.dump)
                seconds = time.perf_counter() - started
                cpu = time.process_time() - cpu
                print(
                    f"{args.query}: {seconds / args.requests * 1e6:.0f} µs per request, "
                    f"{cpu / args.requests * 1e6:.0f} µs of this process's CPU"
                    f"{' (profiled)' if profiler else ''}; compiled answers "
                    f"{lane.answered - before} of {args.requests}"
                )
                if profiler:
                    for order in ("cumulative", "tottime"):
                        text = io.StringIO()
                        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(args.top)
                        print(text.getvalue())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="bench/lane_profile.py", description=__doc__)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--query", choices=("one", "many"), default="one")
    parser.add_argument(
        "--distinct",
        type=int,
        default=1,
        help="one: cycle through this many contacts' ids (variable values the lane has not kept)",
    )
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--dump", help="also write the profile to this file (pstats)")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    asyncio.run(main(parser.parse_args()))
    sys.exit(0)
