"""Associations tab: the linked records (Opportunity, Company, CustomObjectRecord -- entities
other subgraphs may extend), association labels, links, and their mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self, cast

import strawberry
from strawberry.scalars import JSON

from domain import associations as d
from domain.associations import (
    AssociationLabelSortField,
    AssociationObjectType,
    LinkedContactSortField,
    OpportunityStatus,
)
from domain.contact import KEEP
from domain.custom_fields import Money as DomainMoney
from domain.events import ContactEvent, EventKind
from persistence.tab_pages import PageRequest
from resolvers import associations as r
from resolvers.common import Info, Outcome, contact_query, page_request
from schema.activity import ActivityAction, ContactActivity, register_activity
from schema.audit import ContactFieldChange
from schema.common import (
    AfterArg,
    Connection,
    FirstArg,
    InputArg,
    SortDirection,
    UserError,
    distinct,
)
from schema.contact import Contact
from schema.contact_filters import ContactFilter
from schema.contact_inputs import ContactCreateInput
from schema.custom_fields import Money, MoneyInput
from schema.enums import graphql_enum
from schema.query import ContactConnection
from schema.scalars import BigInt

UNSET: Any = strawberry.UNSET


def _money(value: DomainMoney | None) -> Money | None:
    return Money(amount=BigInt(value.amount), currency=value.currency) if value else None


def _money_in(value: MoneyInput | None) -> DomainMoney | None:
    return DomainMoney(value.amount, value.currency) if value else None


graphql_enum(
    LinkedContactSortField,
    "What the contacts linked to a record sort by; ties are broken by the link.",
    {
        LinkedContactSortField.LINKED_AT: "When the contact was linked to the record.",
        LinkedContactSortField.CREATED_AT: "When the contact was created.",
        LinkedContactSortField.UPDATED_AT: "When the contact last changed.",
        LinkedContactSortField.FIRST_NAME: "First name (case-insensitive; none sorts as empty).",
        LinkedContactSortField.LAST_NAME: "Last name (case-insensitive; none sorts as empty).",
        LinkedContactSortField.BUSINESS_NAME: "Business name (case-insensitive; none sorts as "
        "empty).",
    },
    name="LinkedContactSortField",
)


@strawberry.input(
    description="How to sort the contacts linked to a record; default newest link first."
)
class LinkedContactOrderBy:
    field: LinkedContactSortField = strawberry.field(
        default=LinkedContactSortField.LINKED_AT,
        description="When linked (default), or a contact field as `contacts` sorts.",
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Which way; default descending."
    )


LinkedFilterArg = Annotated[
    ContactFilter | None,
    strawberry.argument(
        description="Which of the linked contacts, exactly as `contacts(filter:)` takes it "
        "(archived contacts are left out unless it asks); all of them if omitted."
    ),
]
LinkedOrderArg = Annotated[
    LinkedContactOrderBy | None,
    strawberry.argument(description="Sort; default newest link first."),
]


async def _linked_contacts(
    info: Info,
    object_type: AssociationObjectType,
    object_id: str,
    first: int | None,
    after: str | None,
    filter: ContactFilter | None,
    order_by: LinkedContactOrderBy | None,
) -> ContactConnection:
    query = contact_query(info, filter.to_domain() if filter else None)
    order = order_by or LinkedContactOrderBy()
    request = page_request(first, after, order.field, order.direction == SortDirection.DESC, query)
    contacts, cursors, has_next = await r.linked_contacts(info, object_type, object_id, request)

    async def count() -> int:
        return await r.linked_count(info, object_type, object_id, query)

    conn = ContactConnection.build(
        [Contact.from_domain(c) for c in contacts], cursors, has_next, after, count
    )
    return conn  # type: ignore[return-value]


LINKED_CONTACTS = (
    "The contacts linked to it that the viewer may see, as a cursor connection; default "
    "newest link first. Batched: the pages of any number of records cost one statement."
)


# -- the records contacts link to -------------------------------------------------------------


@strawberry.federation.type(
    keys=["id"],
    description="A deal in a pipeline, linked to contacts (the Actions panel's "
    "opportunities). Kept here in minimal form; other subgraphs extend it by `id`.",
)
class Opportunity:
    id: strawberry.ID = strawberry.field(description="The opportunity's id.")
    name: str = strawberry.field(description="Its name.")
    pipeline_id: str = strawberry.field(description="The pipeline it moves through.")
    stage: str = strawberry.field(description="Its stage in that pipeline.")
    status: OpportunityStatus = strawberry.field(description="Open, won, lost or abandoned.")
    monetary_value: Money | None = strawberry.field(
        description="What it is worth, in minor units of a currency; null when not set."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_domain(cls, o: d.Opportunity) -> Opportunity:
        return cls(
            id=strawberry.ID(o.id),
            name=o.name,
            pipeline_id=o.pipeline_id,
            stage=o.stage,
            status=o.status,
            monetary_value=_money(o.value),
            created_at=o.created_at,
            updated_at=o.updated_at,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_: Any) -> Opportunity | None:
        """Gateway entity lookup: one statement for any number of representations, in the
        viewer's location only."""
        found = await r.opportunity(info, str(id))
        return None if found is None else cls.from_domain(found)

    @strawberry.field(description=LINKED_CONTACTS)
    async def contacts(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: LinkedFilterArg = None,
        order_by: LinkedOrderArg = None,
    ) -> ContactConnection:
        return await _linked_contacts(
            info, AssociationObjectType.OPPORTUNITY, str(self.id), first, after, filter, order_by
        )


@strawberry.federation.type(
    keys=["id"],
    description="A company contacts are linked to. Kept here in minimal form; other "
    "subgraphs extend it by `id`.",
)
class Company:
    id: strawberry.ID = strawberry.field(description="The company's id.")
    name: str = strawberry.field(description="Its name.")
    domain: str | None = strawberry.field(description="Its web domain, lower-case, e.g. acme.com.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_domain(cls, c: d.Company) -> Company:
        return cls(
            id=strawberry.ID(c.id),
            name=c.name,
            domain=c.domain,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_: Any) -> Company | None:
        """Gateway entity lookup: batched, in the viewer's location only."""
        found = await r.company(info, str(id))
        return None if found is None else cls.from_domain(found)

    @strawberry.field(description=LINKED_CONTACTS)
    async def contacts(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: LinkedFilterArg = None,
        order_by: LinkedOrderArg = None,
    ) -> ContactConnection:
        return await _linked_contacts(
            info, AssociationObjectType.COMPANY, str(self.id), first, after, filter, order_by
        )


@strawberry.federation.type(
    keys=["id"],
    description="A record of a custom object (e.g. a pet of the object `pets`), linked to "
    "contacts. Kept here in minimal form; other subgraphs extend it by `id`.",
)
class CustomObjectRecord:
    id: strawberry.ID = strawberry.field(description="The record's id.")
    object_key: str = strawberry.field(description="Its custom object, e.g. pets.")
    name: str = strawberry.field(description="Its display name.")
    properties: JSON = strawberry.field(
        description="Its properties: a JSON object of scalar values (text, number, boolean "
        "or null)."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_domain(cls, c: d.CustomObjectRecord) -> CustomObjectRecord:
        return cls(
            id=strawberry.ID(c.id),
            object_key=c.object_key,
            name=c.name,
            properties=cast(JSON, dict(c.properties)),
            created_at=c.created_at,
            updated_at=c.updated_at,
        )

    @classmethod
    async def resolve_reference(
        cls, info: Info, id: strawberry.ID, **_: Any
    ) -> CustomObjectRecord | None:
        """Gateway entity lookup: batched, in the viewer's location only."""
        found = await r.custom_object_record(info, str(id))
        return None if found is None else cls.from_domain(found)

    @strawberry.field(description=LINKED_CONTACTS)
    async def contacts(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: LinkedFilterArg = None,
        order_by: LinkedOrderArg = None,
    ) -> ContactConnection:
        return await _linked_contacts(
            info, AssociationObjectType.CUSTOM_OBJECT, str(self.id), first, after, filter, order_by
        )


AssociatedRecord = Annotated[
    Contact | Opportunity | Company | CustomObjectRecord,
    strawberry.union(
        "AssociatedRecord",
        description="What a contact is linked to: a contact, an opportunity, a company or a "
        "custom-object record.",
    ),
]


def record_from_domain(
    found: d.Record,
) -> Contact | Opportunity | Company | CustomObjectRecord:
    if isinstance(found, d.Opportunity):
        return Opportunity.from_domain(found)
    if isinstance(found, d.Company):
        return Company.from_domain(found)
    if isinstance(found, d.CustomObjectRecord):
        return CustomObjectRecord.from_domain(found)
    return Contact.from_domain(found)


# -- labels and links --------------------------------------------------------------------------


@strawberry.type(
    description="An association label the location defines for links between a contact and "
    "one type of record (CONTACT-CONTACT, CONTACT-OPPORTUNITY, CONTACT-COMPANY, "
    "CONTACT-CUSTOM_OBJECT)."
)
class ContactAssociationLabel:
    id: strawberry.ID = strawberry.field(description="The label's id.")
    name: str = strawberry.field(
        description="The label as the contact that applied it reads it, e.g. Parent."
    )
    inverse_name: str | None = strawberry.field(
        description="Contact-to-contact labels only: how the other contact reads it, e.g. "
        "Child. Null for a symmetric label, which both contacts read by its name."
    )
    object_type: AssociationObjectType = strawberry.field(
        description="What it links contacts to (the pair is CONTACT and this type)."
    )
    custom_object_key: str | None = strawberry.field(
        description="CUSTOM_OBJECT labels only: the custom object they are for, e.g. pets."
    )
    created_at: datetime = strawberry.field(description="When it was defined.")

    @classmethod
    def from_domain(cls, label: d.AssociationLabel) -> ContactAssociationLabel:
        return cls(
            id=strawberry.ID(label.id),
            name=label.name,
            inverse_name=label.inverse_name,
            object_type=label.object_type,
            custom_object_key=label.object_key,
            created_at=label.created_at,
        )


@strawberry.type(description="A page of the location's association labels.")
class ContactAssociationLabelConnection(Connection[ContactAssociationLabel]):
    pass


graphql_enum(
    AssociationLabelSortField,
    "What association labels sort by; ties are broken by id.",
    {
        AssociationLabelSortField.CREATED_AT: "When the label was defined.",
        AssociationLabelSortField.NAME: "Its name (case-insensitive).",
    },
    name="ContactAssociationLabelSortField",
)


@strawberry.input(description="Which association labels to list. Every member given must hold.")
class ContactAssociationLabelFilter:
    object_types: list[AssociationObjectType] | None = strawberry.field(
        default=None,
        description="Only labels for these types of record; every type when omitted; an "
        "empty list matches none.",
    )

    def to_domain(self) -> d.AssociationLabelFilter:
        return d.AssociationLabelFilter(distinct(self.object_types))


@strawberry.input(description="How to sort association labels; default oldest first.")
class ContactAssociationLabelOrderBy:
    field: AssociationLabelSortField = strawberry.field(
        default=AssociationLabelSortField.CREATED_AT,
        description="Definition time (default) or name.",
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.ASC, description="Which way; default ascending."
    )


@strawberry.type(description="A label on one association, named as this side reads it.")
class ContactAssociationAppliedLabel:
    name: str = strawberry.field(
        description="The label's name, or its inverse name when the label was applied from "
        "the other contact of a contact-to-contact link."
    )
    label: ContactAssociationLabel = strawberry.field(description="The label's definition.")


@strawberry.type(
    description="A link between a contact and another contact, an opportunity, a company "
    "or a custom-object record, as the contact sees it (a card of its Associations tab). A "
    "link between two contacts has one of these on each contact, each with its own id."
)
class ContactAssociation:
    id: strawberry.ID = strawberry.field(
        description="This side's id; mutations given either side's id change the one link."
    )
    contact_id: strawberry.ID = strawberry.field(description="The contact whose side this is.")
    object_type: AssociationObjectType = strawberry.field(
        description="What the contact is linked to."
    )
    created_at: datetime = strawberry.field(description="When the link was made.")
    _side: strawberry.Private[d.Association]

    @classmethod
    def from_domain(cls, side: d.Association) -> ContactAssociation:
        return cls(
            id=strawberry.ID(side.id),
            contact_id=strawberry.ID(side.contact_id),
            object_type=side.object_type,
            created_at=side.created_at,
            _side=side,
        )

    @strawberry.field(
        description="What the contact is linked to; null only if it went away meanwhile."
    )
    async def record(self, info: Info) -> AssociatedRecord | None:
        found = await r.record(info, self._side)
        return None if found is None else record_from_domain(found)

    @strawberry.field(
        description="Up to 10 labels, in the order they were applied, named as this "
        "contact reads them."
    )
    async def labels(self, info: Info) -> list[ContactAssociationAppliedLabel]:
        applied = await r.labels(info, self._side.link_id)
        names = self._side.label_names(applied)
        return [
            ContactAssociationAppliedLabel(
                name=name, label=ContactAssociationLabel.from_domain(x.label)
            )
            for name, x in zip(names, applied, strict=True)
        ]


@strawberry.type(description="A page of a contact's associations.")
class ContactAssociationConnection(Connection[ContactAssociation]):
    @classmethod
    async def for_contact(
        cls,
        info: Info,
        contact_id: str,
        request: PageRequest,
        association_filter: d.AssociationFilter,
    ) -> ContactAssociationConnection:
        sides, cursors, has_next = await r.page(info, contact_id, request)

        async def count() -> int:
            return await r.count(info, contact_id, association_filter)

        conn = cls.build(
            [ContactAssociation.from_domain(s) for s in sides],
            cursors,
            has_next,
            request.after,
            count,
        )
        return conn  # type: ignore[return-value]


@strawberry.type(description="A page of the opportunities linked to a contact.")
class ContactOpportunityConnection(Connection[Opportunity]):
    @classmethod
    async def for_contact(
        cls,
        info: Info,
        contact_id: str,
        request: PageRequest,
        opportunity_filter: d.OpportunityFilter,
    ) -> ContactOpportunityConnection:
        found, cursors, has_next = await r.opportunities(info, contact_id, request)

        async def count() -> int:
            return await r.opportunity_count(info, contact_id, opportunity_filter)

        conn = cls.build(
            [Opportunity.from_domain(o) for o in found], cursors, has_next, request.after, count
        )
        return conn  # type: ignore[return-value]


# -- inputs ------------------------------------------------------------------------------------


@strawberry.input(description="A new opportunity.")
class OpportunityCreateInput:
    name: str = strawberry.field(description="Its name; not empty, at most 255 characters.")
    pipeline_id: str = strawberry.field(description="The pipeline; at most 64 characters.")
    stage: str = strawberry.field(description="The stage in that pipeline; at most 64 characters.")
    status: OpportunityStatus = strawberry.field(
        default=OpportunityStatus.OPEN, description="Default OPEN."
    )
    monetary_value: MoneyInput | None = strawberry.field(
        default=None, description="What it is worth: minor units, not negative, and currency."
    )

    def to_domain(self) -> d.NewOpportunity:
        return d.NewOpportunity(
            self.name, self.pipeline_id, self.stage, self.status, _money_in(self.monetary_value)
        )


@strawberry.input(description="A new company.")
class CompanyCreateInput:
    name: str = strawberry.field(description="Its name; not empty.")
    domain: str | None = strawberry.field(
        default=None, description="Its web domain or address, e.g. acme.com; stored lower-case."
    )

    def to_domain(self) -> d.NewCompany:
        return d.NewCompany(self.name, self.domain)


@strawberry.input(description="A new custom-object record.")
class CustomObjectRecordCreateInput:
    object_key: str = strawberry.field(
        description="Its custom object: a-z, 0-9 and _, starting with a letter, e.g. pets."
    )
    name: str = strawberry.field(description="Its display name; not empty.")
    # No `{}` default: graphql-core cannot print a dict default of a custom scalar, and an
    # unprintable default breaks the standard introspection query for every client.
    properties: JSON | None = strawberry.field(
        default=None,
        description="A JSON object of at most 100 scalar values (text, number, boolean or "
        "null), keyed by property name. Omitted or null: no properties.",
    )

    def to_domain(self) -> d.NewCustomObjectRecord:
        # checked by the domain: an object of scalars (only null means none, not [] or 0)
        properties: Any = {} if self.properties is None else self.properties
        return d.NewCustomObjectRecord(self.object_key, self.name, properties)


LABEL_IDS = (
    "Association labels to apply (at most 10 per link), as this contact reads them; each "
    "must be defined for this type of record."
)


@strawberry.input(
    description="Link a contact to a record: an existing one (`targetId` and `targetType`) "
    "or one created in the same change (exactly one `create…` member). A failure creates "
    "nothing."
)
class ContactAssociationAddInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    target_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="An existing record of the location; a contact must be one the viewer may see.",
    )
    target_type: AssociationObjectType | None = strawberry.field(
        default=None, description="What `targetId` names; required with it."
    )
    create_contact: ContactCreateInput | None = strawberry.field(
        default=None, description="Create this contact and link it."
    )
    create_opportunity: OpportunityCreateInput | None = strawberry.field(
        default=None, description="Create this opportunity and link it."
    )
    create_company: CompanyCreateInput | None = strawberry.field(
        default=None, description="Create this company and link it."
    )
    create_custom_object_record: CustomObjectRecordCreateInput | None = strawberry.field(
        default=None, description="Create this custom-object record and link it."
    )
    label_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description=LABEL_IDS)

    def targets(self) -> list[d.GivenTarget]:
        given: list[d.GivenTarget] = []
        if self.target_id is not None:
            existing = d.ExistingRecord(self.target_type, str(self.target_id))
            given.append(d.GivenTarget(("targetId",), existing))
        if self.create_contact is not None:
            given.append(d.GivenTarget(("createContact",), self.create_contact.to_draft()))
        if self.create_opportunity is not None:
            target = self.create_opportunity.to_domain()
            given.append(d.GivenTarget(("createOpportunity",), target))
        if self.create_company is not None:
            given.append(d.GivenTarget(("createCompany",), self.create_company.to_domain()))
        if self.create_custom_object_record is not None:
            record = self.create_custom_object_record.to_domain()
            given.append(d.GivenTarget(("createCustomObjectRecord",), record))
        return given


@strawberry.input(description="Create an opportunity and link it to a contact, in one change.")
class ContactOpportunityCreateInput(OpportunityCreateInput):
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    label_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description=LABEL_IDS)


@strawberry.input(description="Change an opportunity; omitted members stay as they are.")
class OpportunityUpdateInput:
    id: strawberry.ID = strawberry.field(description="The opportunity.")
    name: str | None = strawberry.field(default=UNSET, description="New name.")
    pipeline_id: str | None = strawberry.field(default=UNSET, description="New pipeline.")
    stage: str | None = strawberry.field(default=UNSET, description="New stage.")
    status: OpportunityStatus | None = strawberry.field(
        default=UNSET, description="New status: OPEN, WON, LOST or ABANDONED."
    )
    monetary_value: MoneyInput | None = strawberry.field(
        default=UNSET, description="New value; null clears it."
    )

    def to_domain(self) -> d.OpportunityPatch:
        def given(value: Any) -> Any:
            return KEEP if value is UNSET else value

        return d.OpportunityPatch(
            name=given(self.name),
            pipeline_id=given(self.pipeline_id),
            stage=given(self.stage),
            status=given(self.status),
            value=KEEP if self.monetary_value is UNSET else _money_in(self.monetary_value),
        )


@strawberry.input(description="Labels to add to an association, as its contact reads them.")
class ContactAssociationLabelsAddInput:
    association_id: strawberry.ID = strawberry.field(description="Either side's id of the link.")
    label_ids: list[strawberry.ID] = strawberry.field(description=LABEL_IDS)


@strawberry.input(description="Labels to remove from an association; others stay.")
class ContactAssociationLabelsRemoveInput:
    association_id: strawberry.ID = strawberry.field(description="Either side's id of the link.")
    label_ids: list[strawberry.ID] = strawberry.field(
        description="Labels to remove (from whichever side they were applied)."
    )


@strawberry.input(description="Replace an association's labels, as its contact reads them.")
class ContactAssociationLabelsSetInput:
    association_id: strawberry.ID = strawberry.field(description="Either side's id of the link.")
    label_ids: list[strawberry.ID] = strawberry.field(
        description="The whole new set (at most 10); empty removes every label."
    )


@strawberry.input(description="Remove a link; the linked record itself stays.")
class ContactAssociationRemoveInput:
    association_id: strawberry.ID = strawberry.field(description="Either side's id of the link.")


@strawberry.input(description="Define an association label (admins only).")
class ContactAssociationLabelCreateInput:
    name: str = strawberry.field(
        description="The label, e.g. Parent; unique per type of record (case-insensitive)."
    )
    object_type: AssociationObjectType = strawberry.field(description="What it links contacts to.")
    custom_object_key: str | None = strawberry.field(
        default=None, description="Required for CUSTOM_OBJECT labels, forbidden otherwise."
    )
    inverse_name: str | None = strawberry.field(
        default=None,
        description="CONTACT labels only: how the other contact reads it, e.g. Child. "
        "Omit for a symmetric label such as Spouse.",
    )

    def to_domain(self) -> d.NewAssociationLabel:
        return d.NewAssociationLabel(
            self.name, self.object_type, self.custom_object_key, self.inverse_name
        )


@strawberry.input(description="Rename an association label (admins only).")
class ContactAssociationLabelUpdateInput:
    id: strawberry.ID = strawberry.field(description="The label.")
    name: str | None = strawberry.field(default=UNSET, description="New name.")
    inverse_name: str | None = strawberry.field(
        default=UNSET,
        description="New inverse name; a symmetric label stays symmetric and an asymmetric "
        "one asymmetric.",
    )


@strawberry.input(description="Delete an association label (admins only); every link loses it.")
class ContactAssociationLabelDeleteInput:
    id: strawberry.ID = strawberry.field(description="The label.")


# -- payloads ----------------------------------------------------------------------------------


def _errors(outcome: Outcome[Any]) -> list[UserError]:
    return UserError.all_of(outcome.errors)


@strawberry.interface(description="What every association mutation returns.")
class ContactAssociationMutationPayload:
    association: ContactAssociation | None = strawberry.field(
        description="The contact's side of the link after the change (as it was, for a "
        "removal); null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[tuple[d.Association, Any]]) -> Self:
        side = outcome.value[0] if outcome.value else None
        return cls(
            association=ContactAssociation.from_domain(side) if side else None,
            user_errors=_errors(outcome),
        )


@strawberry.type(description="Result of contactAssociationAdd.")
class ContactAssociationAddPayload(ContactAssociationMutationPayload):
    @classmethod
    def from_linked(cls, outcome: Outcome[d.Linked]) -> ContactAssociationAddPayload:
        linked = outcome.value
        return cls(
            association=ContactAssociation.from_domain(linked.association) if linked else None,
            user_errors=_errors(outcome),
        )


@strawberry.type(description="Result of contactAssociationLabelsAdd.")
class ContactAssociationLabelsAddPayload(ContactAssociationMutationPayload):
    pass


@strawberry.type(description="Result of contactAssociationLabelsRemove.")
class ContactAssociationLabelsRemovePayload(ContactAssociationMutationPayload):
    pass


@strawberry.type(description="Result of contactAssociationLabelsSet.")
class ContactAssociationLabelsSetPayload(ContactAssociationMutationPayload):
    pass


@strawberry.type(description="Result of contactAssociationRemove.")
class ContactAssociationRemovePayload(ContactAssociationMutationPayload):
    pass


@strawberry.type(description="Result of contactOpportunityCreate.")
class ContactOpportunityCreatePayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The new opportunity; null on error."
    )
    association: ContactAssociation | None = strawberry.field(
        description="The contact's link to it; null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[d.Linked]) -> ContactOpportunityCreatePayload:
        linked = outcome.value
        created = linked.record if linked else None
        return cls(
            opportunity=Opportunity.from_domain(created)
            if isinstance(created, d.Opportunity)
            else None,
            association=ContactAssociation.from_domain(linked.association) if linked else None,
            user_errors=_errors(outcome),
        )


@strawberry.type(description="Result of opportunityUpdate.")
class OpportunityUpdatePayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity after the change; null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


@strawberry.interface(description="What every association label mutation returns.")
class ContactAssociationLabelMutationPayload:
    label: ContactAssociationLabel | None = strawberry.field(
        description="The label after the change (as it was, for a delete); null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[d.AssociationLabel]) -> Self:
        return cls(
            label=ContactAssociationLabel.from_domain(outcome.value) if outcome.value else None,
            user_errors=_errors(outcome),
        )


@strawberry.type(description="Result of contactAssociationLabelCreate.")
class ContactAssociationLabelCreatePayload(ContactAssociationLabelMutationPayload):
    pass


@strawberry.type(description="Result of contactAssociationLabelUpdate.")
class ContactAssociationLabelUpdatePayload(ContactAssociationLabelMutationPayload):
    pass


@strawberry.type(description="Result of contactAssociationLabelDelete.")
class ContactAssociationLabelDeletePayload(ContactAssociationLabelMutationPayload):
    pass


# -- roots -------------------------------------------------------------------------------------


def _ids(ids: list[strawberry.ID]) -> list[str]:
    return [str(i) for i in ids]


@strawberry.type
class AssociationsQuery:
    @strawberry.field(
        description="The location's association labels, as a cursor connection; default "
        "oldest first. Admins define them, any number per type of record."
    )
    async def contact_association_labels(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactAssociationLabelFilter | None,
            strawberry.argument(description="Which labels; all of them if omitted."),
        ] = None,
        order_by: Annotated[
            ContactAssociationLabelOrderBy | None,
            strawberry.argument(description="Sort; default oldest first."),
        ] = None,
    ) -> ContactAssociationLabelConnection:
        order = order_by or ContactAssociationLabelOrderBy()
        label_filter = (filter or ContactAssociationLabelFilter()).to_domain()
        request = page_request(first, after, order.field, order.direction == SortDirection.DESC)
        found, cursors, has_next, count = await r.label_definitions(info, request, label_filter)
        conn = ContactAssociationLabelConnection.build(
            [ContactAssociationLabel.from_domain(x) for x in found], cursors, has_next, after, count
        )
        return conn  # type: ignore[return-value]


@strawberry.type
class AssociationsMutation:
    @strawberry.mutation(
        description="Link a contact to another contact, an opportunity, a company or a "
        "custom-object record -- an existing one or one created in the same change -- with "
        "up to 10 labels. Both contacts of a contact-to-contact link see it. An existing "
        "record the contact is already linked to (from either side) is no change: that link "
        "is returned as it is, with its own labels (contactAssociationLabelsAdd|Set change "
        "those). A `create…` member creates a new record on every call."
    )
    async def contact_association_add(
        self, info: Info, input: InputArg[ContactAssociationAddInput]
    ) -> ContactAssociationAddPayload:
        outcome = await r.add(info, str(input.contact_id), input.targets(), _ids(input.label_ids))
        return ContactAssociationAddPayload.from_linked(outcome)

    @strawberry.mutation(
        description="Add labels to a link (at most 10 in all); labels it has stay once."
    )
    async def contact_association_labels_add(
        self, info: Info, input: InputArg[ContactAssociationLabelsAddInput]
    ) -> ContactAssociationLabelsAddPayload:
        outcome = await r.change_labels(
            info, str(input.association_id), "add", _ids(input.label_ids)
        )
        return ContactAssociationLabelsAddPayload.from_outcome(outcome)

    @strawberry.mutation(
        description="Remove labels from a link; other labels stay, labels it lacks are ignored."
    )
    async def contact_association_labels_remove(
        self, info: Info, input: InputArg[ContactAssociationLabelsRemoveInput]
    ) -> ContactAssociationLabelsRemovePayload:
        outcome = await r.change_labels(
            info, str(input.association_id), "remove", _ids(input.label_ids)
        )
        return ContactAssociationLabelsRemovePayload.from_outcome(outcome)

    @strawberry.mutation(description="Replace a link's labels (at most 10).")
    async def contact_association_labels_set(
        self, info: Info, input: InputArg[ContactAssociationLabelsSetInput]
    ) -> ContactAssociationLabelsSetPayload:
        outcome = await r.change_labels(
            info, str(input.association_id), "set", _ids(input.label_ids)
        )
        return ContactAssociationLabelsSetPayload.from_outcome(outcome)

    @strawberry.mutation(
        description="Remove a link from both of its sides; the linked record stays. "
        "NOT_FOUND once the link is gone (a retried removal)."
    )
    async def contact_association_remove(
        self, info: Info, input: InputArg[ContactAssociationRemoveInput]
    ) -> ContactAssociationRemovePayload:
        outcome = await r.remove(info, str(input.association_id))
        return ContactAssociationRemovePayload.from_outcome(outcome)

    @strawberry.mutation(
        description="Create an opportunity and link it to a contact, in one change; every "
        "call creates a new opportunity."
    )
    async def contact_opportunity_create(
        self, info: Info, input: InputArg[ContactOpportunityCreateInput]
    ) -> ContactOpportunityCreatePayload:
        outcome = await r.create_opportunity(
            info, str(input.contact_id), input.to_domain(), _ids(input.label_ids)
        )
        return ContactOpportunityCreatePayload.from_outcome(outcome)

    @strawberry.mutation(
        description="Change an opportunity's name, pipeline, stage, status or value; every "
        "linked contact records the change."
    )
    async def opportunity_update(
        self, info: Info, input: InputArg[OpportunityUpdateInput]
    ) -> OpportunityUpdatePayload:
        outcome = await r.update_opportunity(info, str(input.id), input.to_domain())
        return OpportunityUpdatePayload(
            opportunity=Opportunity.from_domain(outcome.value) if outcome.value else None,
            user_errors=_errors(outcome),
        )

    @strawberry.mutation(
        description="Define an association label (admins only). The same name, kind and "
        "inverse name again returns the existing label; the name (any case) with anything "
        "else is DUPLICATE."
    )
    async def contact_association_label_create(
        self, info: Info, input: InputArg[ContactAssociationLabelCreateInput]
    ) -> ContactAssociationLabelCreatePayload:
        outcome = await r.create_label(info, input.to_domain())
        return ContactAssociationLabelCreatePayload.from_outcome(outcome)

    @strawberry.mutation(
        description="Rename an association label (admins only); links show the new name."
    )
    async def contact_association_label_update(
        self, info: Info, input: InputArg[ContactAssociationLabelUpdateInput]
    ) -> ContactAssociationLabelUpdatePayload:
        name = KEEP if input.name is UNSET else input.name
        inverse = KEEP if input.inverse_name is UNSET else input.inverse_name
        outcome = await r.update_label(info, str(input.id), name, inverse)
        return ContactAssociationLabelUpdatePayload.from_outcome(outcome)

    @strawberry.mutation(
        description="Delete an association label (admins only); every link carrying it "
        "loses it, and its contacts record the change. NOT_FOUND once it is gone."
    )
    async def contact_association_label_delete(
        self, info: Info, input: InputArg[ContactAssociationLabelDeleteInput]
    ) -> ContactAssociationLabelDeletePayload:
        outcome = await r.delete_label(info, str(input.id))
        return ContactAssociationLabelDeletePayload.from_outcome(outcome)


_ASSOCIATION_ACTIONS = {
    EventKind.ASSOCIATION_ADDED: ActivityAction.ADDED,
    EventKind.ASSOCIATION_LABELS_CHANGED: ActivityAction.UPDATED,
    EventKind.ASSOCIATION_REMOVED: ActivityAction.REMOVED,
}


@strawberry.type(
    description="A link to another contact, an opportunity, a company or a custom-object "
    "record was added, relabelled or removed."
)
class ContactAssociationActivity(ContactActivity):
    action: ActivityAction = strawberry.field(description="What happened to the link.")
    association_id: strawberry.ID = strawberry.field(description="The link (this side).")
    object_type: AssociationObjectType | None = strawberry.field(
        description="What the linked record is (null for a relabelling recorded before "
        "relabellings named it)."
    )
    object_id: strawberry.ID | None = strawberry.field(
        description="The linked record's id; null for a contact the viewer may not see "
        "(`redacted`) and for a relabelling recorded before relabellings named it."
    )
    association_labels: list[str] = strawberry.field(
        description="The link's labels after the change (before it, for a removal), as this "
        "contact reads them; empty when the linked contact is hidden from the viewer "
        "(`redacted`)."
    )


def _association_activity(e: ContactEvent, base: dict[str, Any]) -> ContactAssociationActivity:
    """Association events carry {id, objectType, objectId, labels} before and after
    (domain/associations.py); a relabelling recorded before it named the record, {id,
    labels}."""
    change = e.changes[0]
    summary = change.after or change.before
    object_type = summary.get("objectType")
    return ContactAssociationActivity(
        **base,
        action=_ASSOCIATION_ACTIONS[e.kind],
        association_id=strawberry.ID(summary["id"]),
        object_type=AssociationObjectType(object_type) if object_type else None,
        object_id=strawberry.ID(summary["objectId"]) if summary.get("objectId") else None,
        association_labels=list(summary.get("labels") or []),
    )


_OPPORTUNITY_ACTIONS = {
    EventKind.OPPORTUNITY_CREATED: ActivityAction.ADDED,
    EventKind.OPPORTUNITY_UPDATED: ActivityAction.UPDATED,
}


@strawberry.type(description="An opportunity linked to the contact was created or changed.")
class ContactOpportunityActivity(ContactActivity):
    action: ActivityAction = strawberry.field(description="Created or changed.")
    opportunity_id: strawberry.ID = strawberry.field(description="The opportunity.")
    opportunity_name: str | None = strawberry.field(
        description="Its name, when the event records it (always on creation)."
    )
    changes: list[ContactFieldChange] = strawberry.field(
        description="Its fields before and after (JSON summaries)."
    )


def _opportunity_activity(e: ContactEvent, base: dict[str, Any]) -> ContactOpportunityActivity:
    change = e.changes[0]
    after, before = change.after or {}, change.before or {}
    return ContactOpportunityActivity(
        **base,
        action=_OPPORTUNITY_ACTIONS[e.kind],
        opportunity_id=strawberry.ID(str(after.get("id") or before.get("id"))),
        opportunity_name=after.get("name") or before.get("name"),
        changes=ContactFieldChange.all_of(e),
    )


register_activity(_ASSOCIATION_ACTIONS, ContactAssociationActivity, _association_activity)
register_activity(_OPPORTUNITY_ACTIONS, ContactOpportunityActivity, _opportunity_activity)
