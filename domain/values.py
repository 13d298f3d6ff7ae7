"""Value objects shared by the contact's rules: phone numbers, email addresses, text limits,
web addresses, the dates and times we accept, and the time range every list is bounded by."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

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


MAX_USER_ID = 64
"""Longest team member (user) id we store: owners, followers, assignees, calendar teams."""


def check_user_id(value: str, *path: str) -> str:
    """A team member's id as given by the gateway's users: trimmed, not empty (REQUIRED),
    at most MAX_USER_ID characters (TOO_LONG)."""
    user_id = value.strip()
    if not user_id:
        raise DomainError.single(ErrorCode.REQUIRED, "a user id is empty", *path)
    if len(user_id) > MAX_USER_ID:
        raise DomainError.single(
            ErrorCode.TOO_LONG, f"a user id has at most {MAX_USER_ID} characters", *path
        )
    return user_id


# -- text every store can hold ---------------------------------------------------------------


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None. PostgreSQL refuses a NUL character
    in `text` and `jsonb`, and a lone surrogate (\\ud800) is not UTF-8 at all: both are
    refused as bad input before anything reaches a database. The one rule for every string
    the API takes (arguments, variables, input fields, JSON values and keys, entity keys)."""
    if "\x00" in value:
        return "text may not contain a NUL character (U+0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "text must be valid Unicode (a lone surrogate is not)"
    return None


def find_text_problem(
    value: Any, path: tuple[str | int, ...] = ()
) -> tuple[tuple[str | int, ...], str] | None:
    """The first string in a JSON-like ``value`` (strings, lists, dicts and their keys)
    that :func:`text_problem` refuses: its path and why; None when all can be stored."""
    for where, text in _strings(value, path):
        problem = text_problem(text)
        if problem is not None:
            return where, problem
    return None


def _strings(
    value: Any, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, inner in item.items():
                if isinstance(key, str):
                    yield (*where, key), key
                stack.append(((*where, str(key)), inner))
        elif isinstance(item, list | tuple):
            stack.extend(((*where, i), inner) for i, inner in enumerate(item))


# -- dates and times ---------------------------------------------------------------------------

EARLIEST_YEAR = 1900
LATEST_YEAR = 2200
"""Every date and time the API takes lies in these years (inclusive), in whatever offset it
is written: a contact's birthday, a task's due time, a booking, a filter's bounds. Far from
the calendar's edges (years 1 and 9999), where converting a time to UTC or adding a day
overflows."""


def time_problem(value: date) -> str | None:
    """Why a date or time (a ``datetime`` is a ``date``) is outside the years we take."""
    if EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        return None
    kind = "a time" if isinstance(value, datetime) else "a date"
    return f"{kind} must fall in the years {EARLIEST_YEAR} to {LATEST_YEAR}"


# -- web addresses -----------------------------------------------------------------------------

MAX_URL = 2048
WEB_SCHEMES = frozenset({"http", "https"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def check_web_url(value: str | None, *path: str, assume_https: bool = True) -> str | None:
    """An absolute http(s) address, as stored for a website, a file or a picture: the one
    rule for every URL we hand back to browsers. ``javascript:``, ``data:``, ``file:``,
    ``mailto:`` and every other scheme are refused (INVALID_VALUE), and so are addresses
    with spaces, without a host name with a dot, or with credentials (``user@host``). With
    ``assume_https``, an address written without a scheme (``acme.com``) gets ``https://``."""
    value = clean_text(value, *path, limit=MAX_URL)
    if value is None:
        return None
    scheme = _SCHEME.match(value)
    # "acme.com:8080/x" and "localhost:3000" start like a scheme but name a host and port
    named = scheme is not None and "." not in scheme[1] and not value[scheme.end() :][:1].isdigit()
    if not named and assume_https:
        value = f"https://{value}"
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018  # raises ValueError on a port that is not a number
    except ValueError:
        parts, host = None, ""
    if (
        parts is None
        or parts.scheme.lower() not in WEB_SCHEMES
        or "." not in host.strip(".")
        or "@" in parts.netloc
        or any(c.isspace() or ord(c) < 32 for c in value)
        or not value.lower().startswith(f"{parts.scheme.lower()}://")
    ):
        raise DomainError.single(
            ErrorCode.INVALID_VALUE,
            f"'{value}' is not a web address: give an http or https address, e.g. "
            "https://example.com",
            *path,
        )
    return value


def check_website(value: str | None, *path: str) -> str | None:
    """A contact's website: :func:`check_web_url`, ``https://`` assumed."""
    return check_web_url(value, *path)


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
