"""Fixtures shared by the domain unit tests: a fresh contact and a refusal checker."""

from __future__ import annotations

import pytest
from support import Refused, new_contact, refused_check

from domain.contact import Contact


@pytest.fixture
def contact() -> Contact:
    return new_contact()


@pytest.fixture
def refused() -> Refused:
    return refused_check
