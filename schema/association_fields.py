"""`Contact.associations` and `Contact.opportunities`; mixed into Contact (schema/contact.py).

Kept apart from schema/associations.py, which imports Contact: the types these fields return
are referenced lazily, so schema/contact.py can import this module without a cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.associations import AssociationObjectType, OpportunityStatus
from resolvers.common import Info
from schema.common import AfterArg, FirstArg
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


@strawberry.type
class ContactAssociationsFields:
    """`Contact.associations` and `Contact.opportunities`."""

    id: strawberry.ID

    @strawberry.field(
        description="The contact's links to other contacts, opportunities, companies and "
        "custom-object records (the Associations tab's cards), newest first. A link between "
        "two contacts shows on both; a restricted viewer sees no link to a contact they may "
        "not see."
    )
    async def associations(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        object_type: Annotated[
            AssociationObjectType | None,
            strawberry.argument(description="Only links to this type of record."),
        ] = None,
    ) -> Annotated[ContactAssociationConnection, strawberry.lazy(".associations")]:
        from schema.associations import ContactAssociationConnection

        return await ContactAssociationConnection.for_contact(
            info, str(self.id), first, after, object_type
        )

    @strawberry.field(
        description="The opportunities linked to the contact (the Actions panel), newest first."
    )
    async def opportunities(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        status: Annotated[
            list[OpportunityStatus] | None,
            strawberry.argument(description="Only opportunities in one of these statuses."),
        ] = None,
    ) -> Annotated[ContactOpportunityConnection, strawberry.lazy(".associations")]:
        from schema.associations import ContactOpportunityConnection

        return await ContactOpportunityConnection.for_contact(
            info, str(self.id), first, after, status
        )
