"""JSON text built by the database, byte for byte what orjson writes for the same values.

Objects and arrays are built by concatenating text, not with ``json_build_object`` (its
``"a" : 1`` spacing differs) or SQLite's ``json_object`` (a subquery's JSON loses its JSON
subtype, and a function takes at most 127 arguments): each value is quoted with the
database's own JSON quoting (``to_json`` / ``json_quote``: the same escapes as orjson, checked
by ``tests/resolvers/test_compiled_reads.py``), and the parts are joined as a balanced tree,
so a wide object stays far below SQLite's expression depth limit (1000) and PostgreSQL's 100
function arguments.

Timestamps are written as the API's ``DateTime`` writes them (``datetime.isoformat`` of a UTC
time: ``2026-05-01T09:00:00+00:00``, with ``.ffffff`` only when there are microseconds), and
cursors as :func:`persistence.paging.encode_cursor` does (base64url of the JSON list, no
padding), so both paths hand out the same bytes.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, ColumnElement, String, Text, case, cast, func, literal_column
from sqlalchemy.dialects.postgresql import aggregate_order_by

SQL = ColumnElement[Any]
PG_MAX_ARGS = 90
"""Parts per ``concat()`` call: PostgreSQL's functions take at most 100 arguments."""


def constant(json_text: str) -> SQL:
    """A piece of JSON text known when the statement is planned (keys, ``__typename``):
    inlined, so it is part of the statement SQLAlchemy caches, not a parameter."""
    return literal_column("'" + json_text.replace("'", "''") + "'", String)


def key(name: str, first: bool) -> str:
    """``"name":`` (after a comma unless it is the object's first member)."""
    return ("" if first else ",") + orjson.dumps(name).decode() + ":"


NULL, TRUE, FALSE = "null", "true", "false"


class JsonText:
    """The JSON pieces one database builds; :func:`for_dialect` picks the subclass."""

    def quote(self, value: SQL) -> SQL:
        """A text or number as a JSON value; SQL NULL as ``null``."""
        raise NotImplementedError

    def join(self, parts: Sequence[SQL]) -> SQL:
        """Text parts concatenated (none may be NULL)."""
        raise NotImplementedError

    def aggregate(self, element: SQL, order: Sequence[SQL]) -> SQL:
        """The rows' ``element`` joined by commas in ``order``; NULL elements are left out,
        and no element at all gives NULL."""
        raise NotImplementedError

    def timestamp(self, value: SQL) -> SQL:
        """A UTC timestamp column as ISO 8601 text (NULL stays NULL)."""
        raise NotImplementedError

    def date(self, value: SQL) -> SQL:
        raise NotImplementedError

    def base64url(self, value: SQL) -> SQL:
        """Unpadded base64url of the text's UTF-8 bytes."""
        raise NotImplementedError

    def ids(self, listed: SQL) -> tuple[Any, SQL, SQL]:
        """A table of the strings of the JSON list ``listed``, with its position and value
        columns, in the list's order."""
        raise NotImplementedError

    def integer(self, value: SQL) -> SQL:
        return self.quote(value)

    def boolean(self, condition: SQL) -> SQL:
        return case((condition, constant(TRUE)), else_=constant(FALSE))

    def nullable(self, condition: SQL, json: SQL) -> SQL:
        """``null`` where ``condition`` holds, else ``json``."""
        return case((condition, constant(NULL)), else_=json)

    def obj(self, members: Sequence[tuple[str, SQL]]) -> SQL:
        """``{"k":v,...}`` in the members' order (values are JSON text)."""
        parts: list[SQL | str] = ["{"]
        for i, (name, value) in enumerate(members):
            parts += [key(name, i == 0), value]
        parts.append("}")
        return self.join(_merged(parts))

    def array(self, element: SQL, order: Sequence[SQL]) -> SQL:
        return self.join(
            [
                constant("["),
                func.coalesce(self.aggregate(element, order), constant("")),
                constant("]"),
            ]
        )


def _merged(parts: Sequence[SQL | str]) -> list[SQL]:
    """Neighbouring constant pieces as one literal."""
    out: list[SQL] = []
    pending = ""
    for part in parts:
        if isinstance(part, str):
            pending += part
            continue
        if pending:
            out.append(constant(pending))
            pending = ""
        out.append(part)
    if pending:
        out.append(constant(pending))
    return out


def _balanced(parts: Sequence[SQL], width: int, combine: Callable[[Sequence[SQL]], SQL]) -> SQL:
    if len(parts) <= width:
        return combine(parts)
    size = -(-len(parts) // width)
    return combine(
        [_balanced(parts[i : i + size], width, combine) for i in range(0, len(parts), size)]
    )


def _concat(parts: Sequence[SQL]) -> SQL:
    return func.concat(*parts)


class PostgresJson(JsonText):
    def quote(self, value: SQL) -> SQL:
        return func.coalesce(cast(func.to_json(value), Text), constant(NULL))

    def join(self, parts: Sequence[SQL]) -> SQL:
        if len(parts) == 1:
            return parts[0]
        return _balanced(list(parts), PG_MAX_ARGS, _concat)

    def aggregate(self, element: SQL, order: Sequence[SQL]) -> SQL:
        return func.string_agg(element, aggregate_order_by(constant(","), *order))

    def timestamp(self, value: SQL) -> SQL:
        text = func.to_char(func.timezone("UTC", value), constant('YYYY-MM-DD"T"HH24:MI:SS.US'))
        return func.replace(text, constant(".000000"), constant("")).op("||")(constant("+00:00"))

    def date(self, value: SQL) -> SQL:
        return func.to_char(value, constant("YYYY-MM-DD"))

    def base64url(self, value: SQL) -> SQL:
        encoded = func.encode(func.convert_to(value, constant("UTF8")), constant("base64"))
        plain = func.translate(encoded, func.concat(constant("+/"), func.chr(10)), constant("-_"))
        return func.rtrim(plain, constant("="))

    def ids(self, listed: SQL) -> tuple[Any, SQL, SQL]:
        reps = (
            func.json_array_elements_text(cast(listed, JSON))
            .table_valued("value", with_ordinality="position")
            .render_derived(name="reps")
        )
        return reps, reps.c.position, reps.c.value


class SqliteJson(JsonText):
    def quote(self, value: SQL) -> SQL:
        return func.json_quote(value)

    def join(self, parts: Sequence[SQL]) -> SQL:
        def concatenated(ps: Sequence[SQL]) -> SQL:
            if len(ps) == 1:
                return ps[0]
            mid = len(ps) // 2
            return concatenated(ps[:mid]).op("||")(concatenated(ps[mid:]))

        return concatenated(list(parts))

    def aggregate(self, element: SQL, order: Sequence[SQL]) -> SQL:
        # SQLite before 3.44 has no ORDER BY in aggregates: the rows come from a subquery
        # already in this order, which SQLite's group_concat keeps
        return func.group_concat(element, constant(","))

    def timestamp(self, value: SQL) -> SQL:
        # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's SQLite DATETIME)
        iso = func.replace(
            func.replace(value, constant(" "), constant("T")), constant(".000000"), constant("")
        )
        return iso.op("||")(constant("+00:00"))

    def date(self, value: SQL) -> SQL:
        return value

    def base64url(self, value: SQL) -> SQL:
        return func.contact_graph_base64url(value)

    def ids(self, listed: SQL) -> tuple[Any, SQL, SQL]:
        reps = func.json_each(listed).table_valued("key", "value").alias("reps")
        return reps, reps.c.key, reps.c.value


def base64url(text: str | None) -> str | None:
    """SQLite's ``contact_graph_base64url``: what ``encode_cursor`` does to its JSON."""
    if text is None:
        return None
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def register(connection: sqlite3.Connection) -> None:
    """Give one SQLite connection the function cursors are built with."""
    connection.create_function("contact_graph_base64url", 1, base64url, deterministic=True)


def for_dialect(name: str) -> JsonText:
    if name == "postgresql":
        return PostgresJson()
    if name == "sqlite":
        return SqliteJson()
    raise ValueError(f"no JSON text builder for {name}")
