"""Value objects shared by the contact's rules: phone numbers, email addresses, text limits."""

from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from domain.errors import DomainError, ErrorCode

MAX_TEXT = 255
"""Longest single-line text we store (names, source, address lines...)."""


def normalize_phone(raw: str, default_region: str, *path: str) -> str:
    """Parse ``raw`` as dialled in ``default_region`` and return it in E.164 (+14155550100)."""
    try:
        parsed = phonenumbers.parse(raw.strip(), default_region)
    except phonenumbers.NumberParseException as exc:
        raise DomainError.single(
            ErrorCode.INVALID_PHONE, f"'{raw}' is not a phone number: {exc._msg}", *path
        ) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise DomainError.single(
            ErrorCode.INVALID_PHONE, f"'{raw}' is not a valid phone number", *path
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str, *path: str) -> str:
    """Validate syntax (no DNS look-up) and return the normalised address."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise DomainError.single(
            ErrorCode.INVALID_EMAIL, f"'{raw}' is not an email address: {exc}", *path
        ) from exc
    return str(result.normalized)


def email_key(address: str) -> str:
    """Addresses are matched case-insensitively (upsert, duplicates, search)."""
    return address.casefold()


def clean_text(value: str | None, *path: str, limit: int = MAX_TEXT) -> str | None:
    """Trim; blank becomes ``None``; longer than ``limit`` is a user error."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > limit:
        raise DomainError.single(
            ErrorCode.TOO_LONG, f"at most {limit} characters are allowed", *path
        )
    return value


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_time_zone(value: str | None, *path: str) -> str | None:
    value = clean_text(value, *path)
    if value is None:
        return None
    if value not in _time_zones():
        raise DomainError.single(
            ErrorCode.INVALID_VALUE, f"'{value}' is not an IANA time zone", *path
        )
    return value


def check_country(value: str | None, *path: str) -> str | None:
    """Countries are ISO 3166-1 alpha-2 codes, as the phone library knows them."""
    value = clean_text(value, *path)
    if value is None:
        return None
    code = value.upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise DomainError.single(
            ErrorCode.INVALID_VALUE, f"'{value}' is not an ISO 3166 country code", *path
        )
    return code


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def check_website(value: str | None, *path: str) -> str | None:
    value = clean_text(value, *path, limit=2048)
    if value is None:
        return None
    if not _SCHEME.match(value):  # "acme.com/?next=https://x" has no scheme of its own
        value = f"https://{value}"
    scheme, _, rest = value.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or " " in rest or "." not in rest:
        raise DomainError.single(ErrorCode.INVALID_VALUE, f"'{value}' is not a web address", *path)
    return value
