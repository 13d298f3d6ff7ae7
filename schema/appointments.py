"""Appointments tab: `Contact.appointments`, and contactAppointmentBook / Update / Cancel."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self, cast

import strawberry

from domain import appointments as a
from domain.contact import KEEP
from domain.events import ContactEvent, EventKind
from persistence.tab_pages import PageRequest
from resolvers import appointments as r
from resolvers import calendars as rc
from resolvers.common import Info, Outcome
from schema.activity import ActivityAction, ContactActivity, register_activity
from schema.audit import ContactFieldChange
from schema.calendars import Calendar
from schema.common import (
    AfterArg,
    Connection,
    DateTimeRange,
    FirstArg,
    InputArg,
    SortDirection,
    UserError,
    time_range,
)
from schema.enums import graphql_enum
from schema.user import User

if TYPE_CHECKING:
    from schema.contact import Contact

graphql_enum(
    a.AppointmentType,
    "What is booked: a meeting or a service.",
    {
        a.AppointmentType.MEETING: "A meeting with a team member.",
        a.AppointmentType.SERVICE: "A service the business provides.",
    },
    name="ContactAppointmentType",
)
graphql_enum(
    a.AppointmentStatus,
    "CONFIRMED or UNCONFIRMED while it stands; CANCELLED once cancelled "
    "(final: a cancelled appointment is not edited, a new one is booked).",
    {
        a.AppointmentStatus.CONFIRMED: "It stands and is confirmed.",
        a.AppointmentStatus.UNCONFIRMED: "It stands, not confirmed yet.",
        a.AppointmentStatus.CANCELLED: "Cancelled; final, and its time is free again.",
    },
    name="ContactAppointmentStatus",
)
graphql_enum(
    a.AppointmentWhen,
    "The tab's toggle: UPCOMING (New: not over yet, soonest first) or PAST "
    "(Previous: over, most recent first).",
    {
        a.AppointmentWhen.UPCOMING: "Not over yet, soonest first (the tab's New).",
        a.AppointmentWhen.PAST: "Over, most recent first (the tab's Previous).",
    },
    name="ContactAppointmentWhen",
)
graphql_enum(
    a.AppointmentSortField,
    "What a contact's appointments sort by; ties are broken by id.",
    {
        a.AppointmentSortField.START_AT: "When it starts (the default).",
        a.AppointmentSortField.CREATED_AT: "When it was booked.",
        a.AppointmentSortField.UPDATED_AT: "When it last changed (edited, rescheduled or "
        "cancelled).",
    },
    name="ContactAppointmentSortField",
)

UNSET: Any = strawberry.UNSET


@strawberry.type(
    description="An appointment booked from a contact's record. It belongs to that contact; "
    "guests (attendees) are listed on it but do not see it in their own tab."
)
class ContactAppointment:
    id: strawberry.ID = strawberry.field(description="The appointment's id.")
    contact_id: strawberry.ID = strawberry.field(description="The contact it was booked for.")
    type: a.AppointmentType = strawberry.field(description="Meeting or service.")
    status: a.AppointmentStatus = strawberry.field(description="Confirmed, unconfirmed, cancelled.")
    title: str = strawberry.field(description="Its title (the calendar's default if none given).")
    description: str | None = strawberry.field(description="Its description.")
    meeting_location: str | None = strawberry.field(
        description="Where it takes place (an address or a video-call link)."
    )
    team_member: User = strawberry.field(description="The team member who takes it.")
    time_zone: str = strawberry.field(description="IANA zone it was booked in, for display.")
    start_at: datetime = strawberry.field(description="When it starts (UTC).")
    end_at: datetime = strawberry.field(
        description="When it ends (UTC): start plus the calendar's slot length."
    )
    created_by: User | None = strawberry.field(description="Who booked it.")
    created_at: datetime = strawberry.field(description="When it was booked.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled.")
    calendar_id: strawberry.Private[str]
    attendee_contact_ids: strawberry.Private[tuple[str, ...]]

    @classmethod
    def from_domain(cls, x: a.Appointment) -> ContactAppointment:
        return cls(
            id=strawberry.ID(x.id),
            contact_id=strawberry.ID(x.contact_id),
            type=x.type,
            status=x.status,
            title=x.title,
            description=x.description,
            meeting_location=x.meeting_location,
            team_member=User(id=strawberry.ID(x.team_member_id)),
            time_zone=x.time_zone,
            start_at=x.start_at,
            end_at=x.end_at,
            created_by=User(id=strawberry.ID(x.created_by)) if x.created_by else None,
            created_at=x.created_at,
            updated_at=x.updated_at,
            cancelled_at=x.cancelled_at,
            calendar_id=x.calendar_id,
            attendee_contact_ids=x.attendee_contact_ids,
        )

    @strawberry.field(description="The calendar it is booked on.")
    async def calendar(self, info: Info) -> Calendar:
        found = await rc.calendar(info, self.calendar_id)
        if found is None:  # calendars with appointments cannot be deleted
            raise LookupError(f"calendar {self.calendar_id} is missing")
        return Calendar.from_domain(found)

    @strawberry.field(
        description="Other contacts invited as guests (at most 20); those the viewer may "
        "not see are left out."
    )
    async def attendees(self, info: Info) -> list[Annotated[Contact, strawberry.lazy(".contact")]]:
        from schema.contact import Contact

        return [Contact.from_domain(x) for x in await r.attendees(info, self.attendee_contact_ids)]


_APPOINTMENT_ACTIONS = {
    EventKind.APPOINTMENT_BOOKED: ActivityAction.BOOKED,
    EventKind.APPOINTMENT_RESCHEDULED: ActivityAction.RESCHEDULED,
    EventKind.APPOINTMENT_UPDATED: ActivityAction.UPDATED,
    EventKind.APPOINTMENT_CANCELLED: ActivityAction.CANCELLED,
}


@strawberry.type(
    description="An appointment was booked, rescheduled, edited or cancelled. A booking "
    "records the whole appointment, an edit or reschedule only what changed, a "
    "cancellation only the status: what the event does not record is null here."
)
class ContactAppointmentActivity(ContactActivity):
    action: ActivityAction = strawberry.field(description="What happened to it.")
    appointment_id: strawberry.ID = strawberry.field(description="The appointment.")
    title: str | None = strawberry.field(
        description="Its title: on booking, and on an edit that changed it."
    )
    start_at: datetime | None = strawberry.field(
        description="When it starts (after the change): on booking, and on a reschedule "
        "that moved it."
    )
    end_at: datetime | None = strawberry.field(
        description="When it ends (after the change): on booking, and on a reschedule that "
        "moved it."
    )
    status: a.AppointmentStatus | None = strawberry.field(
        description="Its status after the change: on booking and cancellation, and on an "
        "edit that changed it."
    )
    changes: list[ContactFieldChange] = strawberry.field(
        description="The appointment's recorded fields before and after (JSON summaries)."
    )


def _instant(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _appointment_activity(e: ContactEvent, base: dict[str, Any]) -> ContactAppointmentActivity:
    """Appointment events carry one `appointments` change: the snapshot after a booking,
    {id, changed fields} before and after an edit, {id, status} for a cancellation
    (domain/appointments.py)."""
    change = e.changes[0]
    after, before = change.after or {}, change.before or {}
    status = after.get("status")
    return ContactAppointmentActivity(
        **base,
        action=_APPOINTMENT_ACTIONS[e.kind],
        appointment_id=strawberry.ID(str(after.get("id") or before.get("id"))),
        title=after.get("title"),
        start_at=_instant(after.get("startAt")),
        end_at=_instant(after.get("endAt")),
        status=a.AppointmentStatus(status) if status else None,
        changes=ContactFieldChange.all_of(e),
    )


register_activity(_APPOINTMENT_ACTIONS, ContactAppointmentActivity, _appointment_activity)


@strawberry.type(description="A page of a contact's appointments.")
class ContactAppointmentConnection(Connection[ContactAppointment]):
    pass


@strawberry.input(description="Which appointments to list. Every member given must hold.")
class ContactAppointmentFilter:
    when: a.AppointmentWhen = strawberry.field(
        default=a.AppointmentWhen.UPCOMING,
        description="New (UPCOMING: not over yet, ongoing ones included) or Previous (PAST: "
        'over); default UPCOMING. "Now" is taken once per request.',
    )
    statuses: list[a.AppointmentStatus] | None = strawberry.field(
        default=None,
        description="Only appointments in one of these statuses (e.g. [CONFIRMED, "
        "UNCONFIRMED] leaves out cancelled ones); an empty list matches none; any status "
        "when omitted.",
    )
    start_at: DateTimeRange | None = strawberry.field(
        default=None,
        description="Only those starting in this range: `from` inclusive, `to` exclusive; "
        "both need a time zone.",
    )
    search: str | None = strawberry.field(
        default=None,
        description="Only appointments whose title, description or meeting location contains "
        "this (case-insensitive; % and _ match themselves); blank matches every appointment.",
    )

    def to_domain(self, boundary: datetime) -> a.AppointmentFilter:
        """Split at ``boundary``, this request's "now"."""
        statuses = self.statuses
        return a.AppointmentFilter(
            when=self.when,
            boundary=boundary,
            search=self.search,
            statuses=None if statuses is None else tuple(dict.fromkeys(statuses)),
            start=time_range(self.start_at, "filter.startAt"),
        )


@strawberry.input(
    description="How to sort appointments; default UPCOMING soonest first, PAST most recent first."
)
class ContactAppointmentOrderBy:
    field: a.AppointmentSortField = strawberry.field(
        default=a.AppointmentSortField.START_AT, description="What to sort by."
    )
    direction: SortDirection | None = strawberry.field(
        default=None,
        description="Which way; default ASC (soonest first) for UPCOMING, DESC (most recent "
        "first) for PAST.",
    )


def appointments_request(
    first: int | None,
    after: str | None,
    filter: ContactAppointmentFilter | None,
    order_by: ContactAppointmentOrderBy | None,
    boundary: datetime,
) -> PageRequest:
    """`Contact.appointments`' arguments, checked, split at ``boundary`` (the request's
    "now"); the resolver and the compiled reads read them through this."""
    appointment_filter = (filter or ContactAppointmentFilter()).to_domain(boundary)
    order = order_by or ContactAppointmentOrderBy()
    direction = order.direction
    descending = None if direction is None else direction == SortDirection.DESC
    return r.request(first, after, appointment_filter, order.field, descending)


@strawberry.type
class ContactAppointmentsFields:
    """`Contact.appointments`; mixed into Contact (schema/contact.py)."""

    id: strawberry.ID

    @strawberry.field(
        description="The contact's appointments (any status unless filtered), as a cursor "
        "connection: by default the UPCOMING ones, soonest first; `filter: {when: PAST}` "
        "lists those that are over, most recent first."
    )
    async def appointments(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactAppointmentFilter | None,
            strawberry.argument(
                description="New or Previous, statuses, start time, text; default the "
                "UPCOMING ones."
            ),
        ] = None,
        order_by: Annotated[
            ContactAppointmentOrderBy | None,
            strawberry.argument(
                description="Sort; default UPCOMING soonest first, PAST most recent first."
            ),
        ] = None,
    ) -> ContactAppointmentConnection:
        contact_id = str(self.id)
        request = appointments_request(first, after, filter, order_by, r.boundary(info))
        found, cursors, has_next = await r.page(info, contact_id, request)

        async def count() -> int:
            return await r.count(info, contact_id, cast(a.AppointmentFilter, request.filter))

        conn = ContactAppointmentConnection.build(
            [ContactAppointment.from_domain(x) for x in found], cursors, has_next, after, count
        )
        return conn  # type: ignore[return-value]


@strawberry.input(description="Book an appointment for a contact (the help page's form).")
class ContactAppointmentBookInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact it is for.")
    calendar_id: strawberry.ID = strawberry.field(description="The calendar to book on.")
    start: datetime = strawberry.field(
        description="The slot's start, one of `freeSlots`; without an offset it is read in "
        "`timeZone`. A time that is not a free slot is SLOT_UNAVAILABLE."
    )
    type: a.AppointmentType = strawberry.field(
        default=a.AppointmentType.MEETING, description="Meeting or service."
    )
    title: str | None = strawberry.field(
        default=None, description="Blank: the calendar's default title (at most 255)."
    )
    description: str | None = strawberry.field(
        default=None, description="Blank: the calendar's default description."
    )
    team_member_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A team member of the calendar; null assigns a free one automatically "
        "(the one with the fewest appointments that day).",
    )
    attendee_contact_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Other contacts of the location to invite as guests (at most 20).",
    )
    time_zone: str | None = strawberry.field(
        default=None, description="IANA zone the appointment is shown in; default the calendar's."
    )
    meeting_location: str | None = strawberry.field(
        default=None, description="Blank: the calendar's default meeting location."
    )
    status: a.AppointmentStatus = strawberry.field(
        default=a.AppointmentStatus.CONFIRMED, description="CONFIRMED or UNCONFIRMED."
    )

    def to_domain(self) -> a.BookAppointment:
        return a.BookAppointment(
            contact_id=str(self.contact_id),
            calendar_id=str(self.calendar_id),
            start=self.start,
            type=self.type,
            title=self.title,
            description=self.description,
            team_member_id=str(self.team_member_id) if self.team_member_id is not None else None,
            attendee_contact_ids=tuple(str(x) for x in self.attendee_contact_ids),
            time_zone=self.time_zone,
            meeting_location=self.meeting_location,
            status=self.status,
        )


def _patch(value: Any, convert: Any = None) -> Any:
    """Omitted keeps (``KEEP``); null stays null for the domain to default or refuse."""
    if value is UNSET:
        return KEEP
    return value if convert is None or value is None else convert(value)


@strawberry.input(
    description="Edit an appointment (the full edit view); omitted fields stay. Moving it "
    "(start, calendar or team member) needs a free slot, as booking does."
)
class ContactAppointmentUpdateInput:
    appointment_id: strawberry.ID = strawberry.field(description="The appointment.")
    calendar_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Move it to another calendar; not null."
    )
    start: datetime | None = strawberry.field(
        default=UNSET, description="Reschedule to this free slot; not null."
    )
    team_member_id: strawberry.ID | None = strawberry.field(
        default=UNSET,
        description="Hand it to this team member; null assigns a free one automatically.",
    )
    type: a.AppointmentType | None = strawberry.field(
        default=UNSET, description="Meeting or service; not null."
    )
    title: str | None = strawberry.field(
        default=UNSET, description="Null or blank: the calendar's default."
    )
    description: str | None = strawberry.field(
        default=UNSET, description="Null or blank: the calendar's default."
    )
    meeting_location: str | None = strawberry.field(
        default=UNSET, description="Null or blank: the calendar's default."
    )
    attendee_contact_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="Replaces the guests; null or [] removes them."
    )
    time_zone: str | None = strawberry.field(
        default=UNSET, description="IANA zone to show it in; null: the calendar's."
    )
    status: a.AppointmentStatus | None = strawberry.field(
        default=UNSET,
        description="CONFIRMED or UNCONFIRMED (not null); cancel with contactAppointmentCancel.",
    )

    def to_domain(self) -> a.AppointmentPatch:
        def ids(values: list[strawberry.ID]) -> tuple[str, ...]:
            return tuple(str(x) for x in values)

        return a.AppointmentPatch(
            calendar_id=_patch(self.calendar_id, str),
            start=_patch(self.start),
            team_member_id=_patch(self.team_member_id, str),
            type=_patch(self.type),
            title=_patch(self.title),
            description=_patch(self.description),
            meeting_location=_patch(self.meeting_location),
            attendee_contact_ids=_patch(self.attendee_contact_ids, ids) or (),
            time_zone=_patch(self.time_zone),
            status=_patch(self.status),
        )


@strawberry.input(description="Cancel an appointment.")
class ContactAppointmentCancelInput:
    appointment_id: strawberry.ID = strawberry.field(description="The appointment.")


@strawberry.interface(description="What every appointment mutation returns.")
class ContactAppointmentMutationPayload:
    appointment: ContactAppointment | None = strawberry.field(
        description="The appointment after the change; null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[a.Appointment]) -> Self:
        return cls(
            appointment=ContactAppointment.from_domain(outcome.value) if outcome.value else None,
            user_errors=UserError.all_of(outcome.errors),
        )


@strawberry.type(description="Result of contactAppointmentBook.")
class ContactAppointmentBookPayload(ContactAppointmentMutationPayload):
    pass


@strawberry.type(description="Result of contactAppointmentUpdate.")
class ContactAppointmentUpdatePayload(ContactAppointmentMutationPayload):
    pass


@strawberry.type(description="Result of contactAppointmentCancel.")
class ContactAppointmentCancelPayload(ContactAppointmentMutationPayload):
    pass


@strawberry.type
class AppointmentsMutation:
    @strawberry.mutation(
        description="Book an appointment for a contact on a free slot. Two bookings of one "
        "team member's time cannot both succeed: the later gets SLOT_UNAVAILABLE. Records "
        "APPOINTMENT_BOOKED. Every successful call books a new appointment."
    )
    async def contact_appointment_book(
        self, info: Info, input: InputArg[ContactAppointmentBookInput]
    ) -> ContactAppointmentBookPayload:
        return ContactAppointmentBookPayload.from_outcome(await r.book(info, input.to_domain()))

    @strawberry.mutation(
        description="Edit an appointment: reschedule (APPOINTMENT_RESCHEDULED) or change its "
        "details and status (APPOINTMENT_UPDATED). A change that alters nothing writes and "
        "records nothing. A cancelled appointment cannot change (INVALID_VALUE)."
    )
    async def contact_appointment_update(
        self, info: Info, input: InputArg[ContactAppointmentUpdateInput]
    ) -> ContactAppointmentUpdatePayload:
        return ContactAppointmentUpdatePayload.from_outcome(
            await r.update(info, str(input.appointment_id), input.to_domain())
        )

    @strawberry.mutation(
        description="Cancel an appointment: its status becomes CANCELLED, the team member's "
        "time is free again, and APPOINTMENT_CANCELLED is recorded for the workflows that "
        "react to cancellations. Cancelling a cancelled appointment returns it unchanged and "
        "records nothing."
    )
    async def contact_appointment_cancel(
        self, info: Info, input: InputArg[ContactAppointmentCancelInput]
    ) -> ContactAppointmentCancelPayload:
        return ContactAppointmentCancelPayload.from_outcome(
            await r.cancel(info, str(input.appointment_id))
        )
