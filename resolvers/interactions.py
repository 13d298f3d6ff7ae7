"""Interactions and attribution: a contact's interactions page, its attribution, and the
two writes (record an interaction, reset the attribution)."""

from __future__ import annotations

from domain import interactions as d
from domain.contact import Contact
from persistence.interactions import interaction_from_row
from persistence.tab_pages import PageRequest
from resolvers.common import Info, Outcome, run_write, tab_page


async def page(
    info: Info, contact_id: str, request: PageRequest
) -> tuple[list[d.Interaction], list[str], bool]:
    loader = info.context.loaders.interactions
    return await tab_page(loader, contact_id, request, interaction_from_row)


async def count(info: Info, contact_id: str, interaction_filter: d.InteractionFilter) -> int:
    return await info.context.loaders.interactions_count.load((contact_id, interaction_filter))


async def attribution(info: Info, contact_id: str) -> d.AttributionView:
    return await info.context.loaders.attribution.load(contact_id)


async def contact(info: Info, contact_id: str) -> Contact | None:
    return await info.context.loaders.contact.load(contact_id)


async def record(info: Info, cmd: d.RecordInteraction) -> Outcome[d.RecordedInteraction]:
    ctx = info.context
    outcome = await run_write(info, d.record_interaction(ctx.svc, ctx.viewer, cmd))
    ctx.loaders.attribution.clear(cmd.contact_id)
    return outcome


async def reset(info: Info, contact_id: str) -> Outcome[str]:
    ctx = info.context
    outcome = await run_write(info, d.reset_attribution(ctx.svc, ctx.viewer, contact_id))
    ctx.loaders.attribution.clear(contact_id)
    return outcome
