"""Prometheus metrics of one replica, scraped from ``GET /metrics`` (text exposition).

Each app has a registry of its own (tests build several apps in one process). The numbers
are one process's: run one uvicorn worker per replica and let Prometheus add replicas up;
prometheus-client's multiprocess mode is not set up. The README's "Observability" section
lists every series.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from persistence.db import watch_statements

SECONDS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STATEMENTS = (0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500)
LAG_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
OUTCOMES = ("ok", "user_error", "graphql_error", "unauthenticated", "masked")
"""How an operation ended, worst first: ``masked`` (an unexpected error, masked for the
client), ``unauthenticated``, ``graphql_error`` (any other error: validation, bad input, not
found), ``user_error`` (no error, but a mutation payload with ``userErrors``), ``ok``."""

_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")


@dataclass
class SqlTally:
    """The statements one operation ran, and the time they took."""

    statements: int = 0
    seconds: float = 0.0


_TALLY: ContextVar[SqlTally | None] = ContextVar("contact_graph_sql_tally", default=None)
"""The running operation's tally: set in its task, seen by the loader batches it starts
(tasks copy the context) and by SQLAlchemy's event hooks (they run in the caller's context)."""


def start_tally() -> SqlTally:
    tally = SqlTally()
    _TALLY.set(tally)
    return tally


def stop_tally() -> None:
    _TALLY.set(None)


class OperationLabels:
    """Operation names as label values, bounded: the first ``limit`` distinct names that
    authenticated requests used keep their name, later ones are ``other`` (a client could
    otherwise make a series per random name); no name is ``anonymous``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.names: set[str] = set()

    def label(self, name: str | None, *, admit: bool) -> str:
        if not name:
            return "anonymous"
        if name in self.names:
            return name
        if admit and len(self.names) < self.limit and _GRAPHQL_NAME.fullmatch(name):
            self.names.add(name)
            return name
        return "other"


class Metrics:
    """Every series the service exports; also the live subscriptions' observer
    (``resolvers/observers.py``)."""

    def __init__(self, max_operations: int = 200) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.operations = OperationLabels(max_operations)
        self._series: dict[tuple[str, str], tuple[Counter, Histogram, Histogram, Histogram]] = {}
        """Each (operation label, outcome)'s series: bounded as the labels are."""
        self.requests = Counter(
            "contact_graph_graphql_requests",
            "GraphQL queries and mutations (HTTP or websocket), by operation and outcome",
            ["operation", "outcome"],
            registry=r,
        )
        self.duration = Histogram(
            "contact_graph_graphql_request_duration_seconds",
            "Time to execute a GraphQL query or mutation, from parsing to the result",
            ["operation"],
            buckets=SECONDS,
            registry=r,
        )
        self.request_statements = Histogram(
            "contact_graph_graphql_request_sql_statements",
            "SQL statements one query or mutation ran",
            ["operation"],
            buckets=STATEMENTS,
            registry=r,
        )
        self.request_sql_seconds = Histogram(
            "contact_graph_graphql_request_sql_seconds",
            "Time one query or mutation spent in SQL statements (concurrent batches add up)",
            ["operation"],
            buckets=SECONDS,
            registry=r,
        )
        self.fast_lane_answers = Counter(
            "contact_graph_fast_lane_answers",
            "Queries answered from prepared bytes without execution (also counted in "
            "contact_graph_graphql_requests)",
            registry=r,
        )
        self.statements = Counter(
            "contact_graph_sql_statements", "SQL statements run (every caller)", registry=r
        )
        self.statement_seconds = Histogram(
            "contact_graph_sql_statement_duration_seconds",
            "Time of one SQL statement, from the cursor's execute to its return",
            buckets=SECONDS,
            registry=r,
        )
        self.pool_checked_out = Gauge(
            "contact_graph_db_pool_checked_out",
            "Database connections in use (checked out of the pool)",
            registry=r,
        )
        self.pool_size = Gauge(
            "contact_graph_db_pool_size",
            "Connections the pool keeps (as many again may overflow); 0 for SQLite, which "
            "opens a connection per checkout",
            registry=r,
        )
        self.subscriptions = Gauge(
            "contact_graph_subscriptions_active", "Subscriptions being served", registry=r
        )
        self.broker_lag = Histogram(
            "contact_graph_broker_delivery_lag_seconds",
            "From a live event's occurredAt to its being sent to a subscriber",
            buckets=LAG_SECONDS,
            registry=r,
        )
        self.broker_gaps = Counter(
            "contact_graph_broker_gaps",
            "Times a subscription was told the broker may have lost events (it replays)",
            registry=r,
        )
        self.webhook_deliveries = Counter(
            "contact_graph_webhook_deliveries",
            "Webhook deliveries attempted (reserved: no webhooks are sent yet)",
            registry=r,
        )
        self.webhook_failures = Counter(
            "contact_graph_webhook_delivery_failures",
            "Webhook deliveries that failed (reserved: no webhooks are sent yet)",
            registry=r,
        )

    # -- the operations (server/observability.py) ----------------------------------------

    def operation_done(self, label: str, outcome: str, seconds: float, sql: SqlTally) -> None:
        series = self._series.get((label, outcome))
        if series is None:  # `labels()` takes a lock and builds its key: once per pair
            series = (
                self.requests.labels(label, outcome),
                self.duration.labels(label),
                self.request_statements.labels(label),
                self.request_sql_seconds.labels(label),
            )
            self._series[(label, outcome)] = series
        requests, duration, statements, sql_seconds = series
        requests.inc()
        duration.observe(seconds)
        statements.observe(sql.statements)
        sql_seconds.observe(sql.seconds)

    # -- live subscriptions (resolvers/observers.py) -------------------------------------

    def delivered(self, occurred_at: datetime) -> None:
        lag = (datetime.now(UTC) - occurred_at).total_seconds()
        self.broker_lag.observe(max(lag, 0.0))  # another replica's clock may run ahead

    def gap(self) -> None:
        self.broker_gaps.inc()

    # -- the engine ----------------------------------------------------------------------

    def statement(self, seconds: float) -> None:
        """One SQL statement run by the engine (or by the fast lane on its connection)."""
        self.statements.inc()
        self.statement_seconds.observe(seconds)
        tally = _TALLY.get()
        if tally is not None:
            tally.statements += 1
            tally.seconds += seconds

    def watch_engine(self, engine: AsyncEngine) -> Callable[[], None]:
        """Count the engine's statements and watch its pool; returns the undo."""
        stop_statements = watch_statements(engine, self.statement)
        sync_engine = engine.sync_engine

        def pool() -> object:
            return sync_engine.pool  # read each time: dispose() replaces it

        if isinstance(pool(), QueuePool):
            self.pool_checked_out.set_function(lambda: float(sync_engine.pool.checkedout()))  # type: ignore[attr-defined]
            self.pool_size.set_function(lambda: float(sync_engine.pool.size()))  # type: ignore[attr-defined]
            return stop_statements
        # NullPool (SQLite) keeps no count: count checkouts and checkins
        self.pool_size.set(0)

        def checkout(*_: object) -> None:
            self.pool_checked_out.inc()

        def checkin(*_: object) -> None:
            self.pool_checked_out.dec()

        event.listen(sync_engine, "checkout", checkout)
        event.listen(sync_engine, "checkin", checkin)

        def stop() -> None:
            stop_statements()
            event.remove(sync_engine, "checkout", checkout)
            event.remove(sync_engine, "checkin", checkin)

        return stop

    # -- exposition ----------------------------------------------------------------------

    def route(self, token: SecretStr | None) -> Route:
        """``GET /metrics``; with a token, only for ``Authorization: Bearer <token>``."""
        expected = f"Bearer {token.get_secret_value()}".encode() if token else None

        async def metrics(request: Request) -> Response:
            if expected is not None:
                given = request.headers.get("authorization", "").encode()
                if not hmac.compare_digest(given, expected):
                    return Response(
                        "a bearer token is required for /metrics\n",
                        status_code=401,
                        media_type="text/plain",
                        headers={"WWW-Authenticate": "Bearer"},
                    )
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

        return Route("/metrics", metrics, methods=["GET"])
