"""Associations tab: pages of links and opportunities, linked records, and every write."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from domain import associations as a
from domain.associations import AssociationFilter, OpportunityFilter
from domain.associations import AssociationObjectType as T
from domain.contact import Contact
from domain.contact_query import ContactQuery
from persistence.associations import (
    association_from_row,
    label_count,
    label_from_row,
    label_page,
    opportunity_from_row,
)
from persistence.paging import InvalidCursor
from persistence.tab_pages import Page, PageRequest
from resolvers.common import Info, Outcome, bad_cursor, run_write, tab_page

Side = tuple[a.Association, tuple[a.AppliedLabel, ...]]


# -- reads -------------------------------------------------------------------------------------


async def page(
    info: Info, contact_id: str, request: PageRequest
) -> tuple[list[a.Association], list[str], bool]:
    return await tab_page(
        info.context.loaders.associations, contact_id, request, association_from_row
    )


async def count(info: Info, contact_id: str, association_filter: AssociationFilter) -> int:
    return await info.context.loaders.associations_count.load((contact_id, association_filter))


async def labels(info: Info, link_id: str) -> list[a.AppliedLabel]:
    return list(await info.context.loaders.association_labels.load(link_id))


async def record(info: Info, association: a.Association) -> a.Record | None:
    """The linked record, through the loader of its type (one statement per type and batch)."""
    loaders, object_id = info.context.loaders, association.object_id
    if association.object_type is T.CONTACT:
        return await loaders.contact.load(object_id)
    if association.object_type is T.OPPORTUNITY:
        return await loaders.opportunity.load(object_id)
    if association.object_type is T.COMPANY:
        return await loaders.company.load(object_id)
    return await loaders.custom_object_record.load(object_id)


async def opportunities(
    info: Info, contact_id: str, request: PageRequest
) -> tuple[list[a.Opportunity], list[str], bool]:
    return await tab_page(
        info.context.loaders.opportunities, contact_id, request, opportunity_from_row
    )


async def opportunity_count(info: Info, contact_id: str, f: OpportunityFilter) -> int:
    return await info.context.loaders.opportunities_count.load((contact_id, f))


async def opportunity(info: Info, opportunity_id: str) -> a.Opportunity | None:
    return await info.context.loaders.opportunity.load(opportunity_id)


async def company(info: Info, company_id: str) -> a.Company | None:
    return await info.context.loaders.company.load(company_id)


async def custom_object_record(info: Info, record_id: str) -> a.CustomObjectRecord | None:
    return await info.context.loaders.custom_object_record.load(record_id)


async def linked_contacts(
    info: Info, object_type: T, object_id: str, request: PageRequest
) -> tuple[list[Contact], list[str], bool]:
    """A page of the contacts the viewer may see that are linked to one record and match
    the request's filter (a ContactQuery)."""
    loaders = info.context.loaders
    try:
        found: Page = await loaders.linked_contacts.load((object_type.value, object_id, request))
    except InvalidCursor as exc:
        raise bad_cursor(exc) from exc
    contacts = await loaders.contact.load_many([r["contact_id"] for r in found.rows])
    kept = [(c, cur) for c, cur in zip(contacts, found.cursors, strict=True) if c is not None]
    return [c for c, _ in kept], [cur for _, cur in kept], found.has_next


async def linked_count(info: Info, object_type: T, object_id: str, query: ContactQuery) -> int:
    key = (object_type.value, object_id, query)
    return await info.context.loaders.linked_contacts_count.load(key)


async def label_definitions(
    info: Info, request: PageRequest, label_filter: a.AssociationLabelFilter
) -> tuple[list[a.AssociationLabel], list[str], bool, Callable[[], Awaitable[int]]]:
    """A page of the viewer's location's labels, and how to count them all."""
    ctx = info.context
    location_id = ctx.viewer.location_id
    try:
        async with ctx.engine.connect() as conn:
            found = await label_page(conn, location_id, label_filter, request)
    except InvalidCursor as exc:
        raise bad_cursor(exc) from exc

    async def count() -> int:
        async with ctx.engine.connect() as conn:
            return await label_count(conn, location_id, label_filter)

    return [label_from_row(r) for r in found.rows], found.cursors, found.has_next, count


# -- writes ------------------------------------------------------------------------------------


def _refresh(info: Info, side: a.Association | None, applied: Sequence[a.AppliedLabel]) -> None:
    """After a write to links: the payload reads the link's labels as they are now, and no
    list of linked contacts is served from before the change."""
    loaders = info.context.loaders
    loaders.linked_contacts.clear_all()
    loaders.linked_contacts_count.clear_all()
    if side is not None:
        loaders.association_labels.clear(side.link_id).prime(side.link_id, list(applied))


def _side(info: Info, outcome: Outcome[Side]) -> Outcome[Side]:
    if outcome.value is not None:
        _refresh(info, *outcome.value)
    return outcome


async def add(
    info: Info, contact_id: str, targets: Sequence[a.GivenTarget], label_ids: Sequence[str]
) -> Outcome[a.Linked]:
    ctx = info.context
    outcome = await run_write(
        info, a.add_association(ctx.svc, ctx.viewer, contact_id, targets, label_ids)
    )
    if outcome.value is not None:
        _refresh(info, outcome.value.association, outcome.value.labels)
    return outcome


async def create_opportunity(
    info: Info, contact_id: str, new: a.NewOpportunity, label_ids: Sequence[str]
) -> Outcome[a.Linked]:
    ctx = info.context
    outcome = await run_write(
        info, a.create_opportunity(ctx.svc, ctx.viewer, contact_id, new, label_ids)
    )
    if outcome.value is not None:
        _refresh(info, outcome.value.association, outcome.value.labels)
    return outcome


async def change_labels(
    info: Info, association_id: str, mode: a.LabelChange, label_ids: Sequence[str]
) -> Outcome[Side]:
    ctx = info.context
    call = a.change_labels(ctx.svc, ctx.viewer, association_id, mode, label_ids)
    return _side(info, await run_write(info, call))


async def remove(info: Info, association_id: str) -> Outcome[Side]:
    ctx = info.context
    call = a.remove_association(ctx.svc, ctx.viewer, association_id)
    return _side(info, await run_write(info, call))


async def update_opportunity(
    info: Info, opportunity_id: str, patch: a.OpportunityPatch
) -> Outcome[a.Opportunity]:
    ctx = info.context
    outcome = await run_write(
        info, a.update_opportunity(ctx.svc, ctx.viewer, opportunity_id, patch)
    )
    if outcome.value is not None:
        ctx.loaders.opportunity.clear(opportunity_id).prime(opportunity_id, outcome.value)
    return outcome


async def create_label(info: Info, new: a.NewAssociationLabel) -> Outcome[a.AssociationLabel]:
    ctx = info.context
    return await run_write(info, a.create_label(ctx.svc, ctx.viewer, new))


async def update_label(
    info: Info, label_id: str, name: object, inverse_name: object
) -> Outcome[a.AssociationLabel]:
    ctx = info.context
    outcome = await run_write(
        info, a.update_label(ctx.svc, ctx.viewer, label_id, name, inverse_name)
    )
    ctx.loaders.association_labels.clear_all()
    return outcome


async def delete_label(info: Info, label_id: str) -> Outcome[a.AssociationLabel]:
    ctx = info.context
    outcome = await run_write(info, a.delete_label(ctx.svc, ctx.viewer, label_id))
    ctx.loaders.association_labels.clear_all()
    return outcome
