"""Client portal in the Actions panel (help page: "Course Offers -- view subscribed offers;
grant or revoke access"; "Community Groups -- assign the contact to available community
groups").

Offers and groups belong to another system (memberships); this subgraph keeps which of them
a contact has, since when and who gave it, with the name as it was when given. Granting what
the contact already has, or revoking what it does not have, changes nothing and succeeds:
clients may safely retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.events import ContactEvent, EventKind, FieldChange, contact_event
from domain.services import Services, visible_contact_id
from domain.viewer import Viewer
from domain.workflows import check_name, check_ref


class PortalKind(StrEnum):
    COURSE_OFFER = "COURSE_OFFER"
    COMMUNITY_GROUP = "COMMUNITY_GROUP"


class CourseOfferSortField(StrEnum):
    GRANTED_AT = "GRANTED_AT"
    NAME = "NAME"


class CommunityGroupSortField(StrEnum):
    ASSIGNED_AT = "ASSIGNED_AT"
    NAME = "NAME"


@dataclass(frozen=True)
class PortalFilter:
    """``ref_ids``: only these offers or groups (their ids in the other system); ``None``:
    every one the contact has."""

    ref_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class _KindInfo:
    label: str
    id_path: str
    name_path: str
    audit_field: str
    added: EventKind
    removed: EventKind


KINDS = {
    PortalKind.COURSE_OFFER: _KindInfo(
        "course offer",
        "offerId",
        "offerName",
        "courseOffers",
        EventKind.COURSE_OFFER_GRANTED,
        EventKind.COURSE_OFFER_REVOKED,
    ),
    PortalKind.COMMUNITY_GROUP: _KindInfo(
        "community group",
        "groupId",
        "groupName",
        "communityGroups",
        EventKind.COMMUNITY_GROUP_ASSIGNED,
        EventKind.COMMUNITY_GROUP_REMOVED,
    ),
}


@dataclass(frozen=True)
class PortalAccess:
    """A course offer granted to a contact, or a community group it is assigned to."""

    kind: PortalKind
    location_id: str
    contact_id: str
    ref_id: str
    name: str
    since: datetime
    by: str | None

    def summary(self) -> dict[str, str]:
        return {"id": self.ref_id, "name": self.name}


def _event(
    kind: EventKind, a: PortalAccess, viewer: Viewer, at: datetime, change: FieldChange
) -> ContactEvent:
    return contact_event(kind, a.contact_id, viewer, at, (change,))


async def add(
    svc: Services, viewer: Viewer, kind: PortalKind, contact_id: str, ref_id: str, name: str
) -> PortalAccess:
    """Grant an offer / assign a group. If the contact already has it, nothing changes (no
    event) and the existing grant, with its original time and name, is returned."""
    info = KINDS[kind]
    ref = check_ref(ref_id, info.label, info.id_path)
    text = check_name(name, info.label, info.name_path)
    async with svc.uow() as uow:
        await visible_contact_id(uow, viewer, contact_id)
        now = svc.clock.now()
        access = PortalAccess(kind, viewer.location_id, contact_id, ref, text, now, viewer.user_id)
        if not await uow.client_portal.add(access):
            existing = await uow.client_portal.get(kind, viewer.location_id, contact_id, ref)
            return existing or access
        change = FieldChange(info.audit_field, None, access.summary())
        uow.record(_event(info.added, access, viewer, now, change))
        await uow.commit()
        return access


async def remove(
    svc: Services, viewer: Viewer, kind: PortalKind, contact_id: str, ref_id: str
) -> PortalAccess | None:
    """Revoke an offer / remove a group: the removed grant, or None when the contact did not
    have it (nothing changes, no event)."""
    info = KINDS[kind]
    ref = check_ref(ref_id, info.label, info.id_path)
    async with svc.uow() as uow:
        await visible_contact_id(uow, viewer, contact_id)
        access = await uow.client_portal.get(kind, viewer.location_id, contact_id, ref)
        if access is None or not await uow.client_portal.remove(access):
            return None
        change = FieldChange(info.audit_field, access.summary(), None)
        uow.record(_event(info.removed, access, viewer, svc.clock.now(), change))
        await uow.commit()
        return access
