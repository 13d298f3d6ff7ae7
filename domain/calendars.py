"""Calendars: what an appointment is booked on (help page: "Calendar -- choose which
calendar to book on"; title, description and meeting location default to the calendar's;
a team member is picked or assigned automatically; unavailable times are hidden).

A calendar says *when* it takes bookings -- windows of wall-clock time per weekday in the
calendar's own IANA time zone -- and *who* takes them. Slots are computed here, as pure
functions of those settings, so daylight-saving days are tested without any I/O.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from domain.contact import KEEP
from domain.errors import DomainError, ErrorCode, UserError
from domain.ports import UnitOfWork, new_id
from domain.services import Services
from domain.values import TimeRange, check_time_zone, check_user_id, clean_text
from domain.viewer import Viewer

MIN_SLOT_MINUTES = 5
MAX_SLOT_MINUTES = 24 * 60
MAX_WINDOWS_PER_DAY = 10
MAX_TEAM_MEMBERS = 50
MAX_CALENDARS = 100
"""Per location; keeps `calendars` a small bounded list rather than a connection."""
MAX_NAME = 255
MAX_DESCRIPTION = 5_000
MAX_MEETING_LOCATION = 1_000
MAX_SLOT_RANGE = timedelta(days=31)
"""The widest range `freeSlots` answers for at once."""
DEFAULT_SLOT_MINUTES = 30


class Weekday(StrEnum):
    """In ``date.weekday()`` order: Monday is 0."""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"

    @property
    def number(self) -> int:
        return list(Weekday).index(self)


_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def parse_hhmm(text: str, *path: str) -> int:
    """``"09:30"`` -> 570 minutes after midnight; ``"24:00"`` is the end of the day."""
    found = _HHMM.match(text.strip())
    minutes = int(found[1]) * 60 + int(found[2]) if found else -1
    if not 0 <= minutes <= 24 * 60:
        raise DomainError.single(
            ErrorCode.INVALID_VALUE, f"'{text}' is not a time of day as HH:MM", *path
        )
    return minutes


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, order=True)
class AvailabilityWindow:
    """Bookable wall-clock time on one weekday, in the calendar's time zone:
    ``start`` and ``end`` are minutes after local midnight (end exclusive, up to 24:00)."""

    weekday: Weekday
    start: int
    end: int

    def sort_key(self) -> tuple[int, int]:
        return (self.weekday.number, self.start)


def check_availability(
    items: Sequence[tuple[Weekday, str, str]], *path: str
) -> tuple[AvailabilityWindow, ...]:
    """Parse and check windows: start before end, no overlap on a weekday, at most
    MAX_WINDOWS_PER_DAY per weekday. Returned sorted by weekday, then start."""
    errors: list[UserError] = []
    windows: list[AvailabilityWindow] = []
    for i, (weekday, start_text, end_text) in enumerate(items):
        try:
            start = parse_hhmm(start_text, *path, str(i), "start")
            end = parse_hhmm(end_text, *path, str(i), "end")
        except DomainError as exc:
            errors += exc.errors
            continue
        if start >= end:
            errors.append(
                UserError(ErrorCode.INVALID_VALUE, "a window ends after it starts", (*path, str(i)))
            )
            continue
        windows.append(AvailabilityWindow(weekday, start, end))
    if errors:
        raise DomainError(errors)
    windows.sort(key=AvailabilityWindow.sort_key)
    for day in Weekday:
        of_day = [w for w in windows if w.weekday is day]
        if len(of_day) > MAX_WINDOWS_PER_DAY:
            raise DomainError.single(
                ErrorCode.LIMIT_EXCEEDED,
                f"at most {MAX_WINDOWS_PER_DAY} windows per weekday",
                *path,
            )
        for before, after in pairwise(of_day):
            if after.start < before.end:
                raise DomainError.single(
                    ErrorCode.INVALID_VALUE,
                    f"windows overlap on {day.value}: {format_hhmm(before.start)}-"
                    f"{format_hhmm(before.end)} and {format_hhmm(after.start)}-"
                    f"{format_hhmm(after.end)}",
                    *path,
                )
    return tuple(windows)


def check_team_members(user_ids: Iterable[str], *path: str) -> tuple[str, ...]:
    """Trimmed, non-empty, first occurrence kept, at most MAX_TEAM_MEMBERS."""
    out: list[str] = []
    for i, raw in enumerate(user_ids):
        user_id = check_user_id(raw, *path, str(i))
        if user_id not in out:
            out.append(user_id)
    if len(out) > MAX_TEAM_MEMBERS:
        raise DomainError.single(
            ErrorCode.LIMIT_EXCEEDED, f"at most {MAX_TEAM_MEMBERS} team members", *path
        )
    return tuple(out)


def check_slot_minutes(minutes: int, *path: str) -> int:
    if not MIN_SLOT_MINUTES <= minutes <= MAX_SLOT_MINUTES:
        raise DomainError.single(
            ErrorCode.INVALID_VALUE,
            f"a slot lasts {MIN_SLOT_MINUTES} to {MAX_SLOT_MINUTES} minutes",
            *path,
        )
    return minutes


def check_zone(value: str, *path: str) -> str:
    zone = check_time_zone(value, *path)
    if zone is None:
        raise DomainError.single(ErrorCode.REQUIRED, "a time zone is required", *path)
    return zone


# -- slots -----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Slot:
    """A bookable interval: aware UTC instants, ``end`` exclusive."""

    start: datetime
    end: datetime

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


def _instants(wall: datetime, zone: ZoneInfo) -> list[datetime]:
    """Every real instant at which clocks in ``zone`` show ``wall``: none in a spring-forward
    gap, two in a fall-back overlap, one otherwise."""
    out: list[datetime] = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == wall and instant not in out:
            out.append(instant)
    return out


def _window_end(wall: datetime, zone: ZoneInfo) -> datetime:
    """When a window ending at ``wall`` ends: the last time clocks show it; if clocks skip
    it (a spring-forward gap), the earlier reading -- a slot never runs into the gap."""
    found = _instants(wall, zone)
    if found:
        return max(found)
    return min(wall.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1))


def slots_between(
    windows: Sequence[AvailabilityWindow],
    zone: ZoneInfo,
    minutes: int,
    start: datetime,
    end: datetime,
) -> list[Slot]:
    """The slots whose start lies in ``[start, end)``, sorted.

    Each window is cut into ``minutes``-long slots from its start, on the wall clock of the
    calendar's zone, so 09:00 stays 09:00 across a daylight-saving change. Every slot lasts
    exactly ``minutes`` of real time and ends within its window. Wall times a spring-forward
    gap skips are not offered; wall times a fall-back repeats are offered at both instants
    unless a slot would overlap the one before it.
    """
    length = timedelta(minutes=minutes)
    by_day: dict[int, list[AvailabilityWindow]] = {}
    for w in windows:
        by_day.setdefault(w.weekday.number, []).append(w)
    day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date()
    out: list[Slot] = []
    while day <= last_day:
        midnight = datetime.combine(day, time())
        for w in by_day.get(day.weekday(), ()):
            window_end = _window_end(midnight + timedelta(minutes=w.end), zone)
            candidates = sorted(
                instant
                for offset in range(w.start, w.end, minutes)
                for instant in _instants(midnight + timedelta(minutes=offset), zone)
            )
            taken_until: datetime | None = None
            for instant in candidates:
                if instant + length > window_end:
                    break
                if taken_until is not None and instant < taken_until:
                    continue
                taken_until = instant + length
                if start <= instant < end:
                    out.append(Slot(instant, instant + length))
        day += timedelta(days=1)
    out.sort()
    return out


def local_day(instant: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The calendar day around ``instant`` in ``zone``, as UTC instants ``[start, end)``
    (23 or 25 hours long on daylight-saving days)."""
    day: date = instant.astimezone(zone).date()
    begin = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    finish = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return begin, finish


@dataclass(frozen=True)
class Busy:
    """A team member's time taken by a non-cancelled appointment."""

    team_member_id: str
    start: datetime
    end: datetime


class BusyTimes:
    """Each member's busy intervals merged and sorted, for quick "is this free?" checks."""

    def __init__(self, busy: Iterable[Busy]) -> None:
        grouped: dict[str, list[tuple[datetime, datetime]]] = {}
        for b in sorted(busy, key=lambda b: (b.team_member_id, b.start)):
            spans = grouped.setdefault(b.team_member_id, [])
            if spans and b.start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], b.end))
            else:
                spans.append((b.start, b.end))
        self._spans = grouped
        self._ends = {m: [e for _, e in spans] for m, spans in grouped.items()}

    def is_free(self, team_member_id: str, start: datetime, end: datetime) -> bool:
        spans = self._spans.get(team_member_id)
        if not spans:
            return True
        i = bisect_right(self._ends[team_member_id], start)  # first span ending after start
        return i == len(spans) or spans[i][0] >= end

    def load(self, team_member_id: str, start: datetime, end: datetime) -> int:
        """How many busy spans of the member touch ``[start, end)``."""
        return sum(1 for s, e in self._spans.get(team_member_id, ()) if s < end and start < e)


@dataclass(frozen=True)
class FreeSlot:
    """A slot and the team members free for all of it (calendar order)."""

    start: datetime
    end: datetime
    team_member_ids: tuple[str, ...]


def check_slot_range(span: TimeRange, *path: str) -> tuple[datetime, datetime]:
    """The start and end (UTC) of a free-slots question: both given, with a zone (read a
    naive one in a zone first), ``after`` before ``before``, at most 31 days apart."""
    checked = span.checked(*path, closed=True)
    assert checked.after is not None and checked.before is not None
    if checked.before - checked.after > MAX_SLOT_RANGE:
        raise DomainError.single(
            ErrorCode.INVALID_VALUE,
            f"ask for at most {MAX_SLOT_RANGE.days} days of slots at once",
            *path,
            "to",
        )
    return checked.after, checked.before


# -- the calendar ----------------------------------------------------------------------------


@dataclass
class Calendar:
    location_id: str
    created_at: datetime
    updated_at: datetime
    name: str = ""
    time_zone: str = "UTC"
    default_title: str | None = None
    description: str | None = None
    meeting_location: str | None = None
    slot_minutes: int = DEFAULT_SLOT_MINUTES
    availability: tuple[AvailabilityWindow, ...] = ()
    team_member_ids: tuple[str, ...] = ()
    id: str = field(default_factory=new_id)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def title(self) -> str:
        """What an appointment booked without a title is called."""
        return self.default_title or self.name

    def slots(self, start: datetime, end: datetime) -> list[Slot]:
        return slots_between(self.availability, self.zone, self.slot_minutes, start, end)

    def slot_at(self, start: datetime) -> Slot | None:
        """The slot starting exactly at ``start``, if the calendar has one."""
        found = self.slots(start, start + timedelta(microseconds=1))
        return found[0] if found else None

    def free_slots(
        self,
        start: datetime,
        end: datetime,
        busy: Iterable[Busy],
        team_member_ids: Sequence[str] | None = None,
    ) -> list[FreeSlot]:
        """Slots in ``[start, end)`` with at least one of ``team_member_ids`` (default: the
        calendar's team) free for the whole slot."""
        members = self.team_member_ids if team_member_ids is None else tuple(team_member_ids)
        times = BusyTimes(busy)
        out = []
        for slot in self.slots(start, end):
            free = tuple(m for m in members if times.is_free(m, slot.start, slot.end))
            if free:
                out.append(FreeSlot(slot.start, slot.end, free))
        return out


@dataclass(frozen=True)
class CalendarPatch:
    """Settings to change; a member left at ``KEEP`` stays as it is. Creating a calendar is
    patching an empty one with at least ``name`` and ``time_zone``."""

    name: Any = KEEP
    time_zone: Any = KEEP
    default_title: Any = KEEP
    description: Any = KEEP
    meeting_location: Any = KEEP
    slot_minutes: Any = KEEP
    availability: Any = KEEP
    """A sequence of ``(Weekday, "HH:MM", "HH:MM")``; replaces every window."""
    team_member_ids: Any = KEEP
    """A sequence of user ids; replaces the team."""


def _required_name(value: str) -> str:
    name = clean_text(value, "name", limit=MAX_NAME)
    if name is None:
        raise DomainError.single(ErrorCode.REQUIRED, "a calendar needs a name", "name")
    return name


def _checked(patch: CalendarPatch) -> dict[str, Any]:
    """Every given setting, checked; raises one DomainError with every problem found."""
    checks: dict[str, Callable[[Any], Any]] = {
        "name": _required_name,
        "time_zone": lambda v: check_zone(v, "timeZone"),
        "default_title": lambda v: clean_text(v, "defaultTitle", limit=MAX_NAME),
        "description": lambda v: clean_text(v, "description", limit=MAX_DESCRIPTION),
        "meeting_location": lambda v: clean_text(v, "meetingLocation", limit=MAX_MEETING_LOCATION),
        "slot_minutes": lambda v: check_slot_minutes(v, "slotMinutes"),
        "availability": lambda v: check_availability(v, "availability"),
        "team_member_ids": lambda v: check_team_members(v, "teamMemberIds"),
    }
    checked: dict[str, Any] = {}
    errors: list[UserError] = []
    for key, check in checks.items():
        value = getattr(patch, key)
        if value is KEEP:
            continue
        try:
            checked[key] = check(value)
        except DomainError as exc:
            errors += exc.errors
    if errors:
        raise DomainError(errors)
    return checked


def _missing() -> DomainError:
    return DomainError.single(ErrorCode.NOT_FOUND, "no calendar with this id", "id")


def calendar_in_use() -> DomainError:
    return DomainError.single(
        ErrorCode.IN_USE, "appointments were booked on this calendar; it cannot be deleted", "id"
    )


async def create_calendar(svc: Services, viewer: Viewer, patch: CalendarPatch) -> Calendar:
    viewer.require_admin("calendars")
    settings = _checked(patch)
    missing = [
        UserError(ErrorCode.REQUIRED, f"a calendar needs {what}", (path,))
        for key, path, what in (("name", "name", "a name"), ("time_zone", "timeZone", "a zone"))
        if key not in settings
    ]
    if missing:
        raise DomainError(missing)
    async with svc.uow() as uow:
        now = svc.clock.now()
        calendar = Calendar(
            location_id=viewer.location_id, created_at=now, updated_at=now, **settings
        )
        if await uow.calendars.count(viewer.location_id) >= MAX_CALENDARS:
            raise DomainError.single(
                ErrorCode.LIMIT_EXCEEDED, f"a location has at most {MAX_CALENDARS} calendars"
            )
        await uow.calendars.add(calendar)
        await uow.commit()
        return calendar


async def update_calendar(
    svc: Services, viewer: Viewer, calendar_id: str, patch: CalendarPatch
) -> Calendar:
    """Appointments already booked keep their times and team member. Settings that match
    what the calendar has write nothing (``updatedAt`` stays)."""
    viewer.require_admin("calendars")
    settings = _checked(patch)
    async with svc.uow() as uow:
        calendar = await uow.calendars.get(viewer.location_id, calendar_id)
        if calendar is None:
            raise _missing()
        changed = {k: v for k, v in settings.items() if getattr(calendar, k) != v}
        if not changed:
            return calendar
        for key, value in changed.items():
            setattr(calendar, key, value)
        calendar.updated_at = svc.clock.now()
        await uow.calendars.save(calendar)
        await uow.commit()
        return calendar


async def delete_calendar(svc: Services, viewer: Viewer, calendar_id: str) -> Calendar:
    """Only a calendar nothing was ever booked on can go: appointments keep their history."""
    viewer.require_admin("calendars")
    async with svc.uow() as uow:
        calendar = await uow.calendars.get(viewer.location_id, calendar_id)
        if calendar is None:
            raise _missing()
        if await uow.appointments.count_on_calendar(viewer.location_id, calendar_id):
            raise calendar_in_use()
        await uow.calendars.delete(calendar)
        await uow.commit()
        return calendar


async def visible_calendar(uow: UnitOfWork, viewer: Viewer, calendar_id: str) -> Calendar:
    calendar = await uow.calendars.get(viewer.location_id, calendar_id)
    if calendar is None:
        raise DomainError.single(ErrorCode.NOT_FOUND, "no calendar with this id", "calendarId")
    return calendar
