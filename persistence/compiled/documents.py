"""The documents tab, compiled: `Contact.documents` and its nodes' columns (not
`downloadUrl`, a URL signed per request: a hole). ``subFolder`` is not stored: it is
``Document.sub_folder``'s rule -- the source's sub-folder while the document is in its
source's home folder -- written as SQL from the same tables (``HOME_FOLDER``,
``SUB_FOLDERS``)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, case

from domain.documents import HOME_FOLDER, SUB_FOLDERS, DocumentFolder, DocumentSource
from persistence.compiled.json_text import JsonText, constant
from persistence.compiled.shapes import (
    Columns,
    ListSpec,
    TypeSpec,
    enum_of,
    integer,
    text,
    timestamp,
    user,
)
from persistence.documents import DOCUMENT_KEYSET, document_filter
from persistence.tables import DOCUMENT


def _sub_folder(c: Columns, j: JsonText) -> ColumnElement[Any]:
    whens = [
        (
            and_(c.source == source.value, c.folder == HOME_FOLDER[source].value),
            constant(orjson.dumps(name).decode()),
        )
        for source, name in SUB_FOLDERS.items()
    ]
    return case(*whens, else_=constant("null"))


NODE = TypeSpec(
    "ContactDocument",
    {
        "id": text("id"),
        "contactId": text("contact_id"),
        "name": text("name"),
        "size": integer("size"),
        "contentType": text("content_type"),
        "sha256": text("sha256"),
        "folder": enum_of("folder", DocumentFolder),
        "subFolder": _sub_folder,
        "source": enum_of("source", DocumentSource),
        "sourceReference": text("source_ref"),
        "createdAt": timestamp("created_at"),
        "updatedAt": timestamp("updated_at"),
    },
    objects={"addedBy": user("added_by")},
)
LISTS = {"documents": ListSpec(DOCUMENT, document_filter, NODE, keyset=DOCUMENT_KEYSET)}
"""`Contact`'s fields this tab compiles (the loaders' table, filter and keyset)."""
