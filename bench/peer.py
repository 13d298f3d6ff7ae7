"""`make bench-peer`: contact-graph next to PostGraphile v5 on the same PostgreSQL tables.

One run: create a fresh PostgreSQL database (dropped afterwards), migrate it, bulk-load
``--contacts`` contacts with ``--notes`` notes and ``--tasks`` tasks each (COPY, not the domain
services: only the rows these queries read), then serve contact-graph (uvicorn, as
`bench/run.py` serves it), PostGraphile v5 (`tools/postgraphile`, Node 22 from npm) and the bare
ASGI app (`bench/bare_asgi.py`) on that database. Each query is written in each server's own
GraphQL dialect (QUERIES): the same contacts, the same pages in the same order. First the
answers are checked equal (normalised to ids, texts and timestamps as instants: a difference
aborts the run), then contact-graph's SQL statements per request are read from its own
`/metrics`, then the same closed-loop load (`bench/run.py`'s raw HTTP/1.1 client) is put on
each, interleaved over ``--rounds`` rounds (bare, then for each query contact-graph and
PostGraphile in turn), so the machine's noise falls on both alike. Medians, p50/p99 and the
ratios contact-graph ÷ PostGraphile (the median of the per-round ratios) go to
`bench/results/<UTC time>-peer.json` and `latest-peer.json`. Nothing asserts a time.

``--app-env CONTACT_GRAPH_X=V`` passes a setting (server/settings.py) to contact-graph only,
e.g. to measure a feature flag against the same peer in the same run.

    .venv/bin/python bench/peer.py [--rounds 3] [--duration 5] [--app-env CONTACT_GRAPH_X=V]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pydantic
from run import (
    BENCH,
    DEFAULT_POSTGRES_URL,
    ENV_PREFIX,
    HOST,
    PACKAGES,
    RESULTS,
    ROOT,
    LoadResult,
    free_port,
    git_info,
    load_plan,
    log,
    machine_info,
    postgres_database,
    run_load,
    served_process,
    server_env,
    server_settings,
    uvicorn_server,
)
from sqlalchemy.engine import make_url

from persistence.migrate import upgrade_async
from server.auth import issue_token
from server.seed import ADMIN, DEMO_LOCATION_ID
from server.settings import Settings

PEER = ROOT / "tools" / "postgraphile"
NODE = PEER / "node_modules" / ".bin" / "node"
POSTGRAPHILE_CLI = PEER / "node_modules" / "postgraphile" / "dist" / "cli-run.js"
PAGE = 10  # notes and tasks per contact in both queries
MANY = 50  # contacts in the second query

# contact-graph's default orders, spelled out for PostGraphile: notes newest first, tasks
# soonest due first, contacts newest first, ties broken by id the same way (persistence/paging.py)
CG_PAGES = f"""
  notes(first: {PAGE}) {{ edges {{ node {{ id body createdAt }} }} }}
  tasks(first: {PAGE}) {{ edges {{ node {{ id title dueAt }} }} }}"""
PGL_PAGES = f"""
  notes(first: {PAGE}, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) {{
    edges {{ node {{ rowId body createdAt }} }} }}
  tasks(first: {PAGE}, orderBy: [DUE_AT_ASC, ROW_ID_ASC]) {{
    edges {{ node {{ rowId title dueAt }} }} }}"""


@dataclass(frozen=True)
class Query:
    name: str
    contact_graph: str
    postgraphile: str
    needs_contact: bool  # takes $id: the contact of the first query


QUERIES = [
    Query(
        f"one contact + first {PAGE} notes + first {PAGE} tasks",
        f"query One($id: ID!) {{ contact(id: $id) {{ id {CG_PAGES} }} }}",
        f"query One($id: String!) {{ contact(rowId: $id) {{ rowId {PGL_PAGES} }} }}",
        True,
    ),
    Query(
        f"{MANY} contacts, each with those notes and tasks",
        f"query Many {{ contacts(first: {MANY}) {{ edges {{ node {{ id {CG_PAGES} }} }} }} }}",
        # contact-graph reads the viewer's location only (every seeded contact is in it)
        f"query Many($location: String!) {{ contacts(first: {MANY}, "
        "orderBy: [CREATED_AT_DESC, ROW_ID_DESC], condition: {locationId: $location}) "
        f"{{ edges {{ node {{ rowId {PGL_PAGES} }} }} }} }}",
        False,
    ),
    Query("{ __typename }", "{ __typename }", "{ __typename }", False),
]


# --------------------------------------------------------------------------- the data


async def load_rows(url: str, contacts: int, notes: int, tasks: int) -> tuple[dict[str, Any], str]:
    """COPY the location, ``contacts`` contacts (newest first = highest index) and their notes
    and tasks, each row with its own timestamp (no ties in any order). Returns the counts and
    the id of the contact the first query reads (one in the middle)."""
    u = make_url(url)
    conn = await asyncpg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password, database=u.database
    )
    base = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [str(uuid.uuid4()) for _ in range(contacts)]
    note_columns = ["id", "location_id", "contact_id", "body", "created_at", "updated_at"]
    task_columns = ["id", "location_id", "contact_id", "title", "due_at", "assignee_id"]
    try:
        await conn.copy_records_to_table(
            "location",
            records=[(DEMO_LOCATION_ID, "Bench", base)],
            columns=["id", "name", "created_at"],
        )
        await conn.copy_records_to_table(
            "contact",
            records=[
                (cid, DEMO_LOCATION_ID, f"First{i}", "LEAD", at, at, 0)
                for i, cid in enumerate(ids)
                for at in [base + timedelta(seconds=i, microseconds=123_456)]
            ],
            columns=[
                "id",
                "location_id",
                "first_name",
                "contact_type",
                "created_at",
                "updated_at",
                "version",
            ],
        )
        await conn.copy_records_to_table(
            "contact_note",
            records=[
                (
                    str(uuid.uuid4()),
                    DEMO_LOCATION_ID,
                    cid,
                    f"Note {j} of contact {i}: {'x' * 60}",
                    at,
                    at,
                )
                for i, cid in enumerate(ids)
                for j in range(notes)
                for at in [base + timedelta(minutes=i, seconds=j, microseconds=1_000 * j)]
            ],
            columns=note_columns,
        )
        await conn.copy_records_to_table(
            "contact_task",
            records=[
                (
                    str(uuid.uuid4()),
                    DEMO_LOCATION_ID,
                    cid,
                    f"Task {j} of contact {i}",
                    due,
                    ADMIN.user_id,
                    at,
                    at,
                    0,
                )
                for i, cid in enumerate(ids)
                for j in range(tasks)
                for at, due in [
                    (
                        base + timedelta(minutes=i, seconds=j),
                        base + timedelta(days=1, minutes=i, seconds=-j),
                    )
                ]
            ],
            columns=[*task_columns, "created_at", "updated_at", "version"],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return {"contacts": contacts, "notes_per_contact": notes, "tasks_per_contact": tasks}, ids[
        contacts // 2
    ]


# --------------------------------------------------------------------------- the answers


def normalise(document: dict[str, Any], dialect: str) -> list[Any]:
    """Either server's answer as one shape: [(contact id, [(note id, body, instant)],
    [(task id, title, instant)])], in the answer's order."""
    if document.get("errors"):
        raise SystemExit(f"{dialect} answered with errors: {json.dumps(document['errors'])[:800]}")
    data = document["data"]
    key = "id" if dialect == "contact-graph" else "rowId"
    if "contact" in data:
        contacts = [data["contact"]] if data["contact"] is not None else []
    else:
        contacts = [edge["node"] for edge in data["contacts"]["edges"]]

    def instant(text: str) -> str:
        return datetime.fromisoformat(text).astimezone(UTC).isoformat()

    return [
        [
            c[key],
            [
                [e["node"][key], e["node"]["body"], instant(e["node"]["createdAt"])]
                for e in c["notes"]["edges"]
            ],
            [
                [e["node"][key], e["node"]["title"], instant(e["node"]["dueAt"])]
                for e in c["tasks"]["edges"]
            ],
        ]
        for c in contacts
    ]


def check_equal(name: str, ours: list[Any], theirs: list[Any], contacts: int) -> None:
    """Abort unless both answers hold the same ``contacts`` contacts with full pages."""
    if ours != theirs:
        for index, (a, b) in enumerate(zip(ours, theirs, strict=False)):
            if a != b:
                raise SystemExit(
                    f"{name}: the answers differ at contact {index}:\n"
                    f"  contact-graph: {json.dumps(a)[:600]}\n"
                    f"  PostGraphile:  {json.dumps(b)[:600]}"
                )
        raise SystemExit(
            f"{name}: {len(ours)} contacts from contact-graph, {len(theirs)} from PostGraphile"
        )
    if len(ours) != contacts or any(len(c[1]) != PAGE or len(c[2]) != PAGE for c in ours):
        raise SystemExit(f"{name}: expected {contacts} contacts with {PAGE} notes and tasks each")


# --------------------------------------------------------------------------- statements


def statement_totals(metrics: str) -> tuple[float, float] | None:
    """(sum, count) of contact-graph's SQL-statements-per-operation histogram, all operations."""
    total = count = 0.0
    seen = False
    for line in metrics.splitlines():
        if line.startswith("contact_graph_graphql_request_sql_statements_sum"):
            total += float(line.rsplit(" ", 1)[1])
            seen = True
        elif line.startswith("contact_graph_graphql_request_sql_statements_count"):
            count += float(line.rsplit(" ", 1)[1])
    return (total, count) if seen else None


async def statements_per_request(
    client: httpx.AsyncClient, base: str, payload: dict[str, Any], headers: dict[str, str], n: int
) -> float | None:
    """The mean SQL statements of ``n`` requests, from the server's own /metrics (None when
    metrics are off)."""
    before = await client.get(f"{base}/metrics", headers=headers)
    for _ in range(n):
        await client.post(f"{base}/graphql", json=payload, headers=headers)
    after = await client.get(f"{base}/metrics", headers=headers)
    if before.status_code != 200 or after.status_code != 200:
        return None
    a, b = statement_totals(before.text), statement_totals(after.text)
    if a is None or b is None or b[1] == a[1]:
        return None
    return round((b[0] - a[0]) / (b[1] - a[1]), 2)


# --------------------------------------------------------------------------- the run


def app_settings(pairs: list[str]) -> dict[str, str]:
    """``--app-env NAME=VALUE`` pairs, refused unless NAME is a contact-graph setting
    (server/settings.py) other than the ones the benchmark sets itself."""
    own = {f"{ENV_PREFIX}{name}" for name in ("DATABASE_URL", "JWT_SECRET", "ENVIRONMENT")}
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        field = name.removeprefix(ENV_PREFIX).lower()
        if not sep or not name.startswith(ENV_PREFIX) or field not in Settings.model_fields:
            raise SystemExit(f"--app-env {pair!r}: not a setting (server/settings.py)")
        if name in own:
            raise SystemExit(f"--app-env {name}: the benchmark sets it itself")
        try:
            Settings.model_validate({field: value})
        except pydantic.ValidationError as exc:
            raise SystemExit(f"--app-env {pair!r}: {exc.errors()[0]['msg']}") from exc
        out[name] = value
    return out


def payload(query: str, values: dict[str, Any]) -> dict[str, Any]:
    """The request body: ``query`` with those of ``values`` it declares as variables."""
    used = {name: value for name, value in values.items() if f"${name}:" in query}
    return {"query": query} | ({"variables": used} if used else {})


def peer_versions() -> dict[str, str]:
    def of(package: str) -> str:
        meta = PEER / "node_modules" / package / "package.json"
        return str(json.loads(meta.read_text())["version"])

    return {"postgraphile": of("postgraphile"), "node": of("node")}


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    if not NODE.exists() or not POSTGRAPHILE_CLI.exists():
        raise SystemExit(
            "PostGraphile is not installed: make tools/postgraphile/node_modules/.installed"
        )
    extra = app_settings(args.app_env)
    plan = load_plan(args)
    machine = machine_info()
    started_at = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="contact-graph-bench-peer-") as tmp:
        folder = Path(tmp)
        async with postgres_database(args.postgres_url) as db:
            t0 = time.perf_counter()
            await upgrade_async(db.url)
            seeded, contact_id = await load_rows(db.url, args.contacts, args.notes, args.tasks)
            seed_seconds = round(time.perf_counter() - t0, 1)
            log(f"migrated and loaded in {seed_seconds} s: {seeded}")
            settings = server_settings(db.url, folder)
            token = issue_token(ADMIN, settings)
            env = server_env(settings)
            app_target = ["--app-dir", str(ROOT), "--factory", "server.app:create_app"]
            bare_target = ["--app-dir", str(BENCH), "bare_asgi:app"]
            pgl_port = free_port()
            pgl_url = make_url(db.url).set(drivername="postgresql")
            pgl_env = {k: v for k, v in env.items() if not k.startswith(ENV_PREFIX)} | {
                "DATABASE_URL": pgl_url.render_as_string(hide_password=False),
                "PORT": str(pgl_port),
                "NODE_ENV": "production",
            }
            pgl_argv = [str(NODE), str(POSTGRAPHILE_CLI), "--config", "graphile.config.mjs"]
            async with (
                uvicorn_server("app", app_target, env | extra, folder, "/health") as app,
                uvicorn_server("bare", bare_target, env, folder, "/") as bare,
                served_process(
                    "postgraphile",
                    pgl_argv,
                    pgl_port,
                    pgl_env,
                    folder,
                    "/graphql",
                    cwd=PEER,
                    health_post={"query": "{ __typename }"},
                ) as pgl,
            ):
                values = {"id": contact_id, "location": DEMO_LOCATION_ID}
                payloads = {
                    q.name: (payload(q.contact_graph, values), payload(q.postgraphile, values))
                    for q in QUERIES
                }
                headers = {"Authorization": f"Bearer {token}"}
                statements: dict[str, float | None] = {}
                answers: dict[str, dict[str, int]] = {}
                async with httpx.AsyncClient(timeout=30) as client:
                    for q in QUERIES:
                        ours_payload, theirs_payload = payloads[q.name]
                        ours = await client.post(
                            f"http://{HOST}:{app.port}/graphql", json=ours_payload, headers=headers
                        )
                        theirs = await client.post(
                            f"http://{HOST}:{pgl.port}/graphql",
                            json=theirs_payload,
                            headers=headers,
                        )
                        for who, r in (("contact-graph", ours), ("PostGraphile", theirs)):
                            if r.status_code != 200:
                                raise SystemExit(
                                    f"{q.name}: {who} answered HTTP {r.status_code}: {r.text[:500]}"
                                )
                        answers[q.name] = {
                            "contact_graph_bytes": len(ours.content),
                            "postgraphile_bytes": len(theirs.content),
                        }
                        if q.name != "{ __typename }":
                            check_equal(
                                q.name,
                                normalise(ours.json(), "contact-graph"),
                                normalise(theirs.json(), "postgraphile"),
                                1 if q.needs_contact else MANY,
                            )
                        elif ours.json()["data"] != theirs.json()["data"]:
                            raise SystemExit(f"{{ __typename }}: {ours.text} vs {theirs.text}")
                        statements[q.name] = await statements_per_request(
                            client, f"http://{HOST}:{app.port}", ours_payload, headers, 20
                        )
                log(
                    "answers equal; contact-graph SQL statements per request: "
                    + ", ".join(f"{n}: {s}" for n, s in statements.items())
                )
                log(f"load: {plan}, {args.rounds} rounds")
                rounds: dict[str, list[LoadResult]] = {"bare ASGI": []}
                for q in QUERIES:
                    rounds[f"{q.name} | contact-graph"] = []
                    rounds[f"{q.name} | PostGraphile"] = []
                for number in range(1, args.rounds + 1):
                    typename = payloads["{ __typename }"][0]
                    rounds["bare ASGI"].append(
                        await run_load(plan, bare.port, "/graphql", typename, token)
                    )
                    for q in QUERIES:
                        ours_payload, theirs_payload = payloads[q.name]
                        rounds[f"{q.name} | contact-graph"].append(
                            await run_load(plan, app.port, "/graphql", ours_payload, token)
                        )
                        rounds[f"{q.name} | PostGraphile"].append(
                            await run_load(plan, pgl.port, "/graphql", theirs_payload, token)
                        )
                    log(
                        f"  round {number}: "
                        + ", ".join(
                            f"{n}: {r[-1].requests_per_second:.0f}" for n, r in rounds.items()
                        )
                    )
    return {
        "benchmark": "peer",
        "started_at": started_at.isoformat(timespec="seconds"),
        "git": git_info(),
        "machine": machine,
        "database": {"kind": db.kind, "server_version": db.server_version},
        "packages": {name: version(name) for name in PACKAGES["postgres"]} | peer_versions(),
        "app_env": extra,
        "seed": seeded | {"seconds": seed_seconds},
        "load": asdict(plan) | {"rounds": args.rounds, "statistic": STATISTIC},
        "bare": summary([asdict(r) for r in rounds["bare ASGI"]]),
        "queries": [
            {
                "name": q.name,
                "contact_graph_query": q.contact_graph,
                "postgraphile_query": q.postgraphile,
                "answers": "equal" if q.name != "{ __typename }" else "identical",
                **answers[q.name],
                "contact_graph_sql_statements_per_request": statements[q.name],
                **compare(
                    [asdict(r) for r in rounds[f"{q.name} | contact-graph"]],
                    [asdict(r) for r in rounds[f"{q.name} | PostGraphile"]],
                    [asdict(r) for r in rounds["bare ASGI"]],
                ),
            }
            for q in QUERIES
        ],
    }


STATISTIC = (
    "req/s, p50, p99: the median of the rounds; ratios: the median over the rounds of "
    "contact-graph's figure divided by PostGraphile's (or the bare app's) in the same round"
)


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "requests_per_second": round(
            statistics.median(r["requests_per_second"] for r in results), 1
        ),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in results), 2),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in results), 2),
        "errors": sum(r["errors"] for r in results),
        "first_error": next((r["first_error"] for r in results if r["first_error"]), None),
        "rounds": results,
    }


def compare(
    ours: list[dict[str, Any]], theirs: list[dict[str, Any]], bare: list[dict[str, Any]]
) -> dict[str, Any]:
    def ratio(a: list[dict[str, Any]], b: list[dict[str, Any]], key: str) -> float:
        values = [x[key] / y[key] for x, y in zip(a, b, strict=True) if y[key]]
        return float(f"{statistics.median(values):.3g}") if values else float("nan")

    return {
        "contact_graph": summary(ours),
        "postgraphile": summary(theirs),
        "ratio_requests_per_second": ratio(ours, theirs, "requests_per_second"),
        "ratio_p99": ratio(ours, theirs, "p99_ms"),
        "contact_graph_to_bare": ratio(ours, bare, "requests_per_second"),
        "postgraphile_to_bare": ratio(theirs, bare, "requests_per_second"),
    }


def table(result: dict[str, Any]) -> str:
    """The figures as a Markdown table (what the README shows)."""
    rows = [
        "| query | contact-graph req/s | p50 ms | p99 ms | SQL statements "
        "| PostGraphile req/s | p50 ms | p99 ms | req/s ratio | p99 ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for q in result["queries"]:
        ours, theirs = q["contact_graph"], q["postgraphile"]
        rows.append(
            f"| {q['name']} | {ours['requests_per_second']:.0f} | {ours['p50_ms']} "
            f"| {ours['p99_ms']} "
            f"| {q['contact_graph_sql_statements_per_request']} "
            f"| {theirs['requests_per_second']:.0f} | {theirs['p50_ms']} | {theirs['p99_ms']} "
            f"| {q['ratio_requests_per_second']:.2g} | {q['ratio_p99']:.2g} |"
        )
    bare = result["bare"]
    rows.append(
        f"| bare ASGI (ceiling), for {{ __typename }} | {bare['requests_per_second']:.0f} "
        f"| {bare['p50_ms']} | {bare['p99_ms']} | n/a | | | | | |"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/peer.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(f"{ENV_PREFIX}TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="server (and admin database) where a fresh database is created and dropped",
    )
    parser.add_argument("--contacts", type=int, default=5000, help="contacts loaded")
    parser.add_argument("--notes", type=int, default=10, help="notes per contact")
    parser.add_argument("--tasks", type=int, default=10, help="tasks per contact")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (median)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=3.0, help="measured seconds per load")
    parser.add_argument("--warmup", type=float, default=0.5, help="unmeasured seconds first")
    parser.add_argument(
        "--max-requests", type=int, default=200_000, help="at most this many requests per load"
    )
    parser.add_argument(
        "--app-env",
        action="append",
        default=[],
        metavar="CONTACT_GRAPH_X=V",
        help="a setting for the contact-graph server only (repeatable)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only, write no file")
    args = parser.parse_args(argv)
    if not (1 <= args.rounds <= 15 and 1 <= args.concurrency <= 64 and 0 < args.duration <= 60):
        parser.error("rounds 1-15, concurrency 1-64, duration up to 60 s")
    if not (
        MANY <= args.contacts <= 100_000 and PAGE <= args.notes <= 100 and PAGE <= args.tasks <= 100
    ):
        parser.error(f"contacts {MANY}-100000, notes and tasks {PAGE}-100 per contact")
    try:
        result = asyncio.run(bench(args))
    except KeyboardInterrupt:
        log("interrupted; servers stopped and the database removed")
        return 130
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        text = json.dumps(result, indent=2) + "\n"
        for name in (f"{stamp}-peer.json", "latest-peer.json"):
            (RESULTS / name).write_text(text)
        log(f"wrote bench/results/{stamp}-peer.json and latest-peer.json")
    machine = result["machine"]
    versions = result["packages"]
    print(
        f"\nPostgreSQL {result['database']['server_version']}, {machine['cpus']} CPUs, "
        f"PostGraphile {versions['postgraphile']} on Node {versions['node']}, "
        f"{args.concurrency} concurrent clients (raw), {args.duration:g} s per load, "
        f"median of {args.rounds} rounds; ratios are contact-graph ÷ PostGraphile\n\n"
        f"{table(result)}\n"
    )
    failed = False
    for q in result["queries"]:
        for who in ("contact_graph", "postgraphile"):
            if q[who]["errors"]:
                failed = True
                first = q[who]["first_error"]
                log(f"{q['name']} ({who}): {q[who]['errors']} failed; first: {first}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
