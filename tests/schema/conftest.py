"""Fixtures of the federation tests (helpers in federation_support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from federation_support import Server, find_node, seeded_server


@pytest.fixture(scope="session")
def node() -> str:
    """The `node` executable, once tools/federation's packages are installed."""
    return find_node()


@pytest.fixture(scope="module")
def server(node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """contact-graph under uvicorn on a free port, with the demo data in a fresh SQLite file;
    one per test module."""
    with seeded_server(tmp_path_factory.mktemp("federation")) as running:
        yield running
