"""`make bench-cheap`: what a tiny, cached operation costs next to the bare ASGI ceiling.

The price every request pays before and around execution (the HTTP view, the context, the
token, the cached parse and validation, the extensions, logs and metrics, the JSON) is what
``{ __typename }`` measures: it reads nothing and its document is cached after the first
request. One run: migrate a fresh SQLite database (no data: nothing is read), serve the app
and the bare ASGI app (`bench/bare_asgi.py`) with the same uvicorn settings, and put the same
closed-loop load (`bench/run.py`'s raw HTTP/1.1 client) on each, interleaved over
``--rounds`` rounds (bare, then each operation, then again), so the machine's noise falls on
all alike. The first operation is also sent to a second app with the fast lane off
(``server/fast_lane.py``): what the lane saves, in the same run. The medians, and their
ratio to the bare app's, go to `bench/results/<UTC time>-cheap.json` and
`latest-cheap.json`. Nothing asserts a time.

    .venv/bin/python bench/cheap.py [--rounds 3] [--duration 4] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
    BENCH,
    HOST,
    RESULTS,
    ROOT,
    SERVING,
    LoadResult,
    git_info,
    load_plan,
    log,
    machine_info,
    run_load,
    server_env,
    server_settings,
    uvicorn_server,
)

from persistence.migrate import upgrade_async
from server.auth import issue_token
from server.seed import ADMIN

OPERATIONS: dict[str, tuple[dict[str, Any], bool]] = {
    "{ __typename }, with a token": ({"query": "{ __typename }"}, True),
    "{ __typename }, no token": ({"query": "{ __typename }"}, False),
    "query Ping { __typename }, operationName": (
        {"query": "query Ping { __typename }", "operationName": "Ping"},
        True,
    ),
}
"""What is sent, and whether with the bearer token. The first is the figure that counts."""
MAIN = "{ __typename }, with a token"
NO_LANE = "{ __typename }, with a token, no fast lane"
"""The first operation again, on a second app with the fast lane off
(``CONTACT_GRAPH_FAST_LANE_SIZE=0``): what the lane saves, in the same run."""


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    plan = load_plan(args)
    machine = machine_info()
    started_at = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="contact-graph-bench-cheap-") as tmp:
        folder = Path(tmp)
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        await upgrade_async(url)
        settings = server_settings(url, folder)
        token = issue_token(ADMIN, settings)
        env = server_env(settings)
        app_target = ["--app-dir", str(ROOT), "--factory", "server.app:create_app"]
        bare_target = ["--app-dir", str(BENCH), "bare_asgi:app"]
        no_lane_env = env | {"CONTACT_GRAPH_FAST_LANE_SIZE": "0"}
        rounds: dict[str, list[LoadResult]] = {
            "bare ASGI": [],
            **{name: [] for name in OPERATIONS},
            NO_LANE: [],
        }
        answers: dict[str, str] = {}
        async with (
            uvicorn_server("app", app_target, env, folder, "/health") as app,
            uvicorn_server("app-no-lane", app_target, no_lane_env, folder, "/health") as no_lane,
            uvicorn_server("bare", bare_target, env, folder, "/") as bare,
        ):
            for name, (payload, with_token) in OPERATIONS.items():  # checked once, in full
                headers = {"Authorization": f"Bearer {token}"} if with_token else {}
                async with httpx.AsyncClient(timeout=30) as client:
                    response = await client.post(
                        f"http://{HOST}:{app.port}/graphql", json=payload, headers=headers
                    )
                if response.status_code != 200 or b'"errors"' in response.content:
                    raise SystemExit(f"{name}: HTTP {response.status_code} {response.text[:500]}")
                answers[name] = response.text
            log(f"load: {plan}, {args.rounds} rounds")
            for number in range(1, args.rounds + 1):
                # the bare app gets the first operation's request bytes
                figures = await run_load(
                    plan, bare.port, "/graphql", OPERATIONS[MAIN][0], token, authorize=True
                )
                rounds["bare ASGI"].append(figures)
                for name, (payload, with_token) in OPERATIONS.items():
                    rounds[name].append(
                        await run_load(
                            plan, app.port, "/graphql", payload, token, authorize=with_token
                        )
                    )
                rounds[NO_LANE].append(
                    await run_load(
                        plan, no_lane.port, "/graphql", OPERATIONS[MAIN][0], token, authorize=True
                    )
                )
                log(
                    f"  round {number}: "
                    + ", ".join(f"{n}: {r[-1].requests_per_second:.0f}" for n, r in rounds.items())
                )
    measured = summarise(
        {name: [asdict(r) for r in results] for name, results in rounds.items()}, answers
    )
    return {
        "benchmark": "cheap",
        "started_at": started_at.isoformat(timespec="seconds"),
        "git": git_info(),
        "machine": machine,
        "packages": {name: version(name) for name in SERVING},
        "load": asdict(plan) | {"rounds": args.rounds, "statistic": STATISTIC},
        "ratio": next(m["ratio_to_bare"] for m in measured if m["name"] == MAIN),
        "fast_lane_gain": float(f"{lane_gain(rounds[MAIN], rounds[NO_LANE]):.3g}"),
        "operations": measured,
    }


def lane_gain(with_lane: list[LoadResult], without: list[LoadResult]) -> float:
    """The median over the rounds of req/s with the fast lane / without it."""
    pairs = zip(with_lane, without, strict=True)
    return statistics.median(a.requests_per_second / b.requests_per_second for a, b in pairs)


STATISTIC = (
    "req/s: the median of the rounds; ratio_to_bare: the median over the rounds of (req/s "
    "divided by the bare app's req/s in the same round)"
)


def summarise(
    rounds: dict[str, list[dict[str, Any]]], answers: dict[str, str]
) -> list[dict[str, Any]]:
    """Each operation's medians. The ratio is taken round by round, then its median: the
    machine's load moves within a run, and a round's loads are seconds apart."""
    bare = [r["requests_per_second"] for r in rounds["bare ASGI"]]
    measured = []
    for name, results in rounds.items():
        ratios = [r["requests_per_second"] / b for r, b in zip(results, bare, strict=True)]
        measured.append(
            {
                "name": name,
                "requests_per_second": round(
                    statistics.median(r["requests_per_second"] for r in results), 1
                ),
                "ratio_to_bare": float(f"{statistics.median(ratios):.3g}"),
                "p50_ms": statistics.median(r["p50_ms"] for r in results),
                "p99_ms": statistics.median(r["p99_ms"] for r in results),
                "errors": sum(r["errors"] for r in results),
                "answer": answers.get(name),
                "rounds": results,
            }
        )
    return measured


def table(result: dict[str, Any]) -> str:
    rows = [
        "| operation | req/s | p50 ms | p99 ms | errors | req/s vs bare |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for op in result["operations"]:
        rows.append(
            f"| {op['name']} | {op['requests_per_second']:.0f} | {op['p50_ms']} "
            f"| {op['p99_ms']} | {op['errors']} | {op['ratio_to_bare']:.2g} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/cheap.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=4.0, help="measured seconds per load")
    parser.add_argument("--warmup", type=float, default=0.5, help="unmeasured seconds first")
    parser.add_argument(
        "--max-requests", type=int, default=200_000, help="at most this many requests per load"
    )
    parser.add_argument("--no-write", action="store_true", help="print only, write no file")
    args = parser.parse_args(argv)
    if not (1 <= args.rounds <= 15 and 1 <= args.concurrency <= 64 and 0 < args.duration <= 60):
        parser.error("rounds 1-15, concurrency 1-64, duration up to 60 s")
    result = asyncio.run(bench(args))
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        text = json.dumps(result, indent=2) + "\n"
        for name in (f"{stamp}-cheap.json", "latest-cheap.json"):
            (RESULTS / name).write_text(text)
        log(f"wrote bench/results/{stamp}-cheap.json and latest-cheap.json")
    machine = result["machine"]
    print(
        f"\n{machine['cpus']} CPUs, Python {machine['python']}, {args.concurrency} concurrent "
        f"clients (raw), {args.duration:g} s per load, median of {args.rounds} rounds\n\n"
        f"{table(result)}\n\n{MAIN} / bare ASGI = {result['ratio']:.3g}; "
        f"with / without the fast lane = {result['fast_lane_gain']:.3g}\n"
    )
    return 1 if any(op["errors"] for op in result["operations"]) else 0


if __name__ == "__main__":
    sys.exit(main())
