"""A plan bound to one request's arguments, and a kept statement compiled once for
asyncpg (the fast lane runs it on the driver's connection)."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Dialect, Select

from persistence.compiled.shapes import Member, Paged
from persistence.tab_pages import PageRequest
from schema.compiled.plans import Arguments, Plan, Root

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class BoundRoot:
    """One root field's arguments, read: a constant's JSON, or its statement's parameters
    (the ids asked for), the shape of a list's query and each tab list's page request."""

    root: Root
    constant: str | None
    params: dict[str, Any] = field(default_factory=dict)
    shape: Hashable = ()
    requests: dict[int, PageRequest] = field(default_factory=dict)
    per_request: frozenset[str] = frozenset()
    """Its lists whose filters take values of each request (``REQUEST_PARAMETERS``): read
    by :meth:`CompiledReads.statements_of`, never kept with the binding."""
    arguments: Hashable = field(init=False, repr=False, compare=False)
    """The shape and the page requests, hashed once: part of the statement's key."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "arguments", _Hashed((self.shape, *self.requests.values())))


class _Hashed:
    """A key whose hash is computed once (a kept request's arguments are looked up again
    with every request: the same object, found by identity)."""

    __slots__ = ("_hash", "value")

    def __init__(self, value: tuple[Hashable, ...]) -> None:
        self.value = value
        self._hash = hash(value)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, _Hashed) and self.value == other.value)


@dataclass(frozen=True)
class Bound:
    """A plan with one request's arguments read (:meth:`CompiledReads.bind`)."""

    plan: Plan
    roots: tuple[BoundRoot, ...]


@dataclass(frozen=True)
class DriverSQL:
    """A statement as SQLAlchemy compiles it for asyncpg: the SQL text and, for each
    positional parameter, the name of a request's parameter (``params``) or its value."""

    sql: str
    slots: tuple[tuple[str | None, Any], ...]
    """(name, None) for a request's parameter, (None, value) for a built-in one."""

    def args(self, params: dict[str, Any]) -> list[Any]:
        return [value if name is None else params[name] for name, value in self.slots]


def with_contact_ids(bound: Bound, ids: dict[str, str]) -> Bound:
    """``bound`` with other contacts asked for by its root ``contact`` fields (``ids`` by
    response key, as :meth:`CompiledReads.bind` reads them: an ``ID``'s text)."""
    return Bound(
        bound.plan,
        tuple(
            replace(b, params={"contact_id": ids[b.root.key]})
            if b.root.name == "contact" and b.root.key in ids
            else b
            for b in bound.roots
        ),
    )


ASKED_PARAMS = frozenset({"contact_id", "ids"})
"""The parameters a request asks with (the contacts' ids, from :meth:`CompiledReads.bind`); a
request's own values (``lists.REQUEST_PARAMETERS``: appointments' now) are not among them."""


def driver_sql(stmt: Select[Any], dialect: Dialect) -> DriverSQL | None:
    """``stmt`` compiled by ``dialect`` as its execution would compile it, when it runs
    unchanged on asyncpg's connection: positional parameters, none that SQLAlchemy expands
    at execution or converts with a bind processor; else None."""
    if dialect.driver != "asyncpg":
        return None
    compiled = stmt.compile(dialect=dialect)
    names = compiled.positiontup
    if (
        names is None
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled._bind_processors
    ):
        return None
    params = compiled.params
    slots: list[tuple[str | None, Any]] = []
    for name in names:
        if name in ASKED_PARAMS:
            slots.append((name, None))
        elif params.get(name) is None:  # a parameter given no value: not one of ours
            return None
        else:
            slots.append((None, params[name]))
    return DriverSQL(compiled.string, tuple(slots))


def list_requests(
    members: tuple[Member, ...], arguments: Arguments, out: dict[int, PageRequest]
) -> None:
    """Every list's arguments, read (and checked) before anything is built."""
    for m in members:
        if isinstance(m, Paged):
            out[id(m)] = m.request(arguments)
        inner = getattr(m, "members", ())
        list_requests(inner, arguments, out)


def list_names(members: tuple[Member, ...]) -> set[str]:
    """The fields of every list in ``members``, however deep."""
    found = {m.name for m in members if isinstance(m, Paged)}
    for m in members:
        found |= list_names(getattr(m, "members", ()))
    return found
