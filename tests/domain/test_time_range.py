"""The one time range of every list (`DateTimeRange` in the API): its checks and their paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.errors import DomainError, ErrorCode
from domain.values import TimeRange

PARIS_WINTER = timezone(timedelta(hours=1))
NOON = datetime(2026, 1, 1, 12, tzinfo=UTC)


def refusal(r: TimeRange, **kw: bool) -> tuple[ErrorCode, tuple[str, ...], str]:
    with pytest.raises(DomainError) as info:
        r.checked("filter", "dueAt", **kw)
    (error,) = info.value.errors
    return error.code, error.field, error.message


def test_a_range_is_read_in_utc_and_either_end_may_be_open() -> None:
    r = TimeRange(NOON.astimezone(PARIS_WINTER), None).checked("filter", "dueAt")
    assert r == TimeRange(NOON, None)
    assert r.after is not None
    assert r.after.tzinfo is UTC
    assert TimeRange().checked("x") == TimeRange()
    assert not TimeRange(NOON).is_empty
    assert not TimeRange(before=NOON).is_empty


def test_an_end_without_a_zone_is_refused_with_its_path() -> None:
    naive = NOON.replace(tzinfo=None)
    assert TimeRange(naive).is_naive
    assert not TimeRange(naive, NOON).is_empty  # naive and aware are not compared
    assert refusal(TimeRange(naive)) == (
        ErrorCode.INVALID_VALUE,
        ("filter", "dueAt", "from"),
        "`filter.dueAt.from` needs a time zone, e.g. 2026-05-01T00:00:00Z",
    )
    assert refusal(TimeRange(NOON, naive))[1] == ("filter", "dueAt", "to")


@pytest.mark.parametrize(
    "before",
    [NOON, NOON - timedelta(microseconds=1), NOON.astimezone(PARIS_WINTER)],
)
def test_from_must_be_before_to(before: datetime) -> None:
    r = TimeRange(NOON, before)
    assert r.is_empty
    assert refusal(r) == (
        ErrorCode.INVALID_VALUE,
        ("filter", "dueAt", "from"),
        "`filter.dueAt.from` must be before `filter.dueAt.to` (`to` is exclusive)",
    )


def test_a_closed_range_needs_both_ends() -> None:
    assert refusal(TimeRange(before=NOON), closed=True)[:2] == (
        ErrorCode.REQUIRED,
        ("filter", "dueAt", "from"),
    )
    assert refusal(TimeRange(after=NOON), closed=True)[:2] == (
        ErrorCode.REQUIRED,
        ("filter", "dueAt", "to"),
    )
    assert TimeRange(NOON, NOON + timedelta(hours=1)).checked(closed=True).before is not None
