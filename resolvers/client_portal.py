"""Client portal (Actions panel): a contact's course offers and community groups, and the
writes that grant / revoke and assign / remove them."""

from __future__ import annotations

from domain import client_portal as cp
from domain.client_portal import PortalAccess, PortalKind
from resolvers.common import Info, Outcome, run_write


async def course_offers(info: Info, contact_id: str) -> list[PortalAccess]:
    return await info.context.loaders.course_offers.load(contact_id)


async def community_groups(info: Info, contact_id: str) -> list[PortalAccess]:
    return await info.context.loaders.community_groups.load(contact_id)


def _forget(info: Info, kind: PortalKind, contact_id: str) -> None:
    """The payload's `contact` re-reads the changed group instead of a cached one."""
    loaders = info.context.loaders
    loader = loaders.course_offers if kind is PortalKind.COURSE_OFFER else loaders.community_groups
    loader.clear(contact_id)


async def add(
    info: Info, kind: PortalKind, contact_id: str, ref_id: str, name: str
) -> Outcome[PortalAccess]:
    ctx = info.context
    outcome = await run_write(info, cp.add(ctx.svc, ctx.viewer, kind, contact_id, ref_id, name))
    _forget(info, kind, contact_id)
    return outcome


async def remove(
    info: Info, kind: PortalKind, contact_id: str, ref_id: str
) -> Outcome[PortalAccess | None]:
    ctx = info.context
    outcome = await run_write(info, cp.remove(ctx.svc, ctx.viewer, kind, contact_id, ref_id))
    _forget(info, kind, contact_id)
    return outcome
