"""Smart lists (help page: "Navigate to Contacts > Smart Lists and click a contact's name";
the header's "Navigation arrows -- click to cycle through contacts in the current list").

A smart list is a saved view of the location's contacts: a name, a contacts filter and a
sort -- the same filter and sort `contacts` takes. It stores the *question*, not the
answer: its contacts are evaluated on every read, with the reader's own visibility, so a
user restricted to assigned contacts sees only those in any list.

Who may do what: every team member of the location sees every smart list of the location and
may create one; a list can be renamed, re-filtered or deleted by the team member who created
it and by admins (anyone else gets FORBIDDEN).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.contact import KEEP
from domain.contact_query import ContactFilter, ContactOrder, has_empty_ranges, has_naive_times
from domain.errors import DomainError, ErrorCode
from domain.ports import UnitOfWork, new_id
from domain.services import Services
from domain.viewer import Viewer

MAX_NAME_LENGTH = 100
"""Not on the help page; list names are short labels."""


class SmartListSortField(StrEnum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


@dataclass(frozen=True)
class SmartListFilter:
    """Which of the location's lists: ``search`` -- text the name contains (any case);
    ``created_by_ids`` -- made by one of these team members. ``None``: no condition."""

    search: str | None = None
    created_by_ids: tuple[str, ...] | None = None


@dataclass
class SmartList:
    location_id: str
    name: str
    filter: ContactFilter | None
    order: ContactOrder
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    id: str = field(default_factory=new_id)

    @staticmethod
    def check_name(name: str) -> str:
        text = " ".join(name.split())
        if not text:
            raise DomainError.single(ErrorCode.REQUIRED, "a smart list needs a name", "name")
        if len(text) > MAX_NAME_LENGTH:
            raise DomainError.single(
                ErrorCode.TOO_LONG,
                f"a smart list name has at most {MAX_NAME_LENGTH} characters",
                "name",
            )
        return text

    @staticmethod
    def check_filter(f: ContactFilter | None) -> ContactFilter | None:
        """A saved filter is asked again on every read, so it must be one that can be
        answered: a time without a zone is refused now rather than on each later read."""
        if f is not None and has_naive_times(f):
            raise DomainError.single(
                ErrorCode.INVALID_VALUE,
                "times in a smart list's filter need a zone, e.g. 2026-01-01T00:00:00Z",
                "filter",
            )
        if f is not None and has_empty_ranges(f):
            raise DomainError.single(
                ErrorCode.INVALID_VALUE,
                "a time range in a smart list's filter needs `from` before `to` (`to` is "
                "exclusive)",
                "filter",
            )
        return f

    def same_definition(self, other: SmartList) -> bool:
        """Creating ``other`` asks for exactly this list: same name, filter and order."""
        return (self.name, self.filter, self.order) == (other.name, other.filter, other.order)

    def may_be_changed_by(self, viewer: Viewer) -> bool:
        return viewer.is_admin or (
            self.created_by is not None and self.created_by == viewer.user_id
        )


def name_taken() -> DomainError:
    return DomainError.single(
        ErrorCode.DUPLICATE, "the location already has a smart list with this name", "name"
    )


def _missing() -> DomainError:
    return DomainError.single(ErrorCode.NOT_FOUND, "no smart list with this id", "id")


async def _changeable(uow: UnitOfWork, viewer: Viewer, smart_list_id: str) -> SmartList:
    found = await uow.smart_lists.get(viewer.location_id, smart_list_id)
    if found is None:
        raise _missing()
    if not found.may_be_changed_by(viewer):
        raise DomainError.single(
            ErrorCode.FORBIDDEN,
            "only the team member who created a smart list, or an admin, can change it",
            "id",
        )
    return found


async def create_smart_list(
    svc: Services,
    viewer: Viewer,
    name: str,
    contact_filter: ContactFilter | None,
    order: ContactOrder,
) -> SmartList:
    """Save a list. The name names it: a list of this name with the same filter and order is
    returned as it is (a retried create); one that differs is DUPLICATE."""
    text = SmartList.check_name(name)
    SmartList.check_filter(contact_filter)
    async with svc.uow() as uow:
        now = svc.clock.now()
        smart_list = SmartList(
            location_id=viewer.location_id,
            name=text,
            filter=contact_filter,
            order=order,
            created_by=viewer.user_id,
            created_at=now,
            updated_at=now,
        )
        existing = await uow.smart_lists.by_name(viewer.location_id, text)
        if existing is None and await uow.smart_lists.add(smart_list):
            await uow.commit()
            return smart_list
        if existing is None:  # a concurrent create won the name
            existing = await uow.smart_lists.by_name(viewer.location_id, text)
        if existing is None or not existing.same_definition(smart_list):
            raise name_taken()
        return existing


async def update_smart_list(
    svc: Services,
    viewer: Viewer,
    smart_list_id: str,
    name: str = KEEP,
    contact_filter: ContactFilter | None = KEEP,
    order: ContactOrder = KEEP,
) -> SmartList:
    """A patch: members left at ``KEEP`` stay as they are."""
    text = KEEP if name is KEEP else SmartList.check_name(name)
    if contact_filter is not KEEP:
        SmartList.check_filter(contact_filter)
    async with svc.uow() as uow:
        smart_list = await _changeable(uow, viewer, smart_list_id)
        changed = False
        if text is not KEEP and text != smart_list.name:
            smart_list.name, changed = text, True
        if contact_filter is not KEEP and contact_filter != smart_list.filter:
            smart_list.filter, changed = contact_filter, True
        if order is not KEEP and order != smart_list.order:
            smart_list.order, changed = order, True
        if changed:
            smart_list.updated_at = svc.clock.now()
            await uow.smart_lists.save(smart_list)
            await uow.commit()
        return smart_list


async def delete_smart_list(svc: Services, viewer: Viewer, smart_list_id: str) -> SmartList:
    async with svc.uow() as uow:
        smart_list = await _changeable(uow, viewer, smart_list_id)
        await uow.smart_lists.delete(smart_list)
        await uow.commit()
        return smart_list
