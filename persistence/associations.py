"""Associations: links and labels, the linked records, row mapping and the read statements.

A link is stored as one ``contact_association`` row per contact side (two for a
contact-to-contact link, sharing ``link_id``), so "a contact's associations" is a plain
per-contact list that pages with one windowed statement for any number of contacts. Labels
hang off the link, not a side.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Update,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.associations import (
    AppliedLabel,
    Association,
    AssociationFilter,
    AssociationLabel,
    AssociationLabelFilter,
    AssociationLabelSortField,
    AssociationLink,
    AssociationObjectType,
    AssociationSortField,
    Company,
    CustomObjectRecord,
    LinkedContactSortField,
    Opportunity,
    OpportunityFilter,
    OpportunitySortField,
    OpportunityStatus,
)
from domain.contact_query import ContactQuery, ContactSortField
from domain.custom_fields import Money
from domain.errors import ConcurrencyConflict
from domain.viewer import Viewer
from persistence.contact_search import SORT_COLUMNS, where_clause
from persistence.mappers import RowLike
from persistence.queries import visible_to
from persistence.tab_pages import (
    FilterCompiler,
    Keyset,
    Page,
    PageRequest,
    single_page,
    windowed_pages,
)
from persistence.tables import (
    ASSOCIATION,
    ASSOCIATION_LABEL,
    ASSOCIATION_LABEL_LINK,
    COMPANY,
    CONTACT,
    CUSTOM_OBJECT_RECORD,
    OPPORTUNITY,
)
from persistence.text import name_order

A = ASSOCIATION
AL = ASSOCIATION_LABEL
LL = ASSOCIATION_LABEL_LINK
CONTACT_TYPE = AssociationObjectType.CONTACT.value


# -- mapping -----------------------------------------------------------------------------------


def opportunity_row(o: Opportunity) -> dict[str, Any]:
    return {
        "id": o.id,
        "location_id": o.location_id,
        "name": o.name,
        "pipeline_id": o.pipeline_id,
        "stage": o.stage,
        "status": o.status.value,
        "monetary_value": o.value.amount if o.value else None,
        "currency": o.value.currency if o.value else None,
        "created_at": o.created_at,
        "updated_at": o.updated_at,
    }


def opportunity_from_row(r: RowLike) -> Opportunity:
    value = None
    if r["monetary_value"] is not None and r["currency"] is not None:
        value = Money(r["monetary_value"], r["currency"])
    return Opportunity(
        id=r["id"],
        location_id=r["location_id"],
        name=r["name"],
        pipeline_id=r["pipeline_id"],
        stage=r["stage"],
        status=OpportunityStatus(r["status"]),
        value=value,
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def company_row(c: Company) -> dict[str, Any]:
    return {
        "id": c.id,
        "location_id": c.location_id,
        "name": c.name,
        "domain": c.domain,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def company_from_row(r: RowLike) -> Company:
    return Company(
        id=r["id"],
        location_id=r["location_id"],
        name=r["name"],
        domain=r["domain"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def custom_object_record_row(c: CustomObjectRecord) -> dict[str, Any]:
    return {
        "id": c.id,
        "location_id": c.location_id,
        "object_key": c.object_key,
        "name": c.name,
        "properties": dict(c.properties),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def custom_object_record_from_row(r: RowLike) -> CustomObjectRecord:
    return CustomObjectRecord(
        id=r["id"],
        location_id=r["location_id"],
        object_key=r["object_key"],
        name=r["name"],
        properties=dict(r["properties"] or {}),
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def label_row(label: AssociationLabel) -> dict[str, Any]:
    return {
        "id": label.id,
        "location_id": label.location_id,
        "name": label.name,
        "object_type": label.object_type.value,
        "object_key": label.object_key,
        "inverse_name": label.inverse_name,
        "created_at": label.created_at,
    }


def label_from_row(r: RowLike) -> AssociationLabel:
    return AssociationLabel(
        id=r["id"],
        location_id=r["location_id"],
        name=r["name"],
        object_type=AssociationObjectType(r["object_type"]),
        object_key=r["object_key"],
        inverse_name=r["inverse_name"],
        created_at=r["created_at"],
    )


def association_from_row(r: RowLike) -> Association:
    return Association(
        id=r["id"],
        link_id=r["link_id"],
        location_id=r["location_id"],
        contact_id=r["contact_id"],
        object_type=AssociationObjectType(r["object_type"]),
        object_id=r["object_id"],
        object_key=r["object_key"],
        reverse=r["is_reverse"],
        created_at=r["created_at"],
    )


def side_rows(link: AssociationLink) -> list[dict[str, Any]]:
    """Ordered by contact: two requests linking the same two contacts from either side
    insert in the same order, so the second waits for the first instead of deadlocking."""
    rows = [
        {
            "id": s.id,
            "link_id": s.link_id,
            "location_id": s.location_id,
            "contact_id": s.contact_id,
            "object_type": s.object_type.value,
            "object_id": s.object_id,
            "object_key": s.object_key,
            "is_reverse": s.reverse,
            "created_at": s.created_at,
        }
        for s in link.sides()
    ]
    return sorted(rows, key=lambda r: str(r["contact_id"]))


def link_from_rows(rows: Sequence[RowLike], labels: Sequence[AppliedLabel]) -> AssociationLink:
    forward = next(r for r in rows if not r["is_reverse"])
    reverse = next((r for r in rows if r["is_reverse"]), None)
    return AssociationLink(
        id=forward["link_id"],
        location_id=forward["location_id"],
        contact_id=forward["contact_id"],
        object_type=AssociationObjectType(forward["object_type"]),
        object_id=forward["object_id"],
        object_key=forward["object_key"],
        created_at=forward["created_at"],
        labels=list(labels),
        forward_id=forward["id"],
        reverse_id=reverse["id"] if reverse is not None else None,
    )


# -- reads shared by the repository and the loaders --------------------------------------------


async def applied_labels(
    conn: AsyncConnection, link_ids: Sequence[str]
) -> dict[str, list[AppliedLabel]]:
    """Each link's labels, with their definitions, in the order they were applied."""
    stmt = (
        select(AL, LL.c.link_id, LL.c.is_reverse)
        .join(LL, LL.c.label_id == AL.c.id)
        .where(LL.c.link_id.in_(link_ids))
        .order_by(LL.c.link_id, LL.c.position)
    )
    out: dict[str, list[AppliedLabel]] = defaultdict(list)
    for r in (await conn.execute(stmt)).mappings():
        out[r["link_id"]].append(AppliedLabel(label_from_row(r), r["is_reverse"]))
    return out


async def rows_by_id(
    conn: AsyncConnection, table: Table, location_id: str, ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Records of one location by id (opportunities, companies, custom-object records)."""
    stmt = select(table).where(table.c.location_id == location_id, table.c.id.in_(ids))
    return {r["id"]: dict(r) for r in (await conn.execute(stmt)).mappings()}


def association_filter(viewer: Viewer) -> FilterCompiler:
    """A contact's associations as ``viewer`` may see them: a restricted viewer does not
    see links to contacts they may not see (nor are they counted)."""

    def compile_filter(f: AssociationFilter | None) -> ColumnElement[bool]:
        clauses: list[ColumnElement[bool]] = []
        if f is not None and f.object_types is not None:
            clauses.append(A.c.object_type.in_([t.value for t in f.object_types]))
        if viewer.assigned_only:
            target_visible = exists().where(CONTACT.c.id == A.c.object_id, visible_to(viewer))
            clauses.append(or_(A.c.object_type != CONTACT_TYPE, target_visible))
        return and_(true(), *clauses)

    return compile_filter


ASSOCIATION_KEYSET = Keyset({AssociationSortField.CREATED_AT: A.c.created_at})
"""A contact's associations sort by when they were linked."""

CONTACT_OPPORTUNITY = cast(
    Table,
    select(OPPORTUNITY, A.c.contact_id)
    .join(
        A,
        and_(
            A.c.object_type == AssociationObjectType.OPPORTUNITY.value,
            A.c.object_id == OPPORTUNITY.c.id,
        ),
    )
    .subquery("contact_opportunity"),
)
"""Opportunities with the contact each is linked to, shaped like a tab's table (``id``,
``contact_id``, ``created_at``) so the generic per-contact paging serves `Contact.opportunities`
(a subquery, not a table: the cast only tells the type checker it has the same columns)."""


def opportunity_filter(f: OpportunityFilter | None) -> ColumnElement[bool]:
    if f is None or f.statuses is None:
        return true()
    return CONTACT_OPPORTUNITY.c.status.in_([s.value for s in f.statuses])


_CO = CONTACT_OPPORTUNITY.c
OPPORTUNITY_KEYSET = Keyset(
    {
        OpportunitySortField.CREATED_AT: _CO.created_at,
        OpportunitySortField.UPDATED_AT: _CO.updated_at,
        OpportunitySortField.NAME: name_order(_CO.name),
    }
)


def _labels_of(location_id: str, f: AssociationLabelFilter | None) -> Select[Any]:
    stmt = select(AL).where(AL.c.location_id == location_id)
    if f is not None and f.object_types is not None:
        stmt = stmt.where(AL.c.object_type.in_([t.value for t in f.object_types]))
    return stmt


LABEL_KEYSET = Keyset(
    {
        AssociationLabelSortField.CREATED_AT: AL.c.created_at,
        AssociationLabelSortField.NAME: name_order(AL.c.name),
    }
)


async def label_page(
    conn: AsyncConnection,
    location_id: str,
    f: AssociationLabelFilter | None,
    request: PageRequest,
) -> Page:
    """A page of the location's label definitions; raises InvalidCursor."""
    rows = _labels_of(location_id, f)
    sort = LABEL_KEYSET.sort(AL, request.sort)
    return await single_page(conn, rows, sort, AL.c.id, request)


async def label_count(
    conn: AsyncConnection, location_id: str, f: AssociationLabelFilter | None
) -> int:
    inner = _labels_of(location_id, f).subquery()
    return int((await conn.execute(select(func.count()).select_from(inner))).scalar_one())


LinkedKey = tuple[str, str, ContactQuery]
"""(object type, record id, which of its contacts)."""

LINKED_KEYSET = Keyset(
    {
        field: A.c.created_at
        if field is LinkedContactSortField.LINKED_AT
        else SORT_COLUMNS[ContactSortField(field.value)]
        for field in LinkedContactSortField
    }
)
"""The contacts linked to a record sort by the link's time or as `contacts` sorts (the same
expressions); ties are broken by the link side's id, unique per record."""


def _linked_contacts(
    viewer: Viewer, object_type: str, ids: Sequence[str], query: ContactQuery
) -> Select[Any]:
    """The links of the records to contacts that ``viewer`` may see and ``query`` selects
    (the filter compiler of `contacts`: archived contacts only when the filter asks)."""
    return (
        select(A.c.id, A.c.object_id, A.c.contact_id, A.c.created_at)
        .join(CONTACT, CONTACT.c.id == A.c.contact_id)
        .where(A.c.object_type == object_type, A.c.object_id.in_(ids), where_clause(viewer, query))
    )


async def linked_contact_pages(
    conn: AsyncConnection,
    viewer: Viewer,
    object_type: str,
    ids: Sequence[str],
    request: PageRequest,
) -> dict[str, Page]:
    """The contacts linked to each record that ``viewer`` may see and the request's filter
    (a ContactQuery) selects, in the request's order: one windowed statement for any number
    of records."""
    query = request.filter
    assert isinstance(query, ContactQuery), "a linked contacts page filters by a ContactQuery"
    rows = _linked_contacts(viewer, object_type, ids, query)
    sort = LINKED_KEYSET.sort(A, request.sort)
    return await windowed_pages(conn, rows, A.c.object_id, sort, A.c.id, request)


async def linked_contact_counts(
    conn: AsyncConnection, viewer: Viewer, object_type: str, ids: Sequence[str], query: ContactQuery
) -> dict[str, int]:
    inner = _linked_contacts(viewer, object_type, ids, query).subquery()
    stmt = select(inner.c.object_id, func.count()).group_by(inner.c.object_id)
    return {oid: n for oid, n in (await conn.execute(stmt)).all()}


# -- writes ------------------------------------------------------------------------------------


async def lock_rows(conn: AsyncConnection, stmt: Select[Any], touch: Update) -> Select[Any]:
    """Make ``stmt`` read rows that stay locked until the transaction ends.

    PostgreSQL: ``SELECT ... FOR UPDATE``. SQLite has no row locks, and its driver begins a
    transaction only at the first write, so reads before it may be stale: a no-op write
    (``touch``) first takes the database's write lock, and the read that follows sees every
    concurrent writer's committed change.
    """
    if conn.dialect.name == "sqlite":
        await conn.execute(touch)
        return stmt
    return stmt.with_for_update()


class SqlAssociationRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def _links(self, where: ColumnElement[bool], lock: bool = False) -> list[AssociationLink]:
        stmt = select(A).where(where).order_by(A.c.link_id, A.c.is_reverse)
        if lock:
            stmt = await lock_rows(
                self.conn, stmt, update(A).where(where).values(link_id=A.c.link_id)
            )
        rows: dict[str, list[RowLike]] = defaultdict(list)
        for r in (await self.conn.execute(stmt)).mappings():
            rows[r["link_id"]].append(r)
        if not rows:
            return []
        labels = await applied_labels(self.conn, list(rows))
        return [link_from_rows(sides, labels.get(lid, [])) for lid, sides in rows.items()]

    async def get(self, location_id: str, association_id: str) -> AssociationLink | None:
        link_id = select(A.c.link_id).where(
            A.c.location_id == location_id, A.c.id == association_id
        )
        found = await self._links(A.c.link_id.in_(link_id.scalar_subquery()), lock=True)
        return found[0] if found else None

    async def find(
        self,
        location_id: str,
        contact_id: str,
        object_type: AssociationObjectType,
        object_id: str,
    ) -> AssociationLink | None:
        link_id = select(A.c.link_id).where(
            A.c.location_id == location_id,
            A.c.contact_id == contact_id,
            A.c.object_type == object_type.value,
            A.c.object_id == object_id,
        )
        found = await self._links(A.c.link_id.in_(link_id.scalar_subquery()))
        return found[0] if found else None

    async def with_label(self, location_id: str, label_id: str) -> list[AssociationLink]:
        link_ids = select(LL.c.link_id).where(
            LL.c.location_id == location_id, LL.c.label_id == label_id
        )
        return await self._links(A.c.link_id.in_(link_ids.scalar_subquery()), lock=True)

    async def contact_ids_linked_to(
        self, location_id: str, object_type: AssociationObjectType, object_id: str
    ) -> list[str]:
        stmt = (
            select(A.c.contact_id)
            .where(
                A.c.location_id == location_id,
                A.c.object_type == object_type.value,
                A.c.object_id == object_id,
            )
            .order_by(A.c.created_at, A.c.id)
        )
        return list((await self.conn.execute(stmt)).scalars())

    async def add(self, link: AssociationLink) -> None:
        try:
            await self.conn.execute(insert(A), side_rows(link))
        except IntegrityError as exc:  # a concurrent request linked the same pair first:
            raise ConcurrencyConflict(link.id) from exc  # the command runs again and finds it
        await self._insert_labels(link)

    async def _insert_labels(self, link: AssociationLink) -> None:
        if link.labels:
            await self.conn.execute(
                insert(LL),
                [
                    {
                        "link_id": link.id,
                        "label_id": a.label.id,
                        "is_reverse": a.reverse,
                        "location_id": link.location_id,
                        "position": i,
                    }
                    for i, a in enumerate(link.labels)
                ],
            )

    async def save_labels(self, link: AssociationLink) -> None:
        await self.conn.execute(delete(LL).where(LL.c.link_id == link.id))
        await self._insert_labels(link)

    async def remove(self, link: AssociationLink) -> None:
        await self.conn.execute(delete(LL).where(LL.c.link_id == link.id))
        await self.conn.execute(delete(A).where(A.c.link_id == link.id))

    async def labels(self, location_id: str) -> list[AssociationLabel]:
        stmt = select(AL).where(AL.c.location_id == location_id).order_by(AL.c.created_at, AL.c.id)
        return [label_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def labels_by_id(
        self, location_id: str, label_ids: Sequence[str]
    ) -> dict[str, AssociationLabel]:
        rows = await rows_by_id(self.conn, AL, location_id, label_ids)
        return {i: label_from_row(r) for i, r in rows.items()}

    async def add_label(self, label: AssociationLabel) -> None:
        await self.conn.execute(insert(AL).values(label_row(label)))

    async def save_label(self, label: AssociationLabel) -> None:
        await self.conn.execute(update(AL).where(AL.c.id == label.id).values(label_row(label)))

    async def delete_label(self, label: AssociationLabel) -> None:
        await self.conn.execute(delete(LL).where(LL.c.label_id == label.id))
        await self.conn.execute(delete(AL).where(AL.c.id == label.id))


class SqlRecordRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def opportunity(
        self, location_id: str, opportunity_id: str, for_update: bool = False
    ) -> Opportunity | None:
        where = and_(OPPORTUNITY.c.location_id == location_id, OPPORTUNITY.c.id == opportunity_id)
        stmt = select(OPPORTUNITY).where(where)
        if for_update:
            touch = update(OPPORTUNITY).where(where).values(updated_at=OPPORTUNITY.c.updated_at)
            stmt = await lock_rows(self.conn, stmt, touch)
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else opportunity_from_row(row)

    async def add_opportunity(self, opportunity: Opportunity) -> None:
        await self.conn.execute(insert(OPPORTUNITY).values(opportunity_row(opportunity)))

    async def save_opportunity(self, opportunity: Opportunity) -> None:
        await self.conn.execute(
            update(OPPORTUNITY)
            .where(OPPORTUNITY.c.id == opportunity.id)
            .values(opportunity_row(opportunity))
        )

    async def company(self, location_id: str, company_id: str) -> Company | None:
        rows = await rows_by_id(self.conn, COMPANY, location_id, [company_id])
        return company_from_row(rows[company_id]) if company_id in rows else None

    async def add_company(self, company: Company) -> None:
        await self.conn.execute(insert(COMPANY).values(company_row(company)))

    async def custom_object_record(
        self, location_id: str, record_id: str
    ) -> CustomObjectRecord | None:
        rows = await rows_by_id(self.conn, CUSTOM_OBJECT_RECORD, location_id, [record_id])
        return custom_object_record_from_row(rows[record_id]) if record_id in rows else None

    async def add_custom_object_record(self, record: CustomObjectRecord) -> None:
        await self.conn.execute(
            insert(CUSTOM_OBJECT_RECORD).values(custom_object_record_row(record))
        )
