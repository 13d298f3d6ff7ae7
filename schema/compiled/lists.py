"""How each compiled tab list reads its arguments: the resolver's own functions (a new
tab adds its line here, docs/compiled-reads.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from persistence.appointments import NOW as APPOINTMENTS_NOW
from persistence.tab_pages import PageRequest
from resolvers.appointments import request_now
from schema.appointments import appointments_request
from schema.association_fields import opportunities_request
from schema.client_portal import community_groups_request, course_offers_request
from schema.documents import documents_request
from schema.interactions import interactions_request
from schema.invoices import invoices_request
from schema.notes import notes_request
from schema.payments import payment_methods_request, payments_request, subscriptions_request
from schema.tasks import tasks_request
from schema.workflows import workflows_request

if TYPE_CHECKING:
    pass


LIST_ARGUMENTS: dict[str, Callable[..., PageRequest]] = {
    "notes": notes_request,
    "tasks": tasks_request,
    "interactions": interactions_request,
    "workflows": workflows_request,
    "courseOffers": course_offers_request,
    "communityGroups": community_groups_request,
    "appointments": partial(appointments_request, boundary=datetime(1970, 1, 1, tzinfo=UTC)),
    "paymentMethods": payment_methods_request,
    "payments": payments_request,
    "subscriptions": subscriptions_request,
    "invoices": invoices_request,
    "documents": documents_request,
    "opportunities": opportunities_request,
}
"""How each compiled tab list reads its arguments: the resolver's own function. A value
that is the request's, not an argument (appointments' "now"), is a placeholder here, so
one statement serves every request, and is bound at execution (``REQUEST_PARAMETERS``)."""
REQUEST_PARAMETERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "appointments": lambda context: {APPOINTMENTS_NOW: request_now(context)},
}
"""The bind parameters of a list's filter read from the request (by the list's field):
the same values the request's resolvers read, bound at each execution."""
