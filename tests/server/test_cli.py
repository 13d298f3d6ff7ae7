"""`contact-graph serve` (migrated database, no demo data, no tokens, uvicorn from the settings,
graceful shutdown), the development commands' refusal in production, and seeding's progress."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from live_servers import free_port, wait_until

from persistence.migrate import head_revisions, upgrade, upgrade_async
from server import cli
from server.settings import Settings

PRODUCTION_SECRET = "a-production-secret-of-at-least-32-bytes"


def settings_for(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"environment": "test", "graphiql": False} | overrides
    return Settings(database_url=database_url, _env_file=None, **values)


def sqlite_url(tmp_path: Path, name: str = "cli.db") -> str:
    return f"sqlite+aiosqlite:///{tmp_path / name}"


class UvicornCalls:
    def __init__(self) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append((args, kwargs))


@pytest.fixture
def uvicorn_run(monkeypatch: pytest.MonkeyPatch) -> UvicornCalls:
    import uvicorn

    calls = UvicornCalls()
    monkeypatch.setattr(uvicorn, "run", calls)
    return calls


def run_cli(monkeypatch: pytest.MonkeyPatch, settings: Settings, *argv: str) -> int:
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    return cli.main(list(argv))


def tables(database_url: str) -> set[str]:
    path = database_url.removeprefix("sqlite+aiosqlite:///")
    if not Path(path).exists():
        return set()
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def count(database_url: str, table: str) -> int:
    engine = sa.create_engine(database_url.replace("+aiosqlite", ""))
    try:
        with engine.connect() as conn:
            return int(conn.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)
    finally:
        engine.dispose()


def test_serve_refuses_a_database_without_migrations(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    uvicorn_run: UvicornCalls,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = sqlite_url(tmp_path)
    assert run_cli(monkeypatch, settings_for(url), "serve") == 2
    err = capsys.readouterr().err
    assert "refusing to serve" in err
    assert "has no migrations applied" in err
    assert "`contact-graph migrate`" in err
    assert "--migrate" in err
    assert uvicorn_run.calls == []
    assert tables(url) <= {"alembic_version"}  # nothing was migrated behind the operator's back


def test_serve_refuses_a_database_behind_the_code(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    uvicorn_run: UvicornCalls,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = sqlite_url(tmp_path)
    upgrade(url, "0006")
    (head,) = head_revisions()
    assert head != "0006"
    assert run_cli(monkeypatch, settings_for(url), "serve") == 2
    err = capsys.readouterr().err
    assert f"is at revision 0006; this release needs {head}" in err
    assert uvicorn_run.calls == []


def test_serve_refuses_an_unreachable_database(
    monkeypatch: pytest.MonkeyPatch, uvicorn_run: UvicornCalls, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql+asyncpg://app:hunter2@127.0.0.1:{free_port()}/contacts"
    assert run_cli(monkeypatch, settings_for(url), "serve") == 2
    err = capsys.readouterr().err
    assert "cannot read the migration state of the database" in err
    assert "hunter2" not in err  # the URL is shown without its password
    assert uvicorn_run.calls == []


async def test_serve_runs_uvicorn_from_the_settings_without_seeding_or_tokens(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    uvicorn_run: UvicornCalls,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = sqlite_url(tmp_path)
    await upgrade_async(url)
    settings = settings_for(
        url,
        host="0.0.0.0",
        port=8123,
        workers=3,
        forwarded_allow_ips="10.0.0.0/8,192.168.0.1",
        root_path="/contacts",
        graceful_shutdown_seconds=7,
        log_level="WARNING",
    )
    # main() runs asyncio.run(); off the test's own loop
    code = await asyncio.to_thread(run_cli, monkeypatch, settings, "serve")
    assert code == 0
    assert uvicorn_run.calls == [
        (
            ("server.app:create_app",),
            {
                "factory": True,
                "workers": 3,
                "host": "0.0.0.0",
                "port": 8123,
                "proxy_headers": True,
                "forwarded_allow_ips": "10.0.0.0/8,192.168.0.1",
                "root_path": "/contacts",
                "timeout_graceful_shutdown": 7,
                "log_level": "warning",
                "log_config": None,
                "lifespan": "on",
            },
        )
    ]
    out = capsys.readouterr()
    assert "eyJ" not in out.out + out.err  # no JWT printed
    assert "warning: CONTACT_GRAPH_WORKERS > 1 without CONTACT_GRAPH_REDIS_URL" in out.err
    assert count(url, "location") == 0  # no demo data
    assert count(url, "contact") == 0


def test_serve_migrate_applies_the_migrations_first(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    uvicorn_run: UvicornCalls,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = sqlite_url(tmp_path / "created-by-migrate")
    settings = settings_for(url, workers=2, redis_url="redis://127.0.0.1:6379/0")
    assert run_cli(monkeypatch, settings, "serve", "--migrate") == 0
    assert len(uvicorn_run.calls) == 1
    assert "warning" not in capsys.readouterr().err  # several workers share Redis
    assert {"alembic_version", "contact", "location"} <= tables(url)
    assert count(url, "contact") == 0


@pytest.mark.parametrize("command", ["run", "seed", "token"])
def test_development_commands_refuse_in_production(
    command: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    uvicorn_run: UvicornCalls,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = sqlite_url(tmp_path)
    settings = settings_for(url, environment="production", jwt_secret=PRODUCTION_SECRET)
    assert run_cli(monkeypatch, settings, command) == 2
    out = capsys.readouterr()
    assert out.err.startswith(f"contact-graph {command}: for development only: it ")
    assert "`contact-graph serve`" in out.err
    assert "eyJ" not in out.out + out.err
    assert uvicorn_run.calls == []
    assert not (tmp_path / "cli.db").exists()  # not migrated, not seeded


def test_token_still_works_in_development(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(monkeypatch, settings_for(sqlite_url(tmp_path)), "token") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[0] for line in lines] == ["admin", "restricted"]


async def test_seeding_reports_its_progress_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = sqlite_url(tmp_path)
    await upgrade_async(url)
    await cli._seed(settings_for(url), force=False, contacts=12, items_per_tab=1)
    out = capsys.readouterr()
    # the app's log handler (any app built earlier in this process) writes to stderr too
    progress = [line for line in out.err.splitlines() if line.startswith("seeding: ")]
    assert progress == [
        "seeding: contacts 10/12",
        "seeding: contacts 12/12",
        "seeding: tabs of contacts 10/12",
        "seeding: tabs of contacts 12/12",
    ]
    assert out.out == "seeded 12 demo contacts, 1 items in each of their tabs\n"


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("0.0.0.0", "http://127.0.0.1:9000/health/live"),
        ("::", "http://[::1]:9000/health/live"),
        ("10.1.2.3", "http://10.1.2.3:9000/health/live"),
    ],
)
def test_the_health_command_probes_where_serve_listens(host: str, url: str) -> None:
    settings = settings_for("sqlite+aiosqlite:///unused.db", host=host, port=9000)
    assert cli.probe_url(settings, ready=False) == url
    assert cli.probe_url(settings, ready=True) == url.replace("live", "ready")


BODY = b'{"query": "{ __typename }"}'


@pytest.mark.parametrize("root_path", ["contacts", "/contacts/", "/"])
def test_a_root_path_starts_with_a_slash_and_does_not_end_with_one(root_path: str) -> None:
    with pytest.raises(ValueError, match="root_path"):
        settings_for("sqlite+aiosqlite:///unused.db", root_path=root_path)
    assert settings_for("sqlite+aiosqlite:///unused.db", root_path="/a/b").root_path == "/a/b"


def _stalled_request(port: int) -> socket.socket:
    """A POST /graphql whose body stops half-way: a request in flight."""
    body = BODY
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sendall(
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:10]
    )
    return conn


def test_serve_drains_in_flight_requests_then_stops_within_the_grace_period(
    tmp_path: Path,
) -> None:
    """SIGTERM: a request in flight still gets its answer; one that would hold the process
    forever is cancelled after CONTACT_GRAPH_GRACEFUL_SHUTDOWN_SECONDS; the lifespan's
    shutdown (broker, engine) runs, and the process ends by the signal it was sent (uvicorn
    raises it again once it has shut down cleanly, so a supervisor sees a SIGTERM exit)."""
    url = sqlite_url(tmp_path)
    upgrade(url)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTACT_GRAPH_")}
    env |= {
        "CONTACT_GRAPH_DATABASE_URL": url,
        "CONTACT_GRAPH_ENVIRONMENT": "test",
        "CONTACT_GRAPH_GRAPHIQL": "false",
        "CONTACT_GRAPH_PORT": str(port),
        "CONTACT_GRAPH_GRACEFUL_SHUTDOWN_SECONDS": "1",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def live() -> bool:
            assert process.poll() is None, log.read_text()
            try:
                return httpx.get(f"http://127.0.0.1:{port}/health/live").status_code == 200
            except httpx.TransportError:
                return False

        wait_until(live, 30, "contact-graph serve")
        finishing, stuck = _stalled_request(port), _stalled_request(port)
        time.sleep(0.5)  # both requests reached the app, which waits for their bodies
        process.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        time.sleep(0.3)
        finishing.sendall(BODY[10:])
        answer = finishing.recv(65536).decode()
        assert answer.startswith("HTTP/1.1 200"), answer
        process.wait(timeout=15)
        took = time.monotonic() - stopped_at
        finishing.close()
        stuck.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text()
    assert process.returncode == -signal.SIGTERM, text
    assert 1 <= took < 6, (took, text)
    assert "timeout graceful shutdown exceeded" in text, text
    assert "Application shutdown complete" in text, text
