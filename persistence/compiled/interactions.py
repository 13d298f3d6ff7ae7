"""The interactions tab, compiled: `Contact.interactions` and its nodes' columns (not the
detail objects -- `websiteVisit`, `call`, ... -- which are read from the `details` JSON in
Python)."""

from __future__ import annotations

from domain.attribution import API_NAMES, SessionSource
from domain.interactions import InteractionKind, InteractionOrigin
from persistence.compiled.shapes import (
    FieldSQL,
    ListSpec,
    TypeSpec,
    enum_of,
    text,
    timestamp,
    user,
)
from persistence.interactions import interaction_filter
from persistence.tables import INTERACTION

ATTRIBUTION: dict[str, FieldSQL] = {api: text(column) for column, api in API_NAMES.items()}
"""url, referrer, utm_*, click ids, campaign id: a column each, as stored."""

NODE = TypeSpec(
    "ContactInteraction",
    {
        "id": text("id"),
        "contactId": text("contact_id"),
        "externalId": text("external_id"),
        "kind": enum_of("kind", InteractionKind),
        "origin": enum_of("origin", InteractionOrigin),
        "occurredAt": timestamp("occurred_at"),
        "recordedAt": timestamp("recorded_at"),
        **ATTRIBUTION,
        "sessionSource": enum_of("session_source", SessionSource),
    },
    objects={"recordedBy": user("recorded_by")},
)
LISTS = {"interactions": ListSpec(INTERACTION, interaction_filter, NODE)}
"""`Contact`'s fields this tab compiles (the loaders' table and filter)."""
