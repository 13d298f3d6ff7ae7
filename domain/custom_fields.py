"""Custom fields (help page: Additional Info): per-location definitions and typed values.

A value must match its definition's data type; a mismatch is a user error, never a silent
coercion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from domain.errors import DomainError, ErrorCode
from domain.money import MAX_AMOUNT
from domain.ports import new_id
from domain.values import MAX_TEXT, clean_text, normalize_email, normalize_phone

MAX_LARGE_TEXT = 10_000
MAX_OPTIONS = 100
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class CustomFieldType(StrEnum):
    TEXT = "TEXT"
    LARGE_TEXT = "LARGE_TEXT"
    NUMBER = "NUMBER"
    MONETARY = "MONETARY"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    DATE = "DATE"
    CHECKBOX = "CHECKBOX"
    SINGLE_OPTION = "SINGLE_OPTION"
    MULTIPLE_OPTIONS = "MULTIPLE_OPTIONS"
    FILE_UPLOAD = "FILE_UPLOAD"

    @property
    def has_options(self) -> bool:
        return self in (CustomFieldType.SINGLE_OPTION, CustomFieldType.MULTIPLE_OPTIONS)


@dataclass(frozen=True)
class Money:
    """An amount in minor units (cents) of an ISO 4217 currency."""

    amount: int
    currency: str


@dataclass(frozen=True)
class FileRef:
    """A document of the contact (Documents tab, INTERNAL / "Custom Fields"): the field's
    value and the tab show the same stored object. A deleted document drops out of both."""

    document_id: str


CustomValue = str | float | Money | date | bool | tuple[str, ...] | tuple[FileRef, ...]


@dataclass
class CustomFieldDefinition:
    location_id: str
    key: str
    name: str
    data_type: CustomFieldType
    created_at: datetime
    options: tuple[str, ...] = ()
    id: str = field(default_factory=new_id)

    @staticmethod
    def check_key(key: str) -> str:
        key = key.strip()
        if not KEY_PATTERN.match(key):
            raise DomainError.single(
                ErrorCode.INVALID_VALUE,
                "a key starts with a lower-case letter and holds only a-z, 0-9 and _ "
                "(at most 64 characters)",
                "key",
            )
        return key

    @staticmethod
    def check_name(name: str) -> str:
        cleaned = clean_text(name, "name")
        if cleaned is None:
            raise DomainError.single(ErrorCode.REQUIRED, "a name is required", "name")
        return cleaned

    @staticmethod
    def check_options(
        data_type: CustomFieldType, options: list[str] | tuple[str, ...]
    ) -> tuple[str, ...]:
        if not data_type.has_options:
            if options:
                raise DomainError.single(
                    ErrorCode.INVALID_VALUE,
                    f"a {data_type.value} field takes no options",
                    "options",
                )
            return ()
        cleaned: list[str] = []
        for i, raw in enumerate(options):
            option = clean_text(raw, "options", str(i))
            if option is None or "|" in option:
                raise DomainError.single(
                    ErrorCode.INVALID_VALUE,
                    "an option is non-blank text without '|'",
                    "options",
                    str(i),
                )
            if option in cleaned:
                raise DomainError.single(
                    ErrorCode.DUPLICATE, f"option '{option}' is repeated", "options", str(i)
                )
            cleaned.append(option)
        if not cleaned:
            raise DomainError.single(
                ErrorCode.REQUIRED,
                f"a {data_type.value} field needs at least one option",
                "options",
            )
        if len(cleaned) > MAX_OPTIONS:
            raise DomainError.single(
                ErrorCode.LIMIT_EXCEEDED, f"at most {MAX_OPTIONS} options", "options"
            )
        return tuple(cleaned)

    def same_definition(self, other: CustomFieldDefinition) -> bool:
        """Same key, name, type and options: creating ``other`` again is no change."""
        return (self.key, self.name, self.data_type, self.options) == (
            other.key,
            other.name,
            other.data_type,
            other.options,
        )

    def rename(self, name: str) -> None:
        self.name = self.check_name(name)

    def replace_options(self, options: list[str]) -> None:
        """Options may be added or reordered, not removed: stored values would be orphaned."""
        new = self.check_options(self.data_type, options)
        missing = [o for o in self.options if o not in new]
        if missing:
            raise DomainError.single(
                ErrorCode.INVALID_VALUE,
                f"options cannot be removed once defined (missing: {', '.join(missing)})",
                "options",
            )
        self.options = new


@dataclass(frozen=True)
class CustomValueInput:
    """What a client sends for one field: exactly the member that matches the data type."""

    text: str | None = None
    number: float | None = None
    money: Money | None = None
    date: date | None = None
    checked: bool | None = None
    option: str | None = None
    options: tuple[str, ...] | None = None
    files: tuple[FileRef, ...] | None = None

    def given(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]


_MEMBER_FOR_TYPE = {
    CustomFieldType.TEXT: "text",
    CustomFieldType.LARGE_TEXT: "text",
    CustomFieldType.PHONE: "text",
    CustomFieldType.EMAIL: "text",
    CustomFieldType.NUMBER: "number",
    CustomFieldType.MONETARY: "money",
    CustomFieldType.DATE: "date",
    CustomFieldType.CHECKBOX: "checked",
    CustomFieldType.SINGLE_OPTION: "option",
    CustomFieldType.MULTIPLE_OPTIONS: "options",
    CustomFieldType.FILE_UPLOAD: "files",
}


def member_for(data_type: CustomFieldType) -> str:
    """The input member (and output shape) that carries values of ``data_type``."""
    return _MEMBER_FOR_TYPE[data_type]


def check_value(
    definition: CustomFieldDefinition,
    raw: CustomValueInput | None,
    path: tuple[str, ...],
    phone_region: str,
) -> CustomValue | None:
    """Validate ``raw`` against ``definition``; ``None`` (or an empty input) clears."""
    given = raw.given() if raw is not None else []
    if not given:
        return None
    expected = member_for(definition.data_type)
    if given != [expected]:
        raise DomainError.single(
            ErrorCode.WRONG_VALUE_TYPE,
            f"'{definition.key}' is a {definition.data_type.value} field: send only "
            f"'{expected}' (got {', '.join(given)})",
            *path,
        )
    assert raw is not None
    kind = definition.data_type
    value: Any = getattr(raw, expected)
    if kind is CustomFieldType.TEXT:
        return clean_text(value, *path, limit=MAX_TEXT)
    if kind is CustomFieldType.LARGE_TEXT:
        return clean_text(value, *path, limit=MAX_LARGE_TEXT)
    if kind is CustomFieldType.PHONE:
        return normalize_phone(value, phone_region, *path)
    if kind is CustomFieldType.EMAIL:
        return normalize_email(value, *path)
    if kind is CustomFieldType.NUMBER:
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            raise DomainError.single(ErrorCode.INVALID_VALUE, "not a finite number", *path)
        return number
    if kind is CustomFieldType.MONETARY:
        currency = value.currency.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise DomainError.single(
                ErrorCode.INVALID_VALUE, "currency is an ISO 4217 code such as USD", *path
            )
        if abs(int(value.amount)) > MAX_AMOUNT:
            raise DomainError.single(
                ErrorCode.LIMIT_EXCEEDED, f"at most {MAX_AMOUNT} minor units", *path, "amount"
            )
        return Money(int(value.amount), currency)
    if kind in (CustomFieldType.SINGLE_OPTION, CustomFieldType.MULTIPLE_OPTIONS):
        chosen = [value] if kind is CustomFieldType.SINGLE_OPTION else list(dict.fromkeys(value))
        unknown = [o for o in chosen if o not in definition.options]
        if unknown:
            raise DomainError.single(
                ErrorCode.UNKNOWN_OPTION,
                f"not an option of '{definition.key}': {', '.join(unknown)} "
                f"(options: {', '.join(definition.options)})",
                *path,
            )
        return chosen[0] if kind is CustomFieldType.SINGLE_OPTION else tuple(chosen)
    if kind is CustomFieldType.FILE_UPLOAD:
        return tuple(dict.fromkeys(value))  # each document once; which exist: services
    return value  # type: ignore[no-any-return]  # DATE and CHECKBOX arrive typed


def value_to_json(value: CustomValue | None) -> Any:
    """A value as JSON for the audit log."""
    if isinstance(value, Money):
        return {"amount": value.amount, "currency": value.currency}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [{"documentId": v.document_id} if isinstance(v, FileRef) else v for v in value]
    return value
