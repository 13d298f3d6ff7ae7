"""Appointments tab (help page: "Scheduling an appointment", "Editing an appointment",
"Canceling an appointment"; New and Previous appointments; search).

An appointment belongs to one contact (the one whose record it was booked from); other
contacts can be added as guests (attendees) and are listed on it, but it shows in the
Appointments tab of its own contact only. A team member is never booked twice at once, on
any calendar: :func:`_reserve` first takes a per-member booking lock inside the transaction,
then checks for overlaps, so two concurrent bookings of one slot cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from domain.calendars import (
    MAX_DESCRIPTION,
    MAX_MEETING_LOCATION,
    MAX_NAME,
    BusyTimes,
    Calendar,
    Slot,
    check_zone,
    local_day,
    visible_calendar,
)
from domain.contact import KEEP
from domain.errors import DomainError, ErrorCode, UserError
from domain.events import ContactEvent, EventKind, FieldChange, contact_event
from domain.ports import UnitOfWork, new_id
from domain.services import Services, retrying, visible_contact_id, visible_item
from domain.values import TimeRange, clean_text
from domain.viewer import Viewer

MAX_ATTENDEES = 20
"""Guests per appointment; not on the help page, a guard against unbounded rows."""


class AppointmentType(StrEnum):
    """The help page's "Meetings or Services"."""

    MEETING = "MEETING"
    SERVICE = "SERVICE"


class AppointmentStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    UNCONFIRMED = "UNCONFIRMED"
    CANCELLED = "CANCELLED"


class AppointmentWhen(StrEnum):
    """The tab's toggle: New (not over yet) and Previous (over)."""

    UPCOMING = "UPCOMING"
    PAST = "PAST"


class AppointmentSortField(StrEnum):
    START_AT = "START_AT"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


@dataclass(frozen=True)
class AppointmentFilter:
    """Hashable, so it can be part of a loader key. ``boundary`` is "now", taken once per
    request so every page and count of one response splits upcoming and past alike: an
    appointment is upcoming until it ends. Every other member given must hold too:
    ``statuses`` (an empty tuple matches nothing), ``start`` (``start_at`` in that range),
    ``search`` (case-insensitive text in the title, description or meeting location)."""

    when: AppointmentWhen
    boundary: datetime
    search: str | None = None
    statuses: tuple[AppointmentStatus, ...] | None = None
    start: TimeRange | None = None


@dataclass
class Appointment:
    location_id: str
    contact_id: str
    calendar_id: str
    type: AppointmentType
    status: AppointmentStatus
    title: str
    team_member_id: str
    time_zone: str
    start_at: datetime
    end_at: datetime
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    meeting_location: str | None = None
    attendee_contact_ids: tuple[str, ...] = ()
    created_by: str | None = None
    cancelled_at: datetime | None = None
    version: int = 0
    id: str = field(default_factory=new_id)

    def snapshot(self) -> dict[str, Any]:
        """What the audit log and workflows see (JSON values, API field names)."""
        return {
            "id": self.id,
            "calendarId": self.calendar_id,
            "type": self.type.value,
            "status": self.status.value,
            "title": self.title,
            "description": self.description,
            "teamMemberId": self.team_member_id,
            "attendeeContactIds": list(self.attendee_contact_ids),
            "timeZone": self.time_zone,
            "startAt": self.start_at.isoformat(),
            "endAt": self.end_at.isoformat(),
            "meetingLocation": self.meeting_location,
        }


RESCHEDULING = ("calendarId", "teamMemberId", "startAt", "endAt")
"""Changes to these make an edit a reschedule (APPOINTMENT_RESCHEDULED)."""


@dataclass(frozen=True)
class BookAppointment:
    """The help page's booking form. Blank title, description and meeting location take the
    calendar's; no team member means "assign one automatically"; a naive ``start`` is read
    in ``time_zone`` (default: the calendar's)."""

    contact_id: str
    calendar_id: str
    start: datetime
    type: AppointmentType = AppointmentType.MEETING
    title: str | None = None
    description: str | None = None
    team_member_id: str | None = None
    attendee_contact_ids: tuple[str, ...] = ()
    time_zone: str | None = None
    meeting_location: str | None = None
    status: AppointmentStatus = AppointmentStatus.CONFIRMED


@dataclass(frozen=True)
class AppointmentPatch:
    """The full edit view: a member left at ``KEEP`` stays. ``team_member_id=None`` asks for
    automatic assignment; ``None`` or blank title, description or meeting location take the
    calendar's default."""

    calendar_id: Any = KEEP
    type: Any = KEEP
    title: Any = KEEP
    description: Any = KEEP
    team_member_id: Any = KEEP
    attendee_contact_ids: Any = KEEP
    time_zone: Any = KEEP
    start: Any = KEEP
    meeting_location: Any = KEEP
    status: Any = KEEP


# -- rules -----------------------------------------------------------------------------------


def _unavailable(message: str, *path: str) -> DomainError:
    return DomainError.single(ErrorCode.SLOT_UNAVAILABLE, message, *path)


def instant(start: datetime, time_zone: str) -> datetime:
    """An aware UTC instant; a naive ``start`` is wall-clock time in ``time_zone`` (the
    earlier one when clocks show it twice)."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo(time_zone))
    return start.astimezone(UTC)


def slot_start(start: datetime, time_zone: str) -> datetime:
    """:func:`instant`, refusing a naive wall-clock time the zone skips (spring forward)."""
    found = instant(start, time_zone)
    if start.tzinfo is None and found.astimezone(ZoneInfo(time_zone)).replace(tzinfo=None) != start:
        raise DomainError.single(
            ErrorCode.INVALID_VALUE, f"clocks in {time_zone} skip this time", "start"
        )
    return found


def _member_of(calendar: Calendar, team_member_id: str | None) -> str | None:
    """A specific team member must take bookings on the calendar; ``None`` is automatic."""
    if team_member_id is None:
        return None
    if team_member_id not in calendar.team_member_ids:
        raise DomainError.single(
            ErrorCode.INVALID_VALUE,
            "this team member takes no bookings on the calendar",
            "teamMemberId",
        )
    return team_member_id


def _bookable_status(status: AppointmentStatus) -> AppointmentStatus:
    if status is AppointmentStatus.CANCELLED:
        raise DomainError.single(
            ErrorCode.INVALID_VALUE,
            "an appointment is booked or edited as CONFIRMED or UNCONFIRMED; "
            "cancel it with contactAppointmentCancel",
            "status",
        )
    return status


def _text(value: str | None, default: str | None, path: str, limit: int) -> str | None:
    return clean_text(value, path, limit=limit) or default


async def _attendees(
    uow: UnitOfWork, viewer: Viewer, contact_id: str, ids: Sequence[str]
) -> tuple[str, ...]:
    """Other contacts of the location the viewer may see; duplicates dropped."""
    unique = list(dict.fromkeys(ids))
    if len(unique) > MAX_ATTENDEES:
        raise DomainError.single(
            ErrorCode.LIMIT_EXCEEDED, f"at most {MAX_ATTENDEES} guests", "attendeeContactIds"
        )
    for attendee in unique:
        path = ("attendeeContactIds", str(list(ids).index(attendee)))
        if attendee == contact_id:
            raise DomainError.single(
                ErrorCode.INVALID_VALUE,
                "the contact is not a guest of their own appointment",
                *path,
            )
        if not await uow.contacts.is_visible(viewer, attendee):
            raise DomainError.single(ErrorCode.NOT_FOUND, "no contact with this id", *path)
    return tuple(unique)


def _not_null(value: Any, path: str) -> Any:
    def check() -> None:
        if value is None:
            raise DomainError.single(ErrorCode.REQUIRED, "this cannot be cleared", path)

    return check


def _collect(*checks: Any) -> None:
    """Run independent checks (zero-argument callables); report every failure at once."""
    errors: list[UserError] = []
    for check in checks:
        try:
            check()
        except DomainError as exc:
            errors += exc.errors
    if errors:
        raise DomainError(errors)


async def _reserve(
    uow: UnitOfWork,
    calendar: Calendar,
    start: datetime,
    team_member_id: str | None,
    now: datetime,
    exclude_id: str | None = None,
) -> tuple[Slot, str]:
    """The slot starting at ``start`` and the team member who takes it.

    The members who could take it are locked first (a write to their booking-lock rows, in
    a fixed order so two bookings never wait on each other in a cycle); only then are their
    other appointments read. On PostgreSQL the row lock makes a concurrent booking of the
    same member wait until this transaction ends; on SQLite the write takes the database's
    write lock. Either way the overlap check sees every committed booking, and a booking
    that commits later sees this one. Automatic assignment picks the free member with the
    fewest appointments that day, then the calendar's order.
    """
    if start < now:
        raise _unavailable("this time is in the past", "start")
    slot = calendar.slot_at(start)
    if slot is None:
        raise _unavailable(
            "the calendar offers no slot starting at this time "
            f"(every {calendar.slot_minutes} minutes within its availability)",
            "start",
        )
    candidates = (team_member_id,) if team_member_id else calendar.team_member_ids
    if not candidates:
        raise _unavailable("nobody takes bookings on this calendar", "teamMemberId")
    await uow.appointments.lock_team_members(calendar.location_id, sorted(candidates))
    day_start, day_end = local_day(slot.start, calendar.zone)
    busy = BusyTimes(
        await uow.appointments.busy(
            calendar.location_id,
            candidates,
            min(day_start, slot.start),
            max(day_end, slot.end),
            exclude_id,
        )
    )
    free = [m for m in candidates if busy.is_free(m, slot.start, slot.end)]
    if not free:
        message = (
            "the team member is busy at this time"
            if team_member_id
            else "no team member is free at this time"
        )
        raise _unavailable(message, "start")
    chosen = min(free, key=lambda m: (busy.load(m, day_start, day_end), candidates.index(m)))
    return slot, chosen


def _event(
    kind: EventKind,
    appointment: Appointment,
    viewer: Viewer,
    at: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> ContactEvent:
    return contact_event(
        kind, appointment.contact_id, viewer, at, (FieldChange("appointments", before, after),)
    )


def _cancelled() -> DomainError:
    return DomainError.single(
        ErrorCode.INVALID_VALUE,
        "a cancelled appointment cannot be changed; book a new one",
        "appointmentId",
    )


def _missing() -> DomainError:
    return DomainError.single(ErrorCode.NOT_FOUND, "no appointment with this id", "appointmentId")


async def _visible_appointment(uow: UnitOfWork, viewer: Viewer, appointment_id: str) -> Appointment:
    """An appointment of a contact the viewer may see; any other id is "not found"."""
    item = await uow.appointments.get(viewer.location_id, appointment_id)
    return await visible_item(uow, viewer, item, _missing)


# -- use cases -------------------------------------------------------------------------------


async def book_appointment(svc: Services, viewer: Viewer, cmd: BookAppointment) -> Appointment:
    async with svc.uow() as uow:
        await visible_contact_id(uow, viewer, cmd.contact_id)
        calendar = await visible_calendar(uow, viewer, cmd.calendar_id)
        values: dict[str, Any] = {}

        def details() -> None:
            values["title"] = _text(cmd.title, calendar.title, "title", MAX_NAME)

        def description() -> None:
            values["description"] = _text(
                cmd.description, calendar.description, "description", MAX_DESCRIPTION
            )

        def meeting_location() -> None:
            values["meeting_location"] = _text(
                cmd.meeting_location,
                calendar.meeting_location,
                "meetingLocation",
                MAX_MEETING_LOCATION,
            )

        def time_zone() -> None:
            zone = cmd.time_zone
            values["time_zone"] = (
                calendar.time_zone if zone is None else check_zone(zone, "timeZone")
            )

        def status() -> None:
            values["status"] = _bookable_status(cmd.status)

        def member() -> None:
            values["member"] = _member_of(calendar, cmd.team_member_id)

        _collect(details, description, meeting_location, time_zone, status, member)
        attendees = await _attendees(uow, viewer, cmd.contact_id, cmd.attendee_contact_ids)
        now = svc.clock.now()
        slot, team_member_id = await _reserve(
            uow, calendar, slot_start(cmd.start, values["time_zone"]), values["member"], now
        )
        appointment = Appointment(
            location_id=viewer.location_id,
            contact_id=cmd.contact_id,
            calendar_id=calendar.id,
            type=cmd.type,
            status=values["status"],
            title=values["title"],
            description=values["description"],
            meeting_location=values["meeting_location"],
            team_member_id=team_member_id,
            attendee_contact_ids=attendees,
            time_zone=values["time_zone"],
            start_at=slot.start,
            end_at=slot.end,
            created_by=viewer.user_id,
            created_at=now,
            updated_at=now,
        )
        await uow.appointments.add(appointment)
        uow.record(
            _event(
                EventKind.APPOINTMENT_BOOKED, appointment, viewer, now, None, appointment.snapshot()
            )
        )
        await uow.commit()
        return appointment


async def update_appointment(
    svc: Services, viewer: Viewer, appointment_id: str, patch: AppointmentPatch
) -> Appointment:
    """Reschedule (time, team member, calendar) and/or change details and status. A new
    slot gets the same checks as a booking, not counting the appointment itself. A change
    that alters nothing records no event."""

    _collect(
        *(
            _not_null(getattr(patch, key), path)
            for key, path in (
                ("calendar_id", "calendarId"),
                ("start", "start"),
                ("type", "type"),
                ("status", "status"),
            )
        )
    )

    async def run() -> Appointment:
        async with svc.uow() as uow:
            appointment = await _visible_appointment(uow, viewer, appointment_id)
            if patch.calendar_id is KEEP:
                calendar = await visible_calendar(uow, viewer, appointment.calendar_id)
            else:
                calendar = await visible_calendar(uow, viewer, patch.calendar_id)
            before = appointment.snapshot()
            now = svc.clock.now()
            await _apply(uow, viewer, appointment, calendar, patch, now)
            after = appointment.snapshot()
            changed = [k for k in after if after[k] != before[k]]
            if not changed:
                return appointment
            if before["status"] == AppointmentStatus.CANCELLED.value:
                raise _cancelled()  # nothing was written: the change is rolled back
            appointment.updated_at = now
            await uow.appointments.save(appointment)
            kind = (
                EventKind.APPOINTMENT_RESCHEDULED
                if any(k in RESCHEDULING for k in changed)
                else EventKind.APPOINTMENT_UPDATED
            )
            uow.record(
                _event(
                    kind,
                    appointment,
                    viewer,
                    now,
                    {"id": appointment.id, **{k: before[k] for k in changed}},
                    {"id": appointment.id, **{k: after[k] for k in changed}},
                )
            )
            await uow.commit()
            return appointment

    result: Appointment = await retrying(run)
    return result


async def _apply(
    uow: UnitOfWork,
    viewer: Viewer,
    a: Appointment,
    calendar: Calendar,
    patch: AppointmentPatch,
    now: datetime,
) -> None:
    """Check every given member of the patch, then change ``a`` (nothing on error)."""
    values: dict[str, Any] = {}

    def text(key: str, path: str, default: str | None, limit: int) -> Any:
        def check() -> None:
            value = getattr(patch, key)
            if value is not KEEP:
                values[key] = _text(value, default, path, limit)

        return check

    def time_zone() -> None:
        if patch.time_zone is not KEEP:
            zone = patch.time_zone
            values["time_zone"] = (
                calendar.time_zone if zone is None else check_zone(zone, "timeZone")
            )

    cancelled = a.status is AppointmentStatus.CANCELLED

    def status() -> None:
        if patch.status is not KEEP and not (cancelled and patch.status is a.status):
            values["status"] = _bookable_status(patch.status)

    def member() -> None:
        if patch.team_member_id is not KEEP:
            values["member"] = _member_of(calendar, patch.team_member_id)

    _collect(
        text("title", "title", calendar.title, MAX_NAME),
        text("description", "description", calendar.description, MAX_DESCRIPTION),
        text(
            "meeting_location", "meetingLocation", calendar.meeting_location, MAX_MEETING_LOCATION
        ),
        time_zone,
        status,
        member,
    )
    attendees = a.attendee_contact_ids
    if patch.attendee_contact_ids is not KEEP:
        attendees = await _attendees(uow, viewer, a.contact_id, patch.attendee_contact_ids)
    zone = values.get("time_zone", a.time_zone)
    start = a.start_at if patch.start is KEEP else slot_start(patch.start, zone)
    if "member" in values:
        wanted = values["member"]
        moved = wanted is None or wanted != a.team_member_id
    else:
        # the same member; if they no longer take bookings on the calendar and the slot
        # moves, whoever is free
        wanted = a.team_member_id
        moved = False
    if start != a.start_at or calendar.id != a.calendar_id:
        moved = True
        if "member" not in values and wanted not in calendar.team_member_ids:
            wanted = None
    if moved and cancelled:
        raise _cancelled()
    if moved:
        slot, team_member_id = await _reserve(uow, calendar, start, wanted, now, exclude_id=a.id)
        a.calendar_id, a.team_member_id = calendar.id, team_member_id
        a.start_at, a.end_at = slot.start, slot.end
    a.attendee_contact_ids = attendees
    a.time_zone = zone
    if patch.type is not KEEP:
        a.type = patch.type
    for key in ("title", "description", "meeting_location", "status"):
        if key in values:
            setattr(a, key, values[key])


async def cancel_appointment(svc: Services, viewer: Viewer, appointment_id: str) -> Appointment:
    """CANCELLED frees the team member's time and records APPOINTMENT_CANCELLED, which the
    help page's cancellation workflows react to. Cancelling again changes nothing."""

    async def run() -> Appointment:
        async with svc.uow() as uow:
            appointment = await _visible_appointment(uow, viewer, appointment_id)
            if appointment.status is AppointmentStatus.CANCELLED:
                return appointment
            before = appointment.status
            now = svc.clock.now()
            appointment.status = AppointmentStatus.CANCELLED
            appointment.cancelled_at = appointment.updated_at = now
            await uow.appointments.save(appointment)
            uow.record(
                _event(
                    EventKind.APPOINTMENT_CANCELLED,
                    appointment,
                    viewer,
                    now,
                    {"id": appointment.id, "status": before.value},
                    {"id": appointment.id, "status": appointment.status.value},
                )
            )
            await uow.commit()
            return appointment

    result: Appointment = await retrying(run)
    return result
