"""The Dockerfile passes hadolint with nothing to say, and matches the project: multi-stage,
the lock's runtime packages only, every package of the wheel copied, a non-root user,
`contact-graph serve`, a HEALTHCHECK on /health/live. No Docker engine runs on the development
machines or CI, so the image itself is never built here."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from server.cli import probe_url
from server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, rest = pending.strip().partition(" ")
        out.append((keyword.upper(), " ".join(rest.split())))
        pending = ""
    return out


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for keyword, args in instructions():
        if keyword == "FROM":
            found.append([])
        found[-1].append((keyword, args))
    return found


def test_hadolint_reports_nothing() -> None:
    done = subprocess.run(
        [str(HADOLINT), "--no-color", "--format", "json", "--failure-threshold", "style",
         str(DOCKERFILE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert json.loads(done.stdout or "[]") == [], done.stdout
    assert done.returncode == 0, done.stderr


def test_a_builder_stage_installs_the_lock_without_dev_packages() -> None:
    builder, runtime = stages()
    assert re.fullmatch(r"python:3\.11-slim\S* AS builder", builder[0][1]), builder[0]
    assert re.fullmatch(r"python:3\.11-slim\S* AS runtime", runtime[0][1]), runtime[0]
    runs = [args for keyword, args in builder if keyword == "RUN"]
    makefile = (ROOT / "Makefile").read_text()
    (uv_version,) = re.findall(r"^UV_VERSION := (\S+)$", makefile, re.M)
    assert f"pip install --no-cache-dir uv=={uv_version}" in runs
    assert "uv sync --frozen --no-dev --no-install-project" in runs
    assert "uv sync --frozen --no-dev --no-editable" in runs
    copied = {shlex.split(args)[0] for keyword, args in builder if keyword == "COPY"}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert set(packages) <= copied, set(packages) - copied
    # the runtime stage takes the virtualenv only, not the sources or uv
    assert [a for k, a in runtime if k == "COPY"] == [
        "--from=builder /opt/contact-graph /opt/contact-graph"
    ]


def test_the_runtime_serves_as_a_non_root_user_with_a_liveness_check() -> None:
    runtime = stages()[-1]
    users = [args for keyword, args in runtime if keyword == "USER"]
    assert users, "no USER: the server would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    (cmd,) = [json.loads(args) for keyword, args in runtime if keyword == "CMD"]
    assert cmd == ["contact-graph", "serve"]
    (healthcheck,) = [args for keyword, args in runtime if keyword == "HEALTHCHECK"]
    assert healthcheck.endswith('CMD ["contact-graph", "health"]'), healthcheck
    env = " ".join(args for keyword, args in runtime if keyword == "ENV")
    assert "CONTACT_GRAPH_ENVIRONMENT=production" in env
    assert "CONTACT_GRAPH_HOST=0.0.0.0" in env
    (port,) = re.findall(r"CONTACT_GRAPH_PORT=(\d+)", env)
    assert [args for keyword, args in runtime if keyword == "EXPOSE"] == [port]
    # `contact-graph health` (no --ready) probes liveness on the port the image serves on
    settings = Settings(host="0.0.0.0", port=int(port), _env_file=None)
    assert probe_url(settings, ready=False) == f"http://127.0.0.1:{port}/health/live"


def _docker_ignores(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent folders wins."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for raw in patterns:
        negated = raw.startswith("!")
        pattern = raw.removeprefix("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, c) for c in candidates):
            ignored = not negated
    return ignored


@pytest.mark.parametrize(
    ("path", "sent"),
    [
        ("pyproject.toml", True),
        ("uv.lock", True),
        ("README.md", True),
        ("server/cli.py", True),
        ("persistence/migrations/script.py.mako", True),
        ("persistence/migrations/versions/0001_contact_core.py", True),
        (".env", False),
        (".git/HEAD", False),
        (".venv/bin/python", False),
        (".tools/bin/uv", False),
        ("var/contact-graph.db", False),
        ("tests/conftest.py", False),
        ("tools/graphiql/node_modules/react/index.js", False),
        ("server/__pycache__/cli.cpython-311.pyc", False),
    ],
)
def test_dockerignore_sends_only_what_the_image_needs(path: str, sent: bool) -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert _docker_ignores(path, patterns) is not sent
