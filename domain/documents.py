"""Documents tab (help page: "Access all documents associated with the contact, organized into
three categories"; "upload up to 10 files simultaneously. Supported types include PDF, Word,
PowerPoint, CSV, and common image formats, up to 250 MB each").

A document is a row (name, folder, where it came from, who added it) over one object in the
file store, which holds its bytes. Its type is decided from those bytes, never from the name
or the header a client sent. An upload is all or nothing: any refused file refuses the whole
operation, and what was stored of it is deleted again. Deleting a document deletes its object
after the row's deletion committed, so a rolled-back delete never loses bytes.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import filetype

from domain.custom_fields import CustomFieldDefinition, CustomFieldType, FileRef
from domain.errors import DomainError, ErrorCode, UserError
from domain.events import ContactEvent, EventKind, FieldChange, contact_event
from domain.ports import FileStore, FileTooLarge, UnitOfWork, UploadTarget, file_key, new_id
from domain.services import Services, retrying, visible_contact_id, visible_item
from domain.viewer import Viewer

MAX_FILES = 10
"""Files one upload operation may carry (help page)."""
MAX_NAME_LENGTH = 255
SNIFF_BYTES = 8192
"""How much of the start of a file decides its type (what the matchers look at)."""


class DocumentFolder(StrEnum):
    INTERNAL = "INTERNAL"
    SENT = "SENT"
    RECEIVED = "RECEIVED"


class DocumentSource(StrEnum):
    UPLOAD = "UPLOAD"
    CUSTOM_FIELD = "CUSTOM_FIELD"
    SENT = "SENT"
    FORM = "FORM"
    SURVEY = "SURVEY"


HOME_FOLDER = {
    DocumentSource.UPLOAD: DocumentFolder.INTERNAL,
    DocumentSource.CUSTOM_FIELD: DocumentFolder.INTERNAL,
    DocumentSource.SENT: DocumentFolder.SENT,
    DocumentSource.FORM: DocumentFolder.RECEIVED,
    DocumentSource.SURVEY: DocumentFolder.RECEIVED,
}
"""Where a document lands unless the upload names a folder."""
SUB_FOLDERS = {
    DocumentSource.CUSTOM_FIELD: "Custom Fields",
    DocumentSource.SENT: "Contracts & Proposals",
    DocumentSource.FORM: "Forms",
    DocumentSource.SURVEY: "Surveys",
}
"""The sub-folder a document of this source shows in while it is in its home folder."""


class DocumentSortField(StrEnum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    NAME = "NAME"
    SIZE = "SIZE"


@dataclass(frozen=True)
class DocumentFilter:
    """``folders`` / ``sources``: in one of them (an empty tuple matches nothing);
    ``search``: case-insensitive text the name contains. Hashable: part of a loader key."""

    folders: tuple[DocumentFolder, ...] | None = None
    sources: tuple[DocumentSource, ...] | None = None
    search: str | None = None


# -- what a file is ------------------------------------------------------------------------

ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "application/msword": "Word (.doc)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (.docx)",
    "application/vnd.ms-powerpoint": "PowerPoint (.ppt)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint "
    "(.pptx)",
    "text/csv": "CSV",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "image/heic": "HEIC",
}
"""The help page's "PDF, Word, PowerPoint, CSV, and common image formats", by MIME type."""
_SAME_AS = {"image/apng": "image/png"}  # an animated PNG is a PNG
CSV = "text/csv"
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
"""Control characters other than tab, line feed, form feed and carriage return."""


class NotText(Exception):
    """A .csv file's bytes are not UTF-8 text."""


def content_type_of(head: bytes, name: str) -> str | None:
    """The allowed type of a file that starts with ``head``, or None.

    Binary formats are recognised by their signatures (``filetype``): a renamed executable
    is no PDF, and a PDF named ``x.png`` is a PDF. CSV has no signature, so a file is CSV
    when nothing else matched, its name ends in ``.csv`` and its bytes are UTF-8 text (a BOM
    allowed) without control characters other than tab, CR, LF and FF -- the start is
    checked here, the rest while it is stored (:func:`text_only`)."""
    kind = filetype.guess(head)
    if kind is not None:
        mime = _SAME_AS.get(kind.mime, kind.mime)
        return mime if mime in ALLOWED_TYPES else None
    if not name.lower().endswith(".csv"):
        return None
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    return None if _NOT_TEXT.search(text) else CSV


async def text_only(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Pass a CSV file's chunks on while they are UTF-8 text; NotText as soon as not."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        async for chunk in chunks:
            if _NOT_TEXT.search(decoder.decode(chunk)):
                raise NotText
            yield chunk
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise NotText from exc


def clean_name(raw: str, *path: str) -> str:
    """A display name from what the client called the file: its last path segment, control
    characters removed, trimmed, at most 255 characters."""
    base = re.split(r"[\\/]", raw)[-1]
    name = "".join(c for c in base if unicodedata.category(c) != "Cc").strip()
    if not name:
        raise DomainError.single(ErrorCode.REQUIRED, "a document needs a name", *path)
    if len(name) > MAX_NAME_LENGTH:
        raise DomainError.single(
            ErrorCode.TOO_LONG, f"a name has at most {MAX_NAME_LENGTH} characters", *path
        )
    return name


# -- the document ---------------------------------------------------------------------------


@dataclass
class Document:
    location_id: str
    contact_id: str
    name: str
    content_type: str
    folder: DocumentFolder
    source: DocumentSource
    added_by: str | None
    created_at: datetime
    updated_at: datetime
    size: int = 0
    sha256: str = ""
    source_ref: str | None = None
    """The submission (FORM, SURVEY), contract or proposal (SENT), or custom field
    (CUSTOM_FIELD) it came from."""
    id: str = field(default_factory=new_id)

    @property
    def key(self) -> str:
        """Its object in the file store."""
        return file_key(self.location_id, "documents", self.id)

    @property
    def sub_folder(self) -> str | None:
        if self.folder is not HOME_FOLDER[self.source]:
            return None
        return SUB_FOLDERS.get(self.source)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "folder": self.folder.value,
            "source": self.source.value,
            "contentType": self.content_type,
            "size": self.size,
        }


@dataclass(frozen=True)
class IncomingFile:
    """A file a client sent: the name it gave, its size when the transport already knows it
    (None: counted while stored), and its bytes, readable from the start again each time
    ``read`` is called (its type is decided from the start before it is stored)."""

    name: str
    size: int | None
    read: Callable[[], AsyncIterator[bytes]]


@dataclass(frozen=True)
class UploadOrigin:
    """Where uploaded files come from: a plain upload, a FILE_UPLOAD custom field (``ref``
    its key), or another system's sent contract or received submission (``ref`` its id)."""

    source: DocumentSource = DocumentSource.UPLOAD
    ref: str | None = None

    def check(self) -> None:
        if self.source is DocumentSource.UPLOAD and self.ref is not None:
            raise DomainError.single(
                ErrorCode.INVALID_VALUE, "a plain upload has no reference", "origin", "reference"
            )
        if self.source is not DocumentSource.UPLOAD and not (self.ref or "").strip():
            raise DomainError.single(
                ErrorCode.REQUIRED,
                f"a {self.source.value} origin names its reference",
                "origin",
                "reference",
            )


def _event(
    kind: EventKind, doc: Document, viewer: Viewer, at: datetime, changes: list[FieldChange]
) -> ContactEvent:
    return contact_event(kind, doc.contact_id, viewer, at, changes)


def _missing() -> DomainError:
    return DomainError.single(ErrorCode.NOT_FOUND, "no document with this id", "documentId")


async def _head(file: IncomingFile) -> bytes:
    head = bytearray()
    stream = file.read()
    try:
        async for chunk in stream:
            head += chunk
            if len(head) >= SNIFF_BYTES:
                break
    finally:
        await stream.aclose()  # type: ignore[attr-defined]  # an async generator
    return bytes(head[:SNIFF_BYTES])


def _file_error(code: ErrorCode, message: str, i: int) -> UserError:
    return UserError(code, message, ("files", str(i)))


async def _checked(
    files: Sequence[IncomingFile], max_size: int
) -> list[tuple[IncomingFile, str, str]]:
    """Every file's name and type, or every reason to refuse: the count and the sizes
    known before a byte is read, then each file's type from its first bytes."""
    errors: list[UserError] = []
    if not files:
        errors.append(UserError(ErrorCode.REQUIRED, "send at least one file", ("files",)))
    for i in range(MAX_FILES, len(files)):
        errors.append(
            _file_error(ErrorCode.LIMIT_EXCEEDED, f"at most {MAX_FILES} files per upload", i)
        )
    too_large = f"a file has at most {max_size} bytes"
    for i, f in enumerate(files[:MAX_FILES]):
        if f.size is not None and f.size > max_size:
            errors.append(_file_error(ErrorCode.FILE_TOO_LARGE, too_large, i))
    if errors:
        raise DomainError(errors)
    checked = []
    for i, f in enumerate(files):
        try:
            name = clean_name(f.name, "files", str(i))
        except DomainError as exc:
            errors += exc.errors
            continue
        kind = content_type_of(await _head(f), name)
        if kind is None:
            errors.append(_not_allowed(i))
        checked.append((f, name, kind or ""))
    if errors:
        raise DomainError(errors)
    return checked


def _not_allowed(i: int) -> UserError:
    return _file_error(
        ErrorCode.FILE_TYPE_NOT_ALLOWED,
        "allowed are PDF, Word, PowerPoint, CSV, PNG, JPEG, GIF, WebP and HEIC files "
        "(decided from the file's bytes)",
        i,
    )


async def _store(
    store: FileStore, doc: Document, file: IncomingFile, max_size: int, i: int
) -> None:
    stream = file.read()
    if doc.content_type == CSV:
        stream = text_only(stream)
    try:
        stored = await store.put(doc.key, stream, max_size)
    except FileTooLarge as exc:
        message = f"a file has at most {max_size} bytes"
        raise DomainError([_file_error(ErrorCode.FILE_TOO_LARGE, message, i)]) from exc
    except NotText as exc:
        raise DomainError([_not_allowed(i)]) from exc
    doc.size, doc.sha256 = stored.size, stored.sha256


async def _file_field(uow: UnitOfWork, viewer: Viewer, key: str) -> CustomFieldDefinition:
    definition = (await uow.custom_fields.by_keys(viewer.location_id, [key])).get(key)
    if definition is None:
        raise DomainError.single(
            ErrorCode.NOT_FOUND, f"no custom field with key '{key}'", "origin", "reference"
        )
    if definition.data_type is not CustomFieldType.FILE_UPLOAD:
        raise DomainError.single(
            ErrorCode.WRONG_VALUE_TYPE,
            f"'{key}' is a {definition.data_type.value} field, not FILE_UPLOAD",
            "origin",
            "reference",
        )
    return definition


async def upload_documents(
    svc: Services,
    viewer: Viewer,
    contact_id: str,
    files: Sequence[IncomingFile],
    folder: DocumentFolder | None = None,
    origin: UploadOrigin = UploadOrigin(),
    ids: Sequence[str] = (),
) -> list[Document]:
    """Store every file and add its document, or none of them (``ids``: the documents' ids,
    new ones when not given).

    The contact (and custom field) are checked first, then every file's count, size and
    type, all before a byte is stored; the bytes go to the store outside any transaction
    (an upload may take minutes), then one unit of work adds the rows, their events and,
    for a custom field, the field's new value. If anything fails, every object stored for
    this call is deleted again. Each call adds new documents (files have no identity).
    """
    max_size = svc.max_file_bytes
    origin.check()
    async with svc.uow() as uow:
        await visible_contact_id(uow, viewer, contact_id)
        if origin.source is DocumentSource.CUSTOM_FIELD:
            assert origin.ref is not None
            field_id = (await _file_field(uow, viewer, origin.ref)).id
    checked = await _checked(files, max_size)
    now = svc.clock.now()
    docs = [
        Document(
            location_id=viewer.location_id,
            contact_id=contact_id,
            name=name,
            content_type=kind,
            folder=folder or HOME_FOLDER[origin.source],
            source=origin.source,
            source_ref=field_id if origin.source is DocumentSource.CUSTOM_FIELD else origin.ref,
            added_by=viewer.user_id,
            created_at=now,
            updated_at=now,
            id=document_id,
        )
        for (_, name, kind), document_id in zip(
            checked, [*ids, *(new_id() for _ in checked[len(ids) :])], strict=True
        )
    ]
    stored: list[Document] = []
    try:
        for i, ((file, _, _), doc) in enumerate(zip(checked, docs, strict=True)):
            stored.append(doc)
            await _store(svc.files, doc, file, max_size, i)
        await retrying(lambda: _add_rows(svc, viewer, contact_id, docs, origin, now))
    except BaseException:
        for doc in stored:
            await svc.files.delete(doc.key)
        raise
    return docs


async def _add_rows(
    svc: Services,
    viewer: Viewer,
    contact_id: str,
    docs: list[Document],
    origin: UploadOrigin,
    now: datetime,
) -> None:
    async with svc.uow() as uow:
        await visible_contact_id(uow, viewer, contact_id)
        for doc in docs:
            await uow.documents.add(doc)
            uow.record(_event(EventKind.DOCUMENT_ADDED, doc, viewer, now, [_change(None, doc)]))
        if origin.source is DocumentSource.CUSTOM_FIELD:
            assert origin.ref is not None
            await _attach_to_field(uow, viewer, contact_id, origin.ref, docs, now)
        await uow.commit()


async def _attach_to_field(
    uow: UnitOfWork,
    viewer: Viewer,
    contact_id: str,
    key: str,
    docs: list[Document],
    now: datetime,
) -> None:
    """The custom field's value gains the new documents (one upload, two views)."""
    definition = await _file_field(uow, viewer, key)
    contact = await uow.contacts.get(viewer.location_id, contact_id)
    assert contact is not None  # visible_contact_id just saw it
    held = contact.custom_values.get(definition.id)
    refs = (*(held if isinstance(held, tuple) else ()), *(FileRef(d.id) for d in docs))
    changes = contact.set_custom_values([(definition, refs)], lambda d, v, p: v)
    contact.updated_at = now
    await uow.contacts.save(contact)
    uow.record(contact_event(EventKind.CUSTOM_FIELDS_CHANGED, contact_id, viewer, now, changes))


def _change(before: Document | dict[str, Any] | None, after: Document | None) -> FieldChange:
    summary = before.summary() if isinstance(before, Document) else before
    return FieldChange("documents", summary, after.summary() if after else None)


async def visible_document(uow: UnitOfWork, viewer: Viewer, document_id: str) -> Document:
    """A document of the viewer's location whose contact the viewer may see, else NOT_FOUND."""
    item = await uow.documents.get(viewer.location_id, document_id)
    return await visible_item(uow, viewer, item, _missing)


async def rename_document(svc: Services, viewer: Viewer, document_id: str, name: str) -> Document:
    """The same name again changes nothing and records nothing."""
    new = clean_name(name, "name")
    async with svc.uow() as uow:
        doc = await visible_document(uow, viewer, document_id)
        if doc.name != new:
            before = doc.summary()
            doc.name, doc.updated_at = new, svc.clock.now()
            await uow.documents.save(doc)
            uow.record(
                _event(
                    EventKind.DOCUMENT_RENAMED, doc, viewer, doc.updated_at, [_change(before, doc)]
                )
            )
            await uow.commit()
        return doc


async def move_document(
    svc: Services, viewer: Viewer, document_id: str, folder: DocumentFolder
) -> Document:
    """Moving to the folder it is in changes nothing and records nothing."""
    async with svc.uow() as uow:
        doc = await visible_document(uow, viewer, document_id)
        if doc.folder is not folder:
            before = doc.summary()
            doc.folder, doc.updated_at = folder, svc.clock.now()
            await uow.documents.save(doc)
            uow.record(
                _event(
                    EventKind.DOCUMENT_MOVED, doc, viewer, doc.updated_at, [_change(before, doc)]
                )
            )
            await uow.commit()
        return doc


async def delete_document(svc: Services, viewer: Viewer, document_id: str) -> Document:
    """The row goes in the transaction; its object only once that committed. A custom
    field that referred to it simply no longer lists it."""
    async with svc.uow() as uow:
        doc = await visible_document(uow, viewer, document_id)
        if not await uow.documents.delete(doc):
            raise _missing()  # a concurrent delete won: one deletion, one event
        uow.record(
            _event(EventKind.DOCUMENT_DELETED, doc, viewer, svc.clock.now(), [_change(doc, None)])
        )
        key = doc.key
        uow.on_commit(lambda: svc.files.delete(key))
        await uow.commit()
        return doc


# -- staged uploads ---------------------------------------------------------------------------


def staged_key(location_id: str, upload_id: str) -> str:
    """Where a staged upload's bytes wait for :func:`finalize_upload` (a prefix of their own,
    so a bucket lifecycle rule can expire the ones never finalized)."""
    return file_key(location_id, "staged", upload_id)


_UPLOAD_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _no_upload() -> DomainError:
    return DomainError.single(
        ErrorCode.NOT_FOUND, "nothing was uploaded for this id (or it expired)", "uploadId"
    )


async def stage_upload(svc: Services, viewer: Viewer, contact_id: str) -> tuple[str, UploadTarget]:
    """Where a client sends one file's bytes itself (for files too large to send through
    the GraphQL server comfortably): an upload id and a short-lived signed target."""
    async with svc.uow() as uow:
        await visible_contact_id(uow, viewer, contact_id)
    upload_id = new_id()
    target = await svc.files.upload_target(
        staged_key(viewer.location_id, upload_id), viewer.location_id, svc.max_file_bytes
    )
    return upload_id, target


async def finalize_upload(
    svc: Services,
    viewer: Viewer,
    contact_id: str,
    upload_id: str,
    name: str,
    folder: DocumentFolder | None = None,
    origin: UploadOrigin = UploadOrigin(),
) -> Document:
    """Turn a staged upload into a document: its stored bytes are checked like an upload's
    (size, type; a CSV to its end) while they are copied to the document's key; refused,
    the staged bytes are deleted. The document takes the upload's id, so finalizing again
    returns it as it is."""
    display_name = clean_name(name, "name")
    if not _UPLOAD_ID.fullmatch(upload_id):
        raise _no_upload()
    async with svc.uow() as uow:
        await visible_contact_id(uow, viewer, contact_id)
        done = await uow.documents.get(viewer.location_id, upload_id)
    if done is not None:
        if done.contact_id != contact_id:
            raise _no_upload()
        return done
    key = staged_key(viewer.location_id, upload_id)
    size = await svc.files.size(key)
    if size is None:
        raise _no_upload()

    def read() -> AsyncIterator[bytes]:
        return svc.files.open(key)

    staged = IncomingFile(name=display_name, size=size, read=read)
    try:
        docs = await upload_documents(
            svc, viewer, contact_id, [staged], folder, origin, ids=(upload_id,)
        )
    except DomainError as exc:
        await svc.files.delete(key)
        raise DomainError(
            [
                replace(e, field=("uploadId",)) if e.field[:1] == ("files",) else e
                for e in exc.errors
            ]
        ) from exc
    await svc.files.delete(key)
    return docs[0]
