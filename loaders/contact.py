"""Loaders of the contact core, and the per-request bundle that holds every loader."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.client_portal import PortalKind
from domain.contact import Contact, ContactPoint, DndSetting
from domain.custom_fields import CustomFieldDefinition, CustomValue
from domain.viewer import Viewer
from loaders.activity import activity_count_loader, activity_page_loader
from loaders.appointments import appointments_count_loader, appointments_page_loader
from loaders.associations import (
    AppliedLabelsByLinkLoader,
    LinkedContactCountLoader,
    LinkedContactsLoader,
    associations_count_loader,
    associations_page_loader,
    company_by_id_loader,
    custom_object_record_by_id_loader,
    opportunities_count_loader,
    opportunities_page_loader,
    opportunity_by_id_loader,
)
from loaders.base import CountByContactLoader, PagedByContactLoader, SqlLoader, grouped
from loaders.calendars import CalendarByIdLoader
from loaders.client_portal import portal_count_loader, portal_page_loader
from loaders.documents import DocumentByIdLoader, documents_count_loader, documents_page_loader
from loaders.interactions import (
    AttributionByContactLoader,
    interactions_count_loader,
    interactions_page_loader,
)
from loaders.notes import notes_count_loader, notes_page_loader
from loaders.payments import card_loaders, invoice_loaders, payment_loaders, subscription_loaders
from loaders.smart_lists import (
    ListContactsLoader,
    ListCountLoader,
    NavigationLoader,
    SmartListByIdLoader,
)
from loaders.tasks import tasks_count_loader, tasks_page_loader
from loaders.webhooks import DeliveryCountLoader, DeliveryPagesLoader, LatestAttemptsLoader
from loaders.workflows import workflows_count_loader, workflows_page_loader
from persistence import queries
from persistence.mappers import (
    contact_from_rows,
    custom_value_from_row,
    definition_from_row,
    dnd_from_row,
    point_from_row,
)
from persistence.tables import CUSTOM_FIELD

CF = CUSTOM_FIELD


class ContactByIdLoader(SqlLoader[str, Contact | None]):
    """Contacts the viewer may see (their location; if assigned-only, owned or followed).

    A contact outside that set resolves to ``None``, exactly like an id that does not
    exist. A merged contact's id resolves to the contact it was merged into, as that one's
    visibility allows. The contact's lists are not loaded here: each comes from its own loader.
    """

    def __init__(self, engine: AsyncEngine, viewer: Viewer) -> None:
        super().__init__(engine)
        self.viewer = viewer

    async def fetch(self, conn: AsyncConnection, keys: Sequence[str]) -> dict[str, Contact | None]:
        rows = await queries.contact_rows_by_alias(conn, keys, queries.visible_to(self.viewer))
        return {cid: contact_from_rows(row) for cid, row in rows.items()}


PhonesByContactLoader = grouped(queries.phones, lambda r: point_from_row(r, "number"))
EmailsByContactLoader = grouped(queries.emails, lambda r: point_from_row(r, "address"))
TagsByContactLoader = grouped(queries.tags, lambda r: r["tag"])
FollowersByContactLoader = grouped(queries.followers, lambda r: r["user_id"])
DndByContactLoader = grouped(queries.dnd, dnd_from_row)
CustomValuesByContactLoader = grouped(
    queries.custom_values, lambda r: (r["field_id"], custom_value_from_row(r))
)


class CustomFieldByIdLoader(SqlLoader[str, CustomFieldDefinition | None]):
    def __init__(self, engine: AsyncEngine, location_id: str) -> None:
        super().__init__(engine)
        self.location_id = location_id

    async def fetch(
        self, conn: AsyncConnection, keys: Sequence[str]
    ) -> dict[str, CustomFieldDefinition | None]:
        stmt = select(CF).where(CF.c.location_id == self.location_id, CF.c.id.in_(keys))
        return {r["id"]: definition_from_row(r) for r in (await conn.execute(stmt)).mappings()}


class Loaders:
    """Every loader of one request (or of one subscription event): created fresh, so no
    cache outlives the request that filled it."""

    def __init__(self, engine: AsyncEngine, viewer: Viewer) -> None:
        self.contact = ContactByIdLoader(engine, viewer)
        self.phones = PhonesByContactLoader(engine)
        self.emails = EmailsByContactLoader(engine)
        self.tags = TagsByContactLoader(engine)
        self.followers = FollowersByContactLoader(engine)
        self.dnd = DndByContactLoader(engine)
        self.custom_values = CustomValuesByContactLoader(engine)
        self.custom_field = CustomFieldByIdLoader(engine, viewer.location_id)
        self.activity = activity_page_loader(engine)
        self.activity_count = activity_count_loader(engine)
        self.notes = notes_page_loader(engine)
        self.notes_count = notes_count_loader(engine)
        self.tasks = tasks_page_loader(engine)
        self.tasks_count = tasks_count_loader(engine)
        self.interactions = interactions_page_loader(engine)
        self.interactions_count = interactions_count_loader(engine)
        self.attribution = AttributionByContactLoader(engine)
        self.workflows = workflows_page_loader(engine)
        self.workflows_count = workflows_count_loader(engine)
        self.course_offers = portal_page_loader(engine, PortalKind.COURSE_OFFER)
        self.course_offers_count = portal_count_loader(engine, PortalKind.COURSE_OFFER)
        self.community_groups = portal_page_loader(engine, PortalKind.COMMUNITY_GROUP)
        self.community_groups_count = portal_count_loader(engine, PortalKind.COMMUNITY_GROUP)
        self.smart_list = SmartListByIdLoader(engine, viewer.location_id)
        self.navigation = NavigationLoader(engine, viewer)
        self.list_contacts = ListContactsLoader(engine, viewer)
        self.list_count = ListCountLoader(engine, viewer)
        self.calendar = CalendarByIdLoader(engine, viewer.location_id)
        self.appointments = appointments_page_loader(engine)
        self.appointments_count = appointments_count_loader(engine)
        self.associations = associations_page_loader(engine, viewer)
        self.associations_count = associations_count_loader(engine, viewer)
        self.association_labels = AppliedLabelsByLinkLoader(engine)
        self.opportunities = opportunities_page_loader(engine)
        self.opportunities_count = opportunities_count_loader(engine)
        self.opportunity = opportunity_by_id_loader(engine, viewer.location_id)
        self.company = company_by_id_loader(engine, viewer.location_id)
        self.custom_object_record = custom_object_record_by_id_loader(engine, viewer.location_id)
        self.linked_contacts = LinkedContactsLoader(engine, viewer)
        self.linked_contacts_count = LinkedContactCountLoader(engine, viewer)
        self.documents = documents_page_loader(engine)
        self.documents_count = documents_count_loader(engine)
        self.document = DocumentByIdLoader(engine, viewer.location_id)
        self.webhook_deliveries = DeliveryPagesLoader(engine)
        self.webhook_deliveries_count = DeliveryCountLoader(engine)
        self.webhook_attempts = LatestAttemptsLoader(engine)
        self.payment_methods, self.payment_methods_count = card_loaders(engine)
        self.payments, self.payments_count = payment_loaders(engine)
        self.subscriptions, self.subscriptions_count = subscription_loaders(engine)
        self.invoices, self.invoices_count = invoice_loaders(engine)
        self.signed_urls: dict[tuple[str, str, str], str] = {}
        """Download URLs signed for this request (resolvers.common.signed_url)."""

    def forget_lists(self) -> None:
        """After a write to a tab: the payload re-reads lists instead of serving stale ones."""
        for loader in vars(self).values():
            if isinstance(loader, PagedByContactLoader | CountByContactLoader):
                loader.clear_all()

    def prime_contact(self, contact: Contact) -> None:
        """After a write: serve the changed aggregate without reading it back."""
        for loader in (
            self.contact,
            self.phones,
            self.emails,
            self.tags,
            self.followers,
            self.dnd,
            self.custom_values,
        ):
            loader.clear(contact.id)
        self.forget_lists()
        self.contact.prime(contact.id, contact)
        self.phones.prime(contact.id, list(contact.phones.items))
        self.emails.prime(contact.id, list(contact.emails.items))
        self.tags.prime(contact.id, list(contact.tags))
        self.followers.prime(contact.id, list(contact.follower_ids))
        self.dnd.prime(contact.id, list(contact.dnd.values()))
        self.custom_values.prime(contact.id, list(contact.custom_values.items()))


__all__ = ["ContactPoint", "CustomValue", "DndSetting", "Loaders"]
