"""Every tab of the demo record, filled through the domain services: notes, tasks,
interactions, workflows, client portal, appointments, associations and opportunities.

`make run` fills a few items per contact so GraphiQL shows a whole record at once; the
benchmark (`bench/run.py`) fills full pages. Every item is made the way the API makes it, so
each contact also carries the events of its changes (audit log, activity timeline).
"""

from __future__ import annotations

import asyncio
import random
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import services as s
from domain.appointments import (
    AppointmentStatus,
    AppointmentType,
    BookAppointment,
    book_appointment,
    cancel_appointment,
)
from domain.associations import (
    AssociationObjectType,
    ExistingRecord,
    GivenTarget,
    NewAssociationLabel,
    NewCompany,
    NewCustomObjectRecord,
    NewOpportunity,
    OpportunityStatus,
    add_association,
    create_label,
    create_opportunity,
)
from domain.attribution import AttributionData
from domain.calendars import CalendarPatch, Weekday, create_calendar
from domain.client_portal import PortalKind
from domain.client_portal import add as portal_add
from domain.contact_query import ContactOrder, ContactSortField
from domain.custom_fields import Money
from domain.documents import DocumentSource, IncomingFile, UploadOrigin, upload_documents
from domain.interactions import (
    DETAIL_TYPES,
    AnyDetails,
    Call,
    CallOutcome,
    Direction,
    EmailMessage,
    FormSubmission,
    InteractionKind,
    InteractionOrigin,
    Purchase,
    RecordInteraction,
    SmsMessage,
    SurveySubmission,
    WebsiteVisit,
    record_interaction,
    reset_attribution,
)
from domain.invoices import (
    DiscountInput,
    InvoiceChannel,
    InvoiceInput,
    InvoiceLine,
    TaxInput,
    create_invoice,
    send_invoice,
    void_invoice,
)
from domain.notes import add_note
from domain.payments import ChargeCommand, PaymentMethod, add_card, charge, pay_invoice
from domain.ports import FileStore, PaymentGateway, SystemClock, new_id
from domain.smart_lists import create_smart_list
from domain.subscriptions import BillingInterval, SubscribeCommand, SubscriptionItem, subscribe
from domain.tasks import add_task, complete_task
from domain.workflows import WorkflowEndReason, enroll
from domain.workflows import end as end_workflow
from persistence.uow import SqlUnitOfWork
from server.seed import ADMIN, TEAM


@dataclass
class Shared:
    """What every contact's seeders share, made once before the tabs are filled."""

    contact_ids: list[str]
    smart_list_id: str
    calendar_id: str
    first_slot: datetime
    """Start of the first bookable slot (a midnight UTC more than a day ahead)."""
    labels: dict[str, str]
    """Association label ids by what they label: contact, company, pets, opportunity."""


@dataclass
class Tab:
    """One contact being filled: what a seeder gets, with the items it seeds next."""

    svc: s.Services
    shared: Shared
    index: int  # the contact's place in shared.contact_ids
    contact_id: str
    items_per_tab: int
    rnd: random.Random
    fake: Faker


TabSeeder = Callable[[Tab, range], Awaitable[None]]
"""Seeds the items numbered ``range`` (0-based, per contact and tab) of one tab."""

SLOT_MINUTES = 15
SEED_CONCURRENCY = 8
"""Contacts filled at once."""
TEAM_IDS = list(TEAM)


async def _shared(svc: s.Services, contact_ids: list[str]) -> Shared:
    """A smart list of every contact (for `navigation`), a calendar open around the clock
    that every team member takes bookings on, and one association label per kind of record."""
    smart_list = await create_smart_list(
        svc, ADMIN, "Everyone by last name", None, ContactOrder(ContactSortField.LAST_NAME, False)
    )
    calendar = await create_calendar(
        svc,
        ADMIN,
        CalendarPatch(
            name="Consultations",
            time_zone="UTC",
            default_title="Consultation",
            description="A first talk about what the practice can do",
            meeting_location="Room 2, 1 Main Street",
            slot_minutes=SLOT_MINUTES,
            availability=tuple((day, "00:00", "24:00") for day in Weekday),
            team_member_ids=tuple(TEAM_IDS),
        ),
    )
    tomorrow = datetime.now(UTC).date() + timedelta(days=2)
    labels = {
        "contact": NewAssociationLabel(
            "Manager", AssociationObjectType.CONTACT, inverse_name="Report"
        ),
        "company": NewAssociationLabel("Employee", AssociationObjectType.COMPANY),
        "pets": NewAssociationLabel("Owner", AssociationObjectType.CUSTOM_OBJECT, "pets"),
        "opportunity": NewAssociationLabel("Decision maker", AssociationObjectType.OPPORTUNITY),
    }
    return Shared(
        contact_ids=contact_ids,
        smart_list_id=smart_list.id,
        calendar_id=calendar.id,
        first_slot=datetime.combine(tomorrow, datetime.min.time(), tzinfo=UTC),
        labels={k: (await create_label(svc, ADMIN, v)).id for k, v in labels.items()},
    )


async def _seed_notes(tab: Tab, items: range) -> None:
    for _ in items:
        body = tab.fake.paragraph(nb_sentences=tab.rnd.randint(1, 5))
        await add_note(tab.svc, ADMIN, tab.contact_id, body)


async def _seed_tasks(tab: Tab, items: range) -> None:
    """Due from two weeks ago (overdue) to two months ahead; every third one completed."""
    now = datetime.now(UTC)
    for k in items:
        task = await add_task(
            tab.svc,
            ADMIN,
            tab.contact_id,
            title=tab.fake.sentence(nb_words=5).rstrip("."),
            description=tab.fake.paragraph() if tab.rnd.random() < 0.5 else None,
            due_at=now + timedelta(hours=tab.rnd.randint(-14 * 24, 60 * 24)),
            assignee_id=tab.rnd.choice(TEAM_IDS),
        )
        if k % 3 == 2:
            await complete_task(tab.svc, ADMIN, task.id)


def _interaction_details(kind: InteractionKind, tab: Tab) -> AnyDetails:
    rnd, fake = tab.rnd, tab.fake
    direction = rnd.choice(list(Direction))
    details: dict[InteractionKind, AnyDetails] = {
        InteractionKind.WEBSITE_VISIT: WebsiteVisit(fake.url() + "pricing", "Pricing"),
        InteractionKind.FORM_SUBMISSION: FormSubmission(f"form-{rnd.randint(1, 5)}", "Contact"),
        InteractionKind.SURVEY_SUBMISSION: SurveySubmission(f"survey-{rnd.randint(1, 3)}", "NPS"),
        InteractionKind.CALL: Call(direction, rnd.choice(list(CallOutcome)), rnd.randint(0, 900)),
        InteractionKind.EMAIL: EmailMessage(direction, fake.sentence(nb_words=6)),
        InteractionKind.SMS: SmsMessage(direction, fake.sentence(nb_words=12)),
        InteractionKind.PURCHASE: Purchase(
            rnd.randint(500, 50_000), "USD", f"sku-{rnd.randint(1, 40)}", "Cleaning", None
        ),
    }
    return details[kind]


ATTRIBUTIONS = (
    AttributionData(url="https://demo.example.com/?utm_source=google&utm_medium=cpc&gclid=Cj0K"),
    AttributionData(referrer="https://www.bing.com/", url="https://demo.example.com/"),
    AttributionData(utm_source="facebook", utm_medium="paid_social", utm_campaign="spring"),
    AttributionData(utm_source="newsletter", utm_medium="email", utm_content="header"),
    AttributionData(url="https://demo.example.com/book"),
    AttributionData(),
)


async def _seed_interactions(tab: Tab, items: range) -> None:
    """Every kind in turn, with varied attribution; the attribution is reset once, halfway."""
    kinds = list(InteractionKind)
    now = datetime.now(UTC)
    for k in items:
        kind = kinds[k % len(kinds)]
        await record_interaction(
            tab.svc,
            ADMIN,
            RecordInteraction(
                contact_id=tab.contact_id,
                external_id=f"bench-{tab.contact_id}-{k}",
                kind=kind,
                occurred_at=now - timedelta(minutes=tab.rnd.randint(0, 90 * 24 * 60)),
                details={DETAIL_TYPES[kind].FIELD: _interaction_details(kind, tab)},
                attribution=ATTRIBUTIONS[k % len(ATTRIBUTIONS)],
                origin=InteractionOrigin.CRM_UI if k % 5 == 4 else InteractionOrigin.INTEGRATION,
            ),
        )
        if k == tab.items_per_tab // 2:
            await reset_attribution(tab.svc, ADMIN, tab.contact_id)


async def _seed_workflows(tab: Tab, items: range) -> None:
    """One running workflow per item; every fifth item also one that ran and ended (stopped
    or completed), so the ACTIVE page is as full as the other tabs' and PAST is not empty."""
    for k in items:
        await enroll(tab.svc, ADMIN, tab.contact_id, f"wf-{k}", f"Nurture sequence {k}")
        if k % 5 == 4:
            ended = f"wf-ended-{k}"
            await enroll(tab.svc, ADMIN, tab.contact_id, ended, f"Onboarding {k}")
            reason = WorkflowEndReason.STOPPED if k % 2 else WorkflowEndReason.COMPLETED
            await end_workflow(tab.svc, ADMIN, tab.contact_id, ended, reason)


async def _seed_client_portal(tab: Tab, items: range) -> None:
    """A course offer granted and a community group assigned per item."""
    for k in items:
        name = tab.fake.catch_phrase()
        await portal_add(
            tab.svc, ADMIN, PortalKind.COURSE_OFFER, tab.contact_id, f"offer-{k}", name
        )
        await portal_add(
            tab.svc, ADMIN, PortalKind.COMMUNITY_GROUP, tab.contact_id, f"group-{k}", name
        )


async def _seed_appointments(tab: Tab, items: range) -> None:
    """Upcoming bookings on the shared calendar, each contact in slots of its own (so no two
    bookings compete for a slot), team members in turn, the next contact as an attendee;
    every tenth one cancelled (still listed)."""
    shared = tab.shared
    for k in items:
        slot = tab.index * tab.items_per_tab + k
        appointment = await book_appointment(
            tab.svc,
            ADMIN,
            BookAppointment(
                contact_id=tab.contact_id,
                calendar_id=shared.calendar_id,
                start=shared.first_slot + timedelta(minutes=SLOT_MINUTES * slot),
                type=AppointmentType.SERVICE if k % 4 == 3 else AppointmentType.MEETING,
                title=None if k % 2 else f"Check-up {k}",
                team_member_id=TEAM_IDS[slot % len(TEAM_IDS)],
                attendee_contact_ids=(
                    shared.contact_ids[(tab.index + 1) % len(shared.contact_ids)],
                ),
                status=AppointmentStatus.UNCONFIRMED if k % 3 else AppointmentStatus.CONFIRMED,
            ),
        )
        if k % 10 == 9:
            await cancel_appointment(tab.svc, ADMIN, appointment.id)


async def _seed_associations(tab: Tab, items: range) -> None:
    """Links in turn to another seeded contact (labelled; the link shows on both), a new
    company and a new custom-object record ("pets"). Contact i links to i+1, i+2, ... (at
    most 24 of them), so no two contacts link each other twice."""
    shared, fake = tab.shared, tab.fake
    n = len(shared.contact_ids)
    for k in items:
        target: Any
        if k % 3 == 0 and k // 3 < (n - 1) // 2:
            other = shared.contact_ids[(tab.index + 1 + k // 3) % n]
            given = GivenTarget(("targetId",), ExistingRecord(AssociationObjectType.CONTACT, other))
            label = shared.labels["contact"]
        elif k % 3 == 2:
            target = NewCustomObjectRecord(
                "pets", fake.first_name(), {"species": "dog", "age": tab.rnd.randint(1, 15)}
            )
            given = GivenTarget(("createCustomObjectRecord",), target)
            label = shared.labels["pets"]
        else:
            target = NewCompany(fake.company(), fake.domain_name())
            given = GivenTarget(("createCompany",), target)
            label = shared.labels["company"]
        await add_association(tab.svc, ADMIN, tab.contact_id, [given], [label])


async def _seed_opportunities(tab: Tab, items: range) -> None:
    statuses = list(OpportunityStatus)
    for k in items:
        new = NewOpportunity(
            name=f"{tab.fake.bs().capitalize()}",
            pipeline_id="sales",
            stage=tab.rnd.choice(["new", "qualified", "proposal", "negotiation"]),
            status=statuses[0] if k % 4 else tab.rnd.choice(statuses),
            value=Money(tab.rnd.randint(10, 5_000) * 100, "USD"),
        )
        await create_opportunity(
            tab.svc, ADMIN, tab.contact_id, new, [tab.shared.labels["opportunity"]]
        )


def demo_pdf(title: str) -> bytes:
    """A small valid one-page PDF that shows ``title`` (ASCII)."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def demo_png(rgb: tuple[int, int, int], size: int = 16) -> bytes:
    """A small valid PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def file_of(name: str, data: bytes) -> IncomingFile:
    """Bytes in memory as an uploaded file (demo data is small)."""

    async def read() -> AsyncIterator[bytes]:
        yield data

    return IncomingFile(name=name, size=len(data), read=read)


async def _seed_documents(tab: Tab, items: range) -> None:
    """In turn: an uploaded PDF (INTERNAL), an ID scan through the custom field (INTERNAL /
    Custom Fields), a proposal sent (SENT), a form submission's PDF (RECEIVED)."""
    for k in items:
        which = (tab.index + k) % 4
        if which == 1:
            colour = (tab.rnd.randrange(256), tab.rnd.randrange(256), tab.rnd.randrange(256))
            upload = file_of(f"id-scan-{k + 1}.png", demo_png(colour))
            origin = UploadOrigin(DocumentSource.CUSTOM_FIELD, "id_scan")
        else:
            title = tab.fake.catch_phrase()
            upload = file_of(f"{title}.pdf", demo_pdf(title))
            origin = [
                UploadOrigin(),
                UploadOrigin(),
                UploadOrigin(DocumentSource.SENT, new_id()),
                UploadOrigin(DocumentSource.FORM, new_id()),
            ][which]
        await upload_documents(tab.svc, ADMIN, tab.contact_id, [upload], origin=origin)


PAYING_EVERY = 5
"""Every fifth contact has cards, payments and a subscription (through the payment provider:
localstripe in development); every contact has invoices, which need none."""


async def _seed_payments(tab: Tab, items: range) -> None:
    """Invoices (drafts, sent, voided); on paying contacts, with a payment provider: a card
    on file, charges (one paying an invoice) and a subscription."""
    paying = tab.svc.payments is not None and tab.index % PAYING_EVERY == 0
    for k in items:
        lines = [
            InvoiceLine(
                tab.fake.bs().capitalize(),
                tab.rnd.randint(1, 5),
                tab.rnd.randrange(1_000, 50_000, 100),
            )
        ]
        parts = InvoiceInput(
            "USD",
            lines,
            [DiscountInput("Loyalty", percent="10")] if k % 3 else (),
            [TaxInput("Sales tax", "8.875")],
        )
        inv = await create_invoice(tab.svc, ADMIN, tab.contact_id, parts)
        if k % 4 == 1:
            await send_invoice(tab.svc, ADMIN, inv.id, InvoiceChannel.EMAIL)
        elif k % 4 == 2:
            await void_invoice(tab.svc, ADMIN, inv.id)
        if not paying or k > 2:
            continue
        if k == 0:
            await add_card(tab.svc, ADMIN, tab.contact_id, "pm_card_visa", "Main card")
        cards = await _cards(tab)
        if k == 1:
            await pay_invoice(tab.svc, ADMIN, inv.id, cards[0].id, None)
        await charge(
            tab.svc,
            ADMIN,
            ChargeCommand(
                tab.contact_id,
                tab.rnd.randrange(500, 20_000),
                "USD",
                tab.fake.catch_phrase(),
                payment_method_id=cards[0].id,
            ),
        )
        if k == 2:
            item = SubscriptionItem("Membership", 4_900, BillingInterval.MONTH)
            await subscribe(
                tab.svc, ADMIN, SubscribeCommand(tab.contact_id, "USD", (item,), cards[0].id)
            )


async def _cards(tab: Tab) -> list[PaymentMethod]:
    async with tab.svc.uow() as uow:
        return await uow.payments.cards_of(ADMIN.location_id, tab.contact_id)


TAB_SEEDERS: dict[str, TabSeeder] = {
    "notes": _seed_notes,
    "tasks": _seed_tasks,
    "interactions": _seed_interactions,
    "workflows": _seed_workflows,
    "course offers and community groups": _seed_client_portal,
    "appointments": _seed_appointments,
    "associations": _seed_associations,
    "opportunities": _seed_opportunities,
    "documents": _seed_documents,
    "payments": _seed_payments,
}
"""One seeder per tab of the record: ``(tab, items)`` seeds items ``items`` of its tab for
``tab.contact_id``, through the domain services. A new tab adds its own here, so the
whole-record query finds full pages of it (21 items per tab by default: every first page of
20 is full, with a next page)."""


async def fill_tabs(
    engine: AsyncEngine,
    files: FileStore,
    contact_ids: list[str],
    items_per_tab: int,
    progress: Callable[[int, int], None] | None = None,
    payments: PaymentGateway | None = None,
) -> Shared:
    """``items_per_tab`` items in every tab of each contact, one item at a time in turn so
    the newest activity mixes every tab's kinds. Returns what the seeders shared (the smart
    list, the calendar, the labels). ``progress`` is told ``(contacts filled, contacts)``."""

    svc = s.Services(
        uow=lambda: SqlUnitOfWork(engine), clock=SystemClock(), files=files, payments=payments
    )
    shared = await _shared(svc, contact_ids)
    gate = asyncio.Semaphore(SEED_CONCURRENCY)
    filled = 0

    async def fill(index: int, contact_id: str) -> None:
        fake = Faker()
        fake.seed_instance(index)
        tab = Tab(svc, shared, index, contact_id, items_per_tab, random.Random(index), fake)
        async with gate:
            for k in range(items_per_tab):
                for seed_tab in TAB_SEEDERS.values():
                    await seed_tab(tab, range(k, k + 1))
        nonlocal filled
        filled += 1
        if progress:
            progress(filled, len(contact_ids))

    await asyncio.gather(*(fill(i, contact_id) for i, contact_id in enumerate(contact_ids)))
    return shared
