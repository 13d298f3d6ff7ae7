"""Client portal (Actions panel): `Contact.courseOffers`, `Contact.communityGroups`, and
grant / revoke, assign / remove."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from domain.client_portal import (
    CommunityGroupSortField,
    CourseOfferSortField,
    PortalAccess,
    PortalFilter,
    PortalKind,
)
from domain.errors import UserError as DomainUserError
from domain.events import ContactEvent, EventKind
from resolvers import client_portal as r
from resolvers import contact as rc
from resolvers.common import Info
from schema.activity import ActivityAction, ContactActivity, register_activity
from schema.common import (
    AfterArg,
    Connection,
    FirstArg,
    InputArg,
    SortDirection,
    UserError,
    distinct,
    tab_request,
)
from schema.enums import graphql_enum
from schema.user import User

if TYPE_CHECKING:
    from schema.contact import Contact


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("id"), resolvable=False)],
    description="A course offer of the client portal (owned by the memberships subgraph). "
    "This subgraph knows only the id; the gateway fetches the rest.",
)
class CourseOffer:
    id: strawberry.ID = strawberry.field(description="The offer's id.")


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("id"), resolvable=False)],
    description="A community group of the client portal (owned by the communities "
    "subgraph). This subgraph knows only the id; the gateway fetches the rest.",
)
class CommunityGroup:
    id: strawberry.ID = strawberry.field(description="The group's id.")


@strawberry.type(description="A course offer the contact has been granted access to.")
class ContactCourseOffer:
    offer: CourseOffer = strawberry.field(description="The offer.")
    offer_name: str = strawberry.field(description="The offer's name as given when granted.")
    granted_at: datetime = strawberry.field(description="When access was granted.")
    granted_by: User | None = strawberry.field(description="Who granted it.")

    @classmethod
    def from_domain(cls, a: PortalAccess) -> ContactCourseOffer:
        return cls(
            offer=CourseOffer(id=strawberry.ID(a.ref_id)),
            offer_name=a.name,
            granted_at=a.since,
            granted_by=User(id=strawberry.ID(a.by)) if a.by else None,
        )


@strawberry.type(description="A community group the contact is assigned to.")
class ContactCommunityGroup:
    group: CommunityGroup = strawberry.field(description="The group.")
    group_name: str = strawberry.field(description="The group's name as given when assigned.")
    assigned_at: datetime = strawberry.field(description="When the contact was assigned.")
    assigned_by: User | None = strawberry.field(description="Who assigned the contact.")

    @classmethod
    def from_domain(cls, a: PortalAccess) -> ContactCommunityGroup:
        return cls(
            group=CommunityGroup(id=strawberry.ID(a.ref_id)),
            group_name=a.name,
            assigned_at=a.since,
            assigned_by=User(id=strawberry.ID(a.by)) if a.by else None,
        )


def _portal_summary(e: ContactEvent) -> dict[str, Any]:
    """Client portal events carry the offer's or group's {id, name}: after for a grant or
    an assignment, before for a revocation or a removal (domain/client_portal.py)."""
    change = e.changes[0]
    summary: dict[str, Any] = change.after or change.before
    return summary


_COURSE_OFFER_ACTIONS = {
    EventKind.COURSE_OFFER_GRANTED: ActivityAction.GRANTED,
    EventKind.COURSE_OFFER_REVOKED: ActivityAction.REVOKED,
}


@strawberry.type(description="Access to a course offer was granted or revoked.")
class ContactCourseOfferActivity(ContactActivity):
    action: ActivityAction = strawberry.field(description="GRANTED or REVOKED.")
    offer: CourseOffer = strawberry.field(description="The offer.")
    offer_name: str = strawberry.field(description="The offer's name as given when granted.")


def _course_offer_activity(e: ContactEvent, base: dict[str, Any]) -> ContactCourseOfferActivity:
    summary = _portal_summary(e)
    return ContactCourseOfferActivity(
        **base,
        action=_COURSE_OFFER_ACTIONS[e.kind],
        offer=CourseOffer(id=strawberry.ID(summary["id"])),
        offer_name=summary["name"],
    )


register_activity(_COURSE_OFFER_ACTIONS, ContactCourseOfferActivity, _course_offer_activity)

_COMMUNITY_GROUP_ACTIONS = {
    EventKind.COMMUNITY_GROUP_ASSIGNED: ActivityAction.ASSIGNED,
    EventKind.COMMUNITY_GROUP_REMOVED: ActivityAction.REMOVED,
}


@strawberry.type(description="The contact was assigned to a community group or removed from it.")
class ContactCommunityGroupActivity(ContactActivity):
    action: ActivityAction = strawberry.field(description="ASSIGNED or REMOVED.")
    group: CommunityGroup = strawberry.field(description="The group.")
    group_name: str = strawberry.field(description="The group's name as given when assigned.")


def _community_group_activity(
    e: ContactEvent, base: dict[str, Any]
) -> ContactCommunityGroupActivity:
    summary = _portal_summary(e)
    return ContactCommunityGroupActivity(
        **base,
        action=_COMMUNITY_GROUP_ACTIONS[e.kind],
        group=CommunityGroup(id=strawberry.ID(summary["id"])),
        group_name=summary["name"],
    )


register_activity(
    _COMMUNITY_GROUP_ACTIONS, ContactCommunityGroupActivity, _community_group_activity
)


graphql_enum(
    CourseOfferSortField,
    "What a contact's course offers sort by; ties are broken by the offer's id.",
    {
        CourseOfferSortField.GRANTED_AT: "When access was granted.",
        CourseOfferSortField.NAME: "The offer's name as given when granted (case-insensitive).",
    },
    name="ContactCourseOfferSortField",
)
graphql_enum(
    CommunityGroupSortField,
    "What a contact's community groups sort by; ties are broken by the group's id.",
    {
        CommunityGroupSortField.ASSIGNED_AT: "When the contact was assigned.",
        CommunityGroupSortField.NAME: "The group's name as given when assigned (case-insensitive).",
    },
    name="ContactCommunityGroupSortField",
)


@strawberry.type(description="A page of the course offers a contact has access to.")
class ContactCourseOfferConnection(Connection[ContactCourseOffer]):
    pass


@strawberry.type(description="A page of the community groups a contact is assigned to.")
class ContactCommunityGroupConnection(Connection[ContactCommunityGroup]):
    pass


@strawberry.input(description="Which course offers to list. Every member given must hold.")
class ContactCourseOfferFilter:
    offer_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Only these offers (ids in the memberships system), e.g. to ask whether "
        "the contact has one; every offer when omitted; an empty list matches none.",
    )

    def to_domain(self) -> PortalFilter:
        return PortalFilter(distinct(self.offer_ids))


@strawberry.input(description="Which community groups to list. Every member given must hold.")
class ContactCommunityGroupFilter:
    group_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Only these groups (ids in the communities system); every group when "
        "omitted; an empty list matches none.",
    )

    def to_domain(self) -> PortalFilter:
        return PortalFilter(distinct(self.group_ids))


@strawberry.input(description="How to sort course offers; default oldest grant first.")
class ContactCourseOfferOrderBy:
    field: CourseOfferSortField = strawberry.field(
        default=CourseOfferSortField.GRANTED_AT, description="Grant time (default) or name."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.ASC, description="Which way; default ascending."
    )


@strawberry.input(description="How to sort community groups; default oldest assignment first.")
class ContactCommunityGroupOrderBy:
    field: CommunityGroupSortField = strawberry.field(
        default=CommunityGroupSortField.ASSIGNED_AT,
        description="Assignment time (default) or name.",
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.ASC, description="Which way; default ascending."
    )


course_offers_request = tab_request(ContactCourseOfferOrderBy, ContactCourseOfferFilter, sort=str)


community_groups_request = tab_request(
    ContactCommunityGroupOrderBy, ContactCommunityGroupFilter, sort=str
)


@strawberry.type
class ContactClientPortalFields:
    """`Contact.courseOffers` and `Contact.communityGroups`; mixed into Contact."""

    id: strawberry.ID

    @strawberry.field(
        description="Course offers the contact has access to, as a cursor connection; "
        "default oldest grant first."
    )
    async def course_offers(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactCourseOfferFilter | None,
            strawberry.argument(description="Which offers; all of them if omitted."),
        ] = None,
        order_by: Annotated[
            ContactCourseOfferOrderBy | None,
            strawberry.argument(description="Sort; default oldest grant first."),
        ] = None,
    ) -> ContactCourseOfferConnection:
        request = course_offers_request(first, after, filter, order_by)
        kind, contact_id = PortalKind.COURSE_OFFER, str(self.id)
        found, cursors, has_next = await r.page(info, kind, contact_id, request)

        async def count() -> int:
            return await r.count(info, kind, contact_id, cast(PortalFilter, request.filter))

        conn = ContactCourseOfferConnection.build(
            [ContactCourseOffer.from_domain(a) for a in found], cursors, has_next, after, count
        )
        return conn  # type: ignore[return-value]

    @strawberry.field(
        description="Community groups the contact is assigned to, as a cursor connection; "
        "default oldest assignment first."
    )
    async def community_groups(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactCommunityGroupFilter | None,
            strawberry.argument(description="Which groups; all of them if omitted."),
        ] = None,
        order_by: Annotated[
            ContactCommunityGroupOrderBy | None,
            strawberry.argument(description="Sort; default oldest assignment first."),
        ] = None,
    ) -> ContactCommunityGroupConnection:
        request = community_groups_request(first, after, filter, order_by)
        kind, contact_id = PortalKind.COMMUNITY_GROUP, str(self.id)
        found, cursors, has_next = await r.page(info, kind, contact_id, request)

        async def count() -> int:
            return await r.count(info, kind, contact_id, cast(PortalFilter, request.filter))

        conn = ContactCommunityGroupConnection.build(
            [ContactCommunityGroup.from_domain(a) for a in found], cursors, has_next, after, count
        )
        return conn  # type: ignore[return-value]


@strawberry.input(description="Grant a contact access to a course offer.")
class ContactCourseOfferGrantInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    offer_id: strawberry.ID = strawberry.field(
        description="The offer's id in the memberships system (at most 64 characters)."
    )
    offer_name: str = strawberry.field(
        description="The offer's name, kept for display (at most 255 characters)."
    )


@strawberry.input(description="Revoke a contact's access to a course offer.")
class ContactCourseOfferRevokeInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    offer_id: strawberry.ID = strawberry.field(description="The offer's id.")


@strawberry.input(description="Assign a contact to a community group.")
class ContactCommunityGroupAssignInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    group_id: strawberry.ID = strawberry.field(
        description="The group's id in the communities system (at most 64 characters)."
    )
    group_name: str = strawberry.field(
        description="The group's name, kept for display (at most 255 characters)."
    )


@strawberry.input(description="Remove a contact from a community group.")
class ContactCommunityGroupRemoveInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    group_id: strawberry.ID = strawberry.field(description="The group's id.")


@strawberry.interface(description="What every client portal mutation returns.")
class ContactClientPortalMutationPayload:
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success. A payload with errors "
        "changed nothing."
    )
    _contact_id: strawberry.Private[str | None]

    @strawberry.field(
        description="The contact after the change (with its offers and groups); null on error."
    )
    async def contact(self, info: Info) -> Annotated[Contact, strawberry.lazy(".contact")] | None:
        from schema.contact import Contact

        if self._contact_id is None:
            return None
        found = await rc.contact(info, self._contact_id)
        return Contact.from_domain(found) if found else None


def _contact_id(errors: list[DomainUserError], contact_id: str) -> str | None:
    return None if errors else contact_id


@strawberry.type(
    description="Result of contactCourseOfferGrant. Granting an offer the contact already "
    "has succeeds and changes nothing: `courseOffer` is the existing grant."
)
class ContactCourseOfferGrantPayload(ContactClientPortalMutationPayload):
    course_offer: ContactCourseOffer | None = strawberry.field(
        description="The grant; null on error."
    )


@strawberry.type(
    description="Result of contactCourseOfferRevoke. Revoking an offer the contact does "
    "not have succeeds and changes nothing: `courseOffer` is then null."
)
class ContactCourseOfferRevokePayload(ContactClientPortalMutationPayload):
    course_offer: ContactCourseOffer | None = strawberry.field(
        description="The grant that was revoked; null if there was none, or on error."
    )


@strawberry.type(
    description="Result of contactCommunityGroupAssign. Assigning a group the contact is "
    "already in succeeds and changes nothing: `communityGroup` is the existing assignment."
)
class ContactCommunityGroupAssignPayload(ContactClientPortalMutationPayload):
    community_group: ContactCommunityGroup | None = strawberry.field(
        description="The assignment; null on error."
    )


@strawberry.type(
    description="Result of contactCommunityGroupRemove. Removing a group the contact is "
    "not in succeeds and changes nothing: `communityGroup` is then null."
)
class ContactCommunityGroupRemovePayload(ContactClientPortalMutationPayload):
    community_group: ContactCommunityGroup | None = strawberry.field(
        description="The assignment that was removed; null if there was none, or on error."
    )


def _offer(value: PortalAccess | None) -> ContactCourseOffer | None:
    return ContactCourseOffer.from_domain(value) if value else None


def _group(value: PortalAccess | None) -> ContactCommunityGroup | None:
    return ContactCommunityGroup.from_domain(value) if value else None


@strawberry.type
class ClientPortalMutation:
    @strawberry.mutation(
        description="Grant a contact access to a course offer (idempotent: granting it "
        "again keeps the first grant)."
    )
    async def contact_course_offer_grant(
        self, info: Info, input: InputArg[ContactCourseOfferGrantInput]
    ) -> ContactCourseOfferGrantPayload:
        contact_id = str(input.contact_id)
        outcome = await r.add(
            info, PortalKind.COURSE_OFFER, contact_id, str(input.offer_id), input.offer_name
        )
        return ContactCourseOfferGrantPayload(
            user_errors=UserError.all_of(outcome.errors),
            course_offer=_offer(outcome.value),
            _contact_id=_contact_id(outcome.errors, contact_id),
        )

    @strawberry.mutation(
        description="Revoke a contact's access to a course offer (idempotent: revoking an "
        "offer the contact does not have changes nothing)."
    )
    async def contact_course_offer_revoke(
        self, info: Info, input: InputArg[ContactCourseOfferRevokeInput]
    ) -> ContactCourseOfferRevokePayload:
        contact_id = str(input.contact_id)
        outcome = await r.remove(info, PortalKind.COURSE_OFFER, contact_id, str(input.offer_id))
        return ContactCourseOfferRevokePayload(
            user_errors=UserError.all_of(outcome.errors),
            course_offer=_offer(outcome.value),
            _contact_id=_contact_id(outcome.errors, contact_id),
        )

    @strawberry.mutation(
        description="Assign a contact to a community group (idempotent: assigning it again "
        "keeps the first assignment)."
    )
    async def contact_community_group_assign(
        self, info: Info, input: InputArg[ContactCommunityGroupAssignInput]
    ) -> ContactCommunityGroupAssignPayload:
        contact_id = str(input.contact_id)
        outcome = await r.add(
            info, PortalKind.COMMUNITY_GROUP, contact_id, str(input.group_id), input.group_name
        )
        return ContactCommunityGroupAssignPayload(
            user_errors=UserError.all_of(outcome.errors),
            community_group=_group(outcome.value),
            _contact_id=_contact_id(outcome.errors, contact_id),
        )

    @strawberry.mutation(
        description="Remove a contact from a community group (idempotent: removing a group "
        "the contact is not in changes nothing)."
    )
    async def contact_community_group_remove(
        self, info: Info, input: InputArg[ContactCommunityGroupRemoveInput]
    ) -> ContactCommunityGroupRemovePayload:
        contact_id = str(input.contact_id)
        outcome = await r.remove(info, PortalKind.COMMUNITY_GROUP, contact_id, str(input.group_id))
        return ContactCommunityGroupRemovePayload(
            user_errors=UserError.all_of(outcome.errors),
            community_group=_group(outcome.value),
            _contact_id=_contact_id(outcome.errors, contact_id),
        )
