"""Slots of a calendar: availability in the calendar's own zone, daylight-saving days,
and which team members are free."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from domain.appointments import slot_start
from domain.calendars import (
    AvailabilityWindow,
    Busy,
    BusyTimes,
    Calendar,
    Weekday,
    check_availability,
    check_slot_range,
    local_day,
)
from domain.errors import DomainError, ErrorCode
from domain.values import TimeRange

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def calendar(
    windows: list[tuple[Weekday, str, str]],
    minutes: int = 60,
    zone: str = "America/New_York",
    team: tuple[str, ...] = ("ann", "bob"),
) -> Calendar:
    return Calendar(
        location_id="loc",
        name="Consults",
        time_zone=zone,
        slot_minutes=minutes,
        availability=check_availability(windows),
        team_member_ids=team,
        created_at=NOW,
        updated_at=NOW,
    )


def local(slots: list[datetime], zone: ZoneInfo = NY) -> list[str]:
    return [s.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") for s in slots]


def starts(cal: Calendar, start: datetime, end: datetime) -> list[datetime]:
    return [s.start for s in cal.slots(start, end)]


def test_slots_follow_the_wall_clock_across_spring_forward() -> None:
    # Sundays 09:00-11:00 New York; 2026-03-08 is the day clocks go 02:00 EST -> 03:00 EDT
    cal = calendar([(Weekday.SUNDAY, "09:00", "11:00")])
    found = starts(cal, utc(2026, 3, 1), utc(2026, 3, 9))
    assert found == [
        utc(2026, 3, 1, 14),
        utc(2026, 3, 1, 15),
        utc(2026, 3, 8, 13),
        utc(2026, 3, 8, 14),
    ]
    assert local(found) == [
        "2026-03-01 09:00 EST",
        "2026-03-01 10:00 EST",
        "2026-03-08 09:00 EDT",
        "2026-03-08 10:00 EDT",
    ]


def test_the_skipped_hour_offers_no_slot_and_each_slot_lasts_its_length() -> None:
    cal = calendar([(Weekday.SUNDAY, "00:00", "04:00")])
    slots = cal.slots(utc(2026, 3, 8), utc(2026, 3, 9))
    assert local([s.start for s in slots]) == [
        "2026-03-08 00:00 EST",
        "2026-03-08 01:00 EST",
        "2026-03-08 03:00 EDT",  # 02:00 does not exist that night
    ]
    assert all(s.end - s.start == timedelta(hours=1) for s in slots)
    assert slots[-1].end == datetime(2026, 3, 8, 4, tzinfo=NY)


def test_the_repeated_hour_is_offered_twice_without_overlaps() -> None:
    # 2026-11-01: clocks go 02:00 EDT -> 01:00 EST; 00:00-03:00 lasts four real hours
    cal = calendar([(Weekday.SUNDAY, "00:00", "03:00")], minutes=30)
    slots = cal.slots(utc(2026, 11, 1), utc(2026, 11, 2))
    assert local([s.start for s in slots]) == [
        "2026-11-01 00:00 EDT",
        "2026-11-01 00:30 EDT",
        "2026-11-01 01:00 EDT",
        "2026-11-01 01:30 EDT",
        "2026-11-01 01:00 EST",
        "2026-11-01 01:30 EST",
        "2026-11-01 02:00 EST",
        "2026-11-01 02:30 EST",
    ]
    assert [s.start for s in slots] == [
        utc(2026, 11, 1, 4) + timedelta(minutes=30 * i) for i in range(8)
    ]
    long = calendar([(Weekday.SUNDAY, "00:00", "03:00")], minutes=90)
    spans = long.slots(utc(2026, 11, 1), utc(2026, 11, 2))
    assert all(a.end <= b.start for a, b in pairwise(spans))
    assert local([s.start for s in spans]) == ["2026-11-01 00:00 EDT", "2026-11-01 01:30 EDT"]


def test_a_window_of_another_zone_and_the_end_of_the_day() -> None:
    # Europe changes on 2026-03-29, three weeks after the US: Paris is still UTC+1 on the 8th
    cal = calendar([(Weekday.SUNDAY, "22:00", "24:00")], zone="Europe/Paris")
    found = starts(cal, utc(2026, 3, 8), utc(2026, 3, 30))
    assert found == [
        utc(2026, 3, 8, 21),
        utc(2026, 3, 8, 22),
        utc(2026, 3, 15, 21),
        utc(2026, 3, 15, 22),
        utc(2026, 3, 22, 21),
        utc(2026, 3, 22, 22),
        utc(2026, 3, 29, 20),
        utc(2026, 3, 29, 21),
    ]


def test_slots_fit_inside_windows_and_start_within_the_range() -> None:
    cal = calendar(
        [(Weekday.MONDAY, "09:00", "10:45"), (Weekday.MONDAY, "13:00", "14:00")], minutes=30
    )
    found = local(starts(cal, utc(2026, 1, 5), utc(2026, 1, 6)))
    # 10:30 would end at 11:00, after the window
    assert found == [
        "2026-01-05 09:00 EST",
        "2026-01-05 09:30 EST",
        "2026-01-05 10:00 EST",
        "2026-01-05 13:00 EST",
        "2026-01-05 13:30 EST",
    ]
    # the range bounds starts, [from, to): 13:00 EST starts exactly at `to`
    assert local(starts(cal, utc(2026, 1, 5, 14, 30), utc(2026, 1, 5, 18))) == [
        "2026-01-05 09:30 EST",
        "2026-01-05 10:00 EST",
    ]


def test_slot_at_only_accepts_a_slot_start() -> None:
    cal = calendar([(Weekday.MONDAY, "09:00", "12:00")], minutes=30)
    slot = cal.slot_at(utc(2026, 1, 5, 14, 30))  # 09:30 EST
    assert slot is not None
    assert slot.end == utc(2026, 1, 5, 15)
    assert cal.slot_at(utc(2026, 1, 5, 14, 15)) is None  # off the grid
    assert cal.slot_at(utc(2026, 1, 5, 17)) is None  # 12:00: after the window
    assert cal.slot_at(utc(2026, 1, 6, 14)) is None  # a Tuesday


def test_free_slots_need_one_free_team_member_and_say_who() -> None:
    cal = calendar([(Weekday.MONDAY, "09:00", "12:00")])
    busy = [
        Busy("ann", utc(2026, 1, 5, 14), utc(2026, 1, 5, 15)),  # 09:00-10:00
        Busy("bob", utc(2026, 1, 5, 14, 30), utc(2026, 1, 5, 15, 30)),  # 09:30-10:30
        Busy("ann", utc(2026, 1, 5, 16), utc(2026, 1, 5, 17)),  # 11:00-12:00
        Busy("bob", utc(2026, 1, 5, 16), utc(2026, 1, 5, 16, 15)),
        Busy("carl", utc(2026, 1, 5, 14), utc(2026, 1, 5, 17)),  # not on the team
    ]
    free = cal.free_slots(utc(2026, 1, 5), utc(2026, 1, 6), busy)
    assert [(s.start.hour, s.team_member_ids) for s in free] == [
        (15, ("ann",)),  # 10:00: bob is busy until 10:30
    ]
    only_bob = cal.free_slots(utc(2026, 1, 5), utc(2026, 1, 6), busy, ["bob"])
    assert only_bob == []
    nobody_busy = cal.free_slots(utc(2026, 1, 5), utc(2026, 1, 6), [])
    assert [s.team_member_ids for s in nobody_busy] == [("ann", "bob")] * 3


def test_busy_times_touching_a_slot_do_not_block_it() -> None:
    times = BusyTimes(
        [
            Busy("ann", utc(2026, 1, 5, 10), utc(2026, 1, 5, 11)),
            Busy("ann", utc(2026, 1, 5, 10, 30), utc(2026, 1, 5, 12)),  # overlapping spans merge
            Busy("ann", utc(2026, 1, 5, 14), utc(2026, 1, 5, 15)),
        ]
    )
    assert times.is_free("ann", utc(2026, 1, 5, 9), utc(2026, 1, 5, 10))
    assert not times.is_free("ann", utc(2026, 1, 5, 11, 30), utc(2026, 1, 5, 12, 30))
    assert times.is_free("ann", utc(2026, 1, 5, 12), utc(2026, 1, 5, 14))
    assert not times.is_free("ann", utc(2026, 1, 5, 9), utc(2026, 1, 5, 16))  # spans all
    assert times.is_free("ann", utc(2026, 1, 5, 15), utc(2026, 1, 5, 16))
    assert times.is_free("bob", utc(2026, 1, 5, 10), utc(2026, 1, 5, 11))
    assert times.load("ann", utc(2026, 1, 5), utc(2026, 1, 6)) == 2


def test_a_local_day_is_23_or_25_hours_on_daylight_saving_days() -> None:
    start, end = local_day(utc(2026, 3, 8, 12), NY)
    assert (start, end - start) == (utc(2026, 3, 8, 5), timedelta(hours=23))
    start, end = local_day(utc(2026, 11, 1, 12), NY)
    assert (start, end - start) == (utc(2026, 11, 1, 4), timedelta(hours=25))


def test_availability_is_checked_and_sorted() -> None:
    windows = check_availability(
        [(Weekday.TUESDAY, "13:00", "24:00"), (Weekday.MONDAY, "09:00", "12:00")]
    )
    assert windows == (
        AvailabilityWindow(Weekday.MONDAY, 540, 720),
        AvailabilityWindow(Weekday.TUESDAY, 780, 1440),
    )
    cases: list[tuple[list[tuple[Weekday, str, str]], tuple[str, ...]]] = [
        ([(Weekday.MONDAY, "9am", "12:00")], ("availability", "0", "start")),
        ([(Weekday.MONDAY, "09:00", "24:30")], ("availability", "0", "end")),
        ([(Weekday.MONDAY, "12:00", "09:00")], ("availability", "0")),
        (
            [(Weekday.MONDAY, "09:00", "12:00"), (Weekday.MONDAY, "11:00", "13:00")],
            ("availability",),
        ),
    ]
    for windows_in, path in cases:
        with pytest.raises(DomainError) as info:
            check_availability(windows_in, "availability")
        assert [(e.code, e.field) for e in info.value.errors] == [(ErrorCode.INVALID_VALUE, path)]


def test_slot_ranges_are_closed_and_capped_at_31_days() -> None:
    month = TimeRange(utc(2026, 1, 1), utc(2026, 2, 1))
    assert check_slot_range(month, "filter", "start") == (utc(2026, 1, 1), utc(2026, 2, 1))
    for end in (utc(2026, 2, 1, 0, 1), utc(2026, 1, 1)):
        with pytest.raises(DomainError) as info:
            check_slot_range(TimeRange(utc(2026, 1, 1), end), "filter", "start")
        assert info.value.errors[0].code is ErrorCode.INVALID_VALUE
    for open_ended, end in (
        (TimeRange(before=utc(2026, 1, 2)), "from"),
        (TimeRange(utc(2026, 1, 1)), "to"),
    ):
        with pytest.raises(DomainError) as info:
            check_slot_range(open_ended, "filter", "start")
        assert [(e.code, e.field) for e in info.value.errors] == [
            (ErrorCode.REQUIRED, ("filter", "start", end))
        ]


def test_a_naive_start_is_read_in_its_zone_and_a_skipped_time_is_refused() -> None:
    assert slot_start(datetime(2026, 3, 8, 9, 0), "America/New_York") == utc(2026, 3, 8, 13)
    assert slot_start(datetime(2026, 3, 7, 9, 0), "America/New_York") == utc(2026, 3, 7, 14)
    # 01:30 happens twice on 2026-11-01: the first one
    assert slot_start(datetime(2026, 11, 1, 1, 30), "America/New_York") == utc(2026, 11, 1, 5, 30)
    aware = datetime(2026, 3, 8, 2, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert slot_start(aware, "America/New_York") == utc(2026, 3, 8, 1, 30)
    with pytest.raises(DomainError) as info:
        slot_start(datetime(2026, 3, 8, 2, 30), "America/New_York")  # clocks skip 02:00-03:00
    assert [(e.code, e.field) for e in info.value.errors] == [(ErrorCode.INVALID_VALUE, ("start",))]
