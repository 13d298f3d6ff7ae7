"""Compiled reads on vs off: query 1 of issue 12 in one run.

Query 1 is one contact with its first 10 notes (id, body, createdAt) and first 10 tasks (id,
title, dueAt); query 2 the same for 50 contacts. One run: seed a fresh database as `bench/run.py`
does (the demo's 50 contacts, ``--items`` items in every tab), serve it twice with the same
uvicorn settings -- ``CONTACT_GRAPH_COMPILED_READS=off`` (the executor) and ``on`` -- check both
answer the same bytes, then put the same closed-loop load on each, interleaved over ``--rounds``
rounds. The medians and the on/off ratio (the median of the rounds' ratios) go to
`bench/results/<UTC time>-compiled-<db>.json`. Nothing asserts a time.

    .venv/bin/python bench/compiled.py [--postgres] [--rounds 3] [--duration 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
from run import (
    HOST,
    QUERY_FILE,
    RESULTS,
    ROOT,
    SERVING,
    LoadResult,
    git_info,
    load_plan,
    log,
    machine_info,
    postgres_database,
    run_load,
    seed_database,
    server_env,
    server_settings,
    sqlite_database,
    uvicorn_server,
)

from server.auth import issue_token
from server.seed import ADMIN, demo_contact_ids

PAGE = "notes(first: 10) { edges { node { id body createdAt } } } " + (
    "tasks(first: 10) { edges { node { id title dueAt } } }"
)
QUERIES = {
    "query 1: one contact + 10 notes + 10 tasks": (
        f"query($id: ID!) {{ contact(id: $id) {{ id {PAGE} }} }}"
    ),
    "query 2: 50 contacts, each with 10 notes + 10 tasks": (
        f"{{ contacts(first: 50) {{ edges {{ node {{ id {PAGE} }} }} }} }}"
    ),
}
MODES = ("off", "on")
SIGNED = re.compile(rb"expires=\d+&(.*?)sig=[\w-]+")
"""A signed URL's expiry and signature: they differ by the second each server signed in."""
WHOLE_RECORD = {
    f"whole record of {n} contact{'s' if n > 1 else ''} (bench/whole_record.graphql)": n
    for n in (1, 50)
}
"""With ``--whole-record``: every tab's first 20, compiled with its holes vs the executor."""


def queries(args: argparse.Namespace) -> dict[str, str]:
    if not args.whole_record:
        return QUERIES
    text = QUERY_FILE.read_text()
    return {name: text for name in WHOLE_RECORD}


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    plan = load_plan(args)
    machine = machine_info()
    started_at = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="contact-graph-bench-compiled-") as tmp:
        folder = Path(tmp)
        database = (
            postgres_database(args.postgres_url) if args.postgres else sqlite_database(folder)
        )
        async with database as db:
            seeded, shared = await seed_database(db.url, folder / "files", args.items)
            asked = queries(args)
            settings = server_settings(db.url, folder)
            from persistence.db import create_engine

            engine = create_engine(db.url)
            try:
                contact_id = (await demo_contact_ids(engine))[0]
            finally:
                await engine.dispose()
            token = issue_token(ADMIN, settings)
            target = ["--app-dir", str(ROOT), "--factory", "server.app:create_app"]
            envs = {
                mode: server_env(settings) | {"CONTACT_GRAPH_COMPILED_READS": mode}
                for mode in MODES
            }
            rounds: dict[tuple[str, str], list[LoadResult]] = {
                (q, m): [] for q in asked for m in MODES
            }
            async with (
                uvicorn_server("off", target, envs["off"], folder, "/health") as off,
                uvicorn_server("on", target, envs["on"], folder, "/health") as on,
            ):
                ports = {"off": off.port, "on": on.port}
                payloads = {
                    q: {"query": text, "variables": variables(args, q, contact_id, shared)}
                    for q, text in asked.items()
                }
                for name, payload in payloads.items():  # both answer the same bytes
                    bodies = []
                    for mode in MODES:
                        async with httpx.AsyncClient(timeout=30) as client:
                            response = await client.post(
                                f"http://{HOST}:{ports[mode]}/graphql",
                                json=payload,
                                headers={"Authorization": f"Bearer {token}"},
                            )
                        if response.status_code != 200 or b'"errors"' in response.content:
                            raise SystemExit(f"{name} ({mode}): {response.text[:500]}")
                        bodies.append(SIGNED.sub(b"expires=_&\\1sig=_", response.content))
                    if bodies[0] != bodies[1]:
                        at = next(
                            (i for i, (x, y) in enumerate(zip(*bodies, strict=False)) if x != y),
                            min(map(len, bodies)),
                        )
                        around = [b[max(0, at - 300) : at + 200] for b in bodies]
                        raise SystemExit(f"{name}: the two modes answer differently: {around}")
                log(f"load: {plan}, {args.rounds} rounds")
                for number in range(1, args.rounds + 1):
                    for name, payload in payloads.items():
                        for mode in MODES:
                            rounds[(name, mode)].append(
                                await run_load(plan, ports[mode], "/graphql", payload, token)
                            )
                    log(
                        f"  round {number}: "
                        + ", ".join(
                            f"{q[:7]} {m}: {r[-1].requests_per_second:.0f}"
                            for (q, m), r in rounds.items()
                        )
                    )
    measured = []
    for name, text in asked.items():
        off_runs, on_runs = rounds[(name, "off")], rounds[(name, "on")]
        measured.append(
            {
                "name": name,
                "query": text,
                "off_req_s": statistics.median(r.requests_per_second for r in off_runs),
                "on_req_s": statistics.median(r.requests_per_second for r in on_runs),
                "off_p99_ms": statistics.median(r.p99_ms for r in off_runs),
                "on_p99_ms": statistics.median(r.p99_ms for r in on_runs),
                "ratio_on_to_off": statistics.median(
                    a.requests_per_second / b.requests_per_second
                    for a, b in zip(on_runs, off_runs, strict=True)
                    if b.requests_per_second
                ),
                "rounds": {
                    "off": [asdict(r) for r in off_runs],
                    "on": [asdict(r) for r in on_runs],
                },
            }
        )
    return {
        "benchmark": "compiled-reads",
        "database": db.kind,
        "database_version": db.server_version,
        "started_at": started_at.isoformat(timespec="seconds"),
        "git": git_info(),
        "machine": machine,
        "packages": {name: version(name) for name in SERVING},
        "seeded": seeded,
        "load": asdict(plan)
        | {"rounds": args.rounds, "statistic": "medians of the rounds; ratio: median of ratios"},
        "queries": measured,
    }


def variables(args: argparse.Namespace, name: str, contact_id: str, shared: Any) -> dict[str, Any]:
    if args.whole_record:
        return {"first": WHOLE_RECORD[name], "smartListId": shared.smart_list_id}
    return {"id": contact_id}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/compiled.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument(
        "--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--items", type=int, default=10, help="items per tab per contact")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=4.0, help="measured seconds per load")
    parser.add_argument("--warmup", type=float, default=0.5, help="unmeasured seconds first")
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument(
        "--whole-record",
        action="store_true",
        help="the whole record (bench/whole_record.graphql) of 1 and 50 contacts instead",
    )
    parser.add_argument("--no-write", action="store_true", help="print only, write no file")
    args = parser.parse_args(argv)
    result = asyncio.run(bench(args))
    text = json.dumps(result, indent=2)
    for q in result["queries"]:
        print(
            f"{q['name']}: off {q['off_req_s']:.0f} req/s, on {q['on_req_s']:.0f} req/s, "
            f"{q['ratio_on_to_off']:.1f}x; p99 {q['off_p99_ms']:.1f} -> {q['on_p99_ms']:.1f} ms"
        )
    if not args.no_write:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kind = "compiled-whole" if args.whole_record else "compiled"
        path = RESULTS / f"{stamp}-{kind}-{result['database']}.json"
        path.write_text(text + "\n")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
