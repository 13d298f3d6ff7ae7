"""Amounts of money in the Payments tab: whole minor units (cents) of an ISO 4217 currency,
as Python ints (exact, unbounded) and a rounding rule for every fraction of a cent.

Amounts go past GraphQL's 32-bit ``Int`` (a charge of $21,474,836.48 is 2^31 cents), so the
schema carries them as the string-encoded ``BigInt`` scalar; here they are plain ints.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from domain.errors import DomainError, ErrorCode

MAX_AMOUNT = 10**15
"""The largest amount in minor units any payment, line or total may reach (a trillion
dollars; well inside PostgreSQL's BIGINT and JavaScript's exact integers)."""
CURRENCY = re.compile(r"[A-Z]{3}")
MAX_PERCENT_PLACES = 4
"""A tax rate or discount is a percentage with up to four decimals (8.875 %, 12.3456 %)."""


def check_amount(amount: int, *path: str, allow_zero: bool = False) -> int:
    """``amount`` minor units: positive (zero when allowed) and at most :data:`MAX_AMOUNT`."""
    low = 0 if allow_zero else 1
    if amount < low:
        what = "zero or more" if allow_zero else "more than zero"
        raise DomainError.single(ErrorCode.INVALID_VALUE, f"an amount is {what} minor units", *path)
    if amount > MAX_AMOUNT:
        raise DomainError.single(
            ErrorCode.LIMIT_EXCEEDED, f"an amount is at most {MAX_AMOUNT} minor units", *path
        )
    return amount


def check_currency(currency: str, *path: str) -> str:
    """An ISO 4217 code, upper case (``usd`` is USD)."""
    code = currency.strip().upper()
    if not CURRENCY.fullmatch(code):
        raise DomainError.single(
            ErrorCode.INVALID_VALUE, "currency is an ISO 4217 code such as USD", *path
        )
    return code


def parse_percent(text: str, *path: str) -> Fraction:
    """A percentage written as a decimal (``"8.875"``), 0 to 100, at most four decimals;
    exact: a Fraction, never a float."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise DomainError.single(
            ErrorCode.INVALID_VALUE, "a percentage is a decimal number such as 8.25", *path
        )
    exponent = value.as_tuple().exponent
    if not 0 <= value <= 100 or (isinstance(exponent, int) and exponent < -MAX_PERCENT_PLACES):
        raise DomainError.single(
            ErrorCode.INVALID_VALUE,
            f"a percentage is from 0 to 100 with at most {MAX_PERCENT_PLACES} decimals",
            *path,
        )
    return Fraction(value)


def percent_text(value: Fraction) -> str:
    """The canonical decimal text of a percentage parsed by :func:`parse_percent`."""
    text = f"{Decimal(value.numerator) / Decimal(value.denominator):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent_of(amount: int, percent: Fraction) -> int:
    """``percent`` % of ``amount`` minor units, rounded half up to a whole minor unit (the
    stated rule: a half cent or more rounds up, less rounds down; amounts are never negative
    here)."""
    exact = Fraction(amount) * percent / 100
    whole, rest = divmod(exact.numerator, exact.denominator)
    return whole + (1 if 2 * rest >= exact.denominator else 0)
