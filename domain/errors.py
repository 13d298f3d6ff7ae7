"""Typed user errors: what a mutation reports when input breaks a rule.

A rule raises :class:`DomainError`; the unit of work rolls back, so a payload that carries
errors never comes with a half-written record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ErrorCode(StrEnum):
    """Why a change was refused. Shared by every tab so clients switch on one enum."""

    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    INVALID_VALUE = "INVALID_VALUE"
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_EMAIL = "INVALID_EMAIL"
    TOO_LONG = "TOO_LONG"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    DUPLICATE = "DUPLICATE"
    LABEL_TAKEN = "LABEL_TAKEN"
    PRIMARY_NOT_DELETABLE = "PRIMARY_NOT_DELETABLE"
    WRONG_VALUE_TYPE = "WRONG_VALUE_TYPE"
    UNKNOWN_OPTION = "UNKNOWN_OPTION"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    SLOT_UNAVAILABLE = "SLOT_UNAVAILABLE"
    IN_USE = "IN_USE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    FILE_TYPE_NOT_ALLOWED = "FILE_TYPE_NOT_ALLOWED"
    IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"
    INVALID_IMAGE = "INVALID_IMAGE"
    ARCHIVED = "ARCHIVED"
    MERGED = "MERGED"
    CARD_DECLINED = "CARD_DECLINED"
    PAYMENT_REFUSED = "PAYMENT_REFUSED"
    PAYMENT_PROVIDER_UNAVAILABLE = "PAYMENT_PROVIDER_UNAVAILABLE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


@dataclass(frozen=True)
class UserError:
    """One refused part of the input: ``field`` is the path into the mutation's input."""

    code: ErrorCode
    message: str
    field: tuple[str, ...] = ()


@dataclass
class DomainError(Exception):
    """A rule was broken; carries every user error found before giving up."""

    errors: list[UserError] = field(default_factory=list)

    @classmethod
    def single(cls, code: ErrorCode, message: str, *path: str) -> DomainError:
        return cls([UserError(code, message, tuple(path))])

    def __str__(self) -> str:
        return "; ".join(e.message for e in self.errors)


class ConcurrencyConflict(Exception):
    """The aggregate changed between read and write; the service retries the command."""


class AuthenticationError(Exception):
    """Missing, expired or forged token. The message is safe to show the client."""
