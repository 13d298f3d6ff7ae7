"""Compiles a :class:`ContactQuery` to SQL: filter tree, search, stable keyset pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    false,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.contact import DndChannel
from domain.contact_query import (
    ContactFilter,
    ContactOrder,
    ContactQuery,
    ContactSortField,
    CustomFieldMatch,
    DndMatch,
    TextMatch,
)
from domain.errors import DomainError
from domain.values import email_key, normalize_phone
from domain.viewer import Viewer
from persistence.filters import in_range
from persistence.paging import encode_cursor, keyset_after
from persistence.queries import C, visible_to
from persistence.tables import CONTACT, CUSTOM_FIELD, CUSTOM_VALUE, DND, EMAIL, FOLLOWER, PHONE, TAG
from persistence.text import name_order

PH = PHONE.c
EM = EMAIL.c
TG = TAG.c
FO = FOLLOWER.c
DN = DND.c
CV = CUSTOM_VALUE.c
CF = CUSTOM_FIELD.c

FULL_NAME = func.lower(func.coalesce(C.first_name, "") + " " + func.coalesce(C.last_name, ""))
SORT_COLUMNS: dict[ContactSortField, Any] = {
    ContactSortField.CREATED_AT: C.created_at,
    ContactSortField.UPDATED_AT: C.updated_at,
    ContactSortField.FIRST_NAME: name_order(func.coalesce(C.first_name, "")),
    ContactSortField.LAST_NAME: name_order(func.coalesce(C.last_name, "")),
    ContactSortField.BUSINESS_NAME: name_order(func.coalesce(C.business_name, "")),
}
TIME_SORTS = (ContactSortField.CREATED_AT, ContactSortField.UPDATED_AT)


def _text(column: Any, m: TextMatch) -> ColumnElement[bool]:
    parts = []
    if m.equals is not None:
        parts.append(func.lower(column) == func.lower(m.equals))
    if m.contains is not None:
        parts.append(column.icontains(m.contains, autoescape=True))
    if m.starts_with is not None:
        parts.append(column.istartswith(m.starts_with, autoescape=True))
    return and_(true(), *parts)


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _e164(raw: str, region: str) -> str:
    """A filter's number read like a stored one; unparseable input matches as digits."""
    try:
        return normalize_phone(raw, region)
    except DomainError:
        return "+" + _digits(raw)


def _phone(m: TextMatch, region: str) -> ColumnElement[bool]:
    # Numbers are stored as E.164, so matching on digits ignores the client's formatting.
    parts = []
    if m.equals is not None:
        parts.append(PH.number == _e164(m.equals, region))
    if m.contains is not None:
        parts.append(PH.number.contains(_digits(m.contains), autoescape=True))
    if m.starts_with is not None:
        parts.append(PH.number.startswith("+" + _digits(m.starts_with), autoescape=True))
    return exists().where(PH.contact_id == C.id, *parts)


def _email(m: TextMatch) -> ColumnElement[bool]:
    match = TextMatch(
        equals=email_key(m.equals) if m.equals else None,
        contains=m.contains,
        starts_with=m.starts_with,
    )
    return exists().where(EM.contact_id == C.id, _text(EM.address_key, match))


def _custom(m: CustomFieldMatch, location_id: str) -> ColumnElement[bool]:
    field_id = select(CF.id).where(CF.location_id == location_id, CF.key == m.key).scalar_subquery()
    parts: list[ColumnElement[bool]] = []
    if m.text is not None:
        parts.append(_text(CV.text_value, m.text))
    if m.number_min is not None:
        parts.append(CV.number_value >= m.number_min)
    if m.number_max is not None:
        parts.append(CV.number_value <= m.number_max)
    if m.date_from is not None:
        parts.append(CV.date_value >= m.date_from)
    if m.date_to is not None:
        parts.append(CV.date_value <= m.date_to)
    if m.checked is not None:
        parts.append(CV.bool_value == m.checked)
    if m.option is not None:
        # single options are stored as the option, multiple as "|a|b|"
        parts.append(
            or_(CV.text_value == m.option, CV.text_value.contains(f"|{m.option}|", autoescape=True))
        )
    has = exists().where(CV.contact_id == C.id, CV.field_id == field_id, *parts)
    if m.is_set is False:
        return not_(exists().where(CV.contact_id == C.id, CV.field_id == field_id))
    return has


def _dnd(m: DndMatch) -> list[ColumnElement[bool]]:
    def switched_on(*channels: str) -> ColumnElement[bool]:
        return exists().where(DN.contact_id == C.id, DN.channel.in_(channels), DN.enabled.is_(True))

    parts = []
    if m.enabled is not None:
        own = switched_on(m.channel.value)
        parts.append(own if m.enabled else not_(own))
    if m.blocked is not None:
        blocked = switched_on(m.channel.value, DndChannel.ALL.value)
        parts.append(blocked if m.blocked else not_(blocked))
    return parts


def compile_filter(f: ContactFilter, location_id: str, region: str) -> ColumnElement[bool]:
    """Every member of ``f`` that is given becomes one AND-ed condition."""
    parts: list[ColumnElement[bool]] = [
        compile_filter(sub, location_id, region) for sub in f.all_of
    ]
    if f.any_of:
        parts.append(or_(false(), *(compile_filter(sub, location_id, region) for sub in f.any_of)))
    if f.not_ is not None:
        parts.append(not_(compile_filter(f.not_, location_id, region)))
    if f.name is not None:
        parts.append(_text(FULL_NAME, f.name))
    if f.email is not None:
        parts.append(_email(f.email))
    if f.phone is not None:
        parts.append(_phone(f.phone, region))
    if f.tags_any is not None:
        parts.append(exists().where(TG.contact_id == C.id, TG.tag.in_(_tags(f.tags_any))))
    for tag in _tags(f.tags_all or ()):
        parts.append(exists().where(TG.contact_id == C.id, TG.tag == tag))
    if f.tags_none is not None:
        parts.append(not_(exists().where(TG.contact_id == C.id, TG.tag.in_(_tags(f.tags_none)))))
    if f.owner_ids is not None:
        parts.append(C.owner_id.in_(f.owner_ids))
    if f.has_owner is not None:
        parts.append(C.owner_id.is_not(None) if f.has_owner else C.owner_id.is_(None))
    if f.follower_ids is not None:
        parts.append(exists().where(FO.contact_id == C.id, FO.user_id.in_(f.follower_ids)))
    if f.dnd is not None:
        parts.extend(_dnd(f.dnd))
    if f.types is not None:
        parts.append(C.contact_type.in_([t.value for t in f.types]))
    parts.append(in_range(C.created_at, f.created))
    parts.append(in_range(C.updated_at, f.updated))
    parts.extend(_custom(m, location_id) for m in f.custom_fields)
    if f.archived is not None:
        parts.append(C.archived_at.is_not(None) if f.archived else C.archived_at.is_(None))
    if f.search and f.search.strip():
        parts.append(_search(f.search.strip()))
    return and_(true(), *parts)


def _tags(tags: tuple[str, ...]) -> list[str]:
    return [t.strip().lower() for t in tags]


def _search(text: str) -> ColumnElement[bool]:
    """Free text over name, business name, email addresses and phone digits. Never NULL (a
    contact without a business name does not match, rather than match unknown), so `not`
    inverts it."""
    conditions = [
        FULL_NAME.icontains(text, autoescape=True),
        func.coalesce(C.business_name, "").icontains(text, autoescape=True),
        exists().where(EM.contact_id == C.id, EM.address_key.icontains(text, autoescape=True)),
    ]
    digits = _digits(text)
    if len(digits) >= 3:
        conditions.append(
            exists().where(PH.contact_id == C.id, PH.number.contains(digits, autoescape=True))
        )
    return or_(*conditions)


def where_clause(viewer: Viewer, q: ContactQuery) -> ColumnElement[bool]:
    parts = [visible_to(viewer)]
    if q.filter is not None:
        parts.append(compile_filter(q.filter, viewer.location_id, q.phone_region))
    if not q.include_archived and (q.filter is None or q.filter.archived is None):
        parts.append(C.archived_at.is_(None))
    return and_(*parts)


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool


def after_clause(order: ContactOrder, cursor: str) -> ColumnElement[bool]:
    return keyset_after(cursor, SORT_COLUMNS[order.field], C.id, order.descending)


async def page(
    conn: AsyncConnection, viewer: Viewer, q: ContactQuery, first: int, after: str | None
) -> Page:
    """One statement: the page plus one row to tell whether another page follows."""
    sort = SORT_COLUMNS[q.order.field]
    order_by = [sort.desc(), C.id.desc()] if q.order.descending else [sort.asc(), C.id.asc()]
    # The sort key is selected, not recomputed in Python: SQL's lower() is the one that
    # the next page's comparison will use.
    stmt = select(CONTACT, sort.label("sort_key")).where(where_clause(viewer, q))
    if after is not None:  # "" is a cursor that does not decode: InvalidCursor, as in tabs
        stmt = stmt.where(after_clause(q.order, after))
    stmt = stmt.order_by(*order_by).limit(first + 1)
    rows = [dict(r) for r in (await conn.execute(stmt)).mappings()]
    has_next = len(rows) > first
    rows = rows[:first]
    cursors = [encode_cursor([r.pop("sort_key"), r["id"]]) for r in rows]
    return Page(rows, cursors, has_next)


async def count(conn: AsyncConnection, viewer: Viewer, q: ContactQuery) -> int:
    stmt = select(func.count(C.id)).where(where_clause(viewer, q))
    return int((await conn.execute(stmt)).scalar_one())
