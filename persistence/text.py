"""Text that matches and sorts the same on SQLite and PostgreSQL.

Case-insensitive comparisons are written once, with SQL's ``lower`` (``func.lower``,
``icontains``, ``istartswith``). PostgreSQL's ``lower()`` and ``ILIKE`` fold every cased
letter; SQLite's fold only ASCII ("CAFÉ" would not find "Café"), so every SQLite connection
gets ``lower`` replaced by :func:`fold` (:func:`register`). Accents are not folded: "cafe"
does not find "Café", on either database.

Names sort by :func:`name_order`: case-insensitive, in the Unicode Collation Algorithm's root
order ("Éclair" before "Zimmer", "ångström" among the a's), not by code point. PostgreSQL
runs it as ICU's root collation; SQLite gets a collation of the same name from ``pyuca``
(UCA's default table), which orders like ICU root for every script except Han ideographs
(code point order there, radical-stroke in ICU).
"""

from __future__ import annotations

import functools
import sqlite3
from typing import Any

from sqlalchemy import ColumnElement, String, func

NAME_COLLATION = "und-x-icu"
"""PostgreSQL's name for ICU's root-locale collation; registered under the same name on
SQLite, so both databases run the same SQL."""


_SIMPLE_LOWER = str.maketrans({"\u0130": "i", "\u03a3": "\u03c3"})
"""The two letters ``str.lower`` maps otherwise than PostgreSQL: capital I with dot above
(to "i" plus a combining dot) and capital sigma (to final sigma at the end of a word)."""


def fold(text: str) -> str:
    """``text`` lower-cased character by character, as PostgreSQL's ``lower()`` does."""
    return text.translate(_SIMPLE_LOWER).lower()


def name_order(name: Any) -> ColumnElement[str]:
    """The sort key of a name: lower-cased, compared in the root collation. The ORDER BY and
    the keyset comparison of a cursor both use it, so pages neither skip nor repeat."""
    return func.lower(name, type_=String).collate(NAME_COLLATION)


@functools.cache
def _collator() -> Any:
    from pyuca import Collator  # its table takes ~1 s and 11 MB: load it on first use

    return Collator()


@functools.lru_cache(maxsize=65536)
def _sort_key(text: str) -> tuple[int, ...]:
    key: tuple[int, ...] = _collator().sort_key(text)
    return key


def compare_names(a: str, b: str) -> int:
    """SQLite's ``NAME_COLLATION``: UCA order, ties broken by code point, as PostgreSQL's
    deterministic ICU collations do, so only equal strings compare equal."""
    if a == b:
        return 0
    return -1 if (_sort_key(a), a) < (_sort_key(b), b) else 1


def _sqlite_lower(value: object) -> str | None:
    return None if value is None else fold(str(value))


def register(connection: sqlite3.Connection) -> None:
    """Give one SQLite connection PostgreSQL's Unicode ``lower`` and the name collation."""
    connection.create_function("lower", 1, _sqlite_lower, deterministic=True)
    connection.create_collation(NAME_COLLATION, compare_names)
