"""The plain `alembic` command migrates the database the service is configured with:
alembic.ini names none, env.py reads CONTACT_GRAPH_DATABASE_URL (and `-x url=` still wins)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from persistence.migrate import head_revisions

ROOT = Path(__file__).resolve().parents[2]
ALEMBIC = Path(sys.executable).parent / "alembic"


def alembic(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ALEMBIC), "-c", str(ROOT / "alembic.ini"), *args],
        cwd=cwd,  # not the repository: no .env of a developer's, no var/ database
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def revision_of(path: Path) -> set[str]:
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return set(conn.scalars(sa.text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CONTACT_GRAPH_")}


def test_alembic_upgrade_head_migrates_the_configured_database(tmp_path: Path) -> None:
    db = tmp_path / "configured.db"
    env = clean_env() | {"CONTACT_GRAPH_DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
    done = alembic(tmp_path, env, "upgrade", "head")
    assert done.returncode == 0, done.stderr
    assert revision_of(db) == head_revisions()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".db") == ["configured.db"]


def test_an_x_url_wins_over_the_setting(tmp_path: Path) -> None:
    configured, given = tmp_path / "configured.db", tmp_path / "given.db"
    env = clean_env() | {"CONTACT_GRAPH_DATABASE_URL": f"sqlite+aiosqlite:///{configured}"}
    done = alembic(tmp_path, env, "-x", f"url=sqlite+aiosqlite:///{given}", "upgrade", "head")
    assert done.returncode == 0, done.stderr
    assert revision_of(given) == head_revisions()
    assert not configured.exists()
