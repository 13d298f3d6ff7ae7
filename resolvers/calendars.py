"""Calendars: the location's list, one by id, free slots, and admin-only writes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from graphql import GraphQLError

from domain import calendars as c
from domain.appointments import instant
from domain.errors import DomainError
from persistence.appointments import busy_times
from persistence.calendars import calendars_of
from resolvers.common import Info, Outcome, run_write


async def calendars(info: Info) -> list[c.Calendar]:
    async with info.context.engine.connect() as conn:
        return await calendars_of(conn, info.context.viewer.location_id)


async def calendar(info: Info, calendar_id: str) -> c.Calendar | None:
    return await info.context.loaders.calendar.load(calendar_id)


def _bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def display_zone(time_zone: str | None, default: str) -> ZoneInfo:
    """The zone a client shows times in; an unknown name is a request error."""
    try:
        return ZoneInfo(c.check_zone(time_zone or default, "timeZone"))
    except DomainError as exc:
        raise _bad_input(str(exc)) from exc


async def free_slots(
    info: Info,
    calendar_id: str,
    start: datetime,
    end: datetime,
    time_zone: str | None,
    team_member_id: str | None,
) -> tuple[list[c.FreeSlot], ZoneInfo] | None:
    """Free slots of a calendar in ``[start, end)`` and the zone to show them in; ``None``
    when the calendar does not exist in the viewer's location. Naive bounds are read in
    the display zone. Slots that have begun are left out."""
    found = await calendar(info, calendar_id)
    if found is None:
        return None
    zone = display_zone(time_zone, found.time_zone)
    start, end = instant(start, zone.key), instant(end, zone.key)
    try:
        c.check_slot_range(start, end)
    except DomainError as exc:
        raise _bad_input(str(exc)) from exc
    if team_member_id is None:
        members = found.team_member_ids
    elif team_member_id in found.team_member_ids:
        members = (team_member_id,)
    else:
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
