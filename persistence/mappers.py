"""Explicit mapping between domain objects and row dictionaries (rows never leave here)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from domain.contact import (
    Address,
    Contact,
    ContactPicture,
    ContactPoint,
    ContactPoints,
    ContactProfile,
    ContactType,
    DndChannel,
    DndSetting,
    PictureSource,
)
from domain.custom_fields import (
    CustomFieldDefinition,
    CustomFieldType,
    CustomValue,
    FileRef,
    Money,
)
from domain.events import ContactEvent, EventKind, FieldChange
from domain.values import email_key

Row = dict[str, Any]
RowLike = Mapping[Any, Any]
"""A row as the database hands it back (a RowMapping or a plain dict)."""

CONTACT_SCALARS = (
    "first_name",
    "last_name",
    "source",
    "time_zone",
    "date_of_birth",
    "business_name",
    "website",
)
ADDRESS_COLUMNS = {
    "line1": "address_line1",
    "line2": "address_line2",
    "city": "city",
    "state": "state",
    "postal_code": "postal_code",
    "country": "country",
}


def contact_row(c: Contact) -> Row:
    p = c.profile
    row: Row = {name: getattr(p, name) for name in CONTACT_SCALARS}
    row.update({col: getattr(p.address, attr) for attr, col in ADDRESS_COLUMNS.items()})
    row.update(
        id=c.id,
        location_id=c.location_id,
        contact_type=p.contact_type.value,
        owner_id=c.owner_id,
        created_at=c.created_at,
        updated_at=c.updated_at,
        archived_at=c.archived_at,
        merged_into_id=c.merged_into_id,
        version=c.version,
        **picture_columns(c.picture),
    )
    return row


def picture_columns(p: ContactPicture | None) -> Row:
    return {
        "picture_id": p.id if p else None,
        "picture_source": p.source.value if p else None,
        "picture_sha256": p.sha256 if p else None,
        "picture_content_type": p.content_type if p else None,
        "picture_sizes": list(p.sizes) if p else None,
        "picture_updated_at": p.updated_at if p else None,
    }


def picture_from_row(row: RowLike) -> ContactPicture | None:
    if row["picture_id"] is None:
        return None
    return ContactPicture(
        id=row["picture_id"],
        source=PictureSource(row["picture_source"]),
        sha256=row["picture_sha256"],
        content_type=row["picture_content_type"],
        sizes=tuple(row["picture_sizes"]),
        updated_at=row["picture_updated_at"],
    )


def child_rows(c: Contact) -> dict[str, dict[tuple[Any, ...], Row]]:
    """Every child table's rows for ``c``, keyed by primary key, for diffing on save."""
    base = {"location_id": c.location_id, "contact_id": c.id}
    phones = {
        (p.id,): {
            **base,
            "id": p.id,
            "number": p.value,
            "label": p.label,
            "is_primary": p.is_primary,
            "position": i,
        }
        for i, p in enumerate(c.phones.items)
    }
    emails = {
        (e.id,): {
            **base,
            "id": e.id,
            "address": e.value,
            "address_key": email_key(e.value),
            "label": e.label,
            "is_primary": e.is_primary,
            "position": i,
        }
        for i, e in enumerate(c.emails.items)
    }
    tags = {(c.id, t): {**base, "tag": t, "position": i} for i, t in enumerate(c.tags)}
    followers = {
        (c.id, u): {**base, "user_id": u, "position": i} for i, u in enumerate(c.follower_ids)
    }
    dnd = {
        (c.id, s.channel.value): {
            **base,
            "channel": s.channel.value,
            "enabled": s.enabled,
            "changed_by": s.changed_by,
            "changed_at": s.changed_at,
        }
        for s in c.dnd.values()
    }
    values = {
        (c.id, fid): {**base, "field_id": fid, **custom_value_columns(v)}
        for fid, v in c.custom_values.items()
    }
    return {
        "contact_phone": phones,
        "contact_email": emails,
        "contact_tag": tags,
        "contact_follower": followers,
        "contact_dnd": dnd,
        "contact_custom_value": values,
    }


def contact_from_rows(
    row: RowLike,
    *,
    phones: Iterable[RowLike] = (),
    emails: Iterable[RowLike] = (),
    tags: Iterable[str] = (),
    followers: Iterable[str] = (),
    dnd: Iterable[RowLike] = (),
    values: Iterable[RowLike] = (),
) -> Contact:
    profile = ContactProfile(
        **{name: row[name] for name in CONTACT_SCALARS},
        contact_type=ContactType(row["contact_type"]),
        address=Address(**{attr: row[col] for attr, col in ADDRESS_COLUMNS.items()}),
    )
    return Contact(
        id=row["id"],
        location_id=row["location_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        archived_at=row["archived_at"],
        picture=picture_from_row(row),
        merged_into_id=row["merged_into_id"],
        version=row["version"],
        profile=profile,
        owner_id=row["owner_id"],
        follower_ids=list(followers),
        tags=list(tags),
        phones=ContactPoints("phone", 11, [point_from_row(r, "number") for r in phones]),
        emails=ContactPoints("email", 11, [point_from_row(r, "address") for r in emails]),
        dnd={s.channel: s for s in map(dnd_from_row, dnd)},
        custom_values={
            r["field_id"]: v for r in values if (v := custom_value_from_row(r)) is not None
        },
    )


def point_from_row(r: RowLike, column: str) -> ContactPoint:
    return ContactPoint(id=r["id"], value=r[column], label=r["label"], is_primary=r["is_primary"])


def dnd_from_row(r: RowLike) -> DndSetting:
    return DndSetting(DndChannel(r["channel"]), r["enabled"], r["changed_by"], r["changed_at"])


def custom_value_columns(v: CustomValue) -> Row:
    """Put a value in the column that lets SQL compare it by its type."""
    cols: Row = {
        "text_value": None,
        "number_value": None,
        "date_value": None,
        "bool_value": None,
        "json_value": None,
    }
    if isinstance(v, bool):
        cols["bool_value"] = v
    elif isinstance(v, float | int):
        cols["number_value"] = float(v)
    elif isinstance(v, str):
        cols["text_value"] = v
    elif isinstance(v, date):
        cols["date_value"] = v
    elif isinstance(v, Money):
        cols["number_value"] = v.amount
        cols["json_value"] = {"kind": "money", "amount": v.amount, "currency": v.currency}
    elif v and isinstance(v[0], FileRef):
        cols["json_value"] = {
            "kind": "files",
            "files": [{"documentId": f.document_id} for f in v if isinstance(f, FileRef)],
        }
    else:
        options = [str(o) for o in v]
        cols["text_value"] = "|" + "|".join(options) + "|"
        cols["json_value"] = {"kind": "options", "options": options}
    return cols


def custom_value_from_row(r: RowLike) -> CustomValue | None:
    js = r["json_value"]
    if js:
        if js["kind"] == "money":
            return Money(js["amount"], js["currency"])
        if js["kind"] == "files":
            return tuple(FileRef(f["documentId"]) for f in js["files"])
        return tuple(js["options"])
    for column in ("bool_value", "number_value", "date_value", "text_value"):
        if r[column] is not None:
            value: CustomValue = r[column]
            return value
    return None


def definition_from_row(r: RowLike) -> CustomFieldDefinition:
    return CustomFieldDefinition(
        id=r["id"],
        location_id=r["location_id"],
        key=r["key"],
        name=r["name"],
        data_type=CustomFieldType(r["data_type"]),
        options=tuple(r["options"] or ()),
        created_at=r["created_at"],
    )


def definition_row(d: CustomFieldDefinition) -> Row:
    return {
        "id": d.id,
        "location_id": d.location_id,
        "key": d.key,
        "name": d.name,
        "data_type": d.data_type.value,
        "options": list(d.options),
        "created_at": d.created_at,
    }


def event_row(e: ContactEvent) -> Row:
    return {
        "id": e.id,
        "location_id": e.location_id,
        "contact_id": e.contact_id,
        "actor_id": e.actor_id,
        "kind": e.kind.value,
        "occurred_at": e.occurred_at,
        "changes": [{"field": c.field, "before": c.before, "after": c.after} for c in e.changes],
    }


def event_from_row(r: RowLike) -> ContactEvent:
    return ContactEvent(
        id=r["id"],
        sequence=r["sequence"],
        location_id=r["location_id"],
        contact_id=r["contact_id"],
        actor_id=r["actor_id"],
        kind=EventKind(r["kind"]),
        occurred_at=r["occurred_at"],
        changes=tuple(FieldChange(c["field"], c["before"], c["after"]) for c in r["changes"]),
    )
