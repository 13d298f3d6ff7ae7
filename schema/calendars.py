"""Calendars: the `Calendar` entity, `calendars` / `calendar` / `freeSlots`, and the
admin-only calendarCreate / calendarUpdate / calendarDelete."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo

import strawberry

from domain import calendars as c
from domain.contact import KEEP
from resolvers import calendars as r
from resolvers.common import Info, Outcome
from schema.common import DateTimeRange, InputArg, UserError
from schema.enums import graphql_enum
from schema.user import User

graphql_enum(
    c.Weekday,
    "A day of the week.",
    {day: day.name.capitalize() + "." for day in c.Weekday},
)

UNSET: Any = strawberry.UNSET


@strawberry.type(
    description="Bookable wall-clock time on one weekday, in the calendar's time zone."
)
class CalendarAvailability:
    weekday: c.Weekday = strawberry.field(description="The day of the week.")
    start: str = strawberry.field(description="When bookings start, HH:MM (24-hour).")
    end: str = strawberry.field(
        description="When the last slot must be over, HH:MM; 24:00 is the end of the day."
    )

    @classmethod
    def from_domain(cls, w: c.AvailabilityWindow) -> CalendarAvailability:
        return cls(weekday=w.weekday, start=c.format_hhmm(w.start), end=c.format_hhmm(w.end))


@strawberry.federation.type(
    keys=["id"],
    description="A calendar appointments are booked on: defaults for what is booked, when "
    "it takes bookings and who takes them. Owned here; other subgraphs may extend it by "
    "`id`.",
)
class Calendar:
    id: strawberry.ID = strawberry.field(description="The calendar's id.")
    name: str = strawberry.field(description="Name shown to people (at most 255 characters).")
    default_title: str | None = strawberry.field(
        description="Title of an appointment booked without one; null means the calendar's name."
    )
    description: str | None = strawberry.field(
        description="Description of an appointment booked without one."
    )
    meeting_location: str | None = strawberry.field(
        description="Meeting location of an appointment booked without one (an address or "
        "a video-call link)."
    )
    slot_minutes: int = strawberry.field(
        description="How long each slot lasts, 5 to 1440 minutes; slots start at each "
        "availability window's start and follow each other."
    )
    time_zone: str = strawberry.field(
        description="IANA time zone the availability is in, e.g. America/New_York."
    )
    availability: list[CalendarAvailability] = strawberry.field(
        description="When it takes bookings, by weekday then start time; "
        "at most 10 windows per weekday."
    )
    team_members: list[User] = strawberry.field(
        description="The team members who take bookings (at most 50), in the order "
        "automatic assignment breaks ties."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When its settings last changed.")

    @classmethod
    def from_domain(cls, cal: c.Calendar) -> Calendar:
        return cls(
            id=strawberry.ID(cal.id),
            name=cal.name,
            default_title=cal.default_title,
            description=cal.description,
            meeting_location=cal.meeting_location,
            slot_minutes=cal.slot_minutes,
            time_zone=cal.time_zone,
            availability=[CalendarAvailability.from_domain(w) for w in cal.availability],
            team_members=[User(id=strawberry.ID(u)) for u in cal.team_member_ids],
            created_at=cal.created_at,
            updated_at=cal.updated_at,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_: Any) -> Calendar | None:
        """Gateway entity lookup through the calendar loader (one statement for N
        representations); another location's calendar resolves to null."""
        found = await r.calendar(info, str(id))
        return None if found is None else cls.from_domain(found)


@strawberry.type(description="A slot free for booking, with who is free to take it.")
class CalendarFreeSlot:
    start: datetime = strawberry.field(
        description="When it starts, with the offset of the requested time zone."
    )
    end: datetime = strawberry.field(
        description="When it ends, with the offset of the requested time zone."
    )
    local_date: date = strawberry.field(description="The day it starts on, in that zone.")
    local_time: str = strawberry.field(description="The time it starts at, HH:MM in that zone.")
    team_members: list[User] = strawberry.field(
        description="The calendar's team members free for the whole slot (at least one), "
        "in calendar order."
    )

    @classmethod
    def from_domain(cls, slot: c.FreeSlot, zone: ZoneInfo) -> CalendarFreeSlot:
        start = slot.start.astimezone(zone)
        return cls(
            start=start,
            end=slot.end.astimezone(zone),
            local_date=start.date(),
            local_time=start.strftime("%H:%M"),
            team_members=[User(id=strawberry.ID(u)) for u in slot.team_member_ids],
        )


@strawberry.input(
    description="Which free slots to list: when they start (required) and, optionally, who "
    "takes them."
)
class CalendarFreeSlotFilter:
    start: DateTimeRange = strawberry.field(
        description="Slots starting in this range: `from` inclusive, `to` exclusive, both "
        "required, at most 31 days apart. A time without an offset is read in `timeZone`."
    )
    team_member_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Only slots one of these team members is free for, naming only them (a "
        "member who takes no bookings on the calendar is ignored; none of them, or an empty "
        "list: no slots); default any of the calendar's team.",
    )


@strawberry.type(description="Calendars and their free slots.")
class CalendarsQuery:
    @strawberry.field(description="The location's calendars (at most 100), by name.")
    async def calendars(self, info: Info) -> list[Calendar]:
        return [Calendar.from_domain(x) for x in await r.calendars(info)]

    @strawberry.field(description="One calendar; null when it is not one of the location's.")
    async def calendar(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The calendar's id.")],
    ) -> Calendar | None:
        found = await r.calendar(info, str(id))
        return None if found is None else Calendar.from_domain(found)

    @strawberry.field(
        description="The slots of a calendar that can still be booked, soonest first: "
        "inside its availability (computed in the calendar's time zone, so daylight-saving "
        "changes are respected), not yet begun, and with a team member who has no other "
        "non-cancelled appointment, on any calendar, overlapping it. At most 31 days at "
        "once. Null when the calendar is not one of the location's."
    )
    async def free_slots(
        self,
        info: Info,
        calendar_id: Annotated[strawberry.ID, strawberry.argument(description="The calendar.")],
        filter: Annotated[
            CalendarFreeSlotFilter,
            strawberry.argument(description="When the slots start (required) and with whom."),
        ],
        time_zone: Annotated[
            str | None,
            strawberry.argument(
                description="IANA zone the client shows times in (and reads `filter.start` "
                "times without an offset in); default the calendar's."
            ),
        ] = None,
    ) -> list[CalendarFreeSlot] | None:
        members = filter.team_member_ids
        found = await r.free_slots(
            info,
            str(calendar_id),
            filter.start.to_domain(),
            time_zone,
            None if members is None else [str(m) for m in members],
        )
        if found is None:
            return None
        slots, zone = found
        return [CalendarFreeSlot.from_domain(s, zone) for s in slots]


@strawberry.input(description="Bookable time on one weekday, in the calendar's time zone.")
class CalendarAvailabilityInput:
    weekday: c.Weekday = strawberry.field(description="The day of the week.")
    start: str = strawberry.field(description="HH:MM, 00:00 to 23:59.")
    end: str = strawberry.field(description="HH:MM after `start`; 24:00 is the end of the day.")

    def to_domain(self) -> tuple[c.Weekday, str, str]:
        return (self.weekday, self.start, self.end)


def _windows(items: list[CalendarAvailabilityInput]) -> tuple[tuple[c.Weekday, str, str], ...]:
    return tuple(w.to_domain() for w in items)


@strawberry.input(description="A new calendar (admins only).")
class CalendarCreateInput:
    name: str = strawberry.field(description="Required; at most 255 characters.")
    time_zone: str = strawberry.field(description="IANA time zone of the availability.")
    default_title: str | None = strawberry.field(
        default=None, description="Default appointment title; blank means the name."
    )
    description: str | None = strawberry.field(
        default=None, description="Default appointment description (at most 5,000 characters)."
    )
    meeting_location: str | None = strawberry.field(
        default=None, description="Default meeting location (at most 1,000 characters)."
    )
    slot_minutes: int = strawberry.field(
        default=c.DEFAULT_SLOT_MINUTES, description="Slot length, 5 to 1440 minutes."
    )
    availability: list[CalendarAvailabilityInput] = strawberry.field(
        default_factory=list,
        description="Windows per weekday; they may not overlap; at most 10 per weekday.",
    )
    team_member_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Who takes bookings (at most 50)."
    )

    def to_domain(self) -> c.CalendarPatch:
        return c.CalendarPatch(
            name=self.name,
            time_zone=self.time_zone,
            default_title=self.default_title,
            description=self.description,
            meeting_location=self.meeting_location,
            slot_minutes=self.slot_minutes,
            availability=_windows(self.availability),
            team_member_ids=_ids(self.team_member_ids),
        )


def _ids(ids: list[strawberry.ID]) -> tuple[str, ...]:
    return tuple(str(u) for u in ids)


def _patch(value: Any, null: Any = None, convert: Any = None) -> Any:
    """An update input member: omitted keeps; null becomes ``null`` (which the domain may
    refuse, e.g. a blank name)."""
    if value is UNSET:
        return KEEP
    if value is None:
        return null
    return value if convert is None else convert(value)


@strawberry.input(description="Change a calendar's settings (admins only); omitted fields stay.")
class CalendarUpdateInput:
    id: strawberry.ID = strawberry.field(description="The calendar.")
    name: str | None = strawberry.field(default=UNSET, description="Not blank.")
    time_zone: str | None = strawberry.field(default=UNSET, description="IANA time zone.")
    default_title: str | None = strawberry.field(
        default=UNSET, description="Null or blank: the name."
    )
    description: str | None = strawberry.field(default=UNSET, description="Null clears.")
    meeting_location: str | None = strawberry.field(default=UNSET, description="Null clears.")
    slot_minutes: int | None = strawberry.field(default=UNSET, description="5 to 1440.")
    availability: list[CalendarAvailabilityInput] | None = strawberry.field(
        default=UNSET, description="Replaces every window; null or [] takes no bookings."
    )
    team_member_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET,
        description="Replaces the team; booked appointments keep their team member.",
    )

    def to_domain(self) -> c.CalendarPatch:
        return c.CalendarPatch(
            name=_patch(self.name, null=""),
            time_zone=_patch(self.time_zone, null=""),
            default_title=_patch(self.default_title),
            description=_patch(self.description),
            meeting_location=_patch(self.meeting_location),
            slot_minutes=_patch(self.slot_minutes, null=0),
            availability=_patch(self.availability, null=(), convert=_windows),
            team_member_ids=_patch(self.team_member_ids, null=(), convert=_ids),
        )


@strawberry.input(description="Delete a calendar nothing was booked on (admins only).")
class CalendarDeleteInput:
    id: strawberry.ID = strawberry.field(description="The calendar.")


@strawberry.interface(description="What every calendar mutation returns.")
class CalendarMutationPayload:
    calendar: Calendar | None = strawberry.field(
        description="The calendar after the change (as it was, for a delete); null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused (FORBIDDEN for non-admins); empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[c.Calendar]) -> Self:
        return cls(
            calendar=Calendar.from_domain(outcome.value) if outcome.value else None,
            user_errors=UserError.all_of(outcome.errors),
        )


@strawberry.type(description="Result of calendarCreate.")
class CalendarCreatePayload(CalendarMutationPayload):
    pass


@strawberry.type(description="Result of calendarUpdate.")
class CalendarUpdatePayload(CalendarMutationPayload):
    pass


@strawberry.type(description="Result of calendarDelete.")
class CalendarDeletePayload(CalendarMutationPayload):
    pass


@strawberry.type
class CalendarsMutation:
    @strawberry.mutation(description="Create a calendar (admins only); every call creates one.")
    async def calendar_create(
        self, info: Info, input: InputArg[CalendarCreateInput]
    ) -> CalendarCreatePayload:
        return CalendarCreatePayload.from_outcome(await r.create(info, input.to_domain()))

    @strawberry.mutation(
        description="Change a calendar's settings (admins only). Appointments already "
        "booked keep their time and team member. Settings it already has write nothing "
        "(updatedAt stays)."
    )
    async def calendar_update(
        self, info: Info, input: InputArg[CalendarUpdateInput]
    ) -> CalendarUpdatePayload:
        return CalendarUpdatePayload.from_outcome(
            await r.update(info, str(input.id), input.to_domain())
        )

    @strawberry.mutation(
        description="Delete a calendar (admins only); IN_USE once anything was booked on it, "
        "so appointments keep their history. NOT_FOUND once it is gone."
    )
    async def calendar_delete(
        self, info: Info, input: InputArg[CalendarDeleteInput]
    ) -> CalendarDeletePayload:
        return CalendarDeletePayload.from_outcome(await r.delete(info, str(input.id)))
