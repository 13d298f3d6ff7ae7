"""The import direction of the design card, checked by import-linter's contracts.

`schema -> resolvers -> {loaders, domain}`, `loaders -> persistence`, `persistence -> domain`,
the adapters beside persistence, the server (composition root) above everything, and a
`domain/` that imports no framework. The contracts live in pyproject.toml.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("adapters", "domain", "loaders", "persistence", "resolvers", "schema", "server")


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--config", "pyproject.toml"],
        cwd=where,
        env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_no_layer_imports_upward() -> None:
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("domain/_probe.py", "import persistence.db\n"),  # domain -> persistence
        ("loaders/_probe.py", "import resolvers.common\n"),  # loaders -> resolvers
        ("persistence/_probe.py", "from server import settings\n"),  # persistence -> server
        ("domain/_framework_probe.py", "import sqlalchemy\n"),  # domain -> a framework
    ],
)
def test_an_upward_import_breaks_a_contract(tmp_path: Path, module: str, line: str) -> None:
    """The check can fail: the same tree with one upward import is refused."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / module).write_text(line)
    run = lint_imports(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "BROKEN" in run.stdout
    assert module.removesuffix(".py").replace("/", ".") in run.stdout
