"""contactMerge: runs the domain's merge and primes the survivor into the loaders."""

from __future__ import annotations

from domain.merge import MergeResult, merge_contacts
from resolvers.common import Info, Outcome, run_write


async def merge(info: Info, survivor_id: str, duplicate_id: str) -> Outcome[MergeResult]:
    ctx = info.context
    outcome = await run_write(info, merge_contacts(ctx.svc, ctx.viewer, survivor_id, duplicate_id))
    if outcome.value is not None:
        # the duplicate's id now reads as the survivor, and every tab's lists changed
        ctx.loaders.prime_contact(outcome.value.survivor)
        ctx.loaders.contact.clear(duplicate_id)
    return outcome
