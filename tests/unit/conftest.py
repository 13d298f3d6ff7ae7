"""Fixtures shared by the domain unit tests: a fresh contact and a refusal checker."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from contact_graph.domain.contact import Contact
from contact_graph.domain.errors import DomainError, ErrorCode

NOW = datetime(2026, 3, 22, 12, 0, tzinfo=UTC)

Refused = Callable[..., AbstractContextManager[pytest.ExceptionInfo[DomainError]]]


def new_contact() -> Contact:
    return Contact(location_id="loc", created_at=NOW, updated_at=NOW)


@pytest.fixture
def contact() -> Contact:
    return new_contact()


@contextmanager
def _refused(
    target: Any, code: ErrorCode, field: tuple[str, ...] | None = None
) -> Iterator[pytest.ExceptionInfo[DomainError]]:
    """The block must raise one user error with ``code`` (and ``field``) and leave
    ``target`` exactly as it was."""
    before = copy.deepcopy(target)
    with pytest.raises(DomainError) as info:
        yield info
    assert [e.code for e in info.value.errors] == [code]
    if field is not None:
        assert info.value.errors[0].field == field
    assert info.value.errors[0].message
    assert target == before, "a refused call must leave the aggregate unchanged"


@pytest.fixture
def refused() -> Refused:
    return _refused
