"""Merging a duplicate contact into another (the survivor), in one unit of work.

The rules, as the API states them (README, "Merging duplicate contacts"):

* **Phones and emails** move to the survivor; a value it has already (an email in any case)
  collapses into the survivor's. A moved one whose label the survivor uses loses the label
  (reported in the payload's ``droppedLabels``); the survivor's primary stays primary.
* **Caps hold or nothing happens**: if the two together have more than 11 phones, 11
  emails, 10 followers or 100 tags (identical values counted once), the merge is refused
  with LIMIT_EXCEEDED naming the list (``duplicateId.phones`` ...) and nothing changes.
* **Fields**: the survivor's non-empty fields win; empty ones are filled from the duplicate
  (the address as a whole: two half addresses do not make one). The owner likewise. The
  picture stays the survivor's (a duplicate's picture stays with the archived record).
* **Tags and followers**: the union. **DND**: a channel is on if it is on for either.
  **Custom fields**: the survivor's value wins, else the duplicate's.
* **Every tab's items** move (persistence/merge.py, one statement per table); where a tab
  allows one item per contact (an active enrolment per workflow, a course offer, a link to
  a record) the survivor's is kept. Links between the two are deleted.
* **Payments**: cards, payments, subscriptions and invoices move like every tab's items,
  and the payment provider's customer (whose cards those are) with them when the survivor
  has none; two contacts that both have one are not merged (CONFLICT): a card belongs to
  one customer at the provider.
* **Attribution** keeps the earlier first interaction and the later latest one.
* The duplicate is **archived as merged** (``merged_into_id``): its id reads as the survivor
  everywhere (``contact``, ``_entities``), it takes no changes of its own, and contacts
  merged into it before now point at the survivor.
* CONTACT_MERGED is recorded on both, its ``merge`` change naming both ids.

A merge already done (this duplicate merged into this survivor) is a repeat: the survivor
is returned and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain.contact import (
    MAX_EMAILS,
    MAX_FOLLOWERS,
    MAX_PHONES,
    MAX_TAGS,
    PROFILE_FIELDS,
    Address,
    Contact,
    ContactPoint,
    ContactPoints,
)
from domain.custom_fields import value_to_json
from domain.errors import DomainError, ErrorCode, UserError
from domain.events import EventKind, FieldChange, contact_event
from domain.ports import UnitOfWork
from domain.services import Services, retrying
from domain.values import email_key
from domain.viewer import Viewer

MERGE_FIELD = "merge"
"""The change every CONTACT_MERGED event starts with: ``{survivorId, duplicateId}``
(declared in domain/visibility.py, so a contact the viewer may not see is withheld)."""


@dataclass(frozen=True)
class DroppedLabel:
    """A moved phone or email kept its value but not its label: the survivor uses it."""

    kind: str
    value: str
    label: str


@dataclass(frozen=True)
class MergeResult:
    survivor: Contact
    duplicate_id: str
    dropped_labels: tuple[DroppedLabel, ...] = ()


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == Address()


def _key(kind: str, value: str) -> str:
    return email_key(value) if kind == "email" else value


def _union_size(kind: str, mine: list[str], theirs: list[str]) -> int:
    return len({_key(kind, v) for v in (*mine, *theirs)})


def check_caps(survivor: Contact, duplicate: Contact) -> None:
    """Every cap the union would break, at once; the merge is refused on any."""
    errors = []
    lists: tuple[tuple[str, str, list[str], list[str], int], ...] = (
        ("phones", "phone", [p.value for p in survivor.phones.items],
         [p.value for p in duplicate.phones.items], MAX_PHONES),
        ("emails", "email", [e.value for e in survivor.emails.items],
         [e.value for e in duplicate.emails.items], MAX_EMAILS),
        ("followers", "follower", survivor.follower_ids, duplicate.follower_ids, MAX_FOLLOWERS),
        ("tags", "tag", survivor.tags, duplicate.tags, MAX_TAGS),
    )  # fmt: skip
    for name, kind, mine, theirs, cap in lists:
        total = _union_size(kind, mine, theirs)
        if total > cap:
            errors.append(
                UserError(
                    ErrorCode.LIMIT_EXCEEDED,
                    f"together the contacts have {total} {name}; a contact can have at most "
                    f"{cap}: remove {total - cap} first",
                    ("duplicateId", name),
                )
            )
    if errors:
        raise DomainError(errors)


def check_mergeable(contact: Contact, path: str) -> None:
    if contact.merged_into_id is not None:
        raise DomainError.single(
            ErrorCode.MERGED, "this contact was already merged into another", path
        )
    if contact.is_archived:
        raise DomainError.single(
            ErrorCode.ARCHIVED, "an archived contact cannot be merged: restore it first", path
        )


def _move_points(
    mine: ContactPoints[Any], theirs: ContactPoints[Any], dropped: list[DroppedLabel]
) -> list[FieldChange]:
    changes = []
    keys = {_key(mine.kind, p.value) for p in mine.items}
    labels = {p.label for p in mine.items if p.label}
    for point in theirs.items:
        if _key(mine.kind, point.value) in keys:
            continue  # identical values collapse into the survivor's
        label = point.label
        if label in labels:
            dropped.append(DroppedLabel(mine.kind, point.value, label))
            label = None
        moved = ContactPoint(
            point.value, label, is_primary=point.is_primary and mine.primary is None, id=point.id
        )
        mine.items.append(moved)
        keys.add(_key(mine.kind, point.value))
        if label:
            labels.add(label)
        summary = {"value": moved.value, "label": moved.label, "primary": moved.is_primary}
        changes.append(FieldChange(f"{mine.kind}s", None, summary))
    if mine.items and mine.primary is None:
        mine.items[0].is_primary = True
    return changes


def absorb(
    survivor: Contact, duplicate: Contact, field_keys: dict[str, str], today: Any
) -> tuple[list[FieldChange], list[DroppedLabel]]:
    """Move the duplicate's own data onto the survivor by the rules above; returns the
    survivor's field changes and the labels that could not come along."""
    check_caps(survivor, duplicate)
    fill = {
        name: getattr(duplicate.profile, name)
        for name in PROFILE_FIELDS
        if _empty(getattr(survivor.profile, name)) and not _empty(getattr(duplicate.profile, name))
    }
    changes = survivor.update_profile(fill, today)
    if survivor.owner_id is None and duplicate.owner_id is not None:
        changes += survivor.set_owner(duplicate.owner_id)
    dropped: list[DroppedLabel] = []
    changes += _move_points(survivor.phones, duplicate.phones, dropped)
    changes += _move_points(survivor.emails, duplicate.emails, dropped)
    changes += survivor.add_tags(duplicate.tags)
    changes += survivor.add_followers(duplicate.follower_ids, ("duplicateId", "followers"))
    for channel, setting in duplicate.dnd.items():
        if setting.enabled and not (channel in survivor.dnd and survivor.dnd[channel].enabled):
            survivor.dnd[channel] = replace(setting)
            changes.append(FieldChange(f"dnd.{channel.value}", False, True))
    for field_id, value in duplicate.custom_values.items():
        if field_id not in survivor.custom_values:
            survivor.custom_values[field_id] = value
            key = field_keys.get(field_id, field_id)
            changes.append(FieldChange(f"customFields.{key}", None, value_to_json(value)))
    return changes, dropped


def retire(duplicate: Contact, survivor_id: str, now: datetime) -> list[FieldChange]:
    """The duplicate, archived as merged: its own data went to the survivor."""
    changes = duplicate.archive(now)
    duplicate.merged_into_id = survivor_id
    duplicate.updated_at = now
    duplicate.phones.items.clear()
    duplicate.emails.items.clear()
    duplicate.tags.clear()
    duplicate.follower_ids.clear()
    duplicate.dnd.clear()
    duplicate.custom_values.clear()
    # the survivor is named by the event's `merge` change only: the one that is redacted
    return changes


def _not_found(path: str) -> DomainError:
    return DomainError.single(ErrorCode.NOT_FOUND, "no contact with this id", path)


async def _pair(
    uow: UnitOfWork, viewer: Viewer, survivor_id: str, duplicate_id: str
) -> tuple[Contact, Contact]:
    """Both contacts, locked in id order; NOT_FOUND on the one the viewer may not see. A
    merged duplicate reads as the contact it went to: visible exactly when that one is."""
    loaded = {
        cid: await uow.contacts.get(viewer.location_id, cid)
        for cid in sorted((survivor_id, duplicate_id))
    }
    survivor, duplicate = loaded[survivor_id], loaded[duplicate_id]
    if survivor is None or not viewer.can_see(survivor.owner_id, survivor.follower_ids):
        raise _not_found("survivorId")
    if duplicate is None:
        raise _not_found("duplicateId")
    if duplicate.merged_into_id is not None:
        if duplicate.merged_into_id != survivor.id and not await uow.contacts.is_visible(
            viewer, duplicate.merged_into_id
        ):
            raise _not_found("duplicateId")
    elif not viewer.can_see(duplicate.owner_id, duplicate.follower_ids):
        raise _not_found("duplicateId")
    return survivor, duplicate


async def merge_contacts(
    svc: Services, viewer: Viewer, survivor_id: str, duplicate_id: str
) -> MergeResult:
    """Merge ``duplicate_id`` into ``survivor_id``. A viewer merges only contacts they may
    see and change, both of them (else NOT_FOUND); both are locked in id order, so two
    merges of the same pair cannot interleave."""
    if survivor_id == duplicate_id:
        raise DomainError.single(
            ErrorCode.INVALID_VALUE, "a contact cannot be merged into itself", "duplicateId"
        )

    async def run() -> MergeResult:
        async with svc.uow() as uow:
            survivor, duplicate = await _pair(uow, viewer, survivor_id, duplicate_id)
            if duplicate.merged_into_id == survivor.id:
                return MergeResult(survivor, duplicate.id)  # done before: a repeat
            check_mergeable(survivor, "survivorId")
            check_mergeable(duplicate, "duplicateId")
            both = {survivor.id, duplicate.id}
            if await uow.merges.with_provider_customer(viewer.location_id, sorted(both)) == both:
                raise DomainError.single(
                    ErrorCode.CONFLICT,
                    "both contacts are customers at the payment provider: the duplicate's "
                    "saved cards belong to its own customer there and could not be charged "
                    "as the survivor's",
                    "duplicateId",
                )
            now = svc.clock.now()
            keys = {d.id: d.key for d in await uow.custom_fields.list(viewer.location_id)}
            changes, dropped = absorb(survivor, duplicate, keys, now.date())
            mine = await uow.interactions.attribution_for_update(viewer.location_id, survivor.id)
            theirs = await uow.interactions.attribution_for_update(viewer.location_id, duplicate.id)
            firsts = [i for i in (mine.first_interaction_id, theirs.first_interaction_id) if i]
            first_at = await uow.merges.interaction_times(viewer.location_id, firsts)
            moves = mine.absorb(theirs, first_at)
            if moves:
                await uow.interactions.save_attribution(mine)
            await uow.merges.move_items(viewer.location_id, duplicate.id, survivor.id)
            gone = retire(duplicate, survivor.id, now)
            await uow.merges.retire(duplicate)
            survivor.updated_at = now
            await uow.contacts.save(survivor)
            merge = FieldChange(
                MERGE_FIELD, None, {"survivorId": survivor.id, "duplicateId": duplicate.id}
            )
            kind = EventKind.CONTACT_MERGED
            uow.record(contact_event(kind, survivor.id, viewer, now, [merge, *changes, *moves]))
            uow.record(contact_event(kind, duplicate.id, viewer, now, [merge, *gone]))
            await uow.commit()
            return MergeResult(survivor, duplicate.id, tuple(dropped))

    result: MergeResult = await retrying(run)
    return result
