"""The client portal (Actions panel), compiled: `Contact.courseOffers` and
`Contact.communityGroups`, each with the loader's table, filter and keyset of its kind."""

from __future__ import annotations

from domain.client_portal import PortalKind
from persistence.client_portal import KEYSETS, TABLES, portal_filter
from persistence.compiled.shapes import ListSpec, TypeSpec, reference, text, timestamp, user

COURSE_OFFER = TypeSpec(
    "ContactCourseOffer",
    {"offerName": text("offer_name"), "grantedAt": timestamp("granted_at")},
    objects={"offer": reference("CourseOffer", "offer_id"), "grantedBy": user("granted_by")},
)
COMMUNITY_GROUP = TypeSpec(
    "ContactCommunityGroup",
    {"groupName": text("group_name"), "assignedAt": timestamp("assigned_at")},
    objects={
        "group": reference("CommunityGroup", "group_id"),
        "assignedBy": user("assigned_by"),
    },
)


def _list(kind: PortalKind, node: TypeSpec) -> ListSpec:
    return ListSpec(TABLES[kind].table, portal_filter(kind), node, keyset=KEYSETS[kind])


LISTS = {
    "courseOffers": _list(PortalKind.COURSE_OFFER, COURSE_OFFER),
    "communityGroups": _list(PortalKind.COMMUNITY_GROUP, COMMUNITY_GROUP),
}
"""`Contact`'s fields this tab compiles (the loaders' tables, filters and keysets)."""
