"""Commands: what a caller asks the contact services to do, already decoded from the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.contact import KEEP, DndChannel, EmailLabel, PhoneLabel
from domain.custom_fields import CustomFieldType, CustomValueInput


@dataclass(frozen=True)
class NewPhone:
    value: str
    label: PhoneLabel | None = None
    primary: bool = False


@dataclass(frozen=True)
class NewEmail:
    value: str
    label: EmailLabel | None = None
    primary: bool = False


@dataclass(frozen=True)
class CustomValueByKey:
    key: str
    value: CustomValueInput | None


@dataclass(frozen=True)
class ContactDraft:
    """Everything a contact can be created (or upserted) with; ``profile`` holds only the
    profile fields the caller gave."""

    profile: dict[str, Any] = field(default_factory=dict)
    phones: tuple[NewPhone, ...] = ()
    emails: tuple[NewEmail, ...] = ()
    tags: tuple[str, ...] = ()
    owner_id: Any = KEEP
    """A team member's id, ``None`` for no owner, or ``KEEP`` to leave it as it is."""
    follower_ids: tuple[str, ...] = ()
    dnd: dict[DndChannel, bool] = field(default_factory=dict)
    custom_values: tuple[CustomValueByKey, ...] = ()
    social_picture_url: str | None = None
    """The contact's profile picture on the social platform it came from (Facebook Lead
    Ads, Instagram DM, WhatsApp): fetched in the background after the change commits."""


@dataclass(frozen=True)
class PointUpdate:
    """Change a phone's or email's value and/or label; ``KEEP`` leaves a member alone."""

    id: str
    value: str | None = None
    label: Any = KEEP


@dataclass(frozen=True)
class NewCustomField:
    key: str
    name: str
    data_type: CustomFieldType
    options: tuple[str, ...] = ()
