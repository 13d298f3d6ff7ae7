"""Loaders of the associations tab: each batch is one statement, whatever the number of keys."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.associations import AppliedLabel, Company, CustomObjectRecord, Opportunity
from domain.contact_query import ContactQuery
from domain.viewer import Viewer
from loaders.base import CountByContactLoader, PagedByContactLoader, SqlLoader
from persistence import associations as pa
from persistence.mappers import RowLike
from persistence.tab_pages import EMPTY, Page, PageRequest
from persistence.tables import ASSOCIATION, COMPANY, CUSTOM_OBJECT_RECORD, OPPORTUNITY


def associations_page_loader(engine: AsyncEngine, viewer: Viewer) -> PagedByContactLoader:
    """AssociationsByContactLoader: a page of each contact's associations (its side rows)."""
    return PagedByContactLoader(
        engine, ASSOCIATION, pa.association_filter(viewer), pa.ASSOCIATION_KEYSET
    )


def associations_count_loader(engine: AsyncEngine, viewer: Viewer) -> CountByContactLoader:
    """AssociationCountByContactLoader: how many associations match, per contact."""
    return CountByContactLoader(engine, ASSOCIATION, pa.association_filter(viewer))


def opportunities_page_loader(engine: AsyncEngine) -> PagedByContactLoader:
    """OpportunitiesByContactLoader: a page of the opportunities linked to each contact."""
    return PagedByContactLoader(
        engine, pa.CONTACT_OPPORTUNITY, pa.opportunity_filter, pa.OPPORTUNITY_KEYSET
    )


def opportunities_count_loader(engine: AsyncEngine) -> CountByContactLoader:
    """OpportunityCountByContactLoader: how many linked opportunities match, per contact."""
    return CountByContactLoader(engine, pa.CONTACT_OPPORTUNITY, pa.opportunity_filter)


class AppliedLabelsByLinkLoader(SqlLoader[str, list[AppliedLabel]]):
    """A link's labels with their definitions, keyed by link id (shared by both sides)."""

    missing: Any = ()

    async def fetch(
        self, conn: AsyncConnection, keys: Sequence[str]
    ) -> dict[str, list[AppliedLabel]]:
        return await pa.applied_labels(conn, keys)


R = TypeVar("R")


class RecordByIdLoader(SqlLoader[str, R | None]):
    """Records of the viewer's location by id; another location's id resolves to ``None``."""

    def __init__(
        self,
        engine: AsyncEngine,
        location_id: str,
        table: Table,
        convert: Callable[[RowLike], R],
    ) -> None:
        super().__init__(engine)
        self.location_id = location_id
        self.table = table
        self.convert = convert

    async def fetch(self, conn: AsyncConnection, keys: Sequence[str]) -> dict[str, R | None]:
        rows = await pa.rows_by_id(conn, self.table, self.location_id, keys)
        return {k: self.convert(r) for k, r in rows.items()}


def opportunity_by_id_loader(
    engine: AsyncEngine, location_id: str
) -> RecordByIdLoader[Opportunity]:
    """OpportunityByIdLoader (also behind `_entities`)."""
    return RecordByIdLoader(engine, location_id, OPPORTUNITY, pa.opportunity_from_row)


def company_by_id_loader(engine: AsyncEngine, location_id: str) -> RecordByIdLoader[Company]:
    """CompanyByIdLoader (also behind `_entities`)."""
    return RecordByIdLoader(engine, location_id, COMPANY, pa.company_from_row)


def custom_object_record_by_id_loader(
    engine: AsyncEngine, location_id: str
) -> RecordByIdLoader[CustomObjectRecord]:
    """CustomObjectRecordByIdLoader (also behind `_entities`)."""
    return RecordByIdLoader(
        engine, location_id, CUSTOM_OBJECT_RECORD, pa.custom_object_record_from_row
    )


LinkedPageKey = tuple[str, str, PageRequest]
"""(object type, record id, what the list field asked for)."""


class LinkedContactsLoader(SqlLoader[LinkedPageKey, Page]):
    """A page of the contacts linked to each record (``Opportunity.contacts`` ...) that the
    viewer may see; keys sharing type and request share one windowed statement."""

    missing: Any = EMPTY

    def __init__(self, engine: AsyncEngine, viewer: Viewer) -> None:
        super().__init__(engine)
        self.viewer = viewer

    async def fetch(
        self, conn: AsyncConnection, keys: Sequence[LinkedPageKey]
    ) -> dict[LinkedPageKey, Page]:
        groups: dict[tuple[str, PageRequest], list[str]] = {}
        for object_type, object_id, request in keys:
            groups.setdefault((object_type, request), []).append(object_id)
        out: dict[LinkedPageKey, Page] = {}
        for (object_type, request), ids in groups.items():
            pages = await pa.linked_contact_pages(conn, self.viewer, object_type, ids, request)
            out.update({(object_type, i, request): pages.get(i, EMPTY) for i in ids})
        return out


class LinkedContactCountLoader(SqlLoader[pa.LinkedKey, int]):
    """How many contacts the viewer may see (and the filter selects) are linked to each
    record; keys sharing type and filter share one statement."""

    missing = 0

    def __init__(self, engine: AsyncEngine, viewer: Viewer) -> None:
        super().__init__(engine)
        self.viewer = viewer

    async def fetch(
        self, conn: AsyncConnection, keys: Sequence[pa.LinkedKey]
    ) -> dict[pa.LinkedKey, int]:
        groups: dict[tuple[str, ContactQuery], list[str]] = {}
        for object_type, object_id, query in keys:
            groups.setdefault((object_type, query), []).append(object_id)
        out: dict[pa.LinkedKey, int] = {}
        for (object_type, query), ids in groups.items():
            counts = await pa.linked_contact_counts(conn, self.viewer, object_type, ids, query)
            out.update({(object_type, i, query): counts.get(i, 0) for i in ids})
        return out
