"""Appointments tab: a page of a contact's appointments, and booking, editing, cancelling."""

from __future__ import annotations

from collections.abc import Sequence

from domain import appointments as a
from domain.contact import Contact
from persistence.appointments import appointment_from_row
from persistence.tab_pages import PageRequest
from resolvers.common import Info, Outcome, page_request, run_write, tab_page

SORT = "start_at"


def appointment_filter(
    info: Info, when: a.AppointmentWhen, search: str | None
) -> a.AppointmentFilter:
    """The tab's filter, split at this request's "now" (the same for every contact)."""
    boundary = info.context.loaders.appointments.boundary(info.context.svc.clock.now)
    return a.AppointmentFilter(when=when, boundary=boundary, search=search)


def request(
    first: int | None, after: str | None, appointment_filter: a.AppointmentFilter
) -> PageRequest:
    """Upcoming soonest first; past most recent first."""
    descending = appointment_filter.when is a.AppointmentWhen.PAST
    return page_request(first, after, SORT, descending, appointment_filter)


async def page(
    info: Info, contact_id: str, request: PageRequest
) -> tuple[list[a.Appointment], list[str], bool]:
    return await tab_page(
        info.context.loaders.appointments, contact_id, request, appointment_from_row
    )


async def count(info: Info, contact_id: str, appointment_filter: a.AppointmentFilter) -> int:
    return await info.context.loaders.appointments_count.load((contact_id, appointment_filter))


async def attendees(info: Info, contact_ids: Sequence[str]) -> list[Contact]:
    """Guests through the contact loader (one statement for every appointment of a
    response); those the viewer may not see are left out."""
    if not contact_ids:
        return []
    found: list[Contact | None] = await info.context.loaders.contact.load_many(list(contact_ids))
    return [x for x in found if x is not None]


async def book(info: Info, command: a.BookAppointment) -> Outcome[a.Appointment]:
    ctx = info.context
    return await run_write(info, a.book_appointment(ctx.svc, ctx.viewer, command))


async def update(
    info: Info, appointment_id: str, patch: a.AppointmentPatch
) -> Outcome[a.Appointment]:
    ctx = info.context
    return await run_write(info, a.update_appointment(ctx.svc, ctx.viewer, appointment_id, patch))


async def cancel(info: Info, appointment_id: str) -> Outcome[a.Appointment]:
    ctx = info.context
    return await run_write(info, a.cancel_appointment(ctx.svc, ctx.viewer, appointment_id))
