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
    text,
)
from sqlmodel import Field, SQLModel

from persistence.types import SequenceInt, UTCDateTime

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
        Index(None, "merged_into_id"),
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
    # the profile picture (domain.contact.ContactPicture): on the row, so every read of a
    # contact has it without another statement; the images are in the file store
    picture_id: str | None = Field(default=None, max_length=36)
    picture_source: str | None = Field(default=None, max_length=16)
    picture_sha256: str | None = Field(default=None, max_length=64)
    picture_content_type: str | None = Field(default=None, max_length=64)
    picture_sizes: list[int] | None = Field(default=None, sa_type=JSON(none_as_null=True))
    picture_updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # set when this contact was merged into another (domain/merge.py): it is archived, and
    # its id resolves to that contact's record
    merged_into_id: str | None = Field(default=None, max_length=36)
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


class ContactTaskRow(SQLModel, table=True):
    """A task on a contact; open while ``completed_at`` is null."""

    __tablename__ = "contact_task"
    __table_args__ = (
        Index(None, "contact_id", "due_at", "id"),
        Index(None, "contact_id", "created_at", "id"),
        Index(None, "contact_id", "updated_at", "id"),
        Index(None, "location_id", "assignee_id", "due_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36)
    contact_id: str = Field(sa_column=_contact_fk())
    title: str = Field(max_length=255)
    description: str | None = Field(default=None, sa_type=Text)
    due_at: datetime = Field(sa_type=UTCDateTime)
    assignee_id: str = Field(max_length=64)
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_by: str | None = Field(default=None, max_length=64)
    version: int = 0


class ContactInteractionRow(SQLModel, table=True):
    """An outside interaction (website visit, call, purchase...), with its UTM data and its
    classified session source. ``external_id`` is the sender's event id: unique per
    location, which makes recording idempotent."""

    __tablename__ = "contact_interaction"
    __table_args__ = (
        UniqueConstraint("location_id", "external_id"),
        Index(None, "contact_id", "occurred_at", "id"),
        Index(None, "contact_id", "recorded_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36)
    contact_id: str = Field(sa_column=_contact_fk())
    external_id: str = Field(max_length=255)
    kind: str = Field(max_length=32)
    origin: str = Field(max_length=16)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    url: str | None = Field(default=None, max_length=2048)
    referrer: str | None = Field(default=None, max_length=2048)
    utm_source: str | None = Field(default=None, max_length=255)
    utm_medium: str | None = Field(default=None, max_length=255)
    utm_campaign: str | None = Field(default=None, max_length=255)
    utm_term: str | None = Field(default=None, max_length=255)
    utm_content: str | None = Field(default=None, max_length=255)
    gclid: str | None = Field(default=None, max_length=512)
    fbclid: str | None = Field(default=None, max_length=512)
    msclkid: str | None = Field(default=None, max_length=512)
    campaign_id: str | None = Field(default=None, max_length=255)
    session_source: str = Field(max_length=32)


class ContactAttributionRow(SQLModel, table=True):
    """A contact's first and latest interaction, moved in the transaction that records an
    interaction, so reading attribution is one lookup."""

    __tablename__ = "contact_attribution"

    contact_id: str = Field(sa_column=_contact_fk(primary_key=True))
    location_id: str = Field(max_length=36)
    first_interaction_id: str | None = Field(
        default=None,
        sa_column=Column(
            String(36),
            # named here: the conventional name would pass PostgreSQL's 63-character limit
            ForeignKey(
                "contact_interaction.id",
                ondelete="SET NULL",
                name="fk_contact_attribution_first_interaction",
            ),
            nullable=True,
        ),
    )
    latest_interaction_id: str | None = Field(
        default=None,
        sa_column=Column(
            String(36),
            # named here: the conventional name would pass PostgreSQL's 63-character limit
            ForeignKey(
                "contact_interaction.id",
                ondelete="SET NULL",
                name="fk_contact_attribution_latest_interaction",
            ),
            nullable=True,
        ),
    )
    latest_occurred_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reset_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ContactWorkflowRow(SQLModel, table=True):
    """A contact's enrolment in a workflow of the automation system; active while
    ``ended_at`` is null. The partial unique index keeps one active enrolment per workflow."""

    __tablename__ = "contact_workflow"
    __table_args__ = (
        Index(None, "contact_id", "enrolled_at", "id"),
        Index(None, "contact_id", "ended_at", "id"),
        Index(
            "uq_contact_workflow_active",
            "contact_id",
            "workflow_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36)
    contact_id: str = Field(sa_column=_contact_fk())
    workflow_id: str = Field(max_length=64)
    workflow_name: str = Field(max_length=255)
    enrolled_at: datetime = Field(sa_type=UTCDateTime)
    enrolled_by: str | None = Field(default=None, max_length=64)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_by: str | None = Field(default=None, max_length=64)
    end_reason: str | None = Field(default=None, max_length=16)


class ContactCourseOfferRow(SQLModel, table=True):
    """A course offer (client portal) granted to a contact."""

    __tablename__ = "contact_course_offer"

    contact_id: str = Field(sa_column=_contact_fk(primary_key=True))
    offer_id: str = Field(primary_key=True, max_length=64)
    location_id: str = Field(max_length=36)
    offer_name: str = Field(max_length=255)
    granted_at: datetime = Field(sa_type=UTCDateTime)
    granted_by: str | None = Field(default=None, max_length=64)


class ContactCommunityGroupRow(SQLModel, table=True):
    """A community group (client portal) a contact is assigned to."""

    __tablename__ = "contact_community_group"

    contact_id: str = Field(sa_column=_contact_fk(primary_key=True))
    group_id: str = Field(primary_key=True, max_length=64)
    location_id: str = Field(max_length=36)
    group_name: str = Field(max_length=255)
    assigned_at: datetime = Field(sa_type=UTCDateTime)
    assigned_by: str | None = Field(default=None, max_length=64)


class SmartListRow(SQLModel, table=True):
    """A saved contacts view of a location: the filter tree as JSON and the sort."""

    __tablename__ = "smart_list"
    __table_args__ = (UniqueConstraint("location_id", "name_key"),)

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36, foreign_key="location.id")
    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100)
    filter: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    sort_field: str = Field(max_length=32)
    sort_descending: bool
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CalendarRow(SQLModel, table=True):
    """A calendar of the location; availability and team are small JSON lists."""

    __tablename__ = "calendar"
    __table_args__ = (Index(None, "location_id", "name"),)

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36, foreign_key="location.id")
    name: str = Field(max_length=255)
    default_title: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, sa_type=Text)
    meeting_location: str | None = Field(default=None, max_length=1000)
    slot_minutes: int
    time_zone: str = Field(max_length=64)
    availability: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    team_member_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ContactAppointmentRow(SQLModel, table=True):
    __tablename__ = "contact_appointment"
    __table_args__ = (
        Index(None, "contact_id", "start_at", "id"),
        Index(None, "location_id", "team_member_id", "start_at"),
        Index(None, "calendar_id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36)
    contact_id: str = Field(sa_column=_contact_fk())
    calendar_id: str = Field(max_length=36, foreign_key="calendar.id")
    appointment_type: str = Field(max_length=16)
    status: str = Field(max_length=16)
    title: str = Field(max_length=255)
    description: str | None = Field(default=None, sa_type=Text)
    meeting_location: str | None = Field(default=None, max_length=1000)
    team_member_id: str = Field(max_length=64)
    attendee_contact_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    time_zone: str = Field(max_length=64)
    start_at: datetime = Field(sa_type=UTCDateTime)
    end_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 0


class BookingLockRow(SQLModel, table=True):
    """One row per team member who was ever booked: bookings of a member write it first,
    inside their transaction, so they run one at a time (see domain/appointments.py)."""

    __tablename__ = "booking_lock"

    location_id: str = Field(primary_key=True, max_length=36)
    team_member_id: str = Field(primary_key=True, max_length=64)
    version: int = 0


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


class ContactDocumentRow(SQLModel, table=True):
    """A document of a contact; its bytes are the file store's object under its key
    (``<location>/documents/<id>``). ``source_ref``: the submission, contract or custom
    field it came from."""

    __tablename__ = "contact_document"
    __table_args__ = (
        Index(None, "contact_id", "created_at", "id"),
        Index(None, "contact_id", "updated_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36)
    contact_id: str = Field(sa_column=_contact_fk())
    name: str = Field(max_length=255)
    content_type: str = Field(max_length=128)
    size: int = Field(sa_type=BigInteger)
    sha256: str = Field(max_length=64)
    folder: str = Field(max_length=16)
    source: str = Field(max_length=16)
    source_ref: str | None = Field(default=None, max_length=64)
    added_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class PaymentCustomerRow(SQLModel, table=True):
    """The contact's customer at the payment provider (created on first use)."""

    __tablename__ = "payment_customer"

    contact_id: str = Field(sa_column=_contact_fk(primary_key=True))
    location_id: str = Field(max_length=36)
    customer_id: str = Field(max_length=255)


class PaymentMethodRow(SQLModel, table=True):
    """A card on file: the provider's payment method and what may be shown of it."""

    __tablename__ = "payment_method"
    __table_args__ = (
        Index(None, "contact_id", "created_at", "id"),
        UniqueConstraint("location_id", "provider_id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36)
    contact_id: str = Field(sa_column=_contact_fk())
    provider_id: str = Field(max_length=255)
    brand: str = Field(max_length=32)
    last4: str = Field(max_length=4)
    exp_month: int
    exp_year: int
    label: str | None = Field(default=None, max_length=100)
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class PaymentRow(SQLModel, table=True):
    """A charge, stored PENDING under its idempotency key before the provider is called."""

    __tablename__ = "payment"
    __table_args__ = (
        Index(None, "contact_id", "created_at", "id"),
        UniqueConstraint("location_id", "idempotency_key"),
        Index(None, "provider_id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36)
    contact_id: str = Field(sa_column=_contact_fk())
    idempotency_key: str = Field(max_length=300)
    amount: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    description: str = Field(max_length=500)
    payment_method_id: str | None = Field(default=None, max_length=36)
    card: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=16)
    provider_id: str | None = Field(default=None, max_length=255)
    failure_code: str | None = Field(default=None, max_length=64)
    failure_message: str | None = Field(default=None, max_length=500)
    client_secret: str | None = Field(default=None, max_length=255)
    invoice_id: str | None = Field(default=None, max_length=36)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class SubscriptionRow(SQLModel, table=True):
    """A subscription; ``items``: [{name, amount, interval, quantity}]."""

    __tablename__ = "payment_subscription"
    __table_args__ = (
        Index(None, "contact_id", "created_at", "id"),
        UniqueConstraint("location_id", "idempotency_key"),
        Index(None, "provider_id"),
        Index(None, "payment_method_id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36)
    contact_id: str = Field(sa_column=_contact_fk())
    idempotency_key: str = Field(max_length=300)
    currency: str = Field(max_length=3)
    items: list[dict[str, Any]] = Field(sa_type=JSON)
    payment_method_id: str = Field(max_length=36)
    bill_start: date | None = None
    status: str = Field(max_length=16)
    provider_id: str | None = Field(default=None, max_length=255)
    next_bill_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    canceled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class InvoiceRow(SQLModel, table=True):
    """An invoice; its parts as JSON (lines, discounts, taxes) and its total for sorting."""

    __tablename__ = "payment_invoice"
    __table_args__ = (Index(None, "contact_id", "created_at", "id"),)

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36)
    contact_id: str = Field(sa_column=_contact_fk())
    currency: str = Field(max_length=3)
    lines: list[dict[str, Any]] = Field(sa_type=JSON)
    discounts: list[dict[str, Any]] = Field(sa_type=JSON)
    taxes: list[dict[str, Any]] = Field(sa_type=JSON)
    total: int = Field(sa_type=BigInteger)
    bill_to: dict[str, Any] = Field(sa_type=JSON)
    due_date: date | None = None
    memo: str | None = Field(default=None, max_length=500)
    status: str = Field(max_length=16)
    sent_via: str | None = Field(default=None, max_length=16)
    sent_to: str | None = Field(default=None, max_length=320)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    payment_id: str | None = Field(default=None, max_length=36)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ProviderEventRow(SQLModel, table=True):
    """A payment-provider webhook event already applied: its id makes a redelivery a no-op."""

    __tablename__ = "payment_provider_event"

    id: str = Field(primary_key=True, max_length=255)
    type: str = Field(max_length=128)
    received_at: datetime = Field(sa_type=UTCDateTime)


class WebhookEndpointRow(SQLModel, table=True):
    """Where a location's events are POSTed (domain/webhooks.py). ``event_kinds`` null: every
    kind. ``start_after_sequence``: the log position it was created at; only later events
    are its to deliver."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = (Index(None, "location_id", "created_at", "id"),)

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36, foreign_key="location.id")
    url: str = Field(max_length=2048)
    event_kinds: list[str] | None = Field(default=None, sa_type=JSON(none_as_null=True))
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, max_length=1000)
    secret: str = Field(max_length=128)
    start_after_sequence: int = Field(default=0, sa_type=BigInteger)
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class WebhookDeliveryRow(SQLModel, table=True):
    """One event for one endpoint: the unit of retries, ordering and leases."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index(None, "status", "next_attempt_at"),
        Index(None, "endpoint_id", "contact_id", "status", "event_sequence"),
        Index(None, "endpoint_id", "created_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36)
    endpoint_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), nullable=False
        )
    )
    event_id: str = Field(max_length=36)
    event_sequence: int = Field(sa_type=BigInteger)
    event_kind: str = Field(max_length=64)
    contact_id: str = Field(max_length=36)
    status: str = Field(max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    started_at: datetime = Field(sa_type=UTCDateTime)
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class WebhookAttemptRow(SQLModel, table=True):
    """One HTTP request of a delivery and how it went."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (Index(None, "delivery_id", "at"),)

    id: str = Field(primary_key=True, max_length=36)
    location_id: str = Field(max_length=36)
    delivery_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("webhook_delivery.id", ondelete="CASCADE"), nullable=False
        )
    )
    at: datetime = Field(sa_type=UTCDateTime)
    status_code: int | None = None
    duration_ms: int = 0
    error: str | None = Field(default=None, max_length=1000)


class WebhookScanRow(SQLModel, table=True):
    """How far the event log has been turned into deliveries (one row, ``name='events'``):
    every sequence up to ``sequence`` was read, except ``gaps`` -- numbers below it that no
    committed event had when they were passed, kept (``[[sequence, first seen ISO]]``) until
    an event fills them or they are old enough to be a rolled-back number."""

    __tablename__ = "webhook_scan"

    name: str = Field(primary_key=True, max_length=32)
    sequence: int = Field(default=0, sa_type=BigInteger)
    gaps: list[list[Any]] = Field(default_factory=list, sa_type=JSON)
    updated_at: datetime = Field(sa_type=UTCDateTime)


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
TASK = _table(ContactTaskRow)
INTERACTION = _table(ContactInteractionRow)
ATTRIBUTION = _table(ContactAttributionRow)
WORKFLOW = _table(ContactWorkflowRow)
COURSE_OFFER = _table(ContactCourseOfferRow)
COMMUNITY_GROUP = _table(ContactCommunityGroupRow)
SMART_LIST = _table(SmartListRow)
CALENDAR = _table(CalendarRow)
APPOINTMENT = _table(ContactAppointmentRow)
BOOKING_LOCK = _table(BookingLockRow)
OPPORTUNITY = _table(OpportunityRow)
COMPANY = _table(CompanyRow)
CUSTOM_OBJECT_RECORD = _table(CustomObjectRecordRow)
ASSOCIATION_LABEL = _table(AssociationLabelRow)
ASSOCIATION = _table(ContactAssociationRow)
ASSOCIATION_LABEL_LINK = _table(ContactAssociationLabelRow)
DOCUMENT = _table(ContactDocumentRow)
PAYMENT_CUSTOMER = _table(PaymentCustomerRow)
PAYMENT_METHOD = _table(PaymentMethodRow)
PAYMENT = _table(PaymentRow)
SUBSCRIPTION = _table(SubscriptionRow)
INVOICE = _table(InvoiceRow)
PROVIDER_EVENT = _table(ProviderEventRow)
WEBHOOK_ENDPOINT = _table(WebhookEndpointRow)
WEBHOOK_DELIVERY = _table(WebhookDeliveryRow)
WEBHOOK_ATTEMPT = _table(WebhookAttemptRow)
WEBHOOK_SCAN = _table(WebhookScanRow)
