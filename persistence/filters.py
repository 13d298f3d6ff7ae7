"""The conditions every list's filter compiler is made of, so each means the same on every list:
a time range, a set of enum values, a text search.

Each returns a WHERE condition, ``true()`` when the filter member was not given.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, true

from domain.values import TimeRange


def in_range(column: Any, r: TimeRange | None) -> ColumnElement[bool]:
    """``column`` at or after ``r.after`` and before ``r.before`` (`DateTimeRange`: `from`
    inclusive, `to` exclusive); an open end bounds nothing."""
    if r is None:
        return true()
    parts = []
    if r.after is not None:
        parts.append(column >= r.after)
    if r.before is not None:
        parts.append(column < r.before)
    return and_(true(), *parts)


def one_of(column: Any, values: Iterable[Enum] | None) -> ColumnElement[bool]:
    """``column`` holds one of the enum ``values``; an empty list matches nothing."""
    if values is None:
        return true()
    stored = [v.value for v in values]
    return column.in_(stored) if stored else false()


def contains_text(text: str | None, *columns: Any) -> ColumnElement[bool]:
    """Case-insensitive ``text`` (trimmed) in any of ``columns``; a blank text is no condition.
    `%` and `_` typed by the user are literal characters, not wildcards."""
    text = (text or "").strip()
    if not text:
        return true()
    return or_(*(c.icontains(text, autoescape=True) for c in columns))
