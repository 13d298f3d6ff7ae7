"""`make bench`, live updates: how long a committed change takes to reach a subscriber through
Redis, and how long one event takes to reach 1,000 subscribers of the same contact on one
replica -- and where that time goes.

Two app processes share the benchmark's database and a Redis server: replica A serves the
websocket subscribers (graphql-transport-ws), replica B takes the writes (`contactTagsAdd` /
`contactTagsRemove` over HTTP, one at a time, toggling one tag). All subscribers watch the
same contact, so the event crosses Redis once and A fans it out. The clients are one asyncio
process (this one) with the `websockets` library.

Per event, times are taken on one clock (``time.perf_counter``) in this process:

* ``from_response``: delivery minus the moment the mutation's HTTP response arrived. The app
  answers only after the commit and after the publish to Redis returned, so this is "commit +
  publish -> delivery" as seen from outside; it can be slightly negative when the event
  overtakes the response.
* ``from_request``: delivery minus the moment the mutation was sent: the whole write path plus
  delivery (an upper bound).
* ``from_occurred_at``: delivery (wall clock) minus the event's ``occurredAt``, which is the
  app's clock when the change started (before its writes and commit).

Where the time goes: the CPU time (utime + stime from ``/proc/<pid>/stat``) replica A, replica B
and this client process spend per event, with 1, 100 and 1,000 subscribers, and with 1,000
subscribers of a selection reduced to ``{ occurredAt }``. Every loop is bounded in count and in
time; nothing here asserts a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import pstats
import resource
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import httpx
import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

SUBSCRIPTION = (
    "subscription($id: ID!) { contactActivity(contactId: $id) { __typename id cursor kind "
    "occurredAt actor { id } ... on ContactTagsActivity { tagsAdded } } }"
)
"""What every subscriber asks for (the issue's selection)."""
MINIMAL_SUBSCRIPTION = "subscription($id: ID!) { contactActivity(contactId: $id) { occurredAt } }"
"""The same stream with one field (the one the latency needs): the difference between the two
is what executing the selection costs per subscriber."""
TAG = "bench-live"
TAGS_ADD = (
    """mutation($i: ContactTagsInput!) { contactTagsAdd(input: $i) { userErrors { code } } }"""
)
TAGS_REMOVE = (
    """mutation($i: ContactTagsInput!) { contactTagsRemove(input: $i) { userErrors { code } } }"""
)
CONNECT_CONCURRENCY = 50
"""Websocket handshakes (and subscription starts) in flight at once."""
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


class Replica(Protocol):
    @property
    def port(self) -> int: ...

    @property
    def pid(self) -> int: ...


ReplicaFactory = Callable[[str], contextlib.AbstractAsyncContextManager[Replica]]
"""Starts an app replica named so (with the Redis URL in its environment); yields it once
it answers, stops it afterwards."""


@dataclass
class LivePlan:
    redis_url: str
    latency_events: int = 100
    fan_out_events: int = 20
    subscribers: tuple[int, ...] = (100, 1000)
    compare_at: int = 100
    """Where the one-field selection is measured too (on the same sockets)."""
    profile: Path | None = None
    """Where replica A, started under cProfile, writes its profile (None: not profiled)."""
    event_timeout_s: float = 30.0
    connect_timeout_s: float = 120.0


# --------------------------------------------------------------------------- measuring


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process so far (Linux), in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def open_files_limit(pid: int | None = None) -> int | None:
    """The soft limit on open files of a process (this one when ``pid`` is None)."""
    if pid is None:
        return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    with contextlib.suppress(OSError, ValueError), open(f"/proc/{pid}/limits") as limits:
        for line in limits:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return None


def raise_open_files_limit(needed: int) -> dict[str, int]:
    """Raise this process's soft limit on open files to ``needed`` (at most the hard limit),
    before the replicas start: they inherit it. Each subscriber is a socket on both sides."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    new_soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if new_soft != resource.RLIM_INFINITY and new_soft < needed:
        raise SystemExit(f"open files limit {new_soft} < {needed} needed for the subscribers")
    return {"before": soft, "after": new_soft, "hard": hard, "needed": needed}


def nearest_rank(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50": round(nearest_rank(ms, 50), 2),
        "p90": round(nearest_rank(ms, 90), 2),
        "p99": round(nearest_rank(ms, 99), 2),
        "max": round(max(ms), 2) if ms else math.nan,
    }


# --------------------------------------------------------------------------- the clients


class Inbox:
    """Counts the results a set of subscribers received; wakes whoever waits for a number."""

    def __init__(self) -> None:
        self.count = 0
        self.target = 0
        self.reached = asyncio.Event()

    def expect(self, more: int) -> None:
        self.target = self.count + more
        self.reached.clear()

    def arrived(self) -> None:
        self.count += 1
        if self.count >= self.target:
            self.reached.set()


class Subscriber:
    """One websocket with one `contactActivity` operation; records when each result arrived.
    It does not parse what it receives (only the last message is kept), so that 1,000 of
    them cost this process as little as possible."""

    def __init__(self, ws: ClientConnection, inbox: Inbox) -> None:
        self.ws = ws
        self.inbox = inbox
        self.operations = 0
        self.times: list[float] = []
        self.last: str = ""
        self.failure: str | None = None
        self.reader: asyncio.Task[None] | None = None

    async def subscribe(self, query: str, contact_id: str) -> None:
        """Start the operation ``query`` on this socket, completing the previous one (the
        socket, and its handshake, are kept)."""
        if self.operations:
            await self.ws.send(json.dumps({"id": str(self.operations), "type": "complete"}))
        self.operations += 1
        payload = {"query": query, "variables": {"id": contact_id}}
        message = {"id": str(self.operations), "type": "subscribe", "payload": payload}
        await self.ws.send(json.dumps(message))

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                text = raw if isinstance(raw, str) else raw.decode()
                if '"type":"next"' in text:
                    self.times.append(time.perf_counter())
                    self.last = text
                    self.inbox.arrived()
                elif '"type":"ping"' in text:
                    await self.ws.send('{"type":"pong"}')
                elif '"type":"pong"' not in text:
                    self.failure = text[:500]
        except WebSocketException as exc:
            self.failure = f"{type(exc).__name__}: {exc}"


async def open_subscriber(
    url: str, token: str, query: str, contact_id: str, inbox: Inbox
) -> Subscriber:
    ws = await connect(
        url,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        compression=None,  # no permessage-deflate: its CPU would be the client's and A's
        ping_interval=None,
        open_timeout=30,
        close_timeout=2,
        max_queue=None,
    )
    try:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if ack.get("type") != "connection_ack":
            raise SystemExit(f"the replica refused the websocket: {ack}")
        sub = Subscriber(ws, inbox)
        await sub.subscribe(query, contact_id)
    except BaseException:
        await ws.close()
        raise
    sub.reader = asyncio.create_task(sub.read())
    return sub


async def close_subscribers(subs: Sequence[Subscriber]) -> None:
    async def close(sub: Subscriber) -> None:
        with contextlib.suppress(Exception):
            await sub.ws.close()
        if sub.reader is not None:
            sub.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sub.reader

    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(20):
            await asyncio.gather(*(close(sub) for sub in subs))


class Writer:
    """Replica B's side: one change at a time to the contact, toggling one tag, so every
    change is an event (TAGS_ADDED, TAGS_REMOVED, ...)."""

    def __init__(self, client: httpx.AsyncClient, url: str, token: str, contact_id: str) -> None:
        self.client = client
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.contact_id = contact_id
        self.tagged = False

    async def change(self) -> tuple[float, float]:
        """Sends one change; returns when it was sent and when its answer arrived."""
        query = TAGS_REMOVE if self.tagged else TAGS_ADD
        variables = {"i": {"contactId": self.contact_id, "tags": [TAG]}}
        sent = time.perf_counter()
        response = await self.client.post(
            self.url, json={"query": query, "variables": variables}, headers=self.headers
        )
        answered = time.perf_counter()
        body = response.json()
        data = (body.get("data") or {}).values()
        if response.status_code != 200 or body.get("errors") or any(d["userErrors"] for d in data):
            raise SystemExit(
                f"the change failed: HTTP {response.status_code} {response.text[:500]}"
            )
        self.tagged = not self.tagged
        return sent, answered


# --------------------------------------------------------------------------- the events


@dataclass
class Delivered:
    sent: float
    answered: float
    times: list[float | None]  # per subscriber; None: not within the timeout
    occurred_at: float | None  # the event's occurredAt, on the perf_counter clock


async def one_event(
    writer: Writer, subs: Sequence[Subscriber], inbox: Inbox, wait_s: float
) -> Delivered:
    """Make one change and wait (bounded) until every subscriber has its event."""
    before = [len(sub.times) for sub in subs]
    inbox.expect(len(subs))
    sent, answered = await writer.change()
    deadline = time.perf_counter() + wait_s
    while (left := deadline - time.perf_counter()) > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(inbox.reached.wait(), left)
        waiting = sum(1 for sub, n in zip(subs, before, strict=True) if len(sub.times) <= n)
        if not waiting:
            break
        inbox.expect(waiting)  # a late result of an earlier change was counted: wait on
    times = [
        sub.times[n] if len(sub.times) > n else None for sub, n in zip(subs, before, strict=True)
    ]
    occurred = None
    if times[0] is not None:
        item = json.loads(subs[0].last)["payload"]["data"]["contactActivity"]
        wall_to_perf = time.perf_counter() - time.time()
        occurred = datetime.fromisoformat(item["occurredAt"]).timestamp() + wall_to_perf
    return Delivered(sent, answered, times, occurred)


async def settle(pid: int, limit_s: float = 60.0) -> None:
    """Wait (bounded) until the replica is idle: under 20% of a core over half a second --
    starting a subscription costs it a few milliseconds (a visibility check, two queries)."""
    deadline = time.perf_counter() + limit_s
    while time.perf_counter() < deadline:
        before = cpu_seconds(pid)
        await asyncio.sleep(0.5)
        if cpu_seconds(pid) - before < 0.1:
            return


async def until_live(
    writer: Writer,
    subs: Sequence[Subscriber],
    inbox: Inbox,
    replica: Replica,
    attempts: int = 10,
) -> int:
    """Changes until one reaches every subscriber (a subscription is live only once the
    replica has subscribed it to the broker); returns how many it took."""
    for attempt in range(1, attempts + 1):
        await settle(replica.pid)
        delivered = await one_event(writer, subs, inbox, wait_s=10.0)
        if all(t is not None for t in delivered.times):
            return attempt
    missing = sum(1 for sub in subs if not sub.times)
    failures = [sub.failure for sub in subs if sub.failure][:3]
    raise SystemExit(f"{missing} of {len(subs)} subscribers never got an event: {failures}")


@dataclass
class Phase:
    """``events`` changes, one at a time, each delivered to ``subscribers`` subscribers."""

    name: str
    selection: str
    subscribers: int
    events: int
    missed: int
    from_response_ms: dict[str, float]
    from_request_ms: dict[str, float]
    from_occurred_at_ms: dict[str, float]
    first_from_response_ms: dict[str, float]
    median_from_response_ms: dict[str, float]
    replica_a_cpu_ms_per_event: float
    replica_a_cpu_us_per_delivery: float
    replica_b_cpu_ms_per_event: float
    client_cpu_ms_per_event: float
    seconds: float
    samples: list[dict[str, float]] = field(default_factory=list)


async def run_phase(
    name: str,
    selection: str,
    writer: Writer,
    subs: Sequence[Subscriber],
    inbox: Inbox,
    events: int,
    replicas: tuple[Replica, Replica],
    wait_s: float,
) -> Phase:
    """The latency figures are of the last subscriber to get each event (the only one with
    a single subscriber); CPU time is measured over the whole phase."""
    a, b = replicas
    await settle(a.pid)  # the previous phase's work is done
    cpu_a, cpu_b, cpu_client = cpu_seconds(a.pid), cpu_seconds(b.pid), time.process_time()
    started = time.perf_counter()
    delivered: list[Delivered] = []
    for _ in range(events):
        delivered.append(await one_event(writer, subs, inbox, wait_s))
        if time.perf_counter() - started > wait_s * 4:
            break  # bounded in time as well
    await asyncio.sleep(0.05)  # the last sends' tail on A
    cpu_a = cpu_seconds(a.pid) - cpu_a
    cpu_b = cpu_seconds(b.pid) - cpu_b
    cpu_client = time.process_time() - cpu_client
    seconds = time.perf_counter() - started
    complete = [d for d in delivered if all(t is not None for t in d.times)]
    missed = sum(1 for d in delivered for t in d.times if t is None)

    def last(d: Delivered) -> float:
        return max(t for t in d.times if t is not None)

    def median(d: Delivered) -> float:
        return nearest_rank([t for t in d.times if t is not None], 50)

    def first(d: Delivered) -> float:
        return min(t for t in d.times if t is not None)

    n = len(delivered)
    return Phase(
        name=name,
        selection=selection,
        subscribers=len(subs),
        events=n,
        missed=missed,
        from_response_ms=summary_ms([last(d) - d.answered for d in complete]),
        from_request_ms=summary_ms([last(d) - d.sent for d in complete]),
        from_occurred_at_ms=summary_ms(
            [last(d) - d.occurred_at for d in complete if d.occurred_at is not None]
        ),
        first_from_response_ms=summary_ms([first(d) - d.answered for d in complete]),
        median_from_response_ms=summary_ms([median(d) - d.answered for d in complete]),
        replica_a_cpu_ms_per_event=round(cpu_a / n * 1000, 2),
        replica_a_cpu_us_per_delivery=round(cpu_a / n / len(subs) * 1e6, 1),
        replica_b_cpu_ms_per_event=round(cpu_b / n * 1000, 2),
        client_cpu_ms_per_event=round(cpu_client / n * 1000, 2),
        seconds=round(seconds, 2),
        samples=[
            {
                "answered_ms": round((d.answered - d.sent) * 1000, 2),
                "last_from_response_ms": round((last(d) - d.answered) * 1000, 2),
            }
            for d in complete
        ],
    )


# --------------------------------------------------------------------------- the run


async def redis_version(url: str) -> str:
    client = aioredis.from_url(url, socket_connect_timeout=2)
    try:
        info = await client.info("server")
        return str(info.get("redis_version", "?"))
    except (OSError, aioredis.RedisError) as exc:
        raise SystemExit(
            f"Redis at {url} is not reachable ({exc}): start it with `make services`, or run "
            "without the live-update figures (--no-subscriptions)"
        ) from exc
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def subscribers(
    url: str, token: str, query: str, contact_id: str, n: int, inbox: Inbox, limit_s: float
) -> AsyncIterator[list[Subscriber]]:
    """``n`` subscribers (at most CONNECT_CONCURRENCY connecting at once), closed after."""
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    opened: list[Subscriber] = []

    async def one() -> None:
        async with gate:
            opened.append(await open_subscriber(url, token, query, contact_id, inbox))

    try:
        async with asyncio.timeout(limit_s):
            await asyncio.gather(*(one() for _ in range(n)))
        yield opened
    finally:
        await close_subscribers(opened)


async def bench_live(
    plan: LivePlan,
    start_replica: ReplicaFactory,
    token: str,
    contact_id: str,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """The "subscriptions" section of the results."""
    version = await redis_version(plan.redis_url)
    most = max((1, *plan.subscribers))
    files = raise_open_files_limit(most + 512)
    phases: list[Phase] = []
    async with (
        start_replica("replica-a") as a,
        start_replica("replica-b") as b,
        httpx.AsyncClient(timeout=30) as http,
    ):
        files["replica_a"] = open_files_limit(a.pid) or 0
        writer = Writer(http, f"http://127.0.0.1:{b.port}/graphql", token, contact_id)
        ws_url = f"ws://127.0.0.1:{a.port}/graphql"
        timeout, connect_s = plan.event_timeout_s, plan.connect_timeout_s
        async with contextlib.AsyncExitStack() as stack:
            subs: list[Subscriber] = []
            inbox = Inbox()

            async def measure(name: str, selection: str, events: int) -> None:
                phase = await run_phase(
                    name, selection, writer, subs, inbox, events, (a, b), timeout
                )
                phases.append(phase)
                log(f"  {_line(phase)}")

            async def switch(query: str) -> None:
                """Every subscriber's operation replaced by one with ``query``."""
                t0 = time.perf_counter()
                gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

                async def one(sub: Subscriber) -> None:
                    async with gate:
                        await sub.subscribe(query, contact_id)

                async with asyncio.timeout(connect_s):
                    await asyncio.gather(*(one(sub) for sub in subs))
                warm = await until_live(writer, subs, inbox, a)
                took = time.perf_counter() - t0
                log(f"  {len(subs):,} subscriptions replaced in {took:.1f} s ({warm} warm-up)")

            for n in (1, *plan.subscribers):
                t0 = time.perf_counter()
                more = subscribers(
                    ws_url, token, SUBSCRIPTION, contact_id, n - len(subs), inbox, connect_s
                )
                subs += await stack.enter_async_context(more)
                warm = await until_live(writer, subs, inbox, a)
                took = time.perf_counter() - t0
                log(f"  {n:,} subscriber(s) live in {took:.1f} s ({warm} warm-up)")
                if n == 1:
                    await measure("commit to delivery", "issue", plan.latency_events)
                    continue
                await measure(f"last of {n:,} subscribers", "issue", plan.fan_out_events)
                if n == plan.compare_at:  # the same sockets with the one-field selection
                    await switch(MINIMAL_SUBSCRIPTION)
                    name = f"last of {n:,} subscribers, {{ occurredAt }} only"
                    await measure(name, "occurredAt", plan.fan_out_events)
                    if n != max(plan.subscribers):
                        await switch(SUBSCRIPTION)
    return {
        "redis": {"url": plan.redis_url, "version": version},
        "replicas": "A serves the websockets, B takes the writes; one Redis between them",
        "subscription": SUBSCRIPTION,
        "minimal_subscription": MINIMAL_SUBSCRIPTION,
        "change": "contactTagsAdd / contactTagsRemove of one tag over HTTP to replica B, one "
        "at a time; the next change is made once every subscriber has the previous event",
        "reference": "from_response: delivery minus the arrival of the mutation's HTTP "
        "response (the app answers after commit and publish); from_request: minus the "
        "moment it was sent; from_occurred_at: wall clock at delivery minus occurredAt",
        "open_files": files,
        "phases": [asdict(p) for p in phases],
        "cost_split": cost_split(phases),
        "profile": profile_summary(plan.profile, phases) if plan.profile else None,
    }


def _line(p: Phase) -> str:
    return (
        f"{p.name}: p50 {p.from_response_ms['p50']} ms, p99 {p.from_response_ms['p99']} ms "
        f"after the response; A {p.replica_a_cpu_ms_per_event} ms CPU/event "
        f"({p.replica_a_cpu_us_per_delivery} us/delivery), B {p.replica_b_cpu_ms_per_event}, "
        f"client {p.client_cpu_ms_per_event}; missed {p.missed}"
    )


def cost_split(phases: Sequence[Phase]) -> dict[str, Any]:
    """Replica A's CPU per event against the number of subscribers: the fixed part (one
    subscriber), the part per extra delivery with the issue's selection, and with only
    ``occurredAt`` on the same sockets (what the selection itself costs per delivery)."""
    full = {p.subscribers: p for p in phases if p.selection == "issue"}
    if 1 not in full:
        return {}
    one = full[1].replica_a_cpu_ms_per_event

    def per_extra_delivery(p: Phase) -> float:
        return round((p.replica_a_cpu_ms_per_event - one) / (p.subscribers - 1) * 1000, 1)

    out: dict[str, Any] = {"replica_a_ms_per_event_1_subscriber": one}
    for n, p in sorted(full.items()):
        if n > 1:
            out[f"replica_a_us_per_extra_delivery_{n}"] = per_extra_delivery(p)
    for p in phases:
        if p.selection == "occurredAt" and p.subscribers in full:
            minimal = per_extra_delivery(p)
            whole = per_extra_delivery(full[p.subscribers])
            out[f"replica_a_us_per_extra_delivery_{p.subscribers}_occurred_at_only"] = minimal
            out[f"selection_share_of_a_delivery_{p.subscribers}"] = round(1 - minimal / whole, 2)
    return out


PROFILED = (
    ("selection executed (graphql-core, per subscriber)", "graphql", "execute_subscription_event"),
    ("fresh loaders (Context.fresh_loaders, per subscriber)", "server", "fresh_loaders"),
    ("result handling (strawberry)", "strawberry", "_handle_execution_result"),
    ("send (orjson, websocket frame, write)", "server", "send_json"),
    ("event to activity item (activity_from_domain)", "schema", "activity_from_domain"),
)
"""Functions that run once per delivery on replica A, by what they stand for."""


def profile_summary(path: Path, phases: Sequence[Phase]) -> dict[str, Any]:
    """Replica A ran under cProfile: the CPU per delivery of PROFILED, in microseconds
    (inflated by the profiler, more for code of many small Python calls), and as a share
    of A's CPU per delivery in the largest full phase (also measured under the profiler)."""
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    largest = max((p for p in phases if p.selection == "issue"), key=lambda p: p.subscribers)
    per_delivery_us = largest.replica_a_cpu_us_per_delivery
    parts: dict[str, Any] = {}
    for label, package, function in PROFILED:
        found = [
            (primitive, cumulative)
            for (file, _, name), (primitive, _, _, cumulative, _) in stats.items()
            if name == function and f"/{package}/" in file
        ]
        calls = sum(c for c, _ in found)
        if calls:
            us = sum(t for _, t in found) / calls * 1e6
            parts[label] = {
                "calls": calls,
                "us_per_call": round(us, 1),
                "share": round(us / per_delivery_us, 2),
            }
    return {
        "file": str(path.name),
        "replica_a_us_per_delivery_profiled": per_delivery_us,
        "at_subscribers": largest.subscribers,
        "parts": parts,
    }


def table(section: dict[str, Any]) -> str:
    """The live-update figures as a Markdown table: delivery times of the last subscriber to
    get each event, from the event's ``occurredAt`` ("commit") and from the moment the
    change was sent; CPU per event of each process."""
    rows = [
        "| live update (Redis, 2 replicas) | subscribers | events | commit → delivered p50 ms "
        "| p99 ms | sent → delivered p50 ms | p99 ms | A CPU ms/event | A µs/delivery "
        "| B CPU ms/event | client CPU ms/event | missed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for p in section["phases"]:
        rows.append(
            f"| {p['name']} | {p['subscribers']:,} | {p['events']} "
            f"| {p['from_occurred_at_ms']['p50']} | {p['from_occurred_at_ms']['p99']} "
            f"| {p['from_request_ms']['p50']} | {p['from_request_ms']['p99']} "
            f"| {p['replica_a_cpu_ms_per_event']} | {p['replica_a_cpu_us_per_delivery']} "
            f"| {p['replica_b_cpu_ms_per_event']} | {p['client_cpu_ms_per_event']} "
            f"| {p['missed']} |"
        )
    profile = section.get("profile")
    if profile:
        rows += [
            "",
            f"| replica A under cProfile, {profile['at_subscribers']:,} subscribers "
            f"({profile['replica_a_us_per_delivery_profiled']} µs/delivery) | µs per call "
            "| share of a delivery |",
            "| --- | ---: | ---: |",
        ]
        for label, part in profile["parts"].items():
            rows.append(f"| {label} | {part['us_per_call']} | {part['share']:.0%} |")
    return "\n".join(rows)


# --------------------------------------------------------------------------- alone


def source_tree(ref: str, folder: Path, root: Path) -> Path:
    """The files of git ``ref`` (``git archive``, no worktree or branch is made), for a
    baseline replica served from them with this checkout's virtualenv."""
    tree = folder / f"tree-{ref.replace('/', '_')}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=root, capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise SystemExit(f"git archive {ref}: {archive.stderr.decode()[:500]}")
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def ratios(baseline: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    """This tree's figures over the baseline's, phase by phase (same run, same data)."""
    before = {p["name"]: p for p in baseline["phases"]}
    out = []
    for p in current["phases"]:
        b = before.get(p["name"])
        if b is None:
            continue

        def over(figure: float, base: float) -> float | None:
            return round(figure / base, 3) if base else None

        out.append(
            {
                "name": p["name"],
                "last_from_occurred_at_p50": over(
                    p["from_occurred_at_ms"]["p50"], b["from_occurred_at_ms"]["p50"]
                ),
                "last_from_occurred_at_p99": over(
                    p["from_occurred_at_ms"]["p99"], b["from_occurred_at_ms"]["p99"]
                ),
                "replica_a_cpu_per_event": over(
                    p["replica_a_cpu_ms_per_event"], b["replica_a_cpu_ms_per_event"]
                ),
            }
        )
    return out


async def bench_alone(args: Any) -> dict[str, Any]:
    """Seed a fresh database (the demo data, ``--items`` per tab), then the live phases for
    each tree: the ``--baseline`` ref's first (if given), then this checkout's."""
    import tempfile

    from run import (
        ENV_PREFIX,
        ROOT,
        git_info,
        log,
        machine_info,
        postgres_database,
        seed_database,
        server_env,
        server_settings,
        sqlite_database,
        uvicorn_server,
    )

    from server.auth import issue_token
    from server.seed import ADMIN

    machine = machine_info()
    with tempfile.TemporaryDirectory(prefix="contact-graph-bench-live-") as tmp:
        folder = Path(tmp)
        database = (
            postgres_database(args.postgres_url) if args.postgres else sqlite_database(folder)
        )
        async with database as db:
            _, shared = await seed_database(db.url, folder / "files", args.items)
            settings = server_settings(db.url, folder)
            token = issue_token(ADMIN, settings)
            env = server_env(settings) | {f"{ENV_PREFIX}REDIS_URL": args.redis_url}
            trees = (
                [("baseline", source_tree(args.baseline, folder, ROOT))] if args.baseline else []
            )
            trees.append(("current", ROOT))
            runs: dict[str, Any] = {}
            for name, tree in trees:
                target = ["--app-dir", str(tree), "--factory", "server.app:create_app"]

                profile = Path(args.profile) / f"replica-a-{name}.prof" if args.profile else None

                def replica(
                    replica_name: str, target: list[str] = target, profile: Path | None = profile
                ) -> contextlib.AbstractAsyncContextManager[Replica]:
                    profiler = ("-m", "cProfile", "-o", str(profile))
                    python_args = profiler if profile and replica_name == "replica-a" else ()
                    return uvicorn_server(replica_name, target, env, folder, "/health", python_args)

                plan = LivePlan(
                    redis_url=args.redis_url,
                    latency_events=args.live_events,
                    fan_out_events=args.fan_out_events,
                    subscribers=tuple(args.subscribers),
                    compare_at=min(args.subscribers, default=0),
                    profile=profile,
                )
                log(f"live updates, {name} ({tree}): {plan}")
                runs[name] = await bench_live(plan, replica, token, shared.contact_ids[0], log)
    return {
        "benchmark": "live-updates",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": git_info() | {"baseline": args.baseline},
        "machine": machine,
        "database": {"kind": db.kind, "server_version": db.server_version},
        "seed": {"items_per_tab": args.items},
        "runs": runs,
        "ratios_to_baseline": ratios(runs["baseline"], runs["current"]) if args.baseline else None,
    }


def main(argv: list[str] | None = None) -> int:
    import argparse

    from run import DEFAULT_POSTGRES_URL, ENV_PREFIX, RESULTS, log

    parser = argparse.ArgumentParser(
        prog="bench/subscriptions.py",
        description="The live-update figures alone (no whole-record load), optionally "
        "against a baseline git ref in the same run: the ratios are what to compare.",
    )
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(f"{ENV_PREFIX}TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--items", type=int, default=1, help="items seeded per tab")
    parser.add_argument("--live-events", type=int, default=30, help="events, 1 subscriber")
    parser.add_argument("--fan-out-events", type=int, default=20, help="events per fan-out")
    parser.add_argument("--subscribers", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--baseline", help="a git ref measured first, in the same run")
    parser.add_argument(
        "--profile",
        metavar="FOLDER",
        help="run replica A under cProfile, its profiles written to FOLDER (slows it down)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only, write no file")
    args = parser.parse_args(argv)
    if not (
        1 <= args.items <= 100
        and 1 <= args.live_events <= 2000
        and 1 <= args.fan_out_events <= 200
        and all(2 <= n <= 5000 for n in args.subscribers)
    ):
        parser.error("items 1-100, live events 1-2000, fan-out events 1-200, subscribers 2-5000")
    args.subscribers = sorted(set(args.subscribers))
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)  # cProfile -o does not make it
    result = asyncio.run(bench_alone(args))
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kind = result["database"]["kind"]
        text = json.dumps(result, indent=2) + "\n"
        for name in (f"{stamp}-{kind}-live.json", f"latest-{kind}-live.json"):
            (RESULTS / name).write_text(text)
        log(f"wrote bench/results/{stamp}-{kind}-live.json and latest-{kind}-live.json")
    for name, run in result["runs"].items():
        print(f"\n{name}:\n\n{table(run)}")
    if result["ratios_to_baseline"]:
        print("\ncurrent ÷ baseline:")
        for r in result["ratios_to_baseline"]:
            print(f"  {r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
