"""The contact aggregate and its rules (help page: header, Contact/General Info, phones,
emails, tags, owner and followers, Do-Not-Disturb).

Every mutating method validates first and only then changes state, and returns the
:class:`FieldChange` list that becomes the audit-log event. A method that raises has changed
nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from domain.custom_fields import CustomFieldDefinition, CustomValue, value_to_json
from domain.errors import DomainError, ErrorCode
from domain.events import FieldChange
from domain.ports import file_key, new_id
from domain.values import (
    check_country,
    check_time_zone,
    check_user_id,
    check_website,
    clean_text,
    email_key,
    normalize_email,
    normalize_phone,
)

MAX_PHONES = 11
"""1 primary + 10 additional (help page: Managing multiple phone numbers)."""
MAX_EMAILS = 11
"""1 primary + 10 additional (help page: Managing multiple email addresses)."""
MAX_FOLLOWERS = 10
"""Help page: Add followers to a contact -- select up to 10 users."""
MAX_TAGS = 100
"""Not on the help page; a guard against unbounded rows per contact."""
MAX_TAG_LENGTH = 64


class ContactType(StrEnum):
    LEAD = "LEAD"
    CUSTOMER = "CUSTOMER"


class PhoneLabel(StrEnum):
    """Help page: Home, Landline, Mobile, Work; each label on at most one number."""

    HOME = "HOME"
    LANDLINE = "LANDLINE"
    MOBILE = "MOBILE"
    WORK = "WORK"


class EmailLabel(StrEnum):
    """Our choice (the help page names none): at most one address per label, like phones."""

    HOME = "HOME"
    WORK = "WORK"
    OTHER = "OTHER"


class DndChannel(StrEnum):
    """Help page: SMS, Calls, Email, Facebook, GMB and WhatsApp; ``ALL`` is every channel."""

    ALL = "ALL"
    SMS = "SMS"
    CALL = "CALL"
    EMAIL = "EMAIL"
    FACEBOOK = "FACEBOOK"
    GMB = "GMB"
    WHATSAPP = "WHATSAPP"


class PictureSource(StrEnum):
    """Where a contact's profile picture came from (help page: Contact profile picture)."""

    UPLOAD = "UPLOAD"
    MEDIA_LIBRARY = "MEDIA_LIBRARY"
    FACEBOOK = "FACEBOOK"
    INSTAGRAM = "INSTAGRAM"
    WHATSAPP = "WHATSAPP"

    @property
    def is_manual(self) -> bool:
        """Chosen by a person (uploaded, or picked in the Media Library): an auto-fetched
        social picture never replaces it."""
        return self in (PictureSource.UPLOAD, PictureSource.MEDIA_LIBRARY)


class PictureSize(StrEnum):
    """The square sizes every picture is stored in: one per place the product shows it."""

    HEADER = "HEADER"
    THREAD = "THREAD"
    CARD = "CARD"

    @property
    def pixels(self) -> int:
        return PICTURE_PIXELS[self]


PICTURE_PIXELS = {PictureSize.HEADER: 256, PictureSize.THREAD: 64, PictureSize.CARD: 40}
"""Width and height in pixels: the record header, conversation threads, opportunity cards."""


@dataclass(frozen=True)
class ContactPicture:
    """A contact's profile picture: square renditions in the file store, one per
    :class:`PictureSize`, under keys of their own (a new ``id`` for every picture, so a
    replaced picture's objects can be deleted after the change commits while signed URLs to
    the new ones already work). ``sha256`` is that of the bytes it was made from: the same
    image again is no change."""

    source: PictureSource
    sha256: str
    updated_at: datetime
    sizes: tuple[int, ...] = tuple(PICTURE_PIXELS.values())
    content_type: str = "image/webp"
    id: str = field(default_factory=new_id)

    @property
    def extension(self) -> str:
        return self.content_type.rsplit("/", 1)[-1]

    def key(self, location_id: str, contact_id: str, pixels: int) -> str:
        """The stored object of one size (``pixels`` wide and high)."""
        return file_key(location_id, "pictures", contact_id, self.id, f"{pixels}.{self.extension}")

    def keys(self, location_id: str, contact_id: str) -> list[str]:
        return [self.key(location_id, contact_id, px) for px in self.sizes]

    def summary(self) -> dict[str, Any]:
        """What the audit log and the timeline keep of it: where it came from, which sizes."""
        return {"source": self.source.value, "sizes": list(self.sizes)}


@dataclass(frozen=True)
class Address:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass
class ContactPoint:
    """A phone number (E.164) or an email address (normalised) on a contact."""

    value: str
    label: str | None = None
    is_primary: bool = False
    id: str = field(default_factory=new_id)


LabelT = TypeVar("LabelT", PhoneLabel, EmailLabel)

_POINT_INPUT_FIELDS = {"phone": ("number", "phoneId"), "email": ("address", "emailId")}
"""The input's names for an item's value and id, by kind."""


@dataclass
class ContactPoints(Generic[LabelT]):
    """Phones or emails: at most ``limit``, unique values, one label per item, one primary.

    The same rules hold for both lists, so they live here once; ``kind`` ("phone"/"email")
    names the list in messages and audit fields. ``value_field`` and ``id_field`` are the
    names the input gives an item's value and id ("number"/"phoneId", "address"/"emailId"),
    so an error's path names the field the caller sent; they follow from ``kind`` unless
    given. Every method takes the ``path`` of the item in the input: ``()`` when the input
    is the item itself, ``("phones", "2")`` for one item of a list.
    """

    kind: str
    limit: int
    items: list[ContactPoint] = field(default_factory=list)
    value_field: str = ""
    id_field: str = ""

    def __post_init__(self) -> None:
        value_field, id_field = _POINT_INPUT_FIELDS.get(self.kind, ("value", "id"))
        self.value_field = self.value_field or value_field
        self.id_field = self.id_field or id_field

    @property
    def primary(self) -> ContactPoint | None:
        return next((p for p in self.items if p.is_primary), None)

    def find(self, point_id: str, *path: str) -> ContactPoint:
        for point in self.items:
            if point.id == point_id:
                return point
        raise DomainError.single(ErrorCode.NOT_FOUND, f"no such {self.kind} on this contact", *path)

    def _key(self, value: str) -> str:
        return email_key(value) if self.kind == "email" else value

    def _check_unique(
        self, value: str, label: str | None, skip: ContactPoint | None, path: tuple[str, ...]
    ) -> None:
        for other in self.items:
            if other is skip:
                continue
            if self._key(other.value) == self._key(value):
                raise DomainError.single(
                    ErrorCode.DUPLICATE,
                    f"{value} is already on this contact",
                    *path,
                    self.value_field,
                )
            if label is not None and other.label == label:
                raise DomainError.single(
                    ErrorCode.LABEL_TAKEN,
                    f"the label {label} is already used by {other.value}; "
                    f"each label can be applied to one {self.kind} per contact",
                    *path,
                    "label",
                )

    def add(
        self, value: str, label: LabelT | None, primary: bool, path: tuple[str, ...] = ()
    ) -> tuple[ContactPoint, list[FieldChange]]:
        """Add ``value`` (already normalised). A value the list already has (any case, for
        an email) is no change: the existing item is returned as it is, label and primary
        untouched -- ``update`` and ``set_primary`` change those."""
        existing = next((p for p in self.items if self._key(p.value) == self._key(value)), None)
        if existing is not None:
            return existing, []
        if len(self.items) >= self.limit:
            raise DomainError.single(
                ErrorCode.LIMIT_EXCEEDED,
                f"a contact can have at most {self.limit} {self.kind}s "
                f"(1 primary + {self.limit - 1} additional)",
                *path,
            )
        label_value = label.value if label else None
        self._check_unique(value, label_value, None, path)
        before_primary = self.primary
        point = ContactPoint(
            value=value, label=label_value, is_primary=primary or before_primary is None
        )
        if point.is_primary and before_primary is not None:
            before_primary.is_primary = False
        self.items.append(point)
        return point, self._changes(None, point, before_primary)

    def update(
        self, point_id: str, value: str | None, label: Any, path: tuple[str, ...] = ()
    ) -> list[FieldChange]:
        """Change value and/or label; ``label`` may be ``KEEP`` to leave it alone."""
        point = self.find(point_id, *path, self.id_field)
        new_value = point.value if value is None else value
        new_label = point.label if label is KEEP else (label.value if label else None)
        self._check_unique(new_value, new_label, point, path)
        if (new_value, new_label) == (point.value, point.label):
            return []
        before = copy.copy(point)
        point.value, point.label = new_value, new_label
        return self._changes(before, point, None)

    def set_primary(self, point_id: str, path: tuple[str, ...] = ()) -> list[FieldChange]:
        point = self.find(point_id, *path, self.id_field)
        before_primary = self.primary
        if before_primary is point:
            return []
        if before_primary is not None:
            before_primary.is_primary = False
        point.is_primary = True
        return [
            FieldChange(
                f"{self.kind}s.primary",
                before_primary.value if before_primary else None,
                point.value,
            )
        ]

    def remove(self, point_id: str, path: tuple[str, ...] = ()) -> list[FieldChange]:
        """The primary cannot go while others exist: another must be made primary first."""
        point = self.find(point_id, *path, self.id_field)
        if point.is_primary and len(self.items) > 1:
            raise DomainError.single(
                ErrorCode.PRIMARY_NOT_DELETABLE,
                f"the primary {self.kind} cannot be deleted until another {self.kind} "
                "is set as primary",
                *path,
                self.id_field,
            )
        self.items.remove(point)
        return self._changes(point, None, None)

    def _changes(
        self, before: ContactPoint | None, after: ContactPoint | None, demoted: ContactPoint | None
    ) -> list[FieldChange]:
        changes = [FieldChange(f"{self.kind}s", _point_json(before), _point_json(after))]
        if demoted is not None and after is not None and after.is_primary:
            changes.append(FieldChange(f"{self.kind}s.primary", demoted.value, after.value))
        return changes


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()
"""Sentinel for "this field was not given" in patch-style commands."""


def _point_json(point: ContactPoint | None) -> dict[str, Any] | None:
    if point is None:
        return None
    return {"value": point.value, "label": point.label, "primary": point.is_primary}


@dataclass
class DndSetting:
    """Do-Not-Disturb on one channel, with who changed it last and when."""

    channel: DndChannel
    enabled: bool
    changed_by: str | None
    changed_at: datetime


@dataclass
class ContactProfile:
    """The scalar fields of Contact Info and General Info, validated as a group."""

    first_name: str | None = None
    last_name: str | None = None
    contact_type: ContactType = ContactType.LEAD
    source: str | None = None
    time_zone: str | None = None
    date_of_birth: date | None = None
    business_name: str | None = None
    address: Address = field(default_factory=Address)
    website: str | None = None


PROFILE_FIELDS = tuple(f.name for f in fields(ContactProfile))
ADDRESS_FIELDS = tuple(f.name for f in fields(Address))


def _check_profile_value(name: str, value: Any, today: date) -> Any:
    if name == "contact_type":
        if value is None:
            raise DomainError.single(ErrorCode.REQUIRED, "a contact type is required", "type")
        return ContactType(value)
    if name == "time_zone":
        return check_time_zone(value, "timeZone")
    if name == "website":
        return check_website(value, "website")
    if name == "date_of_birth":
        if value is not None and value > today:
            raise DomainError.single(
                ErrorCode.INVALID_VALUE, "a date of birth cannot be in the future", "dateOfBirth"
            )
        return value
    if name == "address":
        addr = value or Address()
        return Address(
            **{
                key: (
                    check_country(getattr(addr, key), "address", "country")
                    if key == "country"
                    else clean_text(getattr(addr, key), "address", _camel(key))
                )
                for key in ADDRESS_FIELDS
            }
        )
    return clean_text(value, _camel(name))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _api_field(name: str) -> str:
    """A profile field as the API names it (``contact_type`` is ``type`` there)."""
    return "type" if name == "contact_type" else _camel(name)


def _profile_json(name: str, value: Any) -> Any:
    if isinstance(value, Address):
        return {_camel(k): getattr(value, k) for k in ADDRESS_FIELDS}
    if isinstance(value, date):
        return value.isoformat()
    return value.value if isinstance(value, StrEnum) else value


@dataclass
class Contact:
    """One person a business knows, and the rules that keep the record consistent."""

    location_id: str
    created_at: datetime
    updated_at: datetime
    profile: ContactProfile = field(default_factory=ContactProfile)
    owner_id: str | None = None
    follower_ids: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    phones: ContactPoints[PhoneLabel] = field(
        default_factory=lambda: ContactPoints("phone", MAX_PHONES)
    )
    emails: ContactPoints[EmailLabel] = field(
        default_factory=lambda: ContactPoints("email", MAX_EMAILS)
    )
    dnd: dict[DndChannel, DndSetting] = field(default_factory=dict)
    custom_values: dict[str, CustomValue] = field(default_factory=dict)
    archived_at: datetime | None = None
    picture: ContactPicture | None = None
    merged_into_id: str | None = None
    """Set once merged into another contact (domain/merge.py); it is archived then."""
    version: int = 0
    id: str = field(default_factory=new_id)

    # -- derived -----------------------------------------------------------------------------
    @property
    def full_name(self) -> str | None:
        parts = [p for p in (self.profile.first_name, self.profile.last_name) if p]
        return " ".join(parts) or None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def snapshot(self) -> Contact:
        """A deep copy, so a repository can tell what a command changed."""
        return copy.deepcopy(self)

    # -- profile -----------------------------------------------------------------------------
    def update_profile(self, patch: dict[str, Any], today: date) -> list[FieldChange]:
        """Apply a patch of profile fields; only the keys present change (``None`` clears)."""
        unknown = set(patch) - set(PROFILE_FIELDS)
        if unknown:
            raise ValueError(f"not profile fields: {sorted(unknown)}")
        if isinstance(patch.get("address"), dict):  # partial address: merge with current
            patch = {**patch, "address": replace(self.profile.address, **patch["address"])}
        checked = {name: _check_profile_value(name, value, today) for name, value in patch.items()}
        changes = []
        for name, value in checked.items():
            before = getattr(self.profile, name)
            if before != value:
                changes.append(
                    FieldChange(
                        _api_field(name), _profile_json(name, before), _profile_json(name, value)
                    )
                )
        self.profile = replace(self.profile, **checked)
        return changes

    def archive(self, now: datetime) -> list[FieldChange]:
        if self.is_archived:
            return []
        self.archived_at = now
        return [FieldChange("archivedAt", None, now.isoformat())]

    def restore(self) -> list[FieldChange]:
        if not self.is_archived:
            return []
        before, self.archived_at = self.archived_at, None
        return [FieldChange("archivedAt", before.isoformat() if before else None, None)]

    # -- profile picture ---------------------------------------------------------------------
    def set_picture(self, picture: ContactPicture | None) -> list[FieldChange]:
        """Replace (or, with ``None``, remove) the picture. The same image from the same
        source again, or removing a picture that is not there, is no change."""
        current = self.picture
        if current is None and picture is None:
            return []
        if (
            current is not None
            and picture is not None
            and (current.sha256, current.source) == (picture.sha256, picture.source)
        ):
            return []
        self.picture = picture
        return [
            FieldChange(
                "picture",
                current.summary() if current else None,
                picture.summary() if picture else None,
            )
        ]

    # -- phones and emails -------------------------------------------------------------------
    def add_phone(
        self,
        raw: str,
        label: PhoneLabel | None,
        primary: bool,
        region: str,
        path: tuple[str, ...] = (),
    ) -> tuple[ContactPoint, list[FieldChange]]:
        """``path`` is the new number's place in the input (``()`` when it is the input)."""
        number = normalize_phone(raw, region, *path, self.phones.value_field)
        return self.phones.add(number, label, primary, path)

    def add_email(
        self, raw: str, label: EmailLabel | None, primary: bool, path: tuple[str, ...] = ()
    ) -> tuple[ContactPoint, list[FieldChange]]:
        """``path`` is the new address's place in the input (``()`` when it is the input)."""
        address = normalize_email(raw, *path, self.emails.value_field)
        return self.emails.add(address, label, primary, path)

    # -- tags --------------------------------------------------------------------------------
    @staticmethod
    def clean_tags(tags: Iterable[str]) -> list[str]:
        """Tags are trimmed and lower-cased, so "VIP" and "vip " are one tag."""
        out: list[str] = []
        for i, raw in enumerate(tags):
            tag = raw.strip().lower()
            if not tag:
                raise DomainError.single(
                    ErrorCode.REQUIRED, "a tag cannot be blank", "tags", str(i)
                )
            if len(tag) > MAX_TAG_LENGTH:
                raise DomainError.single(
                    ErrorCode.TOO_LONG,
                    f"a tag has at most {MAX_TAG_LENGTH} characters",
                    "tags",
                    str(i),
                )
            if tag not in out:
                out.append(tag)
        return out

    def add_tags(self, tags: Iterable[str]) -> list[FieldChange]:
        new = [t for t in self.clean_tags(tags) if t not in self.tags]
        if len(self.tags) + len(new) > MAX_TAGS:
            raise DomainError.single(
                ErrorCode.LIMIT_EXCEEDED, f"a contact can have at most {MAX_TAGS} tags", "tags"
            )
        if not new:
            return []
        before = list(self.tags)
        self.tags.extend(new)
        return [FieldChange("tags", before, list(self.tags))]

    def remove_tags(self, tags: Iterable[str]) -> list[FieldChange]:
        gone = set(self.clean_tags(tags)) & set(self.tags)
        if not gone:
            return []
        before = list(self.tags)
        self.tags = [t for t in self.tags if t not in gone]
        return [FieldChange("tags", before, list(self.tags))]

    # -- owner and followers -----------------------------------------------------------------
    def set_owner(self, owner_id: str | None) -> list[FieldChange]:
        if owner_id is not None:
            owner_id = check_user_id(owner_id, "ownerId")
        if owner_id == self.owner_id:
            return []
        before, self.owner_id = self.owner_id, owner_id
        return [FieldChange("owner", before, owner_id)]

    def add_followers(
        self, user_ids: Iterable[str], path: tuple[str, ...] = ("userIds",)
    ) -> list[FieldChange]:
        """``path`` names the input's list of ids (``followerIds`` in a new contact)."""
        ids = [check_user_id(u, *path, str(i)) for i, u in enumerate(user_ids)]
        new = [u for u in dict.fromkeys(ids) if u not in self.follower_ids]
        if len(self.follower_ids) + len(new) > MAX_FOLLOWERS:
            raise DomainError.single(
                ErrorCode.LIMIT_EXCEEDED,
                f"a contact can have at most {MAX_FOLLOWERS} followers "
                f"(it has {len(self.follower_ids)}, {len(new)} more were asked for)",
                *path,
            )
        if not new:
            return []
        before = list(self.follower_ids)
        self.follower_ids.extend(new)
        return [FieldChange("followers", before, list(self.follower_ids))]

    def remove_followers(self, user_ids: Iterable[str]) -> list[FieldChange]:
        gone = set(user_ids) & set(self.follower_ids)
        if not gone:
            return []
        before = list(self.follower_ids)
        self.follower_ids = [u for u in self.follower_ids if u not in gone]
        return [FieldChange("followers", before, list(self.follower_ids))]

    # -- Do-Not-Disturb ----------------------------------------------------------------------
    def dnd_enabled(self, channel: DndChannel) -> bool:
        """A channel is blocked when it, or ``ALL``, is on."""
        for key in (DndChannel.ALL, channel):
            setting = self.dnd.get(key)
            if setting is not None and setting.enabled:
                return True
        return False

    def set_dnd(
        self, settings: dict[DndChannel, bool], actor: str | None, now: datetime
    ) -> list[FieldChange]:
        changes = []
        for channel, enabled in settings.items():
            current = self.dnd.get(channel)
            before = current.enabled if current else False
            if before == enabled:
                continue
            self.dnd[channel] = DndSetting(channel, enabled, actor, now)
            changes.append(FieldChange(f"dnd.{channel.value}", before, enabled))
        return changes

    # -- custom fields -----------------------------------------------------------------------
    def set_custom_values(
        self,
        values: list[tuple[CustomFieldDefinition, Any]],
        check: Callable[[CustomFieldDefinition, Any, tuple[str, ...]], CustomValue | None],
    ) -> list[FieldChange]:
        """Set (or, with ``None``, clear) values; every value is checked before any is set."""
        checked = [
            (d, check(d, raw, ("values", str(i), "value"))) for i, (d, raw) in enumerate(values)
        ]
        changes = []
        for definition, value in checked:
            before = self.custom_values.get(definition.id)
            if before == value:
                continue
            if value is None:
                self.custom_values.pop(definition.id, None)
            else:
                self.custom_values[definition.id] = value
            changes.append(
                FieldChange(
                    f"customFields.{definition.key}", value_to_json(before), value_to_json(value)
                )
            )
        return changes
