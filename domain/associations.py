"""Associations tab and the Actions panel's opportunities.

Help page: "View and manage the relationships between the contact and other contacts,
opportunities, companies, and custom objects"; "Create New" or "Add Existing"; "Select the
appropriate association label ... Up to 10 association labels can be applied between two
contacts"; "Create new opportunities or view existing ones linked to the contact".

Opportunities, companies and custom-object records are kept here in minimal form (other
subgraphs may extend them by id). Every record carries its location; none has an owner, so
every team member of the location may see and link them -- visibility rules apply to the
contacts on a link only.

A link joins a contact to one record. A contact-to-contact link has two sides, one per
contact, each with its own association id; labels read from the side that applied them by
their ``name`` and from the other side by their ``inverse_name`` ("Parent" / "Child").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from domain.commands import ContactDraft
from domain.contact import KEEP, Contact
from domain.custom_fields import Money, value_to_json
from domain.errors import DomainError, ErrorCode, UserError
from domain.events import ContactEvent, EventKind, FieldChange, contact_event
from domain.money import MAX_AMOUNT
from domain.ports import UnitOfWork, new_id
from domain.services import Services, create_in, retrying, visible_contact_id
from domain.values import MAX_TEXT, clean_text
from domain.viewer import Viewer

MAX_LABELS_PER_LINK = 10
"""Help page: "Up to 10 association labels can be applied between two contacts"; we hold
links to every kind of record to the same limit."""
MAX_PROPERTIES = 100
"""Not on the help page; a guard against unbounded custom-object records."""
MAX_PROPERTY_TEXT = 10_000
ID_LIMIT = 64
"""Longest pipeline id or stage we store (they are another subgraph's identifiers)."""
OBJECT_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
PROPERTY_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
CURRENCY = re.compile(r"[A-Z]{3}")
DOMAIN_NAME = re.compile(
    r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}"
)


class AssociationObjectType(StrEnum):
    """What a contact is linked to; a link always has a contact on its first side."""

    CONTACT = "CONTACT"
    OPPORTUNITY = "OPPORTUNITY"
    COMPANY = "COMPANY"
    CUSTOM_OBJECT = "CUSTOM_OBJECT"


class OpportunityStatus(StrEnum):
    OPEN = "OPEN"
    WON = "WON"
    LOST = "LOST"
    ABANDONED = "ABANDONED"


Scalar = str | int | float | bool | None


# -- how the lists are asked for ---------------------------------------------------------------


class AssociationSortField(StrEnum):
    CREATED_AT = "CREATED_AT"


@dataclass(frozen=True)
class AssociationFilter:
    """``object_types``: only links to these types of record (``None``: every link)."""

    object_types: tuple[AssociationObjectType, ...] | None = None


class OpportunitySortField(StrEnum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    NAME = "NAME"


@dataclass(frozen=True)
class OpportunityFilter:
    """``statuses``: only opportunities in one of these statuses (``None``: all)."""

    statuses: tuple[OpportunityStatus, ...] | None = None


class AssociationLabelSortField(StrEnum):
    CREATED_AT = "CREATED_AT"
    NAME = "NAME"


@dataclass(frozen=True)
class AssociationLabelFilter:
    """``object_types``: only labels for these types of record (``None``: every label)."""

    object_types: tuple[AssociationObjectType, ...] | None = None


class LinkedContactSortField(StrEnum):
    """The contacts linked to a record: by when they were linked, or as `contacts` sorts
    (the other members are :class:`domain.contact_query.ContactSortField`'s)."""

    LINKED_AT = "LINKED_AT"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    FIRST_NAME = "FIRST_NAME"
    LAST_NAME = "LAST_NAME"
    BUSINESS_NAME = "BUSINESS_NAME"


# -- small rules -------------------------------------------------------------------------------


def _required(value: str | None, what: str, *path: str, limit: int = MAX_TEXT) -> str:
    text = clean_text(value, *path, limit=limit)
    if text is None:
        raise DomainError.single(ErrorCode.REQUIRED, f"{what} is required", *path)
    return text


def check_money(value: Money | None, *path: str) -> Money | None:
    """Minor units (cents), not negative, of an ISO 4217 currency."""
    if value is None:
        return None
    if value.amount < 0:
        raise DomainError.single(
            ErrorCode.INVALID_VALUE, "a monetary value cannot be negative", *path, "amount"
        )
    if value.amount > MAX_AMOUNT:
        raise DomainError.single(
            ErrorCode.LIMIT_EXCEEDED, f"at most {MAX_AMOUNT} minor units", *path, "amount"
        )
    currency = value.currency.strip().upper()
    if not CURRENCY.fullmatch(currency):
        raise DomainError.single(
            ErrorCode.INVALID_VALUE, "currency is an ISO 4217 code such as USD", *path, "currency"
        )
    return Money(value.amount, currency)


def check_object_key(value: str, *path: str) -> str:
    key = value.strip()
    if not OBJECT_KEY.fullmatch(key):
        raise DomainError.single(
            ErrorCode.INVALID_VALUE,
            "an object key starts with a lower-case letter and holds only a-z, 0-9 and _ "
            "(at most 64 characters), e.g. pets",
            *path,
        )
    return key


def check_domain(value: str | None, *path: str) -> str | None:
    """A company's web domain, lower-case, without scheme, path or ``www.``."""
    text = clean_text(value, *path, limit=2048)
    if text is None:
        return None
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text.lower()).split("/")[0].split("?")[0]
    host = host.rstrip(".").removeprefix("www.")
    if not DOMAIN_NAME.fullmatch(host):
        raise DomainError.single(
            ErrorCode.INVALID_VALUE, f"'{value}' is not a domain such as acme.com", *path
        )
    return host


def check_properties(properties: Any, *path: str) -> dict[str, Scalar]:
    """A JSON object of scalar values (text, number, boolean or null)."""
    if not isinstance(properties, Mapping):
        raise DomainError.single(
            ErrorCode.WRONG_VALUE_TYPE, "properties are a JSON object of scalar values", *path
        )
    if len(properties) > MAX_PROPERTIES:
        raise DomainError.single(
            ErrorCode.LIMIT_EXCEEDED, f"a record has at most {MAX_PROPERTIES} properties", *path
        )
    checked: dict[str, Scalar] = {}
    for key, value in properties.items():
        if not isinstance(key, str) or not PROPERTY_KEY.fullmatch(key):
            raise DomainError.single(
                ErrorCode.INVALID_VALUE,
                "a property name holds only letters, digits and _ and does not start with a "
                "digit (at most 64 characters)",
                *path,
                str(key),
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise DomainError.single(ErrorCode.INVALID_VALUE, "not a finite number", *path, key)
        if isinstance(value, str) and len(value) > MAX_PROPERTY_TEXT:
            raise DomainError.single(
                ErrorCode.TOO_LONG, f"at most {MAX_PROPERTY_TEXT} characters", *path, key
            )
        if value is not None and not isinstance(value, str | int | float | bool):
            raise DomainError.single(
                ErrorCode.WRONG_VALUE_TYPE,
                "a property holds a scalar: text, number, boolean or null",
                *path,
                key,
            )
        checked[key] = value
    return checked


def _prefixed(exc: DomainError, prefix: tuple[str, ...]) -> DomainError:
    return DomainError([UserError(e.code, e.message, (*prefix, *e.field)) for e in exc.errors])


# -- the records a contact links to ------------------------------------------------------------


@dataclass(frozen=True)
class NewOpportunity:
    name: str
    pipeline_id: str
    stage: str
    status: OpportunityStatus = OpportunityStatus.OPEN
    value: Money | None = None


@dataclass(frozen=True)
class OpportunityPatch:
    """``KEEP`` leaves a member as it is; ``value=None`` clears the monetary value."""

    name: Any = KEEP
    pipeline_id: Any = KEEP
    stage: Any = KEEP
    status: Any = KEEP
    value: Any = KEEP


@dataclass
class Opportunity:
    location_id: str
    name: str
    pipeline_id: str
    stage: str
    status: OpportunityStatus
    value: Money | None
    created_at: datetime
    updated_at: datetime
    id: str = field(default_factory=new_id)

    @classmethod
    def create(
        cls, location_id: str, new: NewOpportunity, now: datetime, path: tuple[str, ...] = ()
    ) -> Opportunity:
        return cls(
            location_id=location_id,
            name=_required(new.name, "a name", *path, "name"),
            pipeline_id=_required(
                new.pipeline_id, "a pipeline", *path, "pipelineId", limit=ID_LIMIT
            ),
            stage=_required(new.stage, "a stage", *path, "stage", limit=ID_LIMIT),
            status=new.status,
            value=check_money(new.value, *path, "monetaryValue"),
            created_at=now,
            updated_at=now,
        )

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "pipelineId": self.pipeline_id,
            "stage": self.stage,
            "status": self.status.value,
            "monetaryValue": value_to_json(self.value),
        }

    def update(self, patch: OpportunityPatch, now: datetime) -> list[FieldChange]:
        """Apply the given members; one change ``{id, <changed fields>}`` before and after."""
        wanted: dict[str, Any] = {}
        if patch.name is not KEEP:
            wanted["name"] = _required(patch.name, "a name", "name")
        if patch.pipeline_id is not KEEP:
            wanted["pipeline_id"] = _required(
                patch.pipeline_id, "a pipeline", "pipelineId", limit=ID_LIMIT
            )
        if patch.stage is not KEEP:
            wanted["stage"] = _required(patch.stage, "a stage", "stage", limit=ID_LIMIT)
        if patch.status is not KEEP:
            if patch.status is None:
                raise DomainError.single(ErrorCode.REQUIRED, "a status is required", "status")
            wanted["status"] = OpportunityStatus(patch.status)
        if patch.value is not KEEP:
            wanted["value"] = check_money(patch.value, "monetaryValue")
        changed = {k: v for k, v in wanted.items() if getattr(self, k) != v}
        if not changed:
            return []
        names = {"pipeline_id": "pipelineId", "value": "monetaryValue"}
        before: dict[str, Any] = {"id": self.id}
        after: dict[str, Any] = {"id": self.id}
        for attr, new in changed.items():
            key = names.get(attr, attr)
            before[key] = value_to_json(getattr(self, attr))
            after[key] = value_to_json(new)
            setattr(self, attr, new)
        self.updated_at = now
        return [FieldChange("opportunities", before, after)]


@dataclass(frozen=True)
class NewCompany:
    name: str
    domain: str | None = None


@dataclass
class Company:
    location_id: str
    name: str
    domain: str | None
    created_at: datetime
    updated_at: datetime
    id: str = field(default_factory=new_id)

    @classmethod
    def create(
        cls, location_id: str, new: NewCompany, now: datetime, path: tuple[str, ...] = ()
    ) -> Company:
        return cls(
            location_id=location_id,
            name=_required(new.name, "a name", *path, "name"),
            domain=check_domain(new.domain, *path, "domain"),
            created_at=now,
            updated_at=now,
        )


@dataclass(frozen=True)
class NewCustomObjectRecord:
    object_key: str
    name: str
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class CustomObjectRecord:
    """A record of a custom object (``object_key`` such as "pets"): a display name and a
    JSON object of scalar properties."""

    location_id: str
    object_key: str
    name: str
    properties: dict[str, Scalar]
    created_at: datetime
    updated_at: datetime
    id: str = field(default_factory=new_id)

    @classmethod
    def create(
        cls, location_id: str, new: NewCustomObjectRecord, now: datetime, path: tuple[str, ...] = ()
    ) -> CustomObjectRecord:
        return cls(
            location_id=location_id,
            object_key=check_object_key(new.object_key, *path, "objectKey"),
            name=_required(new.name, "a name", *path, "name"),
            properties=check_properties(new.properties, *path, "properties"),
            created_at=now,
            updated_at=now,
        )


Record = Contact | Opportunity | Company | CustomObjectRecord


# -- labels ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAssociationLabel:
    name: str
    object_type: AssociationObjectType
    object_key: str | None = None
    inverse_name: str | None = None


@dataclass
class AssociationLabel:
    """A label a location defines for links between a contact and one type of record.

    Contact-to-contact labels may have an ``inverse_name``: the other contact reads the
    label by it ("Parent" here, "Child" there). Without one the label is symmetric.
    Custom-object labels belong to one object key.
    """

    location_id: str
    name: str
    object_type: AssociationObjectType
    object_key: str | None
    inverse_name: str | None
    created_at: datetime
    id: str = field(default_factory=new_id)

    @property
    def symmetric(self) -> bool:
        return self.inverse_name is None

    def name_from(self, other_side: bool) -> str:
        """The label as read from the side that applied it, or from the other side."""
        return self.inverse_name if other_side and self.inverse_name else self.name

    def fits(self, object_type: AssociationObjectType, object_key: str | None) -> bool:
        return self.object_type is object_type and self.object_key == object_key

    def connects(self) -> str:
        target = self.object_type.value
        if self.object_key:
            target = f"{target} '{self.object_key}'"
        return f"CONTACT-{target}"

    @classmethod
    def create(cls, location_id: str, new: NewAssociationLabel, now: datetime) -> AssociationLabel:
        name = _required(new.name, "a name", "name")
        object_key = None
        if new.object_type is AssociationObjectType.CUSTOM_OBJECT:
            if new.object_key is None or not new.object_key.strip():
                raise DomainError.single(
                    ErrorCode.REQUIRED,
                    "a custom-object label names its object key",
                    "customObjectKey",
                )
            object_key = check_object_key(new.object_key, "customObjectKey")
        elif new.object_key is not None:
            raise DomainError.single(
                ErrorCode.INVALID_VALUE,
                "only CUSTOM_OBJECT labels take an object key",
                "customObjectKey",
            )
        inverse = clean_text(new.inverse_name, "inverseName")
        if inverse is not None and new.object_type is not AssociationObjectType.CONTACT:
            raise DomainError.single(
                ErrorCode.INVALID_VALUE,
                "only contact-to-contact labels have an inverse name",
                "inverseName",
            )
        if inverse is not None and inverse.casefold() == name.casefold():
            inverse = None  # "Spouse" / "Spouse" is symmetric
        return cls(
            location_id=location_id,
            name=name,
            object_type=new.object_type,
            object_key=object_key,
            inverse_name=inverse,
            created_at=now,
        )

    def rename(self, name: Any, inverse_name: Any) -> None:
        """``KEEP`` leaves a member alone. Whether a label is symmetric is fixed when it is
        created: changing it would turn around the meaning of the links that carry it."""
        new_name = self.name if name is KEEP else _required(name, "a name", "name")
        new_inverse = self.inverse_name
        if inverse_name is not KEEP:
            new_inverse = clean_text(inverse_name, "inverseName")
            if new_inverse is not None and new_inverse.casefold() == new_name.casefold():
                new_inverse = None
        if (new_inverse is None) != self.symmetric:
            raise DomainError.single(
                ErrorCode.INVALID_VALUE,
                "a label stays symmetric (no inverse name) or asymmetric as it was created; "
                "create another label instead",
                "inverseName",
            )
        self.name, self.inverse_name = new_name, new_inverse

    def same_definition(self, other: AssociationLabel) -> bool:
        """Creating ``other`` asks for exactly this label: same kind and names."""
        return self.fits(other.object_type, other.object_key) and (
            self.name,
            self.inverse_name,
        ) == (other.name, other.inverse_name)

    def same_name(self, other: AssociationLabel) -> bool:
        return (
            self.id != other.id
            and self.fits(other.object_type, other.object_key)
            and self.name.casefold() == other.name.casefold()
        )


@dataclass(frozen=True)
class AppliedLabel:
    """A label on a link; ``reverse`` when it was applied from the second contact's side."""

    label: AssociationLabel
    reverse: bool = False

    @property
    def key(self) -> tuple[str, bool]:
        return (self.label.id, self.reverse)


# -- links -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Association:
    """One link as one contact sees it: a card of the contact's Associations tab.

    ``reverse`` is true on the second contact's side of a contact-to-contact link.
    """

    id: str
    link_id: str
    location_id: str
    contact_id: str
    object_type: AssociationObjectType
    object_id: str
    object_key: str | None
    reverse: bool
    created_at: datetime

    def label_names(self, labels: Sequence[AppliedLabel]) -> list[str]:
        return [a.label.name_from(a.reverse != self.reverse) for a in labels]

    def summary(self, labels: Sequence[AppliedLabel]) -> dict[str, Any]:
        return {
            "id": self.id,
            "objectType": self.object_type.value,
            "objectId": self.object_id,
            "labels": self.label_names(labels),
        }


@dataclass
class AssociationLink:
    """The aggregate: one link between a contact and a record, with its labels.

    ``contact_id`` is the contact that made the link; a contact-to-contact link also has a
    second side (``reverse_id``) on the contact ``object_id``.
    """

    location_id: str
    contact_id: str
    object_type: AssociationObjectType
    object_id: str
    created_at: datetime
    object_key: str | None = None
    labels: list[AppliedLabel] = field(default_factory=list)
    id: str = field(default_factory=new_id)
    forward_id: str = field(default_factory=new_id)
    reverse_id: str | None = None

    def __post_init__(self) -> None:
        if self.object_type is AssociationObjectType.CONTACT and self.reverse_id is None:
            self.reverse_id = new_id()

    def sides(self) -> list[Association]:
        forward = Association(
            id=self.forward_id,
            link_id=self.id,
            location_id=self.location_id,
            contact_id=self.contact_id,
            object_type=self.object_type,
            object_id=self.object_id,
            object_key=self.object_key,
            reverse=False,
            created_at=self.created_at,
        )
        if self.reverse_id is None:
            return [forward]
        backward = replace(
            forward,
            id=self.reverse_id,
            contact_id=self.object_id,
            object_id=self.contact_id,
            object_key=None,
            reverse=True,
        )
        return [forward, backward]

    def side(self, association_id: str) -> Association:
        return next(s for s in self.sides() if s.id == association_id)

    @property
    def contact_ids(self) -> list[str]:
        return [s.contact_id for s in self.sides()]

    def _check_fit(self, labels: Sequence[AssociationLabel]) -> None:
        for i, label in enumerate(labels):
            if not label.fits(self.object_type, self.object_key):
                raise DomainError.single(
                    ErrorCode.INVALID_VALUE,
                    f"the label '{label.name}' is for {label.connects()} links",
                    "labelIds",
                    str(i),
                )

    def _replace(self, labels: list[AppliedLabel]) -> bool:
        if len(labels) > MAX_LABELS_PER_LINK:
            raise DomainError.single(
                ErrorCode.LIMIT_EXCEEDED,
                f"up to {MAX_LABELS_PER_LINK} association labels can be applied between "
                "two records",
                "labelIds",
            )
        if [a.key for a in labels] == [a.key for a in self.labels]:
            return False
        self.labels = labels
        return True

    def _applied(self, labels: Sequence[AssociationLabel], reverse: bool) -> list[AppliedLabel]:
        # a symmetric label reads the same from both sides: it is stored one way only
        applied = [AppliedLabel(x, reverse and not x.symmetric) for x in labels]
        return list({a.key: a for a in applied}.values())  # each once, first place kept

    def add_labels(self, labels: Sequence[AssociationLabel], reverse: bool) -> bool:
        """Add labels as read from one side; labels already there stay once."""
        self._check_fit(labels)
        have = {a.key for a in self.labels}
        new = [a for a in self._applied(labels, reverse) if a.key not in have]
        return self._replace([*self.labels, *new])

    def set_labels(self, labels: Sequence[AssociationLabel], reverse: bool) -> bool:
        """Replace every label by these, as read from one side."""
        self._check_fit(labels)
        return self._replace(self._applied(labels, reverse))

    def remove_labels(self, label_ids: Sequence[str]) -> bool:
        """Remove labels (read from either side); ids not on the link are ignored."""
        gone = set(label_ids)
        return self._replace([a for a in self.labels if a.label.id not in gone])


# -- use cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExistingRecord:
    """Link a record that exists: its type and id."""

    object_type: AssociationObjectType | None
    id: str


Target = ExistingRecord | ContactDraft | NewOpportunity | NewCompany | NewCustomObjectRecord


@dataclass(frozen=True)
class GivenTarget:
    """One target member of the input, with its path (``targetId``, ``createCompany`` ...)."""

    path: tuple[str, ...]
    target: Target


TARGET_MEMBERS = (
    "targetId, createContact, createOpportunity, createCompany or createCustomObjectRecord"
)


@dataclass(frozen=True)
class Linked:
    """A new link: the contact's side of it, its labels, and the record it links to when
    this change created or read it (an existing contact is only checked, not loaded)."""

    association: Association
    labels: tuple[AppliedLabel, ...]
    record: Record | None


def _event(
    kind: EventKind,
    contact_id: str,
    viewer: Viewer,
    at: datetime,
    changes: Sequence[FieldChange],
) -> ContactEvent:
    return contact_event(kind, contact_id, viewer, at, changes)


def _no_record(*path: str) -> DomainError:
    return DomainError.single(ErrorCode.NOT_FOUND, "no record with this id", *path)


def _no_association() -> DomainError:
    return DomainError.single(ErrorCode.NOT_FOUND, "no association with this id", "associationId")


async def _create_contact(
    uow: UnitOfWork,
    svc: Services,
    viewer: Viewer,
    draft: ContactDraft,
    now: datetime,
    path: tuple[str, ...],
) -> Contact:
    """As ``contactCreate`` does (services.create_in), with error paths under ``path``."""
    try:
        return await create_in(uow, svc, viewer, draft, now)
    except DomainError as exc:
        raise _prefixed(exc, path) from None


async def _existing(
    uow: UnitOfWork, viewer: Viewer, contact_id: str, target: ExistingRecord, path: tuple[str, ...]
) -> Record | None:
    """The existing record, checked; a contact is only checked for visibility (not loaded
    nor locked: two contacts linking each other at once must not wait on each other)."""
    loc = viewer.location_id
    kind = target.object_type
    found: Record | None = None
    if kind is None:
        raise DomainError.single(
            ErrorCode.REQUIRED, "targetType says what targetId names", "targetType"
        )
    if kind is AssociationObjectType.CONTACT:
        if target.id == contact_id:
            raise DomainError.single(
                ErrorCode.INVALID_VALUE, "a contact cannot be linked to itself", *path
            )
        if not await uow.contacts.is_visible(viewer, target.id):
            raise DomainError.single(ErrorCode.NOT_FOUND, "no contact with this id", *path)
        return None
    if kind is AssociationObjectType.OPPORTUNITY:
        found = await uow.records.opportunity(loc, target.id)
    elif kind is AssociationObjectType.COMPANY:
        found = await uow.records.company(loc, target.id)
    else:
        found = await uow.records.custom_object_record(loc, target.id)
    if found is None:
        raise _no_record(*path)
    return found


async def _target(
    uow: UnitOfWork,
    svc: Services,
    viewer: Viewer,
    contact_id: str,
    given: GivenTarget,
    now: datetime,
) -> tuple[str, AssociationObjectType, str | None, Record | None]:
    """The record to link (id, type, custom object key, and the record itself if read):
    an existing one, or one created (and written) right here."""
    target, path, loc = given.target, given.path, viewer.location_id
    record: Record | None
    if isinstance(target, ExistingRecord):
        record = await _existing(uow, viewer, contact_id, target, path)
        if record is None:
            return target.id, AssociationObjectType.CONTACT, None, None
    elif isinstance(target, ContactDraft):
        record = await _create_contact(uow, svc, viewer, target, now, path)
    elif isinstance(target, NewOpportunity):
        record = Opportunity.create(loc, target, now, path)
        await uow.records.add_opportunity(record)
    elif isinstance(target, NewCompany):
        record = Company.create(loc, target, now, path)
        await uow.records.add_company(record)
    else:
        record = CustomObjectRecord.create(loc, target, now, path)
        await uow.records.add_custom_object_record(record)
    object_key = record.object_key if isinstance(record, CustomObjectRecord) else None
    return record.id, object_type_of(record), object_key, record


def object_type_of(record: Record) -> AssociationObjectType:
    if isinstance(record, Contact):
        return AssociationObjectType.CONTACT
    if isinstance(record, Opportunity):
        return AssociationObjectType.OPPORTUNITY
    if isinstance(record, Company):
        return AssociationObjectType.COMPANY
    return AssociationObjectType.CUSTOM_OBJECT


async def _labels(
    uow: UnitOfWork, viewer: Viewer, label_ids: Sequence[str]
) -> list[AssociationLabel]:
    """The location's labels with these ids, in input order (a repeated id stays repeated,
    so error paths match the input; the link keeps each label once)."""
    found = await uow.associations.labels_by_id(viewer.location_id, list(dict.fromkeys(label_ids)))
    for i, label_id in enumerate(label_ids):
        if label_id not in found:
            raise DomainError.single(
                ErrorCode.NOT_FOUND, "no association label with this id", "labelIds", str(i)
            )
    return [found[i] for i in label_ids]


async def add_association(
    svc: Services,
    viewer: Viewer,
    contact_id: str,
    targets: Sequence[GivenTarget],
    label_ids: Sequence[str],
) -> Linked:
    """Link the contact to an existing record or to one created in the same unit of work.

    The new record is written before the labels are checked: a refused label rolls the
    whole change back, so a failure creates nothing. An existing record the contact is
    already linked to (from either side) is no change: that link is returned as it is,
    with its own labels -- the labels commands change those.
    """
    if len(targets) != 1:
        raise DomainError.single(ErrorCode.INVALID_VALUE, f"give exactly one of {TARGET_MEMBERS}")
    given = targets[0]

    async def run() -> Linked:
        async with svc.uow() as uow:
            await visible_contact_id(uow, viewer, contact_id)
            now = svc.clock.now()
            object_id, object_type, object_key, record = await _target(
                uow, svc, viewer, contact_id, given, now
            )
            link = AssociationLink(
                location_id=viewer.location_id,
                contact_id=contact_id,
                object_type=object_type,
                object_id=object_id,
                object_key=object_key,
                created_at=now,
            )
            link.add_labels(await _labels(uow, viewer, label_ids), reverse=False)
            if isinstance(given.target, ExistingRecord):
                existing = await uow.associations.find(
                    viewer.location_id, contact_id, object_type, object_id
                )
                if existing is not None:
                    side = next(s for s in existing.sides() if s.contact_id == contact_id)
                    return Linked(side, tuple(existing.labels), record)
            await uow.associations.add(link)  # ConcurrencyConflict: linked meanwhile
            if isinstance(record, Opportunity):
                change = FieldChange("opportunities", None, record.summary())
                uow.record(_event(EventKind.OPPORTUNITY_CREATED, contact_id, viewer, now, [change]))
            for side in link.sides():
                change = FieldChange("associations", None, side.summary(link.labels))
                uow.record(
                    _event(EventKind.ASSOCIATION_ADDED, side.contact_id, viewer, now, [change])
                )
            await uow.commit()
            return Linked(link.sides()[0], tuple(link.labels), record)

    result: Linked = await retrying(run)
    return result


async def create_opportunity(
    svc: Services, viewer: Viewer, contact_id: str, new: NewOpportunity, label_ids: Sequence[str]
) -> Linked:
    """The Actions panel's "create new opportunity": created and linked in one change."""
    return await add_association(svc, viewer, contact_id, [GivenTarget((), new)], label_ids)


async def _visible_link(uow: UnitOfWork, viewer: Viewer, association_id: str) -> AssociationLink:
    """The link with a side of this id, if the viewer may see every contact on it."""
    link = await uow.associations.get(viewer.location_id, association_id)
    if link is None:
        raise _no_association()
    for contact_id in link.contact_ids:
        if not await uow.contacts.is_visible(viewer, contact_id):
            raise _no_association()
    return link


LabelChange = Literal["add", "remove", "set"]


async def change_labels(
    svc: Services, viewer: Viewer, association_id: str, mode: LabelChange, label_ids: Sequence[str]
) -> tuple[Association, tuple[AppliedLabel, ...]]:
    """Add, remove or replace a link's labels, as read from the side ``association_id``."""
    async with svc.uow() as uow:
        link = await _visible_link(uow, viewer, association_id)
        side = link.side(association_id)
        before = list(link.labels)
        if mode == "remove":
            changed = link.remove_labels(label_ids)
        else:
            labels = await _labels(uow, viewer, label_ids)
            apply = link.add_labels if mode == "add" else link.set_labels
            changed = apply(labels, side.reverse)
        if changed:
            await uow.associations.save_labels(link)
            _record_label_change(uow, viewer, svc.clock.now(), link, before)
            await uow.commit()
        return side, tuple(link.labels)


def _record_label_change(
    uow: UnitOfWork,
    viewer: Viewer,
    now: datetime,
    link: AssociationLink,
    before: list[AppliedLabel],
) -> None:
    """Each side records its labels before and after, in the summary an addition records,
    so the event names the linked record (domain/visibility.py checks it)."""
    for s in link.sides():
        change = FieldChange("associations.labels", s.summary(before), s.summary(link.labels))
        uow.record(
            _event(EventKind.ASSOCIATION_LABELS_CHANGED, s.contact_id, viewer, now, [change])
        )


async def remove_association(
    svc: Services, viewer: Viewer, association_id: str
) -> tuple[Association, tuple[AppliedLabel, ...]]:
    """Unlink; the record itself stays. Returns the association as it was."""
    async with svc.uow() as uow:
        link = await _visible_link(uow, viewer, association_id)
        await uow.associations.remove(link)
        now = svc.clock.now()
        for s in link.sides():
            change = FieldChange("associations", s.summary(link.labels), None)
            uow.record(_event(EventKind.ASSOCIATION_REMOVED, s.contact_id, viewer, now, [change]))
        await uow.commit()
        return link.side(association_id), tuple(link.labels)


async def update_opportunity(
    svc: Services, viewer: Viewer, opportunity_id: str, patch: OpportunityPatch
) -> Opportunity:
    """Change stage, status, value ...; every linked contact records the change."""
    async with svc.uow() as uow:
        opportunity = await uow.records.opportunity(
            viewer.location_id, opportunity_id, for_update=True
        )
        if opportunity is None:
            raise DomainError.single(ErrorCode.NOT_FOUND, "no opportunity with this id", "id")
        now = svc.clock.now()
        changes = opportunity.update(patch, now)
        if changes:
            await uow.records.save_opportunity(opportunity)
            linked = await uow.associations.contact_ids_linked_to(
                viewer.location_id, AssociationObjectType.OPPORTUNITY, opportunity.id
            )
            for contact_id in linked:
                uow.record(_event(EventKind.OPPORTUNITY_UPDATED, contact_id, viewer, now, changes))
            await uow.commit()
        return opportunity


# -- label definitions (admins only) -----------------------------------------------------------


async def _same_name(uow: UnitOfWork, label: AssociationLabel) -> AssociationLabel | None:
    """Another label of the location that ``label`` may not share its name with."""
    others = await uow.associations.labels(label.location_id)
    return next((o for o in others if label.same_name(o)), None)


def _name_taken(label: AssociationLabel, other: AssociationLabel) -> DomainError:
    return DomainError.single(
        ErrorCode.DUPLICATE, f"a {label.connects()} label named '{other.name}' exists", "name"
    )


async def create_label(svc: Services, viewer: Viewer, new: NewAssociationLabel) -> AssociationLabel:
    """Define a label. A label of the same name, kind and inverse name is returned as it is
    (a retried create); one of that name that differs otherwise is DUPLICATE."""
    viewer.require_admin("association labels")
    async with svc.uow() as uow:
        label = AssociationLabel.create(viewer.location_id, new, svc.clock.now())
        other = await _same_name(uow, label)
        if other is not None:
            if other.same_definition(label):
                return other
            raise _name_taken(label, other)
        await uow.associations.add_label(label)
        await uow.commit()
        return label


async def _label(uow: UnitOfWork, viewer: Viewer, label_id: str) -> AssociationLabel:
    found = await uow.associations.labels_by_id(viewer.location_id, [label_id])
    if label_id not in found:
        raise DomainError.single(ErrorCode.NOT_FOUND, "no association label with this id", "id")
    return found[label_id]


async def update_label(
    svc: Services, viewer: Viewer, label_id: str, name: Any, inverse_name: Any
) -> AssociationLabel:
    """Rename a label (``KEEP`` leaves a member alone); links show the new names at once."""
    viewer.require_admin("association labels")
    async with svc.uow() as uow:
        label = await _label(uow, viewer, label_id)
        before = (label.name, label.inverse_name)
        label.rename(name, inverse_name)
        if (label.name, label.inverse_name) == before:
            return label  # the names it has: nothing to write
        other = await _same_name(uow, label)
        if other is not None:
            raise _name_taken(label, other)
        await uow.associations.save_label(label)
        await uow.commit()
        return label


async def delete_label(svc: Services, viewer: Viewer, label_id: str) -> AssociationLabel:
    """Delete a label; every link that carries it loses it, and its contacts record that."""
    viewer.require_admin("association labels")
    async with svc.uow() as uow:
        label = await _label(uow, viewer, label_id)
        now = svc.clock.now()
        for link in await uow.associations.with_label(viewer.location_id, label_id):
            before = list(link.labels)
            link.remove_labels([label_id])
            await uow.associations.save_labels(link)
            _record_label_change(uow, viewer, now, link, before)
        await uow.associations.delete_label(label)
        await uow.commit()
        return label
