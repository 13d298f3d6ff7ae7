"""`Contact.opportunities`, compiled: the opportunities linked to the contact, read from the
loader's own table (``CONTACT_OPPORTUNITY``: each opportunity with the contact its
association links it to), filter and keyset; their columns as ``Opportunity.from_domain``
shapes them (``monetaryValue`` null unless both the amount and the currency are set, as
``opportunity_from_row`` reads them). An opportunity's own ``contacts`` list is not compiled
(a viewer-filtered list of other contacts): selecting it makes the list a hole."""

from __future__ import annotations

from domain.associations import OpportunityStatus
from persistence.associations import CONTACT_OPPORTUNITY, OPPORTUNITY_KEYSET, opportunity_filter
from persistence.compiled.shapes import ListSpec, TypeSpec, enum_of, money, text, timestamp

NODE = TypeSpec(
    "Opportunity",
    {
        "id": text("id"),
        "name": text("name"),
        "pipelineId": text("pipeline_id"),
        "stage": text("stage"),
        "status": enum_of("status", OpportunityStatus),
        "createdAt": timestamp("created_at"),
        "updatedAt": timestamp("updated_at"),
    },
    objects={"monetaryValue": money("monetary_value", "currency", nullable=True)},
)
LISTS = {
    "opportunities": ListSpec(
        CONTACT_OPPORTUNITY, opportunity_filter, NODE, keyset=OPPORTUNITY_KEYSET
    )
}
"""`Contact`'s fields this tab compiles (the loaders' table, filter and keyset)."""
