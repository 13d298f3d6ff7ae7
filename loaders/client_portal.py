"""Loaders of the client portal (Actions panel): small bounded groups, keyed by contact."""

from __future__ import annotations

from domain.client_portal import PortalKind
from loaders.base import grouped
from persistence import client_portal as cp

CourseOffersByContactLoader = grouped(
    cp.course_offers, lambda r: cp.access_from_row(PortalKind.COURSE_OFFER, r)
)
CommunityGroupsByContactLoader = grouped(
    cp.community_groups, lambda r: cp.access_from_row(PortalKind.COMMUNITY_GROUP, r)
)
