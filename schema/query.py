"""The Query root."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.contact_query import ContactQuery
from resolvers import contact as r
from resolvers import custom_fields as rcf
from resolvers.common import Info
from schema.common import AfterArg, Connection, FirstArg
from schema.contact import Contact
from schema.contact_filters import ContactFilter, ContactOrderBy
from schema.custom_fields import CustomFieldDefinition


@strawberry.type(description="A page of contacts.")
class ContactConnection(Connection[Contact]):
    pass


def contacts_query(
    filter: ContactFilter | None, order_by: ContactOrderBy | None, phone_region: str
) -> ContactQuery:
    """`contacts`' filter and order (the resolver and the compiled reads read them through
    this; ``resolvers.contact.checked`` refuses what has no answer)."""
    return ContactQuery(
        filter=filter.to_domain() if filter else None,
        order=order_by.to_domain() if order_by else ContactQuery().order,
        phone_region=phone_region,
    )


@strawberry.type(description="Read the contact record.")
class Query:
    @strawberry.field(
        description="One contact by id; null when it does not exist, belongs "
        "to another location, or the viewer may not see it."
    )
    async def contact(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The contact's id.")],
    ) -> Contact | None:
        found = await r.contact(info, str(id))
        return Contact.from_domain(found) if found else None

    @strawberry.field(
        description="The contacts the viewer may see, as a cursor connection. "
        "Archived contacts are left out unless the filter asks."
    )
    async def contacts(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactFilter | None,
            strawberry.argument(
                description="Which contacts: conditions and free-text `search`; every active "
                "contact the viewer may see if omitted."
            ),
        ] = None,
        order_by: Annotated[
            ContactOrderBy | None, strawberry.argument(description="Sort; default newest first.")
        ] = None,
    ) -> ContactConnection:
        query = contacts_query(filter, order_by, info.context.settings.phone_region)
        nodes, cursors, has_next, count = await r.contacts(info, query, first, after)
        conn = ContactConnection.build(
            [Contact.from_domain(n) for n in nodes], cursors, has_next, after, count
        )
        return conn  # type: ignore[return-value]

    @strawberry.field(description="The location's custom field definitions.")
    async def custom_fields(self, info: Info) -> list[CustomFieldDefinition]:
        return [CustomFieldDefinition.from_domain(d) for d in await rcf.definitions(info)]
