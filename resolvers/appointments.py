"""Appointments tab: a page of a contact's appointments, and booking, editing, cancelling."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from domain import appointments as a
from domain.contact import Contact
from persistence.appointments import appointment_from_row
from persistence.tab_pages import PageRequest
from resolvers.common import Info, Outcome, page_request, run_write, tab_page

if TYPE_CHECKING:
    from server.context import Context

SORT_COLUMNS = {
    a.AppointmentSortField.START_AT: "start_at",
    a.AppointmentSortField.CREATED_AT: "created_at",
    a.AppointmentSortField.UPDATED_AT: "updated_at",
}


def boundary(info: Info) -> datetime:
    """This request's "now", where upcoming and past split (the same for every contact)."""
    return request_now(info.context)


def request_now(context: Context) -> datetime:
    """:func:`boundary` of the request whose context this is (the compiled reads read it
    so, and the executor's resolvers of the same request then split at the same instant)."""
    return context.loaders.appointments.boundary(context.svc.clock.now)


def request(
    first: int | None,
    after: str | None,
    appointment_filter: a.AppointmentFilter,
    field: a.AppointmentSortField = a.AppointmentSortField.START_AT,
    descending: bool | None = None,
) -> PageRequest:
    """By default upcoming soonest first, past most recent first."""
    if descending is None:
        descending = appointment_filter.when is a.AppointmentWhen.PAST
    return page_request(first, after, SORT_COLUMNS[field], descending, appointment_filter)


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
