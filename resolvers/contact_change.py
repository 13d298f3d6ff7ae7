"""contactChange: one domain call for the whole change; the payload reads what it made."""

from __future__ import annotations

from domain import contact_change as cc
from resolvers.common import Info, Outcome, run_write


async def change(info: Info, change: cc.ContactChange) -> Outcome[cc.ContactChangeResult]:
    ctx = info.context
    outcome = await run_write(info, cc.apply_contact_change(ctx.svc, ctx.viewer, change))
    if outcome.value is not None:  # run_write forgot the tabs' lists; the contact is known
        ctx.loaders.prime_contact(outcome.value.contact)
    return outcome
