"""Calendars and the Appointments tab: calendars (admins), free slots, booking, editing,
cancelling, New and Previous appointments, search -- on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest.mock import ANY
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant

from domain.appointments import Appointment, AppointmentStatus, AppointmentType
from domain.errors import DomainError, ErrorCode
from persistence.appointments import SqlAppointmentRepository
from persistence.calendars import SqlCalendarRepository
from persistence.tables import APPOINTMENT, LOCATION

NY = ZoneInfo("America/New_York")
ALL_WEEK = [
    {"weekday": d, "start": "09:00", "end": "17:00"}
    for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
]
CALENDAR = """calendar { id name defaultTitle description meetingLocation slotMinutes timeZone
  availability { weekday start end } teamMembers { id } }"""
APPOINTMENT_FIELDS = """id contactId type status title description meetingLocation timeZone
  startAt endAt cancelledAt teamMember { id } createdBy { id } calendar { id name }
  attendees { id firstName }"""
APPOINTMENT_SELECTION = f"appointment {{ {APPOINTMENT_FIELDS} }}"
TAB = """query($id: ID!, $filter: ContactAppointmentFilter, $orderBy: ContactAppointmentOrderBy,
  $first: Int, $after: String) { contact(id: $id) { appointments(filter: $filter,
  orderBy: $orderBy, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { id title status startAt } } } } }"""
SLOTS = """query($cal: ID!, $from: DateTime, $to: DateTime, $tz: String, $members: [ID!]) {
  freeSlots(calendarId: $cal, filter: {start: {from: $from, to: $to}, teamMemberIds: $members},
  timeZone: $tz) { start end localDate localTime teamMembers { id } } }"""
AUDIT = """query($id: ID!) { contact(id: $id) { auditLog(first: 50) { edges { node {
  kind actor { id } changes { field before after } } } } } }"""


def day(days_ahead: int, hour: int, minute: int = 0, zone: ZoneInfo = NY) -> datetime:
    """A wall-clock time ``days_ahead`` days from today in ``zone`` (always in the future)."""
    target = datetime.now(zone).date() + timedelta(days=days_ahead)
    return datetime(target.year, target.month, target.day, hour, minute, tzinfo=zone)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def create_calendar(t: Tenant, **overrides: Any) -> dict[str, Any]:
    payload = await t.mutate(
        "calendarCreate",
        {
            "name": "Consultations",
            "timeZone": "America/New_York",
            "slotMinutes": 30,
            "availability": ALL_WEEK,
            "teamMemberIds": ["ann", "bob"],
            **overrides,
        },
        selection=CALENDAR,
    )
    assert payload["userErrors"] == [], payload["userErrors"]
    calendar: dict[str, Any] = payload["calendar"]
    return calendar


async def book(
    t: Tenant, contact_id: str, calendar_id: str, start: datetime | str, **input: Any
) -> dict[str, Any]:
    viewer = input.pop("viewer", None)
    return await t.mutate(
        "contactAppointmentBook",
        {
            "contactId": contact_id,
            "calendarId": calendar_id,
            "start": start if isinstance(start, str) else start.isoformat(),
            **input,
        },
        selection=APPOINTMENT_SELECTION,
        viewer=viewer,
    )


async def update(t: Tenant, appointment_id: str, **input: Any) -> dict[str, Any]:
    viewer = input.pop("viewer", None)
    return await t.mutate(
        "contactAppointmentUpdate",
        {"appointmentId": appointment_id, **input},
        selection=APPOINTMENT_SELECTION,
        viewer=viewer,
    )


async def cancel(t: Tenant, appointment_id: str, **kw: Any) -> dict[str, Any]:
    return await t.mutate(
        "contactAppointmentCancel",
        {"appointmentId": appointment_id},
        selection=APPOINTMENT_SELECTION,
        **kw,
    )


def codes(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def tab(
    t: Tenant,
    contact_id: str,
    when: str | None = None,
    first: int | None = None,
    after: str | None = None,
    orderBy: dict[str, Any] | None = None,  # noqa: N803 -- the argument's API name
    **filter: Any,
) -> dict[str, Any]:
    """The tab as `appointments(filter: {when, **filter}, orderBy, first, after)` lists it
    (no filter at all when neither is given: the default view)."""
    if when is not None:
        filter["when"] = when
    variables = {"id": contact_id, "filter": filter or None, "orderBy": orderBy}
    data = await t.gql(TAB, {**variables, "first": first, "after": after})
    found: dict[str, Any] = data["contact"]["appointments"]
    return found


def titles(found: dict[str, Any]) -> list[str]:
    return [e["node"]["title"] for e in found["edges"]]


async def audit(t: Tenant, contact_id: str) -> list[dict[str, Any]]:
    data = await t.gql(AUDIT, {"id": contact_id})
    return [e["node"] for e in data["contact"]["auditLog"]["edges"]]


async def free(t: Tenant, calendar_id: str, start: datetime, end: datetime, **kw: Any) -> list[Any]:
    variables = {"cal": calendar_id, "from": start.isoformat(), "to": end.isoformat(), **kw}
    data = await t.gql(SLOTS, variables)
    slots: list[Any] = data["freeSlots"]
    return slots


# -- calendars -------------------------------------------------------------------------------


async def test_calendars_are_managed_by_admins_only(tenant: Tenant) -> None:
    cal = await create_calendar(
        tenant,
        defaultTitle="Intro call",
        description="  Thirty minutes  ",
        meetingLocation="https://meet.example.org/intro",
        availability=[
            {"weekday": "TUESDAY", "start": "13:00", "end": "24:00"},
            {"weekday": "MONDAY", "start": "09:00", "end": "12:00"},
        ],
        teamMemberIds=["ann", "bob", "ann"],
    )
    assert cal["description"] == "Thirty minutes"
    assert cal["availability"] == [
        {"weekday": "MONDAY", "start": "09:00", "end": "12:00"},
        {"weekday": "TUESDAY", "start": "13:00", "end": "24:00"},
    ]
    assert cal["teamMembers"] == [{"id": "ann"}, {"id": "bob"}]
    user = tenant.viewer("user-ben")
    refused = await tenant.mutate(
        "calendarCreate", {"name": "Mine", "timeZone": "UTC"}, selection=CALENDAR, viewer=user
    )
    assert codes(refused) == [(["input"], "FORBIDDEN")]
    refused = await tenant.mutate(
        "calendarUpdate", {"id": cal["id"], "name": "Hijacked"}, selection=CALENDAR, viewer=user
    )
    assert codes(refused) == [(["input"], "FORBIDDEN")]
    # everyone of the location reads calendars
    listed = await tenant.gql("{ calendars { id name } }", viewer=user)
    assert listed["calendars"] == [{"id": cal["id"], "name": "Consultations"}]

    changed = await tenant.mutate(
        "calendarUpdate",
        {"id": cal["id"], "name": "Discovery", "availability": ALL_WEEK[:1]},
        selection=CALENDAR,
    )
    assert changed["userErrors"] == []
    assert changed["calendar"]["name"] == "Discovery"
    assert changed["calendar"]["defaultTitle"] == "Intro call"  # omitted: kept
    assert changed["calendar"]["availability"] == [
        {"weekday": "MONDAY", "start": "09:00", "end": "17:00"}
    ]
    bad = await tenant.mutate(
        "calendarUpdate",
        {
            "id": cal["id"],
            "name": " ",
            "timeZone": "Mars/Olympus",
            "slotMinutes": 2,
            "availability": [
                {"weekday": "MONDAY", "start": "09:00", "end": "12:00"},
                {"weekday": "MONDAY", "start": "11:30", "end": "13:00"},
            ],
        },
        selection=CALENDAR,
    )
    assert sorted(codes(bad)) == [
        (["input", "availability"], "INVALID_VALUE"),
        (["input", "name"], "REQUIRED"),
        (["input", "slotMinutes"], "INVALID_VALUE"),
        (["input", "timeZone"], "INVALID_VALUE"),
    ]
    again = await tenant.gql(
        "query($id: ID!) { calendar(id: $id) { name timeZone slotMinutes } }", {"id": cal["id"]}
    )
    assert again["calendar"] == {
        "name": "Discovery",
        "timeZone": "America/New_York",
        "slotMinutes": 30,
    }


async def another_location(t: Tenant, engine: AsyncEngine) -> Tenant:
    location_id = str(uuid.uuid4())
    async with engine.begin() as conn:
        await conn.execute(
            insert(LOCATION).values(id=location_id, name="other", created_at=datetime.now(UTC))
        )
    return Tenant(t.client, t.settings, location_id)


async def test_calendars_are_listed_by_name(tenant: Tenant) -> None:
    for name in ("Zürich office", "éclair tasting", "Alpha", "Bistro"):
        await create_calendar(tenant, name=name)
    listed = await tenant.gql("{ calendars { name } }")
    assert [c["name"] for c in listed["calendars"]] == [
        "Alpha",
        "Bistro",
        "éclair tasting",
        "Zürich office",
    ]


async def test_a_calendar_of_another_location_does_not_exist(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    theirs = await create_calendar(await another_location(tenant, engine))
    c = await tenant.create_contact(firstName="Ann")
    found = await tenant.gql("query($id: ID!) { calendar(id: $id) { id } }", {"id": theirs["id"]})
    assert found["calendar"] is None
    assert (await tenant.gql("{ calendars { id } }"))["calendars"] == []
    booked = await book(tenant, c["id"], theirs["id"], day(3, 10))
    assert codes(booked) == [(["input", "calendarId"], "NOT_FOUND")]
    slots = await tenant.gql(
        SLOTS,
        {
            "cal": theirs["id"],
            "from": day(1, 0).isoformat(),
            "to": day(2, 0).isoformat(),
        },
    )
    assert slots["freeSlots"] is None
    entities = await tenant.gql(
        "query($reps: [_Any!]!) { _entities(representations: $reps) { "
        "... on Calendar { id name } } }",
        {"reps": [{"__typename": "Calendar", "id": theirs["id"]}]},
    )
    assert entities["_entities"] == [None]
    mine = await create_calendar(tenant, name="Mine")
    entities = await tenant.gql(
        "query($reps: [_Any!]!) { _entities(representations: $reps) { "
        "... on Calendar { id name slotMinutes } } }",
        {"reps": [{"__typename": "Calendar", "id": mine["id"]}]},
    )
    assert entities["_entities"] == [{"id": mine["id"], "name": "Mine", "slotMinutes": 30}]


async def test_a_calendar_with_bookings_cannot_be_deleted(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    unused = await create_calendar(tenant, name="Unused")
    deleted = await tenant.mutate("calendarDelete", {"id": unused["id"]}, selection=CALENDAR)
    assert deleted["userErrors"] == []
    used = await create_calendar(tenant, name="Used")
    c = await tenant.create_contact(firstName="Booked")
    assert (await book(tenant, c["id"], used["id"], day(3, 10)))["userErrors"] == []
    refused = await tenant.mutate("calendarDelete", {"id": used["id"]}, selection=CALENDAR)
    assert codes(refused) == [(["input", "id"], "IN_USE")]
    names = [x["name"] for x in (await tenant.gql("{ calendars { name } }"))["calendars"]]
    assert names == ["Used"]
    # a booking that lands between the check and the delete: the foreign key says IN_USE
    async with engine.connect() as conn, conn.begin():
        repo = SqlCalendarRepository(conn)
        calendar = await repo.get(tenant.location_id, used["id"])
        assert calendar is not None
        with pytest.raises(DomainError) as refused_late:
            await repo.delete(calendar)
    assert [e.code for e in refused_late.value.errors] == [ErrorCode.IN_USE]


# -- free slots ------------------------------------------------------------------------------


async def test_free_slots_hide_booked_times_and_name_who_is_free(tenant: Tenant) -> None:
    cal = await create_calendar(
        tenant,
        availability=[
            {"weekday": d["weekday"], "start": "09:00", "end": "11:00"} for d in ALL_WEEK
        ],
    )
    c = await tenant.create_contact(firstName="Slotted")
    start, end = day(5, 0), day(6, 0)
    before = await free(tenant, cal["id"], start, end)
    assert [s["localTime"] for s in before] == ["09:00", "09:30", "10:00", "10:30"]
    assert all(s["teamMembers"] == [{"id": "ann"}, {"id": "bob"}] for s in before)
    taken = await book(tenant, c["id"], cal["id"], day(5, 9, 30), teamMemberId="ann")
    assert taken["userErrors"] == []
    after = await free(tenant, cal["id"], start, end)
    assert [(s["localTime"], [m["id"] for m in s["teamMembers"]]) for s in after] == [
        ("09:00", ["ann", "bob"]),
        ("09:30", ["bob"]),
        ("10:00", ["ann", "bob"]),
        ("10:30", ["ann", "bob"]),
    ]
    only_ann = await free(tenant, cal["id"], start, end, members=["ann"])
    assert [s["localTime"] for s in only_ann] == ["09:00", "10:00", "10:30"]
    assert all(s["teamMembers"] == [{"id": "ann"}] for s in only_ann)
    assert await free(tenant, cal["id"], start, end, members=["carl"]) == []
    assert await free(tenant, cal["id"], start, end, members=[]) == []
    # members off the calendar's team are ignored; the slot names only those asked about
    ann_or_carl = await free(tenant, cal["id"], start, end, members=["carl", "ann"])
    assert ann_or_carl == only_ann
    both = await free(tenant, cal["id"], start, end, members=["bob", "ann"])
    assert [(s["localTime"], [m["id"] for m in s["teamMembers"]]) for s in both] == [
        (s["localTime"], [m["id"] for m in s["teamMembers"]]) for s in after
    ]
    # shown in the client's zone: same instants, Paris offsets and wall times
    paris = await free(tenant, cal["id"], start, end, tz="Europe/Paris")
    assert [at(s["start"]) for s in paris] == [at(s["start"]) for s in after]
    first = at(paris[0]["start"])
    assert first.utcoffset() == first.astimezone(ZoneInfo("Europe/Paris")).utcoffset()
    assert paris[0]["localTime"] == first.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M")
    assert at(after[0]["end"]) - at(after[0]["start"]) == timedelta(minutes=30)


async def test_free_slots_reject_long_ranges_and_unknown_zones(tenant: Tenant) -> None:
    cal = await create_calendar(tenant)
    too_long = await tenant.raw(
        SLOTS,
        {"cal": cal["id"], "from": day(1, 0).isoformat(), "to": day(33, 0).isoformat()},
        tenant.admin,
    )
    assert too_long["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "31 days" in too_long["errors"][0]["message"]
    unknown = await tenant.raw(
        SLOTS,
        {
            "cal": cal["id"],
            "from": day(1, 0).isoformat(),
            "to": day(2, 0).isoformat(),
            "tz": "Atlantis/Capital",
        },
        tenant.admin,
    )
    assert unknown["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    refusals = [
        ({"from": day(2, 0), "to": day(2, 0)}, "`filter.start.from` must be before"),
        ({"from": day(3, 0), "to": day(2, 0)}, "`filter.start.from` must be before"),
        ({"from": day(2, 0)}, "`filter.start.to` is required"),
        ({"to": day(2, 0)}, "`filter.start.from` is required"),
    ]
    for bounds, message in refusals:
        variables = {"cal": cal["id"], **{k: v.isoformat() for k, v in bounds.items()}}
        refused = await tenant.raw(SLOTS, variables, tenant.admin)
        assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", bounds
        assert message in refused["errors"][0]["message"], bounds
    # a naive range is read in the display zone; slots that have begun are not offered
    naive_from = datetime.now(NY).replace(tzinfo=None, microsecond=0) - timedelta(days=1)
    data = await tenant.gql(
        SLOTS,
        {
            "cal": cal["id"],
            "from": naive_from.isoformat(),
            "to": (naive_from + timedelta(days=3)).isoformat(),
        },
    )
    now = datetime.now(UTC)
    assert data["freeSlots"]
    assert all(at(s["start"]) >= now for s in data["freeSlots"])


def _next_transition(zone: ZoneInfo) -> date:
    """The next day (from a week ahead) whose UTC offset at noon differs from the day before."""
    today = datetime.now(zone).date() + timedelta(days=7)
    for i in range(400):
        d = today + timedelta(days=i)
        noon = datetime(d.year, d.month, d.day, 12, tzinfo=zone)
        if noon.utcoffset() != (noon - timedelta(days=1)).utcoffset():
            return d
    raise AssertionError("no daylight-saving change within a year")


async def test_free_slots_keep_local_hours_across_a_daylight_saving_change(tenant: Tenant) -> None:
    change = _next_transition(NY)
    cal = await create_calendar(
        tenant,
        slotMinutes=60,
        availability=[{"weekday": change.strftime("%A").upper(), "start": "09:00", "end": "11:00"}],
    )
    week_before = change - timedelta(days=7)
    start = datetime(week_before.year, week_before.month, week_before.day, tzinfo=NY)
    slots = await free(tenant, cal["id"], start, start + timedelta(days=8))
    assert [(s["localDate"], s["localTime"]) for s in slots] == [
        (week_before.isoformat(), "09:00"),
        (week_before.isoformat(), "10:00"),
        (change.isoformat(), "09:00"),
        (change.isoformat(), "10:00"),
    ]
    utc_hours = [at(s["start"]).astimezone(UTC).hour for s in slots]
    assert utc_hours[0] != utc_hours[2]  # same wall clock, another UTC offset
    assert all(at(s["start"]).astimezone(NY).hour in (9, 10) for s in slots)
    # and the slot books at 09:00 New York time that day
    c = await tenant.create_contact(firstName="Dst")
    booked = await book(
        tenant, c["id"], cal["id"], datetime(change.year, change.month, change.day, 9, tzinfo=NY)
    )
    assert booked["userErrors"] == []
    assert at(booked["appointment"]["startAt"]) == at(slots[2]["start"])


# -- booking ---------------------------------------------------------------------------------


async def test_booking_takes_the_calendars_defaults_and_is_audited(tenant: Tenant) -> None:
    cal = await create_calendar(
        tenant,
        defaultTitle="Intro call",
        description="Thirty minutes",
        meetingLocation="Main office",
        teamMemberIds=["ann"],
    )
    c = await tenant.create_contact(firstName="Booker")
    guest = await tenant.create_contact(firstName="Guest")
    start = day(4, 10)
    ben = tenant.viewer("user-ben")
    booked = await book(
        tenant,
        c["id"],
        cal["id"],
        start,
        title="  ",
        attendeeContactIds=[guest["id"], guest["id"]],
        status="UNCONFIRMED",
        type="SERVICE",
        viewer=ben,
    )
    assert booked["userErrors"] == []
    appt = booked["appointment"]
    assert appt["title"] == "Intro call"
    assert appt["description"] == "Thirty minutes"
    assert appt["meetingLocation"] == "Main office"
    assert appt["timeZone"] == "America/New_York"
    assert (appt["type"], appt["status"]) == ("SERVICE", "UNCONFIRMED")
    assert appt["teamMember"] == {"id": "ann"}
    assert appt["createdBy"] == {"id": "user-ben"}
    assert appt["calendar"] == {"id": cal["id"], "name": "Consultations"}
    assert appt["attendees"] == [{"id": guest["id"], "firstName": "Guest"}]
    assert at(appt["startAt"]) == start
    assert at(appt["endAt"]) - at(appt["startAt"]) == timedelta(minutes=30)
    own = await book(
        tenant,
        c["id"],
        cal["id"],
        day(4, 11),
        title="Follow-up",
        description="Bring the contract",
        meetingLocation="Zoom",
        timeZone="Europe/Paris",
    )
    assert (own["appointment"]["title"], own["appointment"]["meetingLocation"]) == (
        "Follow-up",
        "Zoom",
    )
    assert own["appointment"]["timeZone"] == "Europe/Paris"
    events = await audit(tenant, c["id"])
    booked_event = events[1]
    assert (booked_event["kind"], booked_event["actor"]) == (
        "APPOINTMENT_BOOKED",
        {"id": "user-ben"},
    )
    change = booked_event["changes"][0]
    assert change["field"] == "appointments"
    assert change["before"] is None
    assert change["after"]["id"] == appt["id"]
    assert change["after"]["status"] == "UNCONFIRMED"
    assert at(change["after"]["startAt"]) == start


async def test_a_naive_start_is_read_in_the_given_time_zone(tenant: Tenant) -> None:
    cal = await create_calendar(tenant)
    c = await tenant.create_contact(firstName="Naive")
    paris = ZoneInfo("Europe/Paris")
    wall = day(6, 10).astimezone(paris).replace(tzinfo=None)  # 10:00 New York, in Paris
    booked = await book(tenant, c["id"], cal["id"], wall.isoformat(), timeZone="Europe/Paris")
    assert booked["userErrors"] == []
    assert at(booked["appointment"]["startAt"]) == day(6, 10)


async def test_times_that_are_not_free_are_refused_and_change_nothing(tenant: Tenant) -> None:
    cal = await create_calendar(tenant, teamMemberIds=["ann"])
    c = await tenant.create_contact(firstName="Picky")
    other = await tenant.create_contact(firstName="Other")
    taken = await book(tenant, other["id"], cal["id"], day(3, 10))
    assert taken["userErrors"] == []
    cases: list[tuple[dict[str, Any], list[tuple[list[str], str]]]] = [
        ({"start": day(3, 10).isoformat()}, [(["input", "start"], "SLOT_UNAVAILABLE")]),
        ({"start": day(3, 10, 15).isoformat()}, [(["input", "start"], "SLOT_UNAVAILABLE")]),
        ({"start": day(3, 17).isoformat()}, [(["input", "start"], "SLOT_UNAVAILABLE")]),
        ({"start": day(3, 7).isoformat()}, [(["input", "start"], "SLOT_UNAVAILABLE")]),
        ({"start": day(-1, 10).isoformat()}, [(["input", "start"], "SLOT_UNAVAILABLE")]),
        (
            {"start": day(3, 11).isoformat(), "teamMemberId": "bob"},
            [(["input", "teamMemberId"], "INVALID_VALUE")],
        ),
        (
            {"start": day(3, 11).isoformat(), "status": "CANCELLED"},
            [(["input", "status"], "INVALID_VALUE")],
        ),
        (
            {"start": day(3, 11).isoformat(), "attendeeContactIds": ["missing"]},
            [(["input", "attendeeContactIds", "0"], "NOT_FOUND")],
        ),
        (
            {"start": day(3, 11).isoformat(), "attendeeContactIds": [f"c{i}" for i in range(21)]},
            [(["input", "attendeeContactIds"], "LIMIT_EXCEEDED")],
        ),
        (
            {"start": day(3, 11).isoformat(), "attendeeContactIds": [c["id"]]},
            [(["input", "attendeeContactIds", "0"], "INVALID_VALUE")],
        ),
        (
            {"start": day(3, 11).isoformat(), "timeZone": "Nowhere/Land", "title": "x" * 256},
            [(["input", "title"], "TOO_LONG"), (["input", "timeZone"], "INVALID_VALUE")],
        ),
        (
            {"start": day(3, 11).isoformat(), "contactId": "missing"},
            [(["input", "contactId"], "NOT_FOUND")],
        ),
    ]
    for extra, expected in cases:
        start = extra.pop("start")
        payload = await book(tenant, extra.pop("contactId", c["id"]), cal["id"], start, **extra)
        assert codes(payload) == expected, (extra, payload)
        assert payload["appointment"] is None
        assert payload["userErrors"][0]["message"]
    assert (await tab(tenant, c["id"]))["totalCount"] == 0
    assert [e["kind"] for e in await audit(tenant, c["id"])] == ["CONTACT_CREATED"]
    empty = await create_calendar(tenant, name="Nobody", teamMemberIds=[])
    nobody = await book(tenant, c["id"], empty["id"], day(3, 11))
    assert codes(nobody) == [(["input", "teamMemberId"], "SLOT_UNAVAILABLE")]


async def test_automatic_assignment_uses_a_free_member_and_spreads_the_day(tenant: Tenant) -> None:
    cal = await create_calendar(tenant)
    c = await tenant.create_contact(firstName="Auto")
    # ann already has a meeting that day: bob, with none, gets the next automatic booking
    first = await book(tenant, c["id"], cal["id"], day(3, 9), teamMemberId="ann")
    second = await book(tenant, c["id"], cal["id"], day(3, 14))
    assert second["appointment"]["teamMember"] == {"id": "bob"}
    third = await book(tenant, c["id"], cal["id"], day(3, 14))
    assert third["appointment"]["teamMember"] == {"id": "ann"}
    full = await book(tenant, c["id"], cal["id"], day(3, 14))
    assert codes(full) == [(["input", "start"], "SLOT_UNAVAILABLE")]
    assert first["userErrors"] == []
    slots = await free(tenant, cal["id"], day(3, 13), day(3, 15))
    assert [s["localTime"] for s in slots] == ["13:00", "13:30", "14:30"]


async def test_a_team_member_is_not_booked_twice_on_different_calendars(tenant: Tenant) -> None:
    short = await create_calendar(tenant, name="Short", teamMemberIds=["ann"])
    hourly = await create_calendar(tenant, name="Hourly", slotMinutes=60, teamMemberIds=["ann"])
    c = await tenant.create_contact(firstName="Busy")
    assert (await book(tenant, c["id"], short["id"], day(3, 10, 30)))["userErrors"] == []
    clash = await book(tenant, c["id"], hourly["id"], day(3, 10))  # 10:00-11:00 covers 10:30
    assert codes(clash) == [(["input", "start"], "SLOT_UNAVAILABLE")]
    hourly_slots = await free(tenant, hourly["id"], day(3, 9), day(3, 12))
    assert [s["localTime"] for s in hourly_slots] == ["09:00", "11:00"]
    assert (await book(tenant, c["id"], hourly["id"], day(3, 11)))["userErrors"] == []


async def test_slot_unavailable_says_the_team_member_is_busy(tenant: Tenant) -> None:
    cal = await create_calendar(tenant, teamMemberIds=["ann"])
    c = await tenant.create_contact(firstName="Busy")
    assert (await book(tenant, c["id"], cal["id"], day(3, 10), teamMemberId="ann"))[
        "userErrors"
    ] == []
    asked_for_ann = await book(tenant, c["id"], cal["id"], day(3, 10), teamMemberId="ann")
    assert [(e["code"], e["message"]) for e in asked_for_ann["userErrors"]] == [
        ("SLOT_UNAVAILABLE", "the team member is busy at this time")
    ]
    anyone = await book(tenant, c["id"], cal["id"], day(3, 10))
    assert [(e["code"], e["message"]) for e in anyone["userErrors"]] == [
        ("SLOT_UNAVAILABLE", "no team member is free at this time")
    ]


async def _count_rows(engine: AsyncEngine, contact_ids: list[str]) -> int:
    async with engine.connect() as conn:
        stmt = select(func.count()).where(APPOINTMENT.c.contact_id.in_(contact_ids))
        return int((await conn.execute(stmt)).scalar_one())


async def test_concurrent_bookings_of_one_slot_let_exactly_one_through(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    cal = await create_calendar(tenant)
    contacts = [(await tenant.create_contact(firstName=f"Racer {i}"))["id"] for i in range(10)]
    start = day(3, 10)
    results = await asyncio.gather(
        *(book(tenant, cid, cal["id"], start, teamMemberId="ann") for cid in contacts)
    )
    succeeded = [r for r in results if r["userErrors"] == []]
    assert len(succeeded) == 1
    assert all(
        codes(r) == [(["input", "start"], "SLOT_UNAVAILABLE")]
        for r in results
        if r not in succeeded
    )
    assert await _count_rows(engine, contacts) == 1
    # automatic assignment: two members, so exactly two of ten get the slot, one each
    later = day(3, 11)
    results = await asyncio.gather(*(book(tenant, cid, cal["id"], later) for cid in contacts))
    members = sorted(r["appointment"]["teamMember"]["id"] for r in results if not r["userErrors"])
    assert members == ["ann", "bob"]
    assert await _count_rows(engine, contacts) == 3


# -- editing and cancelling ------------------------------------------------------------------


async def test_rescheduling_checks_the_new_slot_but_not_against_itself(tenant: Tenant) -> None:
    short = await create_calendar(tenant, name="Short", teamMemberIds=["ann"])
    hourly = await create_calendar(tenant, name="Hourly", slotMinutes=60, teamMemberIds=["ann"])
    c = await tenant.create_contact(firstName="Mover")
    appt = (await book(tenant, c["id"], short["id"], day(3, 10)))["appointment"]
    other = (await book(tenant, c["id"], short["id"], day(3, 11)))["appointment"]
    # 10:00-11:00 on the hourly calendar overlaps only the appointment's own 10:00-10:30
    moved = await update(tenant, appt["id"], calendarId=hourly["id"])
    assert moved["userErrors"] == [], moved
    assert moved["appointment"]["calendar"] == {"id": hourly["id"], "name": "Hourly"}
    assert at(moved["appointment"]["startAt"]) == day(3, 10)
    assert at(moved["appointment"]["endAt"]) == day(3, 11)
    # re-assigning automatically finds the same member free: nothing changes
    again = await update(tenant, appt["id"], teamMemberId=None)
    assert again["userErrors"] == []
    assert again["appointment"]["teamMember"] == {"id": "ann"}
    clash = await update(tenant, appt["id"], start=day(3, 11).isoformat(), title="Moved")
    assert codes(clash) == [(["input", "start"], "SLOT_UNAVAILABLE")]
    off_grid = await update(tenant, appt["id"], start=day(3, 12, 30).isoformat())
    assert codes(off_grid) == [(["input", "start"], "SLOT_UNAVAILABLE")]
    cleared = await update(tenant, appt["id"], start=None, type=None)
    assert sorted(codes(cleared)) == [
        (["input", "start"], "REQUIRED"),
        (["input", "type"], "REQUIRED"),
    ]
    later = await update(tenant, appt["id"], start=day(4, 15).isoformat())
    assert later["userErrors"] == []
    listed = (await tab(tenant, c["id"]))["edges"]
    assert [(e["node"]["id"], e["node"]["title"], at(e["node"]["startAt"])) for e in listed] == [
        (other["id"], "Short", day(3, 11)),
        (appt["id"], "Short", day(4, 15)),
    ]
    events = await audit(tenant, c["id"])
    assert [e["kind"] for e in events] == [
        "APPOINTMENT_RESCHEDULED",
        "APPOINTMENT_RESCHEDULED",
        "APPOINTMENT_BOOKED",
        "APPOINTMENT_BOOKED",
        "CONTACT_CREATED",
    ]
    change = events[1]["changes"][0]
    assert change["before"] == {"id": appt["id"], "calendarId": short["id"], "endAt": ANY}
    assert change["after"] == {"id": appt["id"], "calendarId": hourly["id"], "endAt": ANY}
    assert at(change["before"]["endAt"]) == day(3, 10, 30)
    assert at(change["after"]["endAt"]) == day(3, 11)


async def test_editing_details_status_and_team_member(tenant: Tenant) -> None:
    cal = await create_calendar(tenant, defaultTitle="Default title", teamMemberIds=["ann", "bob"])
    c = await tenant.create_contact(firstName="Edited")
    guest = await tenant.create_contact(firstName="Guest")
    appt = (await book(tenant, c["id"], cal["id"], day(3, 10), teamMemberId="ann", title="Mine"))[
        "appointment"
    ]
    edited = await update(
        tenant,
        appt["id"],
        title="Renamed",
        status="UNCONFIRMED",
        meetingLocation="Room 4",
        attendeeContactIds=[guest["id"]],
    )
    assert edited["userErrors"] == []
    got = edited["appointment"]
    assert (got["title"], got["status"], got["meetingLocation"]) == (
        "Renamed",
        "UNCONFIRMED",
        "Room 4",
    )
    assert got["attendees"] == [{"id": guest["id"], "firstName": "Guest"}]
    assert got["startAt"] == appt["startAt"]
    back = await update(tenant, appt["id"], title=None, attendeeContactIds=None)
    assert back["appointment"]["title"] == "Default title"
    assert back["appointment"]["attendees"] == []
    same = await update(tenant, appt["id"], title="Default title", status="UNCONFIRMED")
    assert same["userErrors"] == []
    handed = await update(tenant, appt["id"], teamMemberId="bob")
    assert handed["appointment"]["teamMember"] == {"id": "bob"}
    refused = await update(tenant, appt["id"], status="CANCELLED")
    assert codes(refused) == [(["input", "status"], "INVALID_VALUE")]
    kinds = [e["kind"] for e in await audit(tenant, c["id"])]
    # the no-op edit recorded nothing
    assert kinds == [
        "APPOINTMENT_RESCHEDULED",
        "APPOINTMENT_UPDATED",
        "APPOINTMENT_UPDATED",
        "APPOINTMENT_BOOKED",
        "CONTACT_CREATED",
    ]


async def test_cancelling_frees_the_slot_and_starts_the_workflows(tenant: Tenant) -> None:
    cal = await create_calendar(tenant, teamMemberIds=["ann"])
    c = await tenant.create_contact(firstName="Cancelled")
    other = await tenant.create_contact(firstName="Next")
    appt = (await book(tenant, c["id"], cal["id"], day(3, 10)))["appointment"]
    assert codes(await book(tenant, other["id"], cal["id"], day(3, 10))) == [
        (["input", "start"], "SLOT_UNAVAILABLE")
    ]
    cancelled = await cancel(tenant, appt["id"])
    assert cancelled["userErrors"] == []
    assert cancelled["appointment"]["status"] == "CANCELLED"
    assert cancelled["appointment"]["cancelledAt"] is not None
    events = await audit(tenant, c["id"])
    assert events[0]["kind"] == "APPOINTMENT_CANCELLED"
    assert events[0]["changes"] == [
        {
            "field": "appointments",
            "before": {"id": appt["id"], "status": "CONFIRMED"},
            "after": {"id": appt["id"], "status": "CANCELLED"},
        }
    ]
    again = await cancel(tenant, appt["id"])
    assert again["appointment"]["status"] == "CANCELLED"
    assert len(await audit(tenant, c["id"])) == len(events)  # cancelling twice: no new event
    edit = await update(tenant, appt["id"], title="Back again")
    assert codes(edit) == [(["input", "appointmentId"], "INVALID_VALUE")]
    slots = await free(tenant, cal["id"], day(3, 10), day(3, 10, 1))
    assert [s["localTime"] for s in slots] == ["10:00"]
    assert (await book(tenant, other["id"], cal["id"], day(3, 10)))["userErrors"] == []
    # the cancelled appointment stays on the tab, with its status
    listed = (await tab(tenant, c["id"]))["edges"]
    assert [e["node"]["status"] for e in listed] == ["CANCELLED"]


# -- the tab ---------------------------------------------------------------------------------


async def _past(
    engine: AsyncEngine, t: Tenant, contact_id: str, calendar_id: str, days_ago: int, title: str
) -> None:
    """Past appointments cannot be booked through the API (the time has gone): arrange them."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days_ago)
    appt = Appointment(
        location_id=t.location_id,
        contact_id=contact_id,
        calendar_id=calendar_id,
        type=AppointmentType.MEETING,
        status=AppointmentStatus.CONFIRMED,
        title=title,
        team_member_id="ann",
        time_zone="UTC",
        start_at=start,
        end_at=start + timedelta(minutes=30),
        created_at=start,
        updated_at=start,
    )
    async with engine.begin() as conn:
        await SqlAppointmentRepository(conn).add(appt)


async def test_new_and_previous_appointments_with_search_and_pages(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    cal = await create_calendar(tenant)
    c = await tenant.create_contact(firstName="Regular")
    for days_ago, title in ((30, "Kickoff call"), (10, "Review"), (2, "Contract call")):
        await _past(engine, tenant, c["id"], cal["id"], days_ago, title)
    for days_ahead, title in ((9, "Training call"), (2, "Onboarding"), (5, "Check-in call")):
        assert (await book(tenant, c["id"], cal["id"], day(days_ahead, 10), title=title))[
            "userErrors"
        ] == []
    upcoming = await tab(tenant, c["id"])
    assert [e["node"]["title"] for e in upcoming["edges"]] == [
        "Onboarding",
        "Check-in call",
        "Training call",
    ]
    assert upcoming["totalCount"] == 3
    past = await tab(tenant, c["id"], "PAST")
    assert [e["node"]["title"] for e in past["edges"]] == [
        "Contract call",
        "Review",
        "Kickoff call",
    ]
    searched = await tab(tenant, c["id"], "PAST", search="CALL")
    assert [e["node"]["title"] for e in searched["edges"]] == ["Contract call", "Kickoff call"]
    assert searched["totalCount"] == 2
    assert (await tab(tenant, c["id"], search="100%"))["totalCount"] == 0
    seen, after = [], None
    while True:
        page = await tab(tenant, c["id"], "UPCOMING", first=2, after=after)
        assert page["totalCount"] == 3
        seen += [e["node"]["title"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["Onboarding", "Check-in call", "Training call"]
    bad = await tenant.raw(
        TAB, {"id": c["id"], "filter": {"when": "PAST"}, "after": "garbage"}, tenant.admin
    )
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_tab_filters_by_status_and_start_and_sorts_either_way(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    cal = await create_calendar(tenant)
    c = await tenant.create_contact(firstName="Sorted")
    await _past(engine, tenant, c["id"], cal["id"], 3, "Old")
    booked = {}
    for days_ahead, title, status in (
        (6, "Later", "CONFIRMED"),
        (2, "Soon", "UNCONFIRMED"),
        (4, "Middle", "CONFIRMED"),
    ):
        made = await book(
            tenant, c["id"], cal["id"], day(days_ahead, 10), title=title, status=status
        )
        assert made["userErrors"] == []
        booked[title] = made["appointment"]
    cancelled = await cancel(tenant, booked["Middle"]["id"])
    assert cancelled["userErrors"] == []
    # statuses: a list; an empty one matches nothing; `when` still applies
    assert titles(await tab(tenant, c["id"], statuses=["CONFIRMED", "UNCONFIRMED"])) == [
        "Soon",
        "Later",
    ]
    assert titles(await tab(tenant, c["id"], statuses=["CANCELLED"])) == ["Middle"]
    assert (await tab(tenant, c["id"], statuses=[]))["totalCount"] == 0
    assert titles(await tab(tenant, c["id"], "PAST", statuses=["CONFIRMED"])) == ["Old"]
    # startAt: from inclusive, to exclusive, in any zone
    window = {"from": day(2, 10).isoformat(), "to": day(6, 10).astimezone(UTC).isoformat()}
    assert titles(await tab(tenant, c["id"], startAt=window)) == ["Soon", "Middle"]
    # orderBy: the direction defaults by `when`; a given one wins; other fields
    assert titles(await tab(tenant, c["id"], orderBy={"direction": "DESC"})) == [
        "Later",
        "Middle",
        "Soon",
    ]
    assert titles(await tab(tenant, c["id"], orderBy={"field": "CREATED_AT"})) == [
        "Later",
        "Soon",
        "Middle",
    ]
    by_change = {"field": "UPDATED_AT", "direction": "DESC"}
    assert titles(await tab(tenant, c["id"], orderBy=by_change))[0] == "Middle"
    # a filtered list, in a non-default order, pages through exactly its own items
    for order in ({"field": "CREATED_AT", "direction": "DESC"}, {"field": "START_AT"}):
        everything = titles(await tab(tenant, c["id"], orderBy=order, search="E"))
        seen, after = [], None
        while True:
            page = await tab(tenant, c["id"], first=1, after=after, orderBy=order, search="E")
            assert page["totalCount"] == 2  # Middle and Later
            seen += titles(page)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == everything, order
        assert sorted(seen) == ["Later", "Middle"]


@pytest.mark.parametrize(
    ("start_at", "message"),
    [
        ({"from": "2030-01-01T00:00:00"}, "`filter.startAt.from` needs a time zone"),
        (
            {"from": "2030-01-01T10:00:00Z", "to": "2030-01-01T10:00:00Z"},
            "`filter.startAt.from` must be before `filter.startAt.to`",
        ),
    ],
)
async def test_a_start_range_that_cannot_be_answered_is_refused(
    tenant: Tenant, start_at: dict[str, str], message: str
) -> None:
    c = await tenant.create_contact(firstName="Refused")
    body = await tenant.raw(TAB, {"id": c["id"], "filter": {"startAt": start_at}}, tenant.admin)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in body["errors"][0]["message"]


async def test_appointments_follow_contact_visibility(tenant: Tenant) -> None:
    cal = await create_calendar(tenant)
    hidden = await tenant.create_contact(firstName="Hidden", ownerId="user-eve")
    mine = await tenant.create_contact(firstName="Mine", ownerId="user-dan")
    dan = tenant.viewer("user-dan", assigned_only=True)
    appt = (await book(tenant, hidden["id"], cal["id"], day(3, 10)))["appointment"]
    denied = await book(tenant, hidden["id"], cal["id"], day(3, 11), viewer=dan)
    assert codes(denied) == [(["input", "contactId"], "NOT_FOUND")]
    with_hidden_guest = await book(
        tenant, mine["id"], cal["id"], day(3, 11), attendeeContactIds=[hidden["id"]], viewer=dan
    )
    assert codes(with_hidden_guest) == [(["input", "attendeeContactIds", "0"], "NOT_FOUND")]
    assert codes(await update(tenant, appt["id"], title="x", viewer=dan)) == [
        (["input", "appointmentId"], "NOT_FOUND")
    ]
    assert codes(await cancel(tenant, appt["id"], viewer=dan)) == [
        (["input", "appointmentId"], "NOT_FOUND")
    ]
    # the admin invites the hidden contact to dan's contact's appointment: dan sees the
    # appointment, not the guest
    own = await book(tenant, mine["id"], cal["id"], day(3, 12), attendeeContactIds=[hidden["id"]])
    assert own["appointment"]["attendees"] == [{"id": hidden["id"], "firstName": "Hidden"}]
    data = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { appointments { edges { node { id "
        "attendees { id } } } } } }",
        {"id": mine["id"]},
        viewer=dan,
    )
    nodes = [e["node"] for e in data["contact"]["appointments"]["edges"]]
    assert nodes == [{"id": own["appointment"]["id"], "attendees": []}]
    # a guest does not see the appointment in their own tab: only their own booking
    assert [e["node"]["id"] for e in (await tab(tenant, hidden["id"]))["edges"]] == [appt["id"]]
