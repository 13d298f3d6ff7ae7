"""Protocols through which the outside world reaches the domain, and the id generator."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from domain.appointments import Appointment
    from domain.associations import (
        AssociationLabel,
        AssociationLink,
        AssociationObjectType,
        Company,
        CustomObjectRecord,
        Opportunity,
    )
    from domain.attribution import ContactAttribution
    from domain.calendars import Busy, Calendar
    from domain.client_portal import PortalAccess, PortalKind
    from domain.contact import Contact
    from domain.custom_fields import CustomFieldDefinition
    from domain.documents import Document
    from domain.events import ContactEvent
    from domain.interactions import Interaction
    from domain.invoices import Invoice
    from domain.notes import Note
    from domain.payments import Payment, PaymentMethod
    from domain.smart_lists import SmartList
    from domain.subscriptions import Subscription
    from domain.tasks import Task
    from domain.viewer import Viewer
    from domain.webhooks import WebhookDelivery, WebhookEndpoint
    from domain.workflows import WorkflowEnrollment


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class Broker(Protocol):
    """Carries committed events to the subscriptions watching a contact, on any replica
    (``adapters/broker.py``). A subscription yields events, or a gap marker whenever some may
    have been lost: the subscriber then replays from the database, the source of truth."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, events: Sequence[ContactEvent]) -> None: ...

    def subscribe(self, name: str) -> AbstractAsyncContextManager[AsyncIterator[object]]: ...


def direct_delivery(subscription: object, take: Callable[[object], bool] | None) -> bool:
    """Let a broker subscription hand its items to ``take`` in the broker's own delivery
    while the consumer waits with nothing queued (None: stop); False when this broker's
    subscriptions have no such way (the consumer then only iterates)."""
    if not hasattr(subscription, "direct"):
        return False
    subscription.direct = take
    return True


def contact_channel(location_id: str, contact_id: str) -> str:
    """The broker channel of one contact's events."""
    return f"contact-graph:events:{location_id}:{contact_id}"


@dataclass(frozen=True)
class StoredFile:
    """What a file store kept: how many bytes, and their SHA-256 (hex)."""

    size: int
    sha256: str


class FileTooLarge(Exception):
    """The stream passed the size cap while being stored; nothing of it was kept."""


@dataclass(frozen=True)
class UploadTarget:
    """Where a client sends a file's bytes itself (a staged upload): an HTTP ``method`` to
    ``url`` with ``headers``, valid until ``expires_at``."""

    url: str
    method: str
    headers: Mapping[str, str]
    expires_at: datetime


def file_key(location_id: str, *parts: str) -> str:
    """A stored object's key: every key starts with its location, which is what binds a
    signed URL to one tenant (``FileStore.download_url`` refuses a key of another)."""
    return "/".join((location_id, *parts))


class FileStore(Protocol):
    """Where the bytes of documents (and profile pictures) live: local disk or an
    S3-compatible bucket (``adapters/files.py``). Bytes always travel as streams of chunks,
    never whole in memory; keys come from :func:`file_key`."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def put(self, key: str, chunks: AsyncIterable[bytes], max_size: int) -> StoredFile:
        """Store the stream under ``key`` (replacing what was there). Raises FileTooLarge as
        soon as it passes ``max_size`` bytes; on that or any other failure nothing is kept
        under the key (a half-written object is never visible)."""

    def open(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes as a stream; FileNotFoundError when there is none."""

    async def size(self, key: str) -> int | None:
        """The object's size in bytes, None when there is none."""

    async def delete(self, key: str) -> None:
        """Remove the object; no error when it is already gone."""

    async def download_url(
        self, key: str, location_id: str, filename: str, content_type: str
    ) -> str:
        """A short-lived signed URL that serves the object as an attachment named
        ``filename``, for a viewer of ``location_id``: a key of another location is
        refused (ValueError)."""

    async def upload_target(self, key: str, location_id: str, max_size: int) -> UploadTarget:
        """A short-lived signed target to which a client sends the object's bytes itself
        (S3: a presigned PUT; local: a signed PUT route); the stored bytes are checked
        afterwards, as an upload's are."""


class UnsupportedImage(Exception):
    """The bytes are not an image of an allowed format (JPEG, PNG, GIF, WebP)."""


class InvalidImage(Exception):
    """An image of an allowed format whose data cannot be decoded (truncated, corrupt)."""


class ImageTooLarge(Exception):
    """More pixels than allowed: a decompression bomb, refused before it is decoded."""


class ImageProcessor(Protocol):
    """Turns an uploaded image into the square renditions clients show (``adapters/
    pictures.py``: Pillow). CPU-bound and synchronous: callers run it off the event loop."""

    content_type: str
    """The type of every rendition it makes, e.g. ``image/webp``."""

    def square_renditions(self, data: bytes, sizes: Sequence[int]) -> list[bytes]:
        """The image's centred square, upright, scaled to each of ``sizes`` pixels, with no
        metadata (EXIF, GPS, XMP, comments, colour profile). Raises UnsupportedImage,
        InvalidImage or ImageTooLarge."""


class PictureFetchFailed(Exception):
    """A social profile picture could not be fetched: refused URL, HTTP error (a private
    profile answers 403/404), timeout, too many bytes or not an image. Safe to log."""


class PictureFetcher(Protocol):
    """Fetches a social platform's profile picture over HTTP(S) (``adapters/pictures.py``)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def fetch(self, url: str, max_bytes: int) -> bytes:
        """The body at ``url``, at most ``max_bytes`` of it; PictureFetchFailed otherwise."""


class Background(Protocol):
    """Runs work after a request has been answered, in this process
    (``adapters/background.py``): it must never fail or delay the request that started it."""

    def spawn(self, name: str, job: Callable[[], Awaitable[None]]) -> None:
        """Start ``job`` (named, e.g. per contact, so tests and shutdown can wait for it);
        its failure is logged, never raised to the caller."""


@dataclass(frozen=True)
class GatewayCard:
    """A card as the payment provider holds it: its id there and what may be shown of it."""

    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


class GatewayStatus(StrEnum):
    """Where a charge stands at the provider (Stripe's PaymentIntent status, folded)."""

    SUCCEEDED = "SUCCEEDED"
    REQUIRES_ACTION = "REQUIRES_ACTION"
    """The card needs authentication (3-D Secure): the client finishes it with the secret."""
    PROCESSING = "PROCESSING"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


@dataclass(frozen=True)
class GatewayCharge:
    """A charge at the provider. ``decline_code``/``message`` are set when it FAILED."""

    id: str
    status: GatewayStatus
    amount: int
    currency: str
    client_secret: str | None = None
    decline_code: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class GatewayPlanItem:
    """One recurring product of a subscription: ``amount`` minor units per ``interval``."""

    name: str
    amount: int
    currency: str
    interval: str
    """day, week, month or year."""
    quantity: int


@dataclass(frozen=True)
class GatewaySubscription:
    id: str
    status: str
    """The provider's status: trialing, active, past_due, canceled, incomplete, ..."""
    current_period_end: datetime | None


@dataclass(frozen=True)
class GatewayEvent:
    """A verified webhook event: its id (for deduplication), type and the object it is about."""

    id: str
    type: str
    object: Mapping[str, object]


class CardDeclined(Exception):
    """The provider refused the card (on attach or on charge)."""

    def __init__(self, decline_code: str, message: str) -> None:
        super().__init__(message)
        self.decline_code = decline_code
        self.message = message


class GatewayRefused(Exception):
    """The provider refused the request for another reason (unknown payment method, invalid
    parameters): the message is safe to show the user."""


class InvalidWebhook(Exception):
    """A webhook whose signature is missing, wrong or too old."""


class PaymentGateway(Protocol):
    """The card processor (``adapters/stripe_gateway.py``: Stripe). Every call that creates
    something takes our own ``idempotency_key``, stored before the call, so a retry can never
    create a second charge; card numbers never reach us, only the provider's ids."""

    async def create_customer(
        self, *, name: str, email: str | None, metadata: Mapping[str, str], idempotency_key: str
    ) -> str:
        """A new customer; its id."""

    async def attach_card(self, customer_id: str, payment_method_id: str) -> GatewayCard:
        """Attach the client-collected payment method to the customer. CardDeclined,
        GatewayRefused."""

    async def detach_card(self, payment_method_id: str) -> None:
        """Detach it; no error when it is already detached or gone."""

    async def charge(
        self,
        *,
        customer_id: str,
        payment_method_id: str,
        amount: int,
        currency: str,
        description: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> GatewayCharge:
        """Create and confirm a charge (off-session-capable); a decline is a FAILED charge,
        not an exception. GatewayRefused for anything else the provider refuses."""

    async def find_charge(self, customer_id: str, idempotency_key: str) -> GatewayCharge | None:
        """The charge made with ``idempotency_key`` (kept in its metadata), if any: how a
        pending payment whose answer was lost is reconciled."""

    async def subscribe(
        self,
        *,
        customer_id: str,
        payment_method_id: str,
        items: Sequence[GatewayPlanItem],
        start: datetime | None,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> GatewaySubscription:
        """Start a subscription billing ``items``, first on ``start`` (None: now)."""

    async def cancel_subscription(self, subscription_id: str) -> GatewaySubscription: ...

    def verify_webhook(self, payload: bytes, signature: str | None) -> GatewayEvent:
        """The event, when ``signature`` is the provider's valid, recent signature of
        ``payload``; InvalidWebhook otherwise."""


def new_id() -> str:
    """Identifiers are random UUIDs: unguessable across tenants, generated without I/O."""
    return str(uuid.uuid4())


class ContactRepository(Protocol):
    """Loads and stores whole contact aggregates of one location."""

    async def get(self, location_id: str, contact_id: str) -> Contact | None: ...

    async def find_by_email(self, location_id: str, address: str) -> Contact | None: ...

    async def find_by_phone(self, location_id: str, number: str) -> Contact | None: ...

    async def lock_upserts(self, location_id: str) -> None:
        """Serialise upserts of the location until the transaction ends: call it first, so
        the look-ups that follow see every upsert committed before it (a write, so on SQLite
        it also takes the database's write lock)."""

    async def hold(self, location_id: str, contact_id: str) -> None:
        """Keep other writers off the contact until the transaction ends, so what is read
        next is what commits: a row lock, or on SQLite (no row locks) the database's write
        lock. Call it first: it does not check that the contact exists or is visible."""

    async def is_visible(self, viewer: Viewer, contact_id: str) -> bool:
        """Whether ``viewer`` may see the contact (one cheap query, no aggregate load)."""

    async def add(self, contact: Contact) -> None: ...

    async def save(self, contact: Contact) -> None:
        """Write what changed since ``get``; raises ConcurrencyConflict if someone else did."""


class CustomFieldRepository(Protocol):
    async def list(self, location_id: str) -> list[CustomFieldDefinition]: ...

    async def get(self, location_id: str, field_id: str) -> CustomFieldDefinition | None: ...

    async def by_keys(
        self, location_id: str, keys: Sequence[str]
    ) -> dict[str, CustomFieldDefinition]: ...

    async def add(self, definition: CustomFieldDefinition) -> bool:
        """False when the location already has a field with this key."""

    async def save(self, definition: CustomFieldDefinition) -> None: ...

    async def delete(self, definition: CustomFieldDefinition) -> None: ...


class NoteRepository(Protocol):
    async def get(self, location_id: str, note_id: str) -> Note | None:
        """The note, row-locked until the transaction ends where the database can."""

    async def add(self, note: Note) -> None: ...

    async def save(self, note: Note) -> bool:
        """False when the note is gone (deleted by a concurrent transaction)."""

    async def delete(self, note: Note) -> bool:
        """False when the note was already gone."""


class TaskRepository(Protocol):
    async def get(self, location_id: str, task_id: str) -> Task | None:
        """The task, row-locked until the transaction ends where the database can."""

    async def add(self, task: Task) -> None: ...

    async def save(self, task: Task) -> None:
        """Store the task; raises ConcurrencyConflict if it changed since ``get``."""

    async def delete(self, task: Task) -> None:
        """Delete the task; raises ConcurrencyConflict if it changed since ``get``."""


class InteractionRepository(Protocol):
    async def add(self, interaction: Interaction) -> bool:
        """Insert unless the location already holds its external id; True if inserted.
        A duplicate, even one committed concurrently, is never an error."""

    async def by_external_id(self, location_id: str, external_id: str) -> Interaction | None: ...

    async def attribution_for_update(self, location_id: str, contact_id: str) -> ContactAttribution:
        """The contact's attribution (empty if none yet), locked until the transaction
        ends, so concurrent interactions of one contact move it one at a time."""

    async def save_attribution(self, attribution: ContactAttribution) -> None: ...


class WorkflowRepository(Protocol):
    async def active(
        self, location_id: str, contact_id: str, workflow_id: str
    ) -> WorkflowEnrollment | None:
        """The contact's running enrolment in the workflow, if any."""

    async def last_ended(
        self, location_id: str, contact_id: str, workflow_id: str
    ) -> WorkflowEnrollment | None:
        """The contact's enrolment in the workflow that ended last, if any."""

    async def add(self, enrollment: WorkflowEnrollment) -> bool:
        """Store a new active enrolment; False (and nothing written) when the contact is
        already actively enrolled in that workflow -- decided by the store, so two
        concurrent enrolments cannot both succeed."""

    async def end(self, enrollment: WorkflowEnrollment) -> bool:
        """Record that it ended; False when it was no longer active (ended concurrently)."""


class PortalRepository(Protocol):
    """Course offers granted to contacts and community groups they are assigned to."""

    async def get(
        self, kind: PortalKind, location_id: str, contact_id: str, ref_id: str
    ) -> PortalAccess | None: ...

    async def add(self, access: PortalAccess) -> bool:
        """Store it; False (and nothing written) when the contact already has it."""

    async def remove(self, access: PortalAccess) -> bool:
        """Delete it; False when it was already gone."""


class SmartListRepository(Protocol):
    async def get(self, location_id: str, smart_list_id: str) -> SmartList | None: ...

    async def by_name(self, location_id: str, name: str) -> SmartList | None:
        """The location's list of this name (names are unique regardless of case)."""

    async def add(self, smart_list: SmartList) -> bool:
        """Store a new list; False (nothing written) when the location has one of that
        name, even one committed concurrently."""

    async def save(self, smart_list: SmartList) -> None:
        """Raises DomainError(DUPLICATE) when the location has a list of that name."""

    async def delete(self, smart_list: SmartList) -> None: ...


class CalendarRepository(Protocol):
    async def get(self, location_id: str, calendar_id: str) -> Calendar | None: ...

    async def count(self, location_id: str) -> int: ...

    async def add(self, calendar: Calendar) -> None: ...

    async def save(self, calendar: Calendar) -> None: ...

    async def delete(self, calendar: Calendar) -> None:
        """Raises DomainError(IN_USE) if an appointment refers to it."""


class AppointmentRepository(Protocol):
    async def get(self, location_id: str, appointment_id: str) -> Appointment | None: ...

    async def lock_team_members(self, location_id: str, team_member_ids: Sequence[str]) -> None:
        """Hold these members' booking locks until the transaction ends (a write, so on
        SQLite it also takes the database's write lock); call with ids sorted."""

    async def busy(
        self,
        location_id: str,
        team_member_ids: Sequence[str],
        start: datetime,
        end: datetime,
        exclude_id: str | None = None,
    ) -> list[Busy]:
        """The members' non-cancelled appointments overlapping ``[start, end)``, any calendar."""

    async def count_on_calendar(self, location_id: str, calendar_id: str) -> int: ...

    async def add(self, appointment: Appointment) -> None: ...

    async def save(self, appointment: Appointment) -> None:
        """Raises ConcurrencyConflict if it changed since it was read."""


class WebhookRepository(Protocol):
    """A location's webhook endpoints and the admin's writes to their deliveries (the
    delivery worker has its own queries, ``persistence/webhook_queue.py``)."""

    async def endpoint(self, location_id: str, endpoint_id: str) -> WebhookEndpoint | None: ...

    async def count(self, location_id: str) -> int: ...

    async def add(self, endpoint: WebhookEndpoint) -> None: ...

    async def save(self, endpoint: WebhookEndpoint) -> None: ...

    async def delete(self, endpoint: WebhookEndpoint) -> None: ...

    async def log_position(self) -> int:
        """The newest committed event's sequence (0 for an empty log)."""

    async def delivery(self, location_id: str, delivery_id: str) -> WebhookDelivery | None: ...

    async def restart_pending(self, endpoint_id: str, now: datetime) -> None:
        """Its PENDING deliveries are due ``now``, with a fresh retry window."""

    async def redeliver(self, delivery: WebhookDelivery) -> None:
        """Store its new status and times (a worker's lease on it stays)."""


class MergeRepository(Protocol):
    """What merging a duplicate into a survivor writes besides the two aggregates
    (domain/merge.py): set-based, so its cost does not grow with the items moved."""

    async def interaction_times(
        self, location_id: str, interaction_ids: Sequence[str]
    ) -> dict[str, datetime]:
        """When each of these interactions happened."""

    async def with_provider_customer(
        self, location_id: str, contact_ids: Sequence[str]
    ) -> set[str]:
        """Which of the contacts have a customer at the payment provider."""

    async def move_items(self, location_id: str, duplicate_id: str, survivor_id: str) -> None:
        """Every tab's items of the duplicate become the survivor's; where a tab allows one
        item per contact (and key) the survivor's is kept, and links between the two go.
        References to the duplicate (links from other contacts, contacts merged into it)
        point at the survivor."""

    async def retire(self, duplicate: Contact) -> None:
        """Store the duplicate as merged (its head; its phones, emails, tags, followers, DND
        and custom values are gone, moved by the survivor's save); ConcurrencyConflict if
        it changed since it was read."""


class UnitOfWork(Protocol):
    """One transaction: everything in it commits together or not at all.

    Events recorded with :meth:`record` are stored in the same transaction and handed to
    subscribers only after a successful commit.
    """

    @property
    def contacts(self) -> ContactRepository: ...

    @property
    def custom_fields(self) -> CustomFieldRepository: ...

    @property
    def notes(self) -> NoteRepository: ...

    @property
    def tasks(self) -> TaskRepository: ...

    @property
    def interactions(self) -> InteractionRepository: ...

    @property
    def workflows(self) -> WorkflowRepository: ...

    @property
    def client_portal(self) -> PortalRepository: ...

    @property
    def smart_lists(self) -> SmartListRepository: ...

    @property
    def documents(self) -> DocumentRepository: ...

    @property
    def payments(self) -> PaymentRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    @property
    def calendars(self) -> CalendarRepository: ...

    @property
    def appointments(self) -> AppointmentRepository: ...

    @property
    def associations(self) -> AssociationRepository: ...

    @property
    def records(self) -> RecordRepository: ...

    @property
    def webhooks(self) -> WebhookRepository: ...

    @property
    def merges(self) -> MergeRepository: ...

    def record(self, event: ContactEvent) -> None: ...

    def on_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run ``action`` once this unit of work has committed (never if it rolls back):
        for effects outside the database that must not happen for a change that did not,
        such as deleting a document's or a replaced picture's stored bytes."""

    async def commit(self) -> None: ...


class DocumentRepository(Protocol):
    async def get(self, location_id: str, document_id: str) -> Document | None:
        """The document, row-locked until the transaction ends where the database can."""

    async def existing(self, location_id: str, contact_id: str, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are documents of the contact."""

    async def add(self, document: Document) -> None: ...

    async def save(self, document: Document) -> None: ...

    async def delete(self, document: Document) -> bool:
        """False when it was already gone."""


class AssociationRepository(Protocol):
    """Links between contacts and records (each with its labels), and label definitions."""

    async def get(self, location_id: str, association_id: str) -> AssociationLink | None:
        """The link one of whose sides has this id, locked until the transaction ends."""

    async def find(
        self,
        location_id: str,
        contact_id: str,
        object_type: AssociationObjectType,
        object_id: str,
    ) -> AssociationLink | None: ...

    async def with_label(self, location_id: str, label_id: str) -> list[AssociationLink]: ...

    async def contact_ids_linked_to(
        self, location_id: str, object_type: AssociationObjectType, object_id: str
    ) -> list[str]: ...

    async def add(self, link: AssociationLink) -> None:
        """Store a new link; ConcurrencyConflict when its pair was linked meanwhile."""

    async def save_labels(self, link: AssociationLink) -> None: ...

    async def remove(self, link: AssociationLink) -> None: ...

    async def labels(self, location_id: str) -> list[AssociationLabel]: ...

    async def labels_by_id(
        self, location_id: str, label_ids: Sequence[str]
    ) -> dict[str, AssociationLabel]: ...

    async def add_label(self, label: AssociationLabel) -> None: ...

    async def save_label(self, label: AssociationLabel) -> None: ...

    async def delete_label(self, label: AssociationLabel) -> None: ...


class RecordRepository(Protocol):
    """The records contacts link to: opportunities, companies, custom-object records."""

    async def opportunity(
        self, location_id: str, opportunity_id: str, for_update: bool = False
    ) -> Opportunity | None: ...

    async def add_opportunity(self, opportunity: Opportunity) -> None: ...

    async def save_opportunity(self, opportunity: Opportunity) -> None: ...

    async def company(self, location_id: str, company_id: str) -> Company | None: ...

    async def add_company(self, company: Company) -> None: ...

    async def custom_object_record(
        self, location_id: str, record_id: str
    ) -> CustomObjectRecord | None: ...

    async def add_custom_object_record(self, record: CustomObjectRecord) -> None: ...


class PaymentRepository(Protocol):
    """The Payments tab's rows: customers, cards on file, payments, subscriptions, invoices,
    and the provider's webhook events already applied."""

    async def customer_of(self, location_id: str, contact_id: str) -> str | None: ...

    async def set_customer(self, location_id: str, contact_id: str, customer_id: str) -> str:
        """Store the contact's customer unless one is stored; the stored one."""

    async def add_card(self, card: PaymentMethod) -> bool:
        """False when the same provider payment method is already saved."""

    async def get_card(self, location_id: str, card_id: str) -> PaymentMethod | None: ...

    async def card_by_provider_id(
        self, location_id: str, provider_id: str
    ) -> PaymentMethod | None: ...

    async def cards_of(self, location_id: str, contact_id: str) -> list[PaymentMethod]: ...

    async def card_in_use(self, card_id: str) -> bool:
        """A subscription that is not cancelled bills it."""

    async def save_card(self, card: PaymentMethod) -> None: ...

    async def delete_card(self, card_id: str) -> bool: ...

    async def add_payment(self, payment: Payment) -> bool:
        """False when the location already has a payment under its idempotency key."""

    async def get_payment(self, location_id: str, payment_id: str) -> Payment | None:
        """Locked for the rest of the unit of work (the answer and the webhook race)."""

    async def payment_by_key(self, location_id: str, key: str) -> Payment | None: ...

    async def payment_by_reference(
        self, payment_id: str | None, provider_id: str | None
    ) -> Payment | None:
        """By our id (the provider's metadata) or the provider's id; locked."""

    async def claim(self, payment_id: str, now: datetime, until: datetime) -> bool:
        """Take the lease of a PENDING payment whose lease ran out; False if another has it."""

    async def save_payment(self, payment: Payment) -> None: ...

    async def add_subscription(self, subscription: Subscription) -> bool: ...

    async def get_subscription(
        self, location_id: str, subscription_id: str
    ) -> Subscription | None: ...

    async def subscription_by_key(self, location_id: str, key: str) -> Subscription | None: ...

    async def subscription_by_reference(
        self, subscription_id: str | None, provider_id: str | None
    ) -> Subscription | None:
        """By our id (the provider's metadata) or the provider's id; locked."""

    async def save_subscription(self, subscription: Subscription) -> None: ...

    async def add_invoice(self, invoice: Invoice) -> None: ...

    async def get_invoice(self, location_id: str, invoice_id: str) -> Invoice | None: ...

    async def save_invoice(self, invoice: Invoice) -> None: ...

    async def remember_event(self, event_id: str, event_type: str, at: datetime) -> bool:
        """False when this provider event was applied before."""
