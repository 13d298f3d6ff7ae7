"""Value objects shared by the contact's rules: phone numbers, email addresses, text limits,
and the time range every list is bounded by."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime
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


def is_naive(value: datetime | None) -> bool:
    """A time without a zone: no instant, only a wall-clock reading."""
    return value is not None and (value.tzinfo is None or value.utcoffset() is None)


@dataclass(frozen=True)
class TimeRange:
    """A span of time a list is bounded by: ``after`` inclusive, ``before`` exclusive; ``None``
    leaves that end open. The API's `DateTimeRange { from, to }`. Hashable, so it can be part
    of a loader key; persistence compiles it once for every list (``persistence.filters``)."""

    after: datetime | None = None
    before: datetime | None = None

    @property
    def is_naive(self) -> bool:
        return is_naive(self.after) or is_naive(self.before)

    @property
    def is_empty(self) -> bool:
        """Both ends given and ``after`` not before ``before``: nothing fits, so whoever asked
        made a mistake. (A range with a naive end is not compared: see ``is_naive``.)"""
        if self.after is None or self.before is None or self.is_naive:
            return False
        return self.after >= self.before

    def checked(self, *path: str, closed: bool = False) -> TimeRange:
        """The range in UTC. Raises INVALID_VALUE at ``path`` for an end without a zone (it
        names no instant) or an empty range, and REQUIRED for an open end when the range
        must be ``closed``."""
        where = "".join(f"{p}." for p in path)
        for end, value in (("from", self.after), ("to", self.before)):
            if closed and value is None:
                raise DomainError.single(
                    ErrorCode.REQUIRED, f"`{where}{end}` is required", *path, end
                )
            if is_naive(value):
                raise DomainError.single(
                    ErrorCode.INVALID_VALUE,
                    f"`{where}{end}` needs a time zone, e.g. 2026-05-01T00:00:00Z",
                    *path,
                    end,
                )
        if self.is_empty:
            raise DomainError.single(
                ErrorCode.INVALID_VALUE,
                f"`{where}from` must be before `{where}to` (`to` is exclusive)",
                *path,
                "from",
            )
        return TimeRange(_utc(self.after), _utc(self.before))


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)
