"""Money in the Payments tab: exact integer totals and the one rounding rule."""

from __future__ import annotations

from fractions import Fraction

import pytest

from domain.errors import DomainError, ErrorCode
from domain.invoices import InvoiceDiscount, InvoiceLine, InvoiceTax, totals
from domain.money import MAX_AMOUNT, check_amount, parse_percent, percent_of, percent_text


@pytest.mark.parametrize(
    ("amount", "percent", "expected"),
    [
        (100, "12.5", 13),  # 12.5 -> half up
        (100, "12.49", 12),
        (8650, "8.875", 768),  # 767.6875
        (1, "50", 1),  # 0.5 -> 1
        (1, "49.9999", 0),
        (0, "100", 0),
        (10**15, "0.0001", 10**9),
        (3, "33.3333", 1),
    ],
)
def test_a_percentage_rounds_half_up_to_a_whole_minor_unit(
    amount: int, percent: str, expected: int
) -> None:
    assert percent_of(amount, parse_percent(percent)) == expected


def test_totals_follow_the_stated_order() -> None:
    lines = [InvoiceLine("a", 3, 3333), InvoiceLine("b", 1, 1)]
    discounts = [InvoiceDiscount("p", percent=Fraction(25, 2)), InvoiceDiscount("f", amount=100)]
    taxes = [InvoiceTax("s", Fraction(71, 8)), InvoiceTax("c", Fraction(1, 2))]
    t = totals(lines, discounts, taxes)
    assert (t.subtotal, t.discounts, t.taxable, t.taxes, t.total) == (
        10000,
        (1250, 100),
        8650,
        (768, 43),
        9461,
    )


def test_big_amounts_stay_exact() -> None:
    t = totals([InvoiceLine("x", 999_999, 999_999_999)], [], [InvoiceTax("t", Fraction(1, 3))])
    assert t.subtotal == 999_999 * 999_999_999
    assert t.total == t.subtotal + percent_of(t.subtotal, Fraction(1, 3))


@pytest.mark.parametrize("text", ["abc", "NaN", "inf", "-1", "100.01", "1.23456", ""])
def test_a_bad_percentage_is_refused(text: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_percent(text, "percent")
    assert refused.value.errors[0].code is ErrorCode.INVALID_VALUE


def test_percent_text_round_trips() -> None:
    for text in ("8.875", "12.5", "0", "100", "0.0001"):
        assert percent_text(parse_percent(text)) == text


def test_amounts_are_capped() -> None:
    assert check_amount(MAX_AMOUNT) == MAX_AMOUNT
    with pytest.raises(DomainError) as refused:
        check_amount(MAX_AMOUNT + 1, "amount")
    assert refused.value.errors[0].code is ErrorCode.LIMIT_EXCEEDED
