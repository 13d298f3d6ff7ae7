"""The tables. Every row carries its location (tenant); rows never leave this layer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from .types import SequenceInt, UTCDateTime

metadata = SQLModel.metadata
metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _contact_fk(primary_key: bool = False) -> Any:
    """The owning contact; its rows go when the contact goes."""
    return Column(
        String(36),
        ForeignKey("contact.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


class LocationRow(SQLModel, table=True):
    __tablename__ = "location"

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=255)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ContactRow(SQLModel, table=True):
    __tablename__ = "contact"
    __table_args__ = (
        Index(None, "location_id", "created_at", "id"),
        Index(None, "location_id", "owner_id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36, foreign_key="location.id")
    first_name: str | None = Field(default=None, max_length=255)
    last_name: str | None = Field(default=None, max_length=255)
    contact_type: str = Field(max_length=16)
    source: str | None = Field(default=None, max_length=255)
    time_zone: str | None = Field(default=None, max_length=64)
    date_of_birth: date | None = None
    business_name: str | None = Field(default=None, max_length=255)
    address_line1: str | None = Field(default=None, max_length=255)
    address_line2: str | None = Field(default=None, max_length=255)
    city: str | None = Field(default=None, max_length=255)
    state: str | None = Field(default=None, max_length=255)
    postal_code: str | None = Field(default=None, max_length=255)
    country: str | None = Field(default=None, max_length=2)
    website: str | None = Field(default=None, max_length=2048)
    owner_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 0


class ContactPhoneRow(SQLModel, table=True):
    __tablename__ = "contact_phone"
    __table_args__ = (
        UniqueConstraint("contact_id", "number"),
        UniqueConstraint("contact_id", "label"),
        Index(None, "location_id", "number"),
    )

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36)
    contact_id: str = Field(sa_column=_contact_fk())
    number: str = Field(max_length=32)
    label: str | None = Field(default=None, max_length=16)
    is_primary: bool = False
    position: int = 0


class ContactEmailRow(SQLModel, table=True):
    __tablename__ = "contact_email"
    __table_args__ = (
        UniqueConstraint("contact_id", "address_key"),
        UniqueConstraint("contact_id", "label"),
        Index(None, "location_id", "address_key"),
    )

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36)
    contact_id: str = Field(sa_column=_contact_fk())
    address: str = Field(max_length=320)
    address_key: str = Field(max_length=320)
    label: str | None = Field(default=None, max_length=16)
    is_primary: bool = False
    position: int = 0


class ContactTagRow(SQLModel, table=True):
    __tablename__ = "contact_tag"
    __table_args__ = (Index(None, "location_id", "tag"),)

    contact_id: str = Field(sa_column=_contact_fk(primary_key=True))
    tag: str = Field(primary_key=True, max_length=64)
    location_id: str = Field(max_length=36)
    position: int = 0


class ContactFollowerRow(SQLModel, table=True):
    __tablename__ = "contact_follower"
    __table_args__ = (Index(None, "location_id", "user_id"),)

    contact_id: str = Field(sa_column=_contact_fk(primary_key=True))
    user_id: str = Field(primary_key=True, max_length=64)
    location_id: str = Field(max_length=36)
    position: int = 0


class ContactDndRow(SQLModel, table=True):
    __tablename__ = "contact_dnd"

    contact_id: str = Field(sa_column=_contact_fk(primary_key=True))
    channel: str = Field(primary_key=True, max_length=16)
    location_id: str = Field(max_length=36)
    enabled: bool
    changed_by: str | None = Field(default=None, max_length=64)
    changed_at: datetime = Field(sa_type=UTCDateTime)


class CustomFieldRow(SQLModel, table=True):
    __tablename__ = "custom_field"
    __table_args__ = (UniqueConstraint("location_id", "key"),)

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36, foreign_key="location.id")
    key: str = Field(max_length=64)
    name: str = Field(max_length=255)
    data_type: str = Field(max_length=32)
    options: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ContactCustomValueRow(SQLModel, table=True):
    """One typed value; the column used depends on the definition's data type, so filters
    compare numbers as numbers and dates as dates on both databases."""

    __tablename__ = "contact_custom_value"
    __table_args__ = (Index(None, "field_id"),)

    contact_id: str = Field(sa_column=_contact_fk(primary_key=True))
    field_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("custom_field.id", ondelete="CASCADE"), primary_key=True
        )
    )
    location_id: str = Field(max_length=36)
    text_value: str | None = None
    number_value: float | None = None
    date_value: date | None = None
    bool_value: bool | None = None
    json_value: Any = Field(default=None, sa_type=JSON)


class ContactEventRow(SQLModel, table=True):
    """The append-only log of changes: audit log now, activity timeline later."""

    __tablename__ = "contact_event"
    __table_args__ = (Index(None, "contact_id", "sequence"), Index(None, "location_id", "sequence"))

    sequence: int | None = Field(
        default=None,
        sa_type=SequenceInt,
        primary_key=True,
        sa_column_kwargs={"autoincrement": True},
    )
    id: str = Field(max_length=36, unique=True)
    location_id: str = Field(max_length=36)
    contact_id: str = Field(max_length=36)
    actor_id: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=64)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    changes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class ContactNoteRow(SQLModel, table=True):
    __tablename__ = "contact_note"
    __table_args__ = (
        Index(None, "contact_id", "created_at", "id"),
        Index(None, "contact_id", "updated_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36)
    contact_id: str = Field(sa_column=_contact_fk())
    body: str = Field(sa_type=Text)
    author_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class OpportunityRow(SQLModel, table=True):
    __tablename__ = "opportunity"
    __table_args__ = (Index(None, "location_id", "created_at", "id"),)

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36, foreign_key="location.id")
    name: str = Field(max_length=255)
    pipeline_id: str = Field(max_length=64)
    stage: str = Field(max_length=64)
    status: str = Field(max_length=16)
    monetary_value: int | None = Field(default=None, sa_type=BigInteger)
    currency: str | None = Field(default=None, max_length=3)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CompanyRow(SQLModel, table=True):
    __tablename__ = "company"
    __table_args__ = (Index(None, "location_id", "domain"),)

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36, foreign_key="location.id")
    name: str = Field(max_length=255)
    domain: str | None = Field(default=None, max_length=253)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CustomObjectRecordRow(SQLModel, table=True):
    __tablename__ = "custom_object_record"
    __table_args__ = (Index(None, "location_id", "object_key"),)

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36, foreign_key="location.id")
    object_key: str = Field(max_length=64)
    name: str = Field(max_length=255)
    properties: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class AssociationLabelRow(SQLModel, table=True):
    __tablename__ = "association_label"
    __table_args__ = (Index(None, "location_id", "object_type"),)

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36, foreign_key="location.id")
    name: str = Field(max_length=255)
    object_type: str = Field(max_length=16)
    object_key: str | None = Field(default=None, max_length=64)
    inverse_name: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ContactAssociationRow(SQLModel, table=True):
    """One side of a link: a contact-to-contact link has a row on each contact, so a
    contact's associations are simply its rows (one windowed statement for many contacts)."""

    __tablename__ = "contact_association"
    __table_args__ = (
        UniqueConstraint("contact_id", "object_type", "object_id"),
        Index(None, "contact_id", "created_at", "id"),
        Index(None, "object_type", "object_id"),
        Index(None, "link_id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    link_id: str = Field(max_length=36)
    location_id: str = Field(max_length=36)
    contact_id: str = Field(sa_column=_contact_fk())
    object_type: str = Field(max_length=16)
    object_id: str = Field(max_length=36)
    object_key: str | None = Field(default=None, max_length=64)
    is_reverse: bool = False
    created_at: datetime = Field(sa_type=UTCDateTime)


class ContactAssociationLabelRow(SQLModel, table=True):
    """A label on a link (shared by both sides); ``is_reverse`` when applied from the
    second contact's side, which reads it by its name (the first side by the inverse)."""

    __tablename__ = "contact_association_label"
    __table_args__ = (Index(None, "label_id"),)

    link_id: str = Field(primary_key=True, max_length=36)
    label_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("association_label.id", ondelete="CASCADE"), primary_key=True
        )
    )
    is_reverse: bool = Field(default=False, primary_key=True)
    location_id: str = Field(max_length=36)
    position: int = 0


def _table(model: type[SQLModel]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]  # set by table=True


# Core tables, for the SQL-expression code (repositories, queries, loaders).
LOCATION = _table(LocationRow)
CONTACT = _table(ContactRow)
PHONE = _table(ContactPhoneRow)
EMAIL = _table(ContactEmailRow)
TAG = _table(ContactTagRow)
FOLLOWER = _table(ContactFollowerRow)
DND = _table(ContactDndRow)
CUSTOM_FIELD = _table(CustomFieldRow)
CUSTOM_VALUE = _table(ContactCustomValueRow)
EVENT = _table(ContactEventRow)
NOTE = _table(ContactNoteRow)
OPPORTUNITY = _table(OpportunityRow)
COMPANY = _table(CompanyRow)
CUSTOM_OBJECT_RECORD = _table(CustomObjectRecordRow)
ASSOCIATION_LABEL = _table(AssociationLabelRow)
ASSOCIATION = _table(ContactAssociationRow)
ASSOCIATION_LABEL_LINK = _table(ContactAssociationLabelRow)
