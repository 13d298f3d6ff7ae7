"""Opaque cursors for keyset pagination: base64url of a JSON list of sort values."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, or_

from domain.values import find_text_problem, time_problem


class InvalidCursor(ValueError):
    """The client sent a cursor this server did not make."""


def encode_cursor(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(orjson.dumps(plain)).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, orjson.JSONDecodeError, ValueError) as exc:
        raise InvalidCursor(f"invalid cursor: {cursor!r}") from exc
    if not isinstance(values, list) or len(values) != length or find_text_problem(values):
        raise InvalidCursor(f"invalid cursor: {cursor!r}")  # NUL text never reaches SQL
    return values


def cursor_int(cursor: str, value: Any) -> int:
    """An integer sort value of ``cursor``: one a BIGINT column can be compared with."""
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**63) <= value < 2**63:
        raise InvalidCursor(f"invalid cursor: {cursor!r}")
    return value


def keyset_after(cursor: str, sort: Any, ident: Any, descending: bool) -> ColumnElement[bool]:
    """Rows strictly after ``cursor`` (a ``[sort value, id]`` pair) in the order
    ``sort, ident`` (descending or not). The one keyset clause of every paged list.

    The sort value must have the sort column's type (a forged cursor is an InvalidCursor,
    a client error, never a database error): timestamps arrive as ISO strings.
    """
    value, last_id = decode_cursor(cursor, 2)
    if not isinstance(last_id, str):
        raise InvalidCursor(f"invalid cursor: {cursor!r}")
    value = _typed(cursor, value, sort.type)
    if descending:
        return or_(sort < value, and_(sort == value, ident < last_id))
    return or_(sort > value, and_(sort == value, ident > last_id))


def _typed(cursor: str, value: Any, column_type: Any) -> Any:
    from persistence.types import UTCDateTime

    try:
        expected = column_type.python_type
    except NotImplementedError:
        expected = object
    if isinstance(column_type, UTCDateTime) or expected is datetime:
        try:
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise InvalidCursor(f"invalid cursor: {cursor!r}") from exc
        if parsed.tzinfo is None or time_problem(parsed):
            raise InvalidCursor(f"invalid cursor: {cursor!r}")
        return parsed
    if expected is int:
        return cursor_int(cursor, value)
    if expected is str and not isinstance(value, str):
        raise InvalidCursor(f"invalid cursor: {cursor!r}")
    if expected is float and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise InvalidCursor(f"invalid cursor: {cursor!r}")
    return value
