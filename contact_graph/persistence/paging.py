"""Opaque cursors for keyset pagination: base64url of a JSON list of sort values."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

import orjson


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
    if not isinstance(values, list) or len(values) != length:
        raise InvalidCursor(f"invalid cursor: {cursor!r}")
    return values
