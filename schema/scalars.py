"""The API's own `DateTime` and `Date`: strawberry's ISO parsing, then the years we accept.

Every date and time argument, input field and filter bound goes through these two parsers
(variables and literals alike), so a time at the calendar's edge (0001-01-01T00:00:00+14:00)
is refused as invalid input before any resolver sees it, never an OverflowError later.
The range itself is a domain rule: ``domain.values.time_problem``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Final, NewType

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition, ScalarWrapper

from domain.values import EARLIEST_YEAR, LATEST_YEAR, time_problem

_YEARS = f"in the years {EARLIEST_YEAR} to {LATEST_YEAR}"


def _in_range(name: str, parse: Callable[[object], object]) -> Callable[[object], object]:
    def parse_value(value: object) -> object:
        parsed = parse(value)  # a StrawberryInputCoercionError when it is not ISO 8601
        problem = time_problem(parsed) if isinstance(parsed, dt.date) else None
        if problem is not None:
            raise StrawberryInputCoercionError(
                f'Value cannot represent a {name}: "{value}": {problem}.',
                extensions={"code": "BAD_USER_INPUT"},  # graphql-core keeps it on its error
            )
        return parsed

    return parse_value


def _definition(base: ScalarDefinition, description: str) -> ScalarDefinition:
    assert base.parse_value is not None
    return ScalarDefinition(
        name=base.name,
        description=description,
        specified_by_url=None,
        serialize=base.serialize,
        parse_value=_in_range(base.name, base.parse_value),
        parse_literal=None,  # graphql-core reads the literal, then calls parse_value
        origin=base.origin,
    )


DATE_TIME: Final = _definition(
    DateTimeDefinition,
    f"Date with time, ISO 8601 (2026-05-01T09:00:00-04:00), {_YEARS}.",
)
DATE: Final = _definition(DateDefinition, f"Date, ISO 8601 (2026-05-01), {_YEARS}.")


_WHOLE = re.compile(r"-?[0-9]{1,19}")


def _parse_big_int(value: object) -> int:
    """An Int literal or variable, or a string of decimal digits: clients whose JSON numbers
    are doubles send large amounts as strings."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise StrawberryInputCoercionError(
            f"Value cannot represent a BigInt: {value!r}: a whole number or a string of digits.",
            extensions={"code": "BAD_USER_INPUT"},
        )
    if not -(2**63) <= number < 2**63:
        raise StrawberryInputCoercionError(
            f"Value cannot represent a BigInt: {value!r}: out of the 64-bit range.",
            extensions={"code": "BAD_USER_INPUT"},
        )
    return number


BigInt = NewType("BigInt", int)
"""Amounts of money in minor units: a Python int, a string in JSON (:data:`BIG_INT`)."""
BIG_INT: Final = ScalarDefinition(
    name="BigInt",
    description="A whole number that may exceed 32 bits (amounts of money in minor units): "
    'sent as a string of decimal digits ("2147483648"), accepted as a string or an Int.',
    specified_by_url=None,
    serialize=str,
    parse_value=_parse_big_int,
    parse_literal=None,
)

SCALAR_OVERRIDES: Final[dict[object, type | ScalarWrapper | ScalarDefinition]] = {
    dt.datetime: DATE_TIME,
    dt.date: DATE,
    BigInt: BIG_INT,
}
"""For ``Schema(scalar_overrides=...)``."""
