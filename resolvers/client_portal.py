"""Client portal (Actions panel): pages of a contact's course offers and community groups,
and the writes that grant / revoke and assign / remove them."""

from __future__ import annotations

from domain import client_portal as cp
from domain.client_portal import PortalAccess, PortalFilter, PortalKind
from loaders.base import CountByContactLoader, PagedByContactLoader
from persistence.client_portal import from_row
from persistence.tab_pages import PageRequest
from resolvers.common import Info, Outcome, run_write, tab_page


def _loaders(info: Info, kind: PortalKind) -> tuple[PagedByContactLoader, CountByContactLoader]:
    loaders = info.context.loaders
    if kind is PortalKind.COURSE_OFFER:
        return loaders.course_offers, loaders.course_offers_count
    return loaders.community_groups, loaders.community_groups_count


async def page(
    info: Info, kind: PortalKind, contact_id: str, request: PageRequest
) -> tuple[list[PortalAccess], list[str], bool]:
    return await tab_page(_loaders(info, kind)[0], contact_id, request, from_row(kind))


async def count(info: Info, kind: PortalKind, contact_id: str, portal_filter: PortalFilter) -> int:
    return await _loaders(info, kind)[1].load((contact_id, portal_filter))


async def add(
    info: Info, kind: PortalKind, contact_id: str, ref_id: str, name: str
) -> Outcome[PortalAccess]:
    """The payload's `contact` re-reads the changed list (run_write forgets every page)."""
    ctx = info.context
    return await run_write(info, cp.add(ctx.svc, ctx.viewer, kind, contact_id, ref_id, name))


async def remove(
    info: Info, kind: PortalKind, contact_id: str, ref_id: str
) -> Outcome[PortalAccess | None]:
    ctx = info.context
    return await run_write(info, cp.remove(ctx.svc, ctx.viewer, kind, contact_id, ref_id))
