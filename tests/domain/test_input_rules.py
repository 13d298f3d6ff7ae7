"""The rules every input passes through (domain/values.py): storable text, the years we
take, web addresses, team member ids."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from domain.errors import DomainError, ErrorCode
from domain.values import (
    check_user_id,
    check_web_url,
    find_text_problem,
    text_problem,
    time_problem,
)


@pytest.mark.parametrize("text", ["\x00", "a\x00b", "ok\x00", "\ud800", "x\udfff"])
def test_nul_and_lone_surrogates_cannot_be_stored(text: str) -> None:
    assert text_problem(text)


@pytest.mark.parametrize("text", ["", "Ada", "Ωmega 🚀", "tab\tand\nnewline", "\u202e"])
def test_other_text_can(text: str) -> None:
    assert text_problem(text) is None


def test_the_first_bad_string_is_found_with_its_path_in_keys_and_values() -> None:
    assert find_text_problem({"a": ["ok", {"b": 1}], "c": None}) is None
    found = find_text_problem({"input": {"tags": ["vip", "a\x00"]}})
    assert found is not None
    assert found[0] == ("input", "tags", 1)
    key = find_text_problem([{"__typename": "Contact", "i\x00d": "1"}])
    assert key is not None
    assert key[0] == (0, "i\x00d")


@pytest.mark.parametrize(
    "value",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=14))),
        datetime(1899, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2201, 1, 1),
        date(1, 1, 1),
        date(9999, 12, 31),
        date(1899, 12, 31),
    ],
)
def test_dates_and_times_outside_1900_to_2200_are_refused(value: date) -> None:
    problem = time_problem(value)
    assert problem is not None
    assert "1900 to 2200" in problem


@pytest.mark.parametrize(
    "value",
    [
        datetime(1900, 1, 1, tzinfo=timezone(timedelta(hours=14))),  # 1899 in UTC: still fine
        datetime(2200, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=14))),
        datetime(2026, 5, 1, 9),
        date(1900, 1, 1),
        date(2200, 12, 31),
    ],
)
def test_dates_and_times_inside_are_taken(value: date) -> None:
    assert time_problem(value) is None


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("acme.com", "https://acme.com"),
        ("https://acme.com/a?b=c", "https://acme.com/a?b=c"),
        ("http://files.example/contract.pdf", "http://files.example/contract.pdf"),
        ("acme.com:8080/x", "https://acme.com:8080/x"),
        (" HTTPS://ACME.COM ", "HTTPS://ACME.COM"),
    ],
)
def test_web_addresses_are_http_or_https(raw: str, stored: str) -> None:
    assert check_web_url(raw, "url") == stored


@pytest.mark.parametrize(
    "raw",
    [
        "javascript:alert(1)",
        "javascript:alert(document.cookie)",
        "JavaScript://%0aalert(1)",
        "data:text/html,<script>x.y()</script>",
        "data:image/png;base64,iVBORw0KGgo.AAAA",
        "file:///etc/passwd",
        "mailto:ada@example.org",
        "vbscript:msgbox(1).x",
        "ftp://files.example/a.pdf",
        "https://user:secret@bank.example",
        "https://exa mple.com",
        "https://acme",
        "https://acme.com:99999",
        "//acme.com",
        "https:acme.com",
    ],
)
def test_every_other_scheme_and_odd_address_is_refused(raw: str) -> None:
    with pytest.raises(DomainError) as info:
        check_web_url(raw, "url")
    assert [(e.code, e.field) for e in info.value.errors] == [(ErrorCode.INVALID_VALUE, ("url",))]


def test_without_assume_https_a_scheme_is_required() -> None:
    with pytest.raises(DomainError):
        check_web_url("files.example/a.pdf", "url", assume_https=False)
    assert check_web_url("https://files.example/a.pdf", "url", assume_https=False)


def test_user_ids_are_trimmed_present_and_at_most_64_characters() -> None:
    assert check_user_id(" user-ann ", "ownerId") == "user-ann"
    for raw, code in (("  ", ErrorCode.REQUIRED), ("u" * 65, ErrorCode.TOO_LONG)):
        with pytest.raises(DomainError) as info:
            check_user_id(raw, "ownerId")
        assert [(e.code, e.field) for e in info.value.errors] == [(code, ("ownerId",))]
