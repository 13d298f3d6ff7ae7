"""`Contact.associations` and `Contact.opportunities`; mixed into Contact (schema/contact.py).

Kept apart from schema/associations.py, which imports Contact: the types these fields return
are referenced lazily, so schema/contact.py can import this module without a cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.associations import (
    AssociationFilter,
    AssociationObjectType,
    AssociationSortField,
    OpportunityFilter,
    OpportunitySortField,
    OpportunityStatus,
)
from resolvers.common import Info, page_request
from schema.common import AfterArg, FirstArg, SortDirection, distinct, tab_request
from schema.enums import graphql_enum

if TYPE_CHECKING:
    from schema.associations import ContactAssociationConnection, ContactOpportunityConnection

graphql_enum(
    AssociationObjectType,
    "What a contact is linked to: another contact, an opportunity, a company or "
    "a custom-object record.",
    {
        AssociationObjectType.CONTACT: "Another contact.",
        AssociationObjectType.OPPORTUNITY: "An opportunity.",
        AssociationObjectType.COMPANY: "A company.",
        AssociationObjectType.CUSTOM_OBJECT: "A record of a custom object.",
    },
    name="ContactAssociationObjectType",
)
graphql_enum(
    OpportunityStatus,
    "Where an opportunity stands.",
    {
        OpportunityStatus.OPEN: "Still being worked on.",
        OpportunityStatus.WON: "Closed as won.",
        OpportunityStatus.LOST: "Closed as lost.",
        OpportunityStatus.ABANDONED: "Given up without a decision.",
    },
)
graphql_enum(
    AssociationSortField,
    "What a contact's associations sort by; ties are broken by id.",
    {AssociationSortField.CREATED_AT: "When the link was made."},
    name="ContactAssociationSortField",
)
graphql_enum(
    OpportunitySortField,
    "What the opportunities linked to a contact sort by; ties are broken by id.",
    {
        OpportunitySortField.CREATED_AT: "When the opportunity was created.",
        OpportunitySortField.UPDATED_AT: "When it last changed.",
        OpportunitySortField.NAME: "Its name (case-insensitive).",
    },
    name="ContactOpportunitySortField",
)


@strawberry.input(description="Which associations to list. Every member given must hold.")
class ContactAssociationFilter:
    object_types: list[AssociationObjectType] | None = strawberry.field(
        default=None,
        description="Only links to these types of record; every type when omitted; an empty "
        "list matches none.",
    )

    def to_domain(self) -> AssociationFilter:
        return AssociationFilter(distinct(self.object_types))


@strawberry.input(description="How to sort associations; default newest link first.")
class ContactAssociationOrderBy:
    field: AssociationSortField = strawberry.field(
        default=AssociationSortField.CREATED_AT, description="When the link was made."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Which way; default newest first."
    )


@strawberry.input(description="Which linked opportunities to list. Every member given must hold.")
class ContactOpportunityFilter:
    statuses: list[OpportunityStatus] | None = strawberry.field(
        default=None,
        description="Only opportunities in one of these statuses, e.g. [OPEN]; every status "
        "when omitted; an empty list matches none.",
    )

    def to_domain(self) -> OpportunityFilter:
        return OpportunityFilter(distinct(self.statuses))


@strawberry.input(description="How to sort linked opportunities; default newest first.")
class ContactOpportunityOrderBy:
    field: OpportunitySortField = strawberry.field(
        default=OpportunitySortField.CREATED_AT,
        description="Creation (default), last change or name.",
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Which way; default descending."
    )


opportunities_request = tab_request(ContactOpportunityOrderBy, ContactOpportunityFilter, sort=str)


@strawberry.type
class ContactAssociationsFields:
    """`Contact.associations` and `Contact.opportunities`."""

    id: strawberry.ID

    @strawberry.field(
        description="The contact's links to other contacts, opportunities, companies and "
        "custom-object records (the Associations tab's cards), as a cursor connection; default "
        "newest first. A link between "
        "two contacts shows on both; a restricted viewer sees no link to a contact they may "
        "not see."
    )
    async def associations(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactAssociationFilter | None,
            strawberry.argument(description="Which links; all of them if omitted."),
        ] = None,
        order_by: Annotated[
            ContactAssociationOrderBy | None,
            strawberry.argument(description="Sort; default newest link first."),
        ] = None,
    ) -> Annotated[ContactAssociationConnection, strawberry.lazy(".associations")]:
        from schema.associations import ContactAssociationConnection

        order = order_by or ContactAssociationOrderBy()
        association_filter = (filter or ContactAssociationFilter()).to_domain()
        request = page_request(
            first, after, order.field, order.direction == SortDirection.DESC, association_filter
        )
        return await ContactAssociationConnection.for_contact(
            info, str(self.id), request, association_filter
        )

    @strawberry.field(
        description="The opportunities linked to the contact (the Actions panel), as a cursor "
        "connection; default newest first."
    )
    async def opportunities(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactOpportunityFilter | None,
            strawberry.argument(description="Which opportunities; all of them if omitted."),
        ] = None,
        order_by: Annotated[
            ContactOpportunityOrderBy | None,
            strawberry.argument(description="Sort; default newest first."),
        ] = None,
    ) -> Annotated[ContactOpportunityConnection, strawberry.lazy(".associations")]:
        from schema.associations import ContactOpportunityConnection

        request = opportunities_request(first, after, filter, order_by)
        return await ContactOpportunityConnection.for_contact(
            info,
            str(self.id),
            request,
            request.filter,  # type: ignore[arg-type]
        )
