"""Use cases of the contact core: ``(command, viewer, uow, ...) -> result``.

Each runs in one unit of work: load the aggregate, let it apply its rules, store it with an
event that records the field-level changes, commit. A broken rule raises
:class:`DomainError` before anything is written; a concurrent write to the same contact
(``ConcurrencyConflict``) makes the whole command run again on fresh data.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from domain.commands import ContactDraft, CustomValueByKey, NewCustomField, PointUpdate
from domain.contact import KEEP, Contact, DndChannel, EmailLabel, PhoneLabel
from domain.custom_fields import CustomFieldDefinition, check_value
from domain.errors import ConcurrencyConflict, DomainError, ErrorCode
from domain.events import ContactEvent, EventKind, FieldChange, contact_event
from domain.ports import Clock, FileStore, PaymentGateway, UnitOfWork
from domain.viewer import Viewer

if TYPE_CHECKING:
    from domain.pictures import PictureTools

UowFactory = Callable[[], UnitOfWork]
MAX_FILE_BYTES = 250 * 1024 * 1024
"""The help page's "up to 250 MB each", read as MiB; the server's setting may change it."""
MAX_ATTEMPTS = 10
"""Optimistic writes are tried this often before the client gets a CONFLICT error. On
PostgreSQL the contact row is also locked while a command runs, so retries are rare there."""


@dataclass(frozen=True)
class Services:
    """The collaborators every use case needs, bound once per request."""

    uow: UowFactory
    clock: Clock
    files: FileStore
    phone_region: str = "US"
    max_file_bytes: int = MAX_FILE_BYTES
    pictures: PictureTools | None = None
    """Image processing, the social picture fetch and background work (domain/pictures.py)."""
    webhooks_allow_http: bool = False
    """Development only: webhook endpoints may be http:// URLs."""
    payments: PaymentGateway | None = None
    """The card processor (Stripe); None: the Payments tab's writes are refused."""


def _not_found(*path: str) -> DomainError:
    # Another location's contact, or one a restricted viewer may not see, is "not found":
    # the answer must not reveal that it exists.
    return DomainError.single(ErrorCode.NOT_FOUND, "no contact with this id", *path)


async def _visible(uow: UnitOfWork, viewer: Viewer, contact_id: str) -> Contact:
    return await contact_for(uow, viewer.location_id, contact_id, viewer)


async def contact_for(
    uow: UnitOfWork, location_id: str, contact_id: str, viewer: Viewer | None
) -> Contact:
    """The contact, for ``viewer`` (None: the system, e.g. a background job, which sees
    every contact of the location); NOT_FOUND on ``contactId`` otherwise."""
    contact = await uow.contacts.get(location_id, contact_id)
    if (
        contact is None
        # a merged contact reads as its survivor and takes no changes of its own
        or contact.merged_into_id is not None
        or (viewer is not None and not viewer.can_see(contact.owner_id, contact.follower_ids))
    ):
        raise _not_found("contactId")
    return contact


class OfContact(Protocol):
    contact_id: str


ItemT = TypeVar("ItemT", bound=OfContact)


async def visible_item(
    uow: UnitOfWork, viewer: Viewer, item: ItemT | None, missing: Callable[[], DomainError]
) -> ItemT:
    """A tab's item (note, task, appointment...) is the viewer's to see and change exactly
    when its contact is; any other id -- another location's, a hidden contact's -- is simply
    "not found"."""
    if item is None or not await uow.contacts.is_visible(viewer, item.contact_id):
        raise missing()
    return item


async def visible_contact_id(uow: UnitOfWork, viewer: Viewer, contact_id: str) -> str:
    """For tabs: the contact must exist, in the viewer's location, visible to them."""
    if not await uow.contacts.is_visible(viewer, contact_id):
        raise _not_found("contactId")
    return contact_id


async def retrying(run: Callable[[], Awaitable[Any]]) -> Any:
    """Run again, after a short random pause, while another writer got there first."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            return await run()
        except ConcurrencyConflict as exc:
            if attempt == MAX_ATTEMPTS - 1:
                raise DomainError.single(
                    ErrorCode.CONFLICT, "the contact is being changed by others; try again"
                ) from exc
            await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
    raise AssertionError("unreachable")


def _event(
    kind: EventKind, contact: Contact, viewer: Viewer, at: datetime, changes: Sequence[FieldChange]
) -> ContactEvent:
    return contact_event(kind, contact.id, viewer, at, changes)


Change = Callable[[Contact, datetime, UnitOfWork], Awaitable[list[FieldChange]]]


async def change_contact(
    svc: Services, viewer: Viewer, contact_id: str, kind: EventKind, change: Change
) -> Contact:
    """Load, change, store with its event, commit -- the one path every edit takes.

    A change that alters nothing (adding a tag already there) commits no event.
    """

    async def run() -> Contact:
        async with svc.uow() as uow:
            contact = await _visible(uow, viewer, contact_id)
            now = svc.clock.now()
            changes = await change(contact, now, uow)
            if changes:
                contact.updated_at = now
                await uow.contacts.save(contact)
                uow.record(_event(kind, contact, viewer, now, changes))
                await uow.commit()
            return contact

    result: Contact = await retrying(run)
    return result


# -- create, update, upsert ------------------------------------------------------------------


async def apply_draft(
    contact: Contact,
    draft: ContactDraft,
    svc: Services,
    viewer: Viewer,
    now: datetime,
    uow: UnitOfWork,
) -> list[FieldChange]:
    """Apply every part of a draft through the aggregate's own rules, in input order."""
    changes = contact.update_profile(draft.profile, now.date())
    # a number or address the contact already has (or the draft gave before) stays as it is
    for i, phone in enumerate(draft.phones):
        changes += contact.add_phone(
            phone.value, phone.label, phone.primary, svc.phone_region, ("phones", str(i))
        )[1]
    for i, email in enumerate(draft.emails):
        changes += contact.add_email(email.value, email.label, email.primary, ("emails", str(i)))[1]
    changes += contact.add_tags(draft.tags)
    if draft.owner_id is not KEEP:
        changes += contact.set_owner(draft.owner_id)
    changes += contact.add_followers(draft.follower_ids, ("followerIds",))
    changes += contact.set_dnd(draft.dnd, viewer.user_id, now)
    changes += await _set_custom_values(contact, draft.custom_values, svc, uow, ("customFields",))
    return changes


async def create_contact(svc: Services, viewer: Viewer, draft: ContactDraft) -> Contact:
    from domain.pictures import check_social_picture_url, fetch_social_picture_later

    url = check_social_picture_url(draft.social_picture_url)
    async with svc.uow() as uow:
        contact = await create_in(uow, svc, viewer, draft, svc.clock.now())
        await uow.commit()
    fetch_social_picture_later(svc, contact, url)
    return contact


async def create_in(
    uow: UnitOfWork, svc: Services, viewer: Viewer, draft: ContactDraft, now: datetime
) -> Contact:
    """Create the contact inside ``uow`` (the caller commits), with its CONTACT_CREATED event.

    A restricted (assigned-only) creator who names no owner becomes the owner, so the
    contact they just made does not vanish from their own view."""
    contact = Contact(location_id=viewer.location_id, created_at=now, updated_at=now)
    if draft.owner_id is KEEP and viewer.assigned_only:
        draft = replace(draft, owner_id=viewer.user_id)
    changes = await apply_draft(contact, draft, svc, viewer, now, uow)
    await uow.contacts.add(contact)
    uow.record(_event(EventKind.CONTACT_CREATED, contact, viewer, now, changes))
    return contact


async def update_contact(
    svc: Services, viewer: Viewer, contact_id: str, profile: dict[str, Any]
) -> Contact:
    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        return c.update_profile(profile, now.date())

    return await change_contact(svc, viewer, contact_id, EventKind.CONTACT_UPDATED, change)


async def upsert_contact(
    svc: Services, viewer: Viewer, draft: ContactDraft
) -> tuple[Contact, bool]:
    """Match an existing contact by the draft's emails, then phones; update it, or create.

    Returns the contact and whether it was created. Only contacts the viewer may see match.
    Match and write happen in one unit of work that first takes the location's upsert
    lock, so concurrent upserts of the same person run one after the other: the first
    creates the contact, the others find it and update it.
    """
    from domain.pictures import check_social_picture_url, fetch_social_picture_later
    from domain.values import normalize_email, normalize_phone

    url = check_social_picture_url(draft.social_picture_url)
    addresses = [
        normalize_email(e.value, "emails", str(i), "address") for i, e in enumerate(draft.emails)
    ]
    numbers = [
        normalize_phone(p.value, svc.phone_region, "phones", str(i), "number")
        for i, p in enumerate(draft.phones)
    ]

    async def run() -> tuple[Contact, bool]:
        async with svc.uow() as uow:
            await uow.contacts.lock_upserts(viewer.location_id)
            match = None
            for address in addresses:
                match = match or await uow.contacts.find_by_email(viewer.location_id, address)
            for number in numbers:
                match = match or await uow.contacts.find_by_phone(viewer.location_id, number)
            if match is not None and not viewer.can_see(match.owner_id, match.follower_ids):
                match = None
            now = svc.clock.now()
            if match is None:
                created = await create_in(uow, svc, viewer, draft, now)
                await uow.commit()
                return created, True
            changes = await apply_draft(match, draft, svc, viewer, now, uow)
            if changes:
                match.updated_at = now
                await uow.contacts.save(match)
                uow.record(_event(EventKind.CONTACT_UPDATED, match, viewer, now, changes))
                await uow.commit()
            return match, False

    result: tuple[Contact, bool] = await retrying(run)
    # also when nothing else changed: a picture given to a contact that had none, or a new
    # one on the social profile (the same image again is no change, domain/pictures.py)
    fetch_social_picture_later(svc, result[0], url)
    return result


async def archive_contact(svc: Services, viewer: Viewer, contact_id: str) -> Contact:
    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        return c.archive(now)

    return await change_contact(svc, viewer, contact_id, EventKind.CONTACT_ARCHIVED, change)


async def restore_contact(svc: Services, viewer: Viewer, contact_id: str) -> Contact:
    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        return c.restore()

    return await change_contact(svc, viewer, contact_id, EventKind.CONTACT_RESTORED, change)


# -- phones and emails -----------------------------------------------------------------------


async def add_phone(
    svc: Services,
    viewer: Viewer,
    contact_id: str,
    value: str,
    label: PhoneLabel | None,
    primary: bool,
) -> Contact:
    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        return c.add_phone(value, label, primary, svc.phone_region)[1]

    return await change_contact(svc, viewer, contact_id, EventKind.PHONE_ADDED, change)


async def add_email(
    svc: Services,
    viewer: Viewer,
    contact_id: str,
    value: str,
    label: EmailLabel | None,
    primary: bool,
) -> Contact:
    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        return c.add_email(value, label, primary)[1]

    return await change_contact(svc, viewer, contact_id, EventKind.EMAIL_ADDED, change)


async def update_point(
    svc: Services, viewer: Viewer, contact_id: str, kind: str, update: PointUpdate
) -> Contact:
    """Change the value and/or label of a phone (``kind="phone"``) or an email."""
    from domain.values import normalize_email, normalize_phone

    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        points = c.phones if kind == "phone" else c.emails
        value = update.value
        if value is not None:
            value = (
                normalize_phone(value, svc.phone_region, points.value_field)
                if kind == "phone"
                else normalize_email(value, points.value_field)
            )
        return points.update(update.id, value, update.label)

    event = EventKind.PHONE_UPDATED if kind == "phone" else EventKind.EMAIL_UPDATED
    return await change_contact(svc, viewer, contact_id, event, change)


async def set_primary_point(
    svc: Services, viewer: Viewer, contact_id: str, kind: str, point_id: str
) -> Contact:
    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        return (c.phones if kind == "phone" else c.emails).set_primary(point_id)

    event = EventKind.PHONE_UPDATED if kind == "phone" else EventKind.EMAIL_UPDATED
    return await change_contact(svc, viewer, contact_id, event, change)


async def remove_point(
    svc: Services, viewer: Viewer, contact_id: str, kind: str, point_id: str
) -> Contact:
    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        return (c.phones if kind == "phone" else c.emails).remove(point_id)

    event = EventKind.PHONE_REMOVED if kind == "phone" else EventKind.EMAIL_REMOVED
    return await change_contact(svc, viewer, contact_id, event, change)


# -- tags, owner, followers, DND -------------------------------------------------------------


async def add_tags(svc: Services, viewer: Viewer, contact_id: str, tags: list[str]) -> Contact:
    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        return c.add_tags(tags)

    return await change_contact(svc, viewer, contact_id, EventKind.TAGS_ADDED, change)


async def remove_tags(svc: Services, viewer: Viewer, contact_id: str, tags: list[str]) -> Contact:
    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        return c.remove_tags(tags)

    return await change_contact(svc, viewer, contact_id, EventKind.TAGS_REMOVED, change)


async def set_owner(
    svc: Services, viewer: Viewer, contact_id: str, owner_id: str | None
) -> Contact:
    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        return c.set_owner(owner_id)

    return await change_contact(svc, viewer, contact_id, EventKind.OWNER_CHANGED, change)


async def add_followers(
    svc: Services, viewer: Viewer, contact_id: str, user_ids: list[str]
) -> Contact:
    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        return c.add_followers(user_ids)

    return await change_contact(svc, viewer, contact_id, EventKind.FOLLOWERS_ADDED, change)


async def remove_followers(
    svc: Services, viewer: Viewer, contact_id: str, user_ids: list[str]
) -> Contact:
    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        return c.remove_followers(user_ids)

    return await change_contact(svc, viewer, contact_id, EventKind.FOLLOWERS_REMOVED, change)


async def set_dnd(
    svc: Services, viewer: Viewer, contact_id: str, settings: dict[DndChannel, bool]
) -> Contact:
    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        return c.set_dnd(settings, viewer.user_id, now)

    return await change_contact(svc, viewer, contact_id, EventKind.DND_CHANGED, change)


# -- custom fields ---------------------------------------------------------------------------


async def _set_custom_values(
    contact: Contact,
    values: Sequence[CustomValueByKey],
    svc: Services,
    uow: UnitOfWork,
    path: tuple[str, ...],
) -> list[FieldChange]:
    if not values:
        return []
    definitions = await uow.custom_fields.by_keys(contact.location_id, [v.key for v in values])
    pairs = []
    for i, item in enumerate(values):
        definition = definitions.get(item.key)
        if definition is None:
            raise DomainError.single(
                ErrorCode.NOT_FOUND, f"no custom field with key '{item.key}'", *path, str(i), "key"
            )
        pairs.append((definition, item.value))
        await _check_documents(uow, contact, item.value, (*path, str(i), "value", "files"))

    def check(d: CustomFieldDefinition, raw: Any, p: tuple[str, ...]) -> Any:
        return check_value(d, raw, (*path, *p[1:]), svc.phone_region)

    return contact.set_custom_values(pairs, check)


async def _check_documents(
    uow: UnitOfWork, contact: Contact, raw: Any, path: tuple[str, ...]
) -> None:
    """A FILE_UPLOAD value names documents of this contact (Documents tab), nothing else."""
    files = getattr(raw, "files", None) or ()
    if not files:
        return
    ids = [f.document_id for f in files]
    found = await uow.documents.existing(contact.location_id, contact.id, ids)
    for j, document_id in enumerate(ids):
        if document_id not in found:
            raise DomainError.single(
                ErrorCode.NOT_FOUND, "no document of this contact with this id", *path, str(j)
            )


async def set_custom_values(
    svc: Services, viewer: Viewer, contact_id: str, values: list[CustomValueByKey]
) -> Contact:
    async def change(c: Contact, now: datetime, uow: UnitOfWork) -> list[FieldChange]:
        return await _set_custom_values(c, values, svc, uow, ("values",))

    return await change_contact(svc, viewer, contact_id, EventKind.CUSTOM_FIELDS_CHANGED, change)


async def create_custom_field(
    svc: Services, viewer: Viewer, cmd: NewCustomField
) -> CustomFieldDefinition:
    """Define a field. The key names it: a field with this key and the same name, type and
    options is returned as it is (a retried create); one that differs is DUPLICATE."""
    viewer.require_admin("custom field definitions")
    async with svc.uow() as uow:
        key = CustomFieldDefinition.check_key(cmd.key)
        definition = CustomFieldDefinition(
            location_id=viewer.location_id,
            key=key,
            name=CustomFieldDefinition.check_name(cmd.name),
            data_type=cmd.data_type,
            options=CustomFieldDefinition.check_options(cmd.data_type, cmd.options),
            created_at=svc.clock.now(),
        )
        existing = await _field_with_key(uow, viewer, key)
        if existing is None:
            if await uow.custom_fields.add(definition):
                await uow.commit()
                return definition
            existing = await _field_with_key(uow, viewer, key)  # a concurrent create won
            if existing is None:  # pragma: no cover - the conflicting row cannot vanish
                raise AssertionError("conflicting custom field not found")
        if not existing.same_definition(definition):
            raise DomainError.single(
                ErrorCode.DUPLICATE,
                f"a custom field with key '{key}' exists with another name, type or options",
                "key",
            )
        return existing


async def _field_with_key(
    uow: UnitOfWork, viewer: Viewer, key: str
) -> CustomFieldDefinition | None:
    return (await uow.custom_fields.by_keys(viewer.location_id, [key])).get(key)


async def update_custom_field(
    svc: Services, viewer: Viewer, field_id: str, name: str | None, options: list[str] | None
) -> CustomFieldDefinition:
    """A rename or options that match what the field has write nothing."""
    viewer.require_admin("custom field definitions")
    async with svc.uow() as uow:
        definition = await uow.custom_fields.get(viewer.location_id, field_id)
        if definition is None:
            raise DomainError.single(ErrorCode.NOT_FOUND, "no custom field with this id", "id")
        before = (definition.name, definition.options)
        if name is not None:
            definition.rename(name)
        if options is not None:
            definition.replace_options(options)
        if (definition.name, definition.options) != before:
            await uow.custom_fields.save(definition)
            await uow.commit()
        return definition


async def delete_custom_field(
    svc: Services, viewer: Viewer, field_id: str
) -> CustomFieldDefinition:
    """Deleting a definition deletes its values on every contact of the location."""
    viewer.require_admin("custom field definitions")
    async with svc.uow() as uow:
        definition = await uow.custom_fields.get(viewer.location_id, field_id)
        if definition is None:
            raise DomainError.single(ErrorCode.NOT_FOUND, "no custom field with this id", "id")
        await uow.custom_fields.delete(definition)
        await uow.commit()
        return definition


__all__ = [
    "MAX_ATTEMPTS",
    "PointUpdate",
    "Services",
    "add_email",
    "add_followers",
    "add_phone",
    "add_tags",
    "archive_contact",
    "change_contact",
    "create_contact",
    "create_custom_field",
    "delete_custom_field",
    "remove_followers",
    "remove_point",
    "remove_tags",
    "restore_contact",
    "set_custom_values",
    "set_dnd",
    "set_owner",
    "set_primary_point",
    "update_contact",
    "update_custom_field",
    "update_point",
    "upsert_contact",
]
