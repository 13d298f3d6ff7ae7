"""The notes tab, compiled: `Contact.notes` and its nodes' fields."""

from __future__ import annotations

from persistence.compiled.shapes import ListSpec, TypeSpec, text, timestamp, user
from persistence.notes import note_filter
from persistence.tables import NOTE

NODE = TypeSpec(
    "ContactNote",
    {
        "id": text("id"),
        "contactId": text("contact_id"),
        "body": text("body"),
        "createdAt": timestamp("created_at"),
        "updatedAt": timestamp("updated_at"),
    },
    objects={"author": user("author_id")},
)
LISTS = {"notes": ListSpec(NOTE, note_filter, NODE)}
"""`Contact`'s fields this tab compiles (the loaders' table and filter)."""
