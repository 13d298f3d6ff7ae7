"""The appointments tab, compiled: `Contact.appointments` and its nodes' columns (not
`calendar` nor `attendees`, which are resolved from other tables).

Its filter splits upcoming from past at the request's "now": the loader's own filter
compiler writes that instant as the bind parameter ``persistence.appointments.NOW``, which
the compiled reads bind at each execution to the instant the request's resolvers use
(``resolvers.appointments.request_now``)."""

from __future__ import annotations

from domain.appointments import AppointmentStatus, AppointmentType
from persistence.appointments import appointment_filter
from persistence.compiled.shapes import (
    ListSpec,
    TypeSpec,
    enum_of,
    reference,
    text,
    timestamp,
    user,
)
from persistence.tables import APPOINTMENT

NODE = TypeSpec(
    "ContactAppointment",
    {
        "id": text("id"),
        "contactId": text("contact_id"),
        "type": enum_of("appointment_type", AppointmentType),
        "status": enum_of("status", AppointmentStatus),
        "title": text("title"),
        "description": text("description"),
        "meetingLocation": text("meeting_location"),
        "timeZone": text("time_zone"),
        "startAt": timestamp("start_at"),
        "endAt": timestamp("end_at"),
        "createdAt": timestamp("created_at"),
        "updatedAt": timestamp("updated_at"),
        "cancelledAt": timestamp("cancelled_at"),
    },
    objects={"teamMember": reference("User", "team_member_id"), "createdBy": user("created_by")},
)
LISTS = {"appointments": ListSpec(APPOINTMENT, appointment_filter, NODE)}
"""`Contact`'s fields this tab compiles (the loaders' table and filter)."""
