"""The contacts filter tree (``domain.contact_query.ContactFilter``) as JSON, and back.

Smart lists store the filter a user saved; the stored form must read back into exactly the
same frozen dataclass tree (``filter_from_json(filter_to_json(f)) == f``), whatever members
the filter grows later. The codec is therefore driven by the dataclasses' own type hints:

- a dataclass becomes an object keyed by its field names; members at their default are left
  out, so a member added later reads back as its default from older rows;
- a tuple becomes a list, an enum its value, a ``datetime`` or ``date`` ISO-8601 (with the
  offset it had), numbers and booleans themselves;
- reading is strict: an unknown member or a value of the wrong shape raises
  :class:`StoredFilterError` instead of silently widening the saved question.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, Union

from domain.contact_query import ContactFilter

JSONValue = Any


class StoredFilterError(ValueError):
    """A stored filter that does not match the filter's shape (a bug or a bad migration)."""


def filter_to_json(f: ContactFilter) -> dict[str, JSONValue]:
    out = _encode(f, ContactFilter)
    assert isinstance(out, dict)
    return out


def filter_from_json(data: JSONValue) -> ContactFilter:
    value = _decode(data, ContactFilter, "filter")
    assert isinstance(value, ContactFilter)
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _is_optional(hint: Any) -> tuple[bool, Any]:
    """``X | None`` -> (True, X); anything else -> (False, hint)."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) != len(typing.get_args(hint)) and len(args) == 1:
            return True, args[0]
        raise TypeError(f"unsupported union in the filter: {hint!r}")
    return False, hint


def _encode(value: Any, hint: Any) -> JSONValue:
    optional, hint = _is_optional(hint)
    if value is None:
        if not optional:
            raise TypeError(f"None where {hint!r} is required")
        return None
    if dataclasses.is_dataclass(hint):
        hints = _hints(hint)  # type: ignore[arg-type]
        out: dict[str, JSONValue] = {}
        for f in dataclasses.fields(hint):
            member = getattr(value, f.name)
            if _is_default(f, member):
                continue
            out[f.name] = _encode(member, hints[f.name])
        return out
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        return [_encode(v, item) for v in value]
    if isinstance(hint, type) and issubclass(hint, Enum):
        return value.value
    if hint is datetime or hint is date:
        return value.isoformat()
    if hint in (str, bool, int, float):
        return value
    raise TypeError(f"unsupported type in the filter: {hint!r}")


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        return bool(value == f.default and type(value) is type(f.default))
    if f.default_factory is not dataclasses.MISSING:
        return bool(value == f.default_factory())
    return False


def _decode(data: JSONValue, hint: Any, path: str) -> Any:
    optional, hint = _is_optional(hint)
    if data is None:
        if not optional:
            raise StoredFilterError(f"{path}: a value is required")
        return None
    if dataclasses.is_dataclass(hint):
        if not isinstance(data, dict):
            raise StoredFilterError(f"{path}: expected an object")
        hints = _hints(hint)  # type: ignore[arg-type]
        names = {f.name for f in dataclasses.fields(hint)}
        unknown = set(data) - names
        if unknown:
            raise StoredFilterError(f"{path}: unknown members {sorted(unknown)}")
        members = {k: _decode(v, hints[k], f"{path}.{k}") for k, v in data.items()}
        try:
            return typing.cast(Any, hint)(**members)
        except TypeError as exc:  # a required member is missing
            raise StoredFilterError(f"{path}: {exc}") from exc
    if typing.get_origin(hint) is tuple:
        if not isinstance(data, list):
            raise StoredFilterError(f"{path}: expected a list")
        item = typing.get_args(hint)[0]
        return tuple(_decode(v, item, f"{path}[{i}]") for i, v in enumerate(data))
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(data)
        except ValueError as exc:
            raise StoredFilterError(f"{path}: {exc}") from exc
    if hint is datetime or hint is date:
        if not isinstance(data, str):
            raise StoredFilterError(f"{path}: expected an ISO-8601 string")
        try:
            return hint.fromisoformat(data)
        except ValueError as exc:
            raise StoredFilterError(f"{path}: {exc}") from exc
    if hint is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise StoredFilterError(f"{path}: expected a number")
        return float(data)
    if hint in (str, bool, int):
        if type(data) is not hint:
            raise StoredFilterError(f"{path}: expected {hint.__name__}")
        return data
    raise TypeError(f"unsupported type in the filter: {hint!r}")
