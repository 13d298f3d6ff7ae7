"""How a caller asks for a list of contacts: a filter tree, a sort, a page.

Plain data, decoded from the API by the resolvers and compiled to SQL by persistence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.contact import ContactType, DndChannel
from domain.values import TimeRange as TimeRange  # re-exported: a member of the filter tree
from domain.values import is_naive

MAX_PAGE = 100
"""Largest ``first`` a connection accepts (style guide: connections are capped)."""
DEFAULT_PAGE = 20


class ContactSortField(StrEnum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    FIRST_NAME = "FIRST_NAME"
    LAST_NAME = "LAST_NAME"
    BUSINESS_NAME = "BUSINESS_NAME"


@dataclass(frozen=True)
class ContactOrder:
    """Sort by ``field``; ties are broken by id, so the order is stable across pages."""

    field: ContactSortField = ContactSortField.CREATED_AT
    descending: bool = True


@dataclass(frozen=True)
class TextMatch:
    """Case-insensitive; every member given must hold."""

    equals: str | None = None
    contains: str | None = None
    starts_with: str | None = None


@dataclass(frozen=True)
class DndMatch:
    """``enabled``: the channel's own switch; ``blocked``: it or ALL is on (may not be used)."""

    channel: DndChannel
    enabled: bool | None = True
    blocked: bool | None = None


@dataclass(frozen=True)
class CustomFieldMatch:
    """A condition on one custom field's value, by the field's key."""

    key: str
    is_set: bool | None = None
    text: TextMatch | None = None
    number_min: float | None = None
    number_max: float | None = None
    date_from: date | None = None
    date_to: date | None = None
    checked: bool | None = None
    option: str | None = None


@dataclass(frozen=True)
class ContactFilter:
    """Every member given must hold (AND); ``any_of`` and ``not_`` combine whole filters."""

    all_of: tuple[ContactFilter, ...] = ()
    any_of: tuple[ContactFilter, ...] = ()
    not_: ContactFilter | None = None
    name: TextMatch | None = None
    email: TextMatch | None = None
    phone: TextMatch | None = None
    tags_any: tuple[str, ...] | None = None
    tags_all: tuple[str, ...] | None = None
    tags_none: tuple[str, ...] | None = None
    owner_ids: tuple[str, ...] | None = None
    has_owner: bool | None = None
    follower_ids: tuple[str, ...] | None = None
    dnd: DndMatch | None = None
    types: tuple[ContactType, ...] | None = None
    created: TimeRange | None = None
    updated: TimeRange | None = None
    custom_fields: tuple[CustomFieldMatch, ...] = ()
    archived: bool | None = None
    search: str | None = None
    """Free text over name, business name, email addresses and phone digits."""


def _parts(value: object) -> Iterator[object]:
    """``value`` and everything inside it (dataclass members, tuple items), depth first."""
    yield value
    if isinstance(value, tuple):
        for item in value:
            yield from _parts(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _parts(getattr(value, f.name))


def all_of(*filters: ContactFilter | None) -> ContactFilter | None:
    """The contacts every one of ``filters`` selects (a missing one selects every contact).
    Whether archived contacts are in is decided at the top of a filter (omitted: only active
    ones), so the first filter that says so decides it for the whole."""
    given = [f for f in filters if f is not None]
    if len(given) <= 1:
        return given[0] if given else None
    archived = next((f.archived for f in given if f.archived is not None), None)
    return ContactFilter(all_of=tuple(given), archived=archived)


def has_naive_times(value: object) -> bool:
    """Whether a time without a zone hides anywhere in a filter tree: such a filter has no
    answer (SQL would compare it as UTC or fail), so callers refuse it."""
    return any(isinstance(p, datetime) and is_naive(p) for p in _parts(value))


def has_empty_ranges(value: object) -> bool:
    """Whether a filter tree holds a time range whose `from` is not before its `to`: it
    matches nothing, which is never what was meant, so callers refuse it."""
    return any(isinstance(p, TimeRange) and p.is_empty for p in _parts(value))


@dataclass(frozen=True)
class ContactQuery:
    filter: ContactFilter | None = None
    order: ContactOrder = ContactOrder()
    include_archived: bool = False
    phone_region: str = "US"
    """Region in which phone numbers in the filter are read when they lack +country."""
