"""Merging contacts in SQL: every tab's items move with one statement per table.

The tables are listed once, in :data:`MOVED`: a tab (payments included) whose rows belong to
a contact adds one ``Moved(TABLE)`` line there -- with ``unique=`` when its rows are unique
per contact and key, so the duplicate's row that would clash goes and the survivor's stays.
:data:`REFERENCES` lists columns that name a contact without owning the row (the other
side of a link, a merged contact's survivor). Nothing here grows with the items moved.

Left where they are on purpose: the duplicate's events (the audit log is append-only: it
says what happened to which record) and appointments' guest lists (JSON: a guest id of a
merged contact reads as its survivor through the contact loader).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Table, and_, delete, exists, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import FromClause

from domain.contact import Contact
from domain.errors import ConcurrencyConflict
from persistence.associations import CONTACT_TYPE
from persistence.mappers import contact_row
from persistence.tables import (
    APPOINTMENT,
    ASSOCIATION,
    ASSOCIATION_LABEL_LINK,
    ATTRIBUTION,
    COMMUNITY_GROUP,
    CONTACT,
    COURSE_OFFER,
    CUSTOM_VALUE,
    DND,
    DOCUMENT,
    EMAIL,
    FOLLOWER,
    INTERACTION,
    INVOICE,
    NOTE,
    PAYMENT,
    PAYMENT_CUSTOMER,
    PAYMENT_METHOD,
    PHONE,
    SUBSCRIPTION,
    TAG,
    TASK,
    WORKFLOW,
)

Condition = Callable[[FromClause], ColumnElement[bool]]


def _active(t: FromClause) -> ColumnElement[bool]:
    return t.c.ended_at.is_(None)


@dataclass(frozen=True)
class Moved:
    """A table whose rows belong to a contact through ``column``.

    ``unique``: the key columns that, with the contact, allow one row (among the rows
    ``scope`` selects, for a partial unique index): the duplicate's clashing row is
    deleted, the survivor's kept. ``single``: one row per contact at all (likewise)."""

    table: Table
    column: str = "contact_id"
    unique: tuple[str, ...] = ()
    scope: Condition | None = None
    single: bool = False


MOVED: tuple[Moved, ...] = (
    Moved(NOTE),
    Moved(TASK),
    Moved(INTERACTION),
    Moved(APPOINTMENT),
    Moved(DOCUMENT),
    Moved(ASSOCIATION),  # clashing links and links between the two: _drop_links first
    Moved(WORKFLOW, unique=("workflow_id",), scope=_active),  # one active enrolment
    Moved(COURSE_OFFER, unique=("offer_id",)),
    Moved(COMMUNITY_GROUP, unique=("group_id",)),
    Moved(PAYMENT_METHOD),
    Moved(PAYMENT),
    Moved(SUBSCRIPTION),
    Moved(INVOICE),
    # the provider's customer, whose cards those are: moves when the survivor has none
    # (domain/merge.py refuses a merge of two contacts that both have one)
    Moved(PAYMENT_CUSTOMER, single=True),
)
"""Every tab's items. A new tab's table: one line."""

REFERENCES: tuple[tuple[Table, str, Condition | None], ...] = (
    (ASSOCIATION, "object_id", lambda t: t.c.object_type == CONTACT_TYPE),
    (CONTACT, "merged_into_id", None),
)
"""Columns naming a contact in rows it does not own: re-pointed at the survivor."""

OWN_DATA: tuple[Table, ...] = (PHONE, EMAIL, TAG, FOLLOWER, DND, CUSTOM_VALUE, ATTRIBUTION)
"""The duplicate's own rows, deleted when it is retired (the survivor's save inserts what
it took in; attribution was merged into the survivor's row)."""


class SqlMergeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def interaction_times(
        self, location_id: str, interaction_ids: Sequence[str]
    ) -> dict[str, datetime]:
        if not interaction_ids:
            return {}
        i = INTERACTION.c
        stmt = select(i.id, i.occurred_at).where(
            i.location_id == location_id, i.id.in_(list(interaction_ids))
        )
        return {r.id: r.occurred_at for r in await self.conn.execute(stmt)}

    async def with_provider_customer(
        self, location_id: str, contact_ids: Sequence[str]
    ) -> set[str]:
        pc = PAYMENT_CUSTOMER.c
        stmt = select(pc.contact_id).where(
            pc.location_id == location_id, pc.contact_id.in_(list(contact_ids))
        )
        return set((await self.conn.execute(stmt)).scalars())

    async def move_items(self, location_id: str, duplicate_id: str, survivor_id: str) -> None:
        await self._drop_links(location_id, duplicate_id, survivor_id)
        for moved in MOVED:
            t, col = moved.table, moved.table.c[moved.column]
            if moved.unique or moved.single:
                await self.conn.execute(
                    delete(t).where(col == duplicate_id, _clash(moved, survivor_id))
                )
            await self.conn.execute(
                update(t)
                .where(col == duplicate_id, t.c.location_id == location_id)
                .values({moved.column: survivor_id})
            )
        for table, column, condition in REFERENCES:
            c = table.c[column]
            await self.conn.execute(
                update(table)
                .where(
                    c == duplicate_id,
                    table.c.location_id == location_id,
                    condition(table) if condition else true(),
                )
                .values({column: survivor_id})
            )

    async def _drop_links(self, location_id: str, duplicate_id: str, survivor_id: str) -> None:
        """Links between the two, and the duplicate's links to what the survivor is linked
        to already (the survivor's link and labels are kept): both sides and their labels."""
        a, mine = ASSOCIATION.alias("a"), ASSOCIATION.alias("mine")
        doomed = select(a.c.link_id).where(
            a.c.contact_id == duplicate_id,
            a.c.location_id == location_id,
            or_(
                and_(a.c.object_type == CONTACT_TYPE, a.c.object_id == survivor_id),
                exists().where(
                    mine.c.contact_id == survivor_id,
                    mine.c.object_type == a.c.object_type,
                    mine.c.object_id == a.c.object_id,
                ),
            ),
        )
        ll = ASSOCIATION_LABEL_LINK
        await self.conn.execute(delete(ll).where(ll.c.link_id.in_(doomed)))
        await self.conn.execute(delete(ASSOCIATION).where(ASSOCIATION.c.link_id.in_(doomed)))

    async def retire(self, duplicate: Contact) -> None:
        for table in OWN_DATA:
            await self.conn.execute(delete(table).where(table.c.contact_id == duplicate.id))
        row = contact_row(duplicate)
        row["version"] = duplicate.version + 1
        c = CONTACT.c
        result = await self.conn.execute(
            update(CONTACT).where(c.id == duplicate.id, c.version == duplicate.version).values(row)
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict(duplicate.id)
        duplicate.version += 1


def _clash(moved: Moved, survivor_id: str) -> ColumnElement[bool]:
    """The duplicate's rows whose key the survivor has already (within ``scope``)."""
    t = moved.table
    theirs = t.alias("survivor_row")
    keys = [theirs.c[k] == t.c[k] for k in moved.unique]
    scopes = [moved.scope(t), moved.scope(theirs)] if moved.scope else []
    return and_(
        *scopes[:1],
        exists().where(theirs.c[moved.column] == survivor_id, *keys, *scopes[1:]),
    )
