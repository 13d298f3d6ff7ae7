"""Documents tab: `Contact.documents`, uploads (GraphQL multipart requests), rename, move,
delete."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

import strawberry
from strawberry.file_uploads import Upload

from domain import documents as d
from domain.events import ContactEvent, EventKind
from resolvers import documents as r
from resolvers.common import Info, Outcome
from schema.activity import ActivityAction, ContactActivity, register_activity
from schema.common import (
    AfterArg,
    Connection,
    FirstArg,
    InputArg,
    SortDirection,
    UserError,
    distinct,
    tab_request,
)
from schema.enums import graphql_enum
from schema.user import User

graphql_enum(
    d.DocumentFolder,
    "The Documents tab's three folders.",
    {
        d.DocumentFolder.INTERNAL: "Documents kept in the CRM on the contact, custom-field "
        "files among them (sub-folder Custom Fields).",
        d.DocumentFolder.SENT: "Documents sent to the contact: contracts and proposals.",
        d.DocumentFolder.RECEIVED: "Documents the contact submitted through forms and surveys.",
    },
    name="ContactDocumentFolder",
)
graphql_enum(
    d.DocumentSource,
    "Where a document came from.",
    {
        d.DocumentSource.UPLOAD: "Uploaded on the contact record.",
        d.DocumentSource.CUSTOM_FIELD: "Uploaded through a FILE_UPLOAD custom field; it is "
        "also that field's value (`sourceReference`: the field's id).",
        d.DocumentSource.SENT: "A contract or proposal sent to the contact "
        "(`sourceReference`: its id).",
        d.DocumentSource.FORM: "Submitted in a form (`sourceReference`: the submission id).",
        d.DocumentSource.SURVEY: "Submitted in a survey (`sourceReference`: the submission id).",
    },
    name="ContactDocumentSource",
)
graphql_enum(
    d.DocumentSortField,
    "What a contact's documents sort by.",
    {
        d.DocumentSortField.CREATED_AT: "When the document was added.",
        d.DocumentSortField.UPDATED_AT: "When it was last renamed or moved.",
        d.DocumentSortField.NAME: "Its name, alphabetically (case-insensitive).",
        d.DocumentSortField.SIZE: "Its size in bytes.",
    },
    name="ContactDocumentSortField",
)


@strawberry.type(
    description="A document of a contact: a file in the file store, in one of the Documents "
    "tab's folders."
)
class ContactDocument:
    id: strawberry.ID = strawberry.field(description="The document's id.")
    contact_id: strawberry.ID = strawberry.field(description="The contact it belongs to.")
    name: str = strawberry.field(description="Its name (the uploaded file's, or a new one).")
    size: int = strawberry.field(description="Its size in bytes (at most 250 MiB).")
    content_type: str = strawberry.field(
        description="Its MIME type, decided from its bytes (never from the name or the "
        "client's header): application/pdf, application/msword, the Office Open XML "
        "types, application/vnd.ms-powerpoint, text/csv, image/png, image/jpeg, image/gif, "
        "image/webp or image/heic."
    )
    sha256: str = strawberry.field(description="SHA-256 of its bytes, in hex.")
    folder: d.DocumentFolder = strawberry.field(description="The folder it is in.")
    sub_folder: str | None = strawberry.field(
        description="The sub-folder it shows in while in its home folder: Custom Fields "
        "(INTERNAL), Contracts & Proposals (SENT), Forms or Surveys (RECEIVED); null otherwise."
    )
    source: d.DocumentSource = strawberry.field(description="Where it came from.")
    source_reference: str | None = strawberry.field(
        description="The custom field, contract, proposal or submission it came from; null "
        "for a plain upload."
    )
    added_by: User | None = strawberry.field(description="Who added it.")
    created_at: datetime = strawberry.field(description="When it was added.")
    updated_at: datetime = strawberry.field(description="When it was last renamed or moved.")
    _doc: strawberry.Private[d.Document]

    @strawberry.field(
        description="A signed URL that downloads it (as an attachment) for a few minutes "
        "(CONTACT_GRAPH_FILES_URL_TTL_SECONDS), valid only for the viewer's location: ask "
        "again for a fresh one rather than storing it."
    )
    async def download_url(self, info: Info) -> str:
        return await r.download_url(info, self._doc)

    @classmethod
    def from_domain(cls, doc: d.Document) -> ContactDocument:
        return cls(
            id=strawberry.ID(doc.id),
            contact_id=strawberry.ID(doc.contact_id),
            name=doc.name,
            size=doc.size,
            content_type=doc.content_type,
            sha256=doc.sha256,
            folder=doc.folder,
            sub_folder=doc.sub_folder,
            source=doc.source,
            source_reference=doc.source_ref,
            added_by=User(id=strawberry.ID(doc.added_by)) if doc.added_by else None,
            created_at=doc.created_at,
            updated_at=doc.updated_at,
            _doc=doc,
        )


@strawberry.type(description="A document was added, renamed, moved or deleted.")
class ContactDocumentActivity(ContactActivity):
    action: ActivityAction = strawberry.field(
        description="ADDED, UPDATED (renamed or moved: see `kind`) or DELETED."
    )
    document_id: strawberry.ID = strawberry.field(description="The document.")
    name: str = strawberry.field(description="Its name after the change (before, if deleted).")
    folder: d.DocumentFolder = strawberry.field(
        description="Its folder after the change (before, if deleted)."
    )
    previous_name: str | None = strawberry.field(
        description="Its name before a rename; null otherwise."
    )
    previous_folder: d.DocumentFolder | None = strawberry.field(
        description="Its folder before a move; null otherwise."
    )


_DOCUMENT_ACTIONS = {
    EventKind.DOCUMENT_ADDED: ActivityAction.ADDED,
    EventKind.DOCUMENT_RENAMED: ActivityAction.UPDATED,
    EventKind.DOCUMENT_MOVED: ActivityAction.UPDATED,
    EventKind.DOCUMENT_DELETED: ActivityAction.DELETED,
}


def _document_activity(e: ContactEvent, base: dict[str, Any]) -> ContactDocumentActivity:
    """Document events carry the summary (domain/documents.py) before and/or after."""
    before, after = e.changes[0].before, e.changes[0].after
    now = after or before
    renamed = e.kind is EventKind.DOCUMENT_RENAMED
    moved = e.kind is EventKind.DOCUMENT_MOVED
    return ContactDocumentActivity(
        **base,
        action=_DOCUMENT_ACTIONS[e.kind],
        document_id=strawberry.ID(now["id"]),
        name=now["name"],
        folder=d.DocumentFolder(now["folder"]),
        previous_name=before["name"] if renamed else None,
        previous_folder=d.DocumentFolder(before["folder"]) if moved else None,
    )


register_activity(_DOCUMENT_ACTIONS, ContactDocumentActivity, _document_activity)


@strawberry.type(description="A page of a contact's documents.")
class ContactDocumentConnection(Connection[ContactDocument]):
    pass


@strawberry.input(description="Which documents to list. Every member given must hold.")
class ContactDocumentFilter:
    folders: list[d.DocumentFolder] | None = strawberry.field(
        default=None,
        description="Only documents in these folders; an empty list matches none; all when "
        "omitted.",
    )
    sources: list[d.DocumentSource] | None = strawberry.field(
        default=None,
        description="Only documents from these sources (e.g. [FORM] for form submissions); "
        "an empty list matches none; all when omitted.",
    )
    search: str | None = strawberry.field(
        default=None,
        description="Only documents whose name contains this (case-insensitive; % and _ "
        "match themselves); blank matches every document.",
    )

    def to_domain(self) -> d.DocumentFilter:
        return d.DocumentFilter(
            folders=distinct(self.folders), sources=distinct(self.sources), search=self.search
        )


@strawberry.input(description="How to sort documents; default newest first.")
class ContactDocumentOrderBy:
    field: d.DocumentSortField = strawberry.field(
        default=d.DocumentSortField.CREATED_AT, description="What to sort by."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Which way."
    )


documents_request = tab_request(ContactDocumentOrderBy, ContactDocumentFilter, sort=str)


@strawberry.type
class ContactDocumentsFields:
    """`Contact.documents`; mixed into Contact (schema/contact.py)."""

    id: strawberry.ID

    @strawberry.field(
        description="The contact's documents (the Documents tab), as a cursor connection."
    )
    async def documents(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactDocumentFilter | None,
            strawberry.argument(description="Folders, sources, name; every document if omitted."),
        ] = None,
        order_by: Annotated[
            ContactDocumentOrderBy | None,
            strawberry.argument(description="Sort; default newest first."),
        ] = None,
    ) -> ContactDocumentConnection:
        request = documents_request(first, after, filter, order_by)
        docs, cursors, has_next = await r.page(info, str(self.id), request)
        contact_id = str(self.id)

        async def count() -> int:
            return await r.count(info, contact_id, request.filter)  # type: ignore[arg-type]

        conn = ContactDocumentConnection.build(
            [ContactDocument.from_domain(x) for x in docs], cursors, has_next, after, count
        )
        return conn  # type: ignore[return-value]


# -- mutations ----------------------------------------------------------------------------------


@strawberry.input(description="Where uploaded files come from; a plain upload if omitted.")
class ContactDocumentOriginInput:
    source: d.DocumentSource = strawberry.field(
        description="UPLOAD; CUSTOM_FIELD (the files become the FILE_UPLOAD field's value "
        "too); or SENT, FORM, SURVEY for systems that record a sent contract or a received "
        "submission."
    )
    reference: str | None = strawberry.field(
        default=None,
        description="CUSTOM_FIELD: the field's key; SENT, FORM, SURVEY: the contract, "
        "proposal or submission id (required for these; none for UPLOAD).",
    )

    def to_domain(self) -> d.UploadOrigin:
        return d.UploadOrigin(self.source, self.reference)


@strawberry.input(
    description="Upload files to a contact's Documents tab, as a GraphQL multipart request "
    "(the files in `files`). All or nothing: one refused file refuses them all."
)
class ContactDocumentsUploadInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    files: list[Upload] = strawberry.field(
        description="1 to 10 files of at most 250 MiB each, of an allowed type (PDF, Word, "
        "PowerPoint, CSV, PNG, JPEG, GIF, WebP, HEIC), decided from their bytes. A user "
        "error's `field` names the file: ['input', 'files', '3']."
    )
    folder: d.DocumentFolder | None = strawberry.field(
        default=None,
        description="Where they go; default the origin's folder (INTERNAL for uploads and "
        "custom fields, SENT for SENT, RECEIVED for FORM and SURVEY).",
    )
    origin: ContactDocumentOriginInput | None = strawberry.field(
        default=None, description="Where they come from; a plain upload if omitted."
    )


@strawberry.input(description="Rename a document.")
class ContactDocumentRenameInput:
    document_id: strawberry.ID = strawberry.field(description="The document.")
    name: str = strawberry.field(description="The new name; not blank, at most 255 characters.")


@strawberry.input(description="Move a document to another folder.")
class ContactDocumentMoveInput:
    document_id: strawberry.ID = strawberry.field(description="The document.")
    folder: d.DocumentFolder = strawberry.field(description="The folder it goes to.")


@strawberry.input(description="Delete a document and its file.")
class ContactDocumentDeleteInput:
    document_id: strawberry.ID = strawberry.field(description="The document.")


@strawberry.type(description="Result of contactDocumentsUpload.")
class ContactDocumentsUploadPayload:
    documents: list[ContactDocument] = strawberry.field(
        description="The new documents, in the order of `files`; empty on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[list[d.Document]]) -> Self:
        return cls(
            documents=[ContactDocument.from_domain(x) for x in outcome.value or []],
            user_errors=UserError.all_of(outcome.errors),
        )


@strawberry.interface(description="What every single-document mutation returns.")
class ContactDocumentMutationPayload:
    document: ContactDocument | None = strawberry.field(
        description="The document after the change (as it was, for a delete); null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[d.Document]) -> Self:
        return cls(
            document=ContactDocument.from_domain(outcome.value) if outcome.value else None,
            user_errors=UserError.all_of(outcome.errors),
        )


@strawberry.type(description="Result of contactDocumentRename.")
class ContactDocumentRenamePayload(ContactDocumentMutationPayload):
    pass


@strawberry.type(description="Result of contactDocumentMove.")
class ContactDocumentMovePayload(ContactDocumentMutationPayload):
    pass


@strawberry.type(description="Result of contactDocumentDelete.")
class ContactDocumentDeletePayload(ContactDocumentMutationPayload):
    pass


@strawberry.input(
    description="Ask where to send one large file's bytes directly (a staged upload); then "
    "send them there and call contactDocumentUploadFinalize."
)
class ContactDocumentUploadStageInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact it is for.")


@strawberry.type(description="An HTTP header a staged upload's request must carry.")
class ContactDocumentUploadHeader:
    name: str = strawberry.field(description="The header's name.")
    value: str = strawberry.field(description="Its value.")


@strawberry.type(
    description="Where to send one file's bytes: `method` (PUT) to `url` with `headers`, the "
    "body being the file, before `expiresAt`. With the S3 store it is the bucket itself; "
    "with the local store this server (`PUT /files/...`), which refuses more than "
    "`maxBytes` while reading."
)
class ContactDocumentUploadTarget:
    upload_id: strawberry.ID = strawberry.field(
        description="Pass to contactDocumentUploadFinalize."
    )
    url: str = strawberry.field(description="Signed, short-lived URL to send the bytes to.")
    method: str = strawberry.field(description="The HTTP method: PUT.")
    headers: list[ContactDocumentUploadHeader] = strawberry.field(
        description="Headers the request must carry (often none)."
    )
    expires_at: datetime = strawberry.field(description="When the URL stops working.")
    max_bytes: int = strawberry.field(
        description="The most a file may have; more is refused (at the latest when finalized)."
    )


@strawberry.type(description="Result of contactDocumentUploadStage.")
class ContactDocumentUploadStagePayload:
    upload: ContactDocumentUploadTarget | None = strawberry.field(
        description="Where to send the bytes; null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


@strawberry.input(description="Turn a staged upload into a document of the contact.")
class ContactDocumentUploadFinalizeInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact (as when staged).")
    upload_id: strawberry.ID = strawberry.field(description="From contactDocumentUploadStage.")
    name: str = strawberry.field(description="The document's name, e.g. the file's name.")
    folder: d.DocumentFolder | None = strawberry.field(
        default=None, description="Where it goes; default the origin's folder."
    )
    origin: ContactDocumentOriginInput | None = strawberry.field(
        default=None, description="Where it comes from; a plain upload if omitted."
    )


@strawberry.type(description="Result of contactDocumentUploadFinalize.")
class ContactDocumentUploadFinalizePayload(ContactDocumentMutationPayload):
    pass


@strawberry.type
class DocumentsMutation:
    @strawberry.mutation(
        description="Upload up to 10 files (GraphQL multipart request spec: `operations`, "
        "`map`, then the files). Every call adds new documents."
    )
    async def contact_documents_upload(
        self, info: Info, input: InputArg[ContactDocumentsUploadInput]
    ) -> ContactDocumentsUploadPayload:
        origin = input.origin.to_domain() if input.origin else d.UploadOrigin()
        return ContactDocumentsUploadPayload.from_outcome(
            await r.upload(info, str(input.contact_id), input.files, input.folder, origin)
        )

    @strawberry.mutation(
        description="Stage an upload: where to send one file's bytes directly (S3: the "
        "bucket), for files too large to send through a GraphQL request comfortably."
    )
    async def contact_document_upload_stage(
        self, info: Info, input: InputArg[ContactDocumentUploadStageInput]
    ) -> ContactDocumentUploadStagePayload:
        outcome = await r.stage(info, str(input.contact_id))
        upload = None
        if outcome.value is not None:
            upload_id, target = outcome.value
            upload = ContactDocumentUploadTarget(
                upload_id=strawberry.ID(upload_id),
                url=target.url,
                method=target.method,
                headers=[
                    ContactDocumentUploadHeader(name=k, value=v) for k, v in target.headers.items()
                ],
                expires_at=target.expires_at,
                max_bytes=info.context.settings.max_upload_bytes,
            )
        return ContactDocumentUploadStagePayload(
            upload=upload, user_errors=UserError.all_of(outcome.errors)
        )

    @strawberry.mutation(
        description="Finalize a staged upload: its stored bytes are checked (size, type, as "
        "an upload's) and it becomes a document; refused, the bytes are deleted. Finalizing "
        "again returns the document as it is."
    )
    async def contact_document_upload_finalize(
        self, info: Info, input: InputArg[ContactDocumentUploadFinalizeInput]
    ) -> ContactDocumentUploadFinalizePayload:
        origin = input.origin.to_domain() if input.origin else d.UploadOrigin()
        return ContactDocumentUploadFinalizePayload.from_outcome(
            await r.finalize(
                info,
                str(input.contact_id),
                str(input.upload_id),
                input.name,
                input.folder,
                origin,
            )
        )

    @strawberry.mutation(description="Rename a document; the same name again changes nothing.")
    async def contact_document_rename(
        self, info: Info, input: InputArg[ContactDocumentRenameInput]
    ) -> ContactDocumentRenamePayload:
        return ContactDocumentRenamePayload.from_outcome(
            await r.rename(info, str(input.document_id), input.name)
        )

    @strawberry.mutation(
        description="Move a document to another folder; its own folder again changes nothing."
    )
    async def contact_document_move(
        self, info: Info, input: InputArg[ContactDocumentMoveInput]
    ) -> ContactDocumentMovePayload:
        return ContactDocumentMovePayload.from_outcome(
            await r.move(info, str(input.document_id), input.folder)
        )

    @strawberry.mutation(
        description="Delete a document; its file is removed once the deletion committed. "
        "NOT_FOUND once it is gone (a retried delete: done)."
    )
    async def contact_document_delete(
        self, info: Info, input: InputArg[ContactDocumentDeleteInput]
    ) -> ContactDocumentDeletePayload:
        return ContactDocumentDeletePayload.from_outcome(
            await r.delete(info, str(input.document_id))
        )
