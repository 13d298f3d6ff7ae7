"""Repositories: whole aggregates in, whole aggregates out, over one transaction's connection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.contact import Contact
from domain.custom_fields import CustomFieldDefinition
from domain.errors import ConcurrencyConflict
from domain.values import email_key
from domain.viewer import Viewer
from persistence import queries
from persistence.inserts import insert_new
from persistence.mappers import child_rows, contact_row, definition_from_row, definition_row
from persistence.tables import CONTACT, CUSTOM_FIELD, EMAIL, LOCATION, PHONE, metadata

C = CONTACT.c
CF = CUSTOM_FIELD


class SqlContactRepository:
    """Saves only what changed since the aggregate was loaded, under a version check, so
    two concurrent edits of one contact cannot silently overwrite each other."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self._loaded: dict[str, dict[str, dict[tuple[Any, ...], dict[str, Any]]]] = {}

    async def get(self, location_id: str, contact_id: str) -> Contact | None:
        found = await queries.whole_contacts(
            self.conn, [contact_id], C.location_id == location_id, for_update=True
        )
        contact = found.get(contact_id)
        if contact is not None:
            self._loaded[contact.id] = child_rows(contact)
        return contact

    async def _by_child(
        self, table: Any, column: str, location_id: str, value: str
    ) -> Contact | None:
        stmt = (
            select(table.c.contact_id)
            .where(table.c.location_id == location_id, table.c[column] == value)
            .order_by(table.c.contact_id)
            .limit(1)
        )
        contact_id = (await self.conn.execute(stmt)).scalar()
        return None if contact_id is None else await self.get(location_id, contact_id)

    async def find_by_email(self, location_id: str, address: str) -> Contact | None:
        return await self._by_child(EMAIL, "address_key", location_id, email_key(address))

    async def find_by_phone(self, location_id: str, number: str) -> Contact | None:
        return await self._by_child(PHONE, "number", location_id, number)

    async def lock_upserts(self, location_id: str) -> None:
        """A no-op UPDATE of the location's row, so upserts of one location run one at a time.

        PostgreSQL holds the row lock (FOR NO KEY UPDATE: contact inserts, whose foreign key
        check takes KEY SHARE, are not blocked) until the transaction ends, and every later
        statement of a READ COMMITTED transaction sees what the previous holder committed.
        On SQLite the UPDATE is the transaction's first write, so it waits for the database's
        write lock and keeps it: the reads after it see every committed upsert.
        """
        await self.conn.execute(
            update(LOCATION).where(LOCATION.c.id == location_id).values(name=LOCATION.c.name)
        )

    async def hold(self, location_id: str, contact_id: str) -> None:
        """PostgreSQL: the row lock ``get`` takes too (FOR NO KEY UPDATE). SQLite: a no-op
        UPDATE, the transaction's first write, which waits for the write lock and keeps it,
        so the reads after it see every committed change (as ``lock_upserts`` does)."""
        where = (C.id == contact_id, C.location_id == location_id)
        if self.conn.dialect.name == "sqlite":
            await self.conn.execute(update(CONTACT).where(*where).values(version=C.version))
        else:
            await self.conn.execute(select(C.id).where(*where).with_for_update(key_share=True))

    async def is_visible(self, viewer: Viewer, contact_id: str) -> bool:
        # a merged contact takes no tab items of its own: they would land on an archive
        stmt = select(C.id).where(
            C.id == contact_id, C.merged_into_id.is_(None), queries.visible_to(viewer)
        )
        return (await self.conn.execute(stmt)).first() is not None

    async def add(self, contact: Contact) -> None:
        await self.conn.execute(insert(CONTACT).values(contact_row(contact)))
        for table_name, rows in child_rows(contact).items():
            if rows:
                await self.conn.execute(insert(metadata.tables[table_name]), list(rows.values()))
        self._loaded[contact.id] = child_rows(contact)

    async def save(self, contact: Contact) -> None:
        row = contact_row(contact)
        row["version"] = contact.version + 1
        result = await self.conn.execute(
            update(CONTACT).where(C.id == contact.id, C.version == contact.version).values(row)
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict(contact.id)
        contact.version += 1
        before = self._loaded.get(contact.id, {})
        after = child_rows(contact)
        for table_name, new_rows in after.items():
            await _sync(
                self.conn, metadata.tables[table_name], before.get(table_name, {}), new_rows
            )
        self._loaded[contact.id] = after


async def _sync(
    conn: AsyncConnection,
    table: Table,
    old: dict[tuple[Any, ...], dict[str, Any]],
    new: dict[tuple[Any, ...], dict[str, Any]],
) -> None:
    """Bring a child table from ``old`` to ``new``: delete, then update, then insert, so a
    value or label freed in this change can be taken in the same change."""
    pk = list(table.primary_key.columns)

    def where(key: tuple[Any, ...]) -> Any:
        return and_(*(col == val for col, val in zip(pk, key, strict=True)))

    for key in old.keys() - new.keys():
        await conn.execute(delete(table).where(where(key)))
    for key in old.keys() & new.keys():
        if old[key] != new[key]:
            await conn.execute(update(table).where(where(key)).values(new[key]))
    added = [new[k] for k in new.keys() - old.keys()]
    if added:
        await conn.execute(insert(table), added)


class SqlCustomFieldRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def list(self, location_id: str) -> list[CustomFieldDefinition]:
        stmt = select(CF).where(CF.c.location_id == location_id).order_by(CF.c.created_at, CF.c.id)
        return [definition_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def get(self, location_id: str, field_id: str) -> CustomFieldDefinition | None:
        stmt = select(CF).where(CF.c.location_id == location_id, CF.c.id == field_id)
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else definition_from_row(row)

    async def by_keys(
        self, location_id: str, keys: Sequence[str]
    ) -> dict[str, CustomFieldDefinition]:
        stmt = select(CF).where(CF.c.location_id == location_id, CF.c.key.in_(list(keys)))
        return {
            r["key"]: definition_from_row(r) for r in (await self.conn.execute(stmt)).mappings()
        }

    async def add(self, definition: CustomFieldDefinition) -> bool:
        return await insert_new(self.conn, CF, definition_row(definition))

    async def save(self, definition: CustomFieldDefinition) -> None:
        await self.conn.execute(
            update(CF).where(CF.c.id == definition.id).values(definition_row(definition))
        )

    async def delete(self, definition: CustomFieldDefinition) -> None:
        await self.conn.execute(delete(CF).where(CF.c.id == definition.id))
