"""Calendars: the location's list, one by id, free slots, and admin-only writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from domain import calendars as c
from domain.appointments import instant
from domain.errors import DomainError
from domain.values import TimeRange
from persistence.appointments import busy_times
from persistence.calendars import calendars_of
from resolvers.common import Info, Outcome, bad_input, run_write


async def calendars(info: Info) -> list[c.Calendar]:
    async with info.context.engine.connect() as conn:
        return await calendars_of(conn, info.context.viewer.location_id)


async def calendar(info: Info, calendar_id: str) -> c.Calendar | None:
    return await info.context.loaders.calendar.load(calendar_id)


def display_zone(time_zone: str | None, default: str) -> ZoneInfo:
    """The zone a client shows times in; an unknown name is a request error."""
    try:
        return ZoneInfo(c.check_zone(time_zone or default, "timeZone"))
    except DomainError as exc:
        raise bad_input(str(exc)) from exc


async def free_slots(
    info: Info,
    calendar_id: str,
    span: TimeRange,
    time_zone: str | None,
    team_member_ids: Sequence[str] | None,
) -> tuple[list[c.FreeSlot], ZoneInfo] | None:
    """Free slots of a calendar starting in ``span`` and the zone to show them in; ``None``
    when the calendar does not exist in the viewer's location. Naive bounds are read in
    the display zone. Slots that have begun are left out; with ``team_member_ids``, only
    slots one of them (on the calendar's team) is free for."""
    found = await calendar(info, calendar_id)
    if found is None:
        return None
    zone = display_zone(time_zone, found.time_zone)
    read = TimeRange(
        None if span.after is None else instant(span.after, zone.key),
        None if span.before is None else instant(span.before, zone.key),
    )
    try:
        start, end = c.check_slot_range(read, "filter", "start")
    except DomainError as exc:
        raise bad_input(str(exc)) from exc
    members = found.team_member_ids
    if team_member_ids is not None:
        members = tuple(m for m in members if m in team_member_ids)
    if not members:
        return [], zone
    start = max(start, info.context.svc.clock.now())
    if start >= end:
        return [], zone
    last_end = end + timedelta(minutes=found.slot_minutes)
    async with info.context.engine.connect() as conn:
        busy = await busy_times(conn, found.location_id, members, start, last_end)
    return found.free_slots(start, end, busy, members), zone


def _primed(info: Info, outcome: Outcome[c.Calendar]) -> Outcome[c.Calendar]:
    if outcome.value is not None:
        loader = info.context.loaders.calendar
        loader.clear(outcome.value.id)
        loader.prime(outcome.value.id, outcome.value)
    return outcome


async def create(info: Info, patch: c.CalendarPatch) -> Outcome[c.Calendar]:
    ctx = info.context
    return _primed(info, await run_write(info, c.create_calendar(ctx.svc, ctx.viewer, patch)))


async def update(info: Info, calendar_id: str, patch: c.CalendarPatch) -> Outcome[c.Calendar]:
    ctx = info.context
    return _primed(
        info, await run_write(info, c.update_calendar(ctx.svc, ctx.viewer, calendar_id, patch))
    )


async def delete(info: Info, calendar_id: str) -> Outcome[c.Calendar]:
    ctx = info.context
    outcome = await run_write(info, c.delete_calendar(ctx.svc, ctx.viewer, calendar_id))
    if outcome.value is not None:
        info.context.loaders.calendar.clear(calendar_id)
    return outcome
