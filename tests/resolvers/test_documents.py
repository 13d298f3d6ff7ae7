"""Documents tab over HTTP: multipart uploads with their limits, the three folders, filters and
sorts, signed downloads, rename / move / delete with their events, custom-field files,
tenancy and visibility -- on the local store here, on moto's S3 server at the end."""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from live_servers import S3Server
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from support import Tenant, multipart

from domain.viewer import Viewer
from persistence.tables import DOCUMENT
from server.app import create_app
from server.seed_tabs import demo_pdf, demo_png
from server.settings import Settings

PDF = demo_pdf("Quote 2026")
PNG = demo_png((200, 30, 30))
DOC = (
    "id contactId name size contentType sha256 folder subFolder source sourceReference "
    "addedBy { id } createdAt updatedAt downloadUrl"
)
DOCUMENTS = f"""query($id: ID!, $first: Int, $after: String, $filter: ContactDocumentFilter,
  $orderBy: ContactDocumentOrderBy) {{ contact(id: $id) {{ documents(first: $first,
  after: $after, filter: $filter, orderBy: $orderBy) {{ totalCount
  pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {DOC} }} }} }} }} }}"""
MiB = 1024 * 1024


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


async def upload(
    t: Tenant,
    contact_id: str,
    files: list[tuple[str, Any]],
    viewer: Viewer | None = None,
    **input: Any,
) -> dict[str, Any]:
    response = await t.upload(
        {"contactId": contact_id, **input}, files, selection=f"documents {{ {DOC} }}", viewer=viewer
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["contactDocumentsUpload"]
    return payload


async def listed(
    t: Tenant, contact_id: str, viewer: Viewer | None = None, **variables: Any
) -> dict[str, Any]:
    data = await t.gql(DOCUMENTS, {"id": contact_id, **variables}, viewer)
    if data["contact"] is None:
        return {"contact": None}
    page: dict[str, Any] = data["contact"]["documents"]
    return page


def stored_files(settings: Settings, location_id: str) -> list[Path]:
    """What the local store holds for the location, and any half-written file."""
    root = settings.files_dir
    return [
        p for p in [*(root / location_id).rglob("*"), *(root / ".partial").glob("*")] if p.is_file()
    ]


async def rows(engine: AsyncEngine, location_id: str) -> int:
    async with engine.connect() as conn:
        stmt = (
            select(func.count()).select_from(DOCUMENT).where(DOCUMENT.c.location_id == location_id)
        )
        return int((await conn.execute(stmt)).scalar_one())


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_upload_lists_and_downloads_files_by_their_bytes(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Filed")
    ben = tenant.viewer("user-ben")
    payload = await upload(
        tenant,
        c["id"],
        [
            ("Quote.pdf", PDF),
            ("photo.jpg", PNG),
            ("minutes.docx", docx()),
            ("a/b\\list.csv", b"a,b\n1,2\n"),
        ],
        viewer=ben,
    )
    assert payload["userErrors"] == []
    docs = payload["documents"]
    assert [(d["name"], d["contentType"]) for d in docs] == [
        ("Quote.pdf", "application/pdf"),
        ("photo.jpg", "image/png"),  # the bytes decide, not the name
        ("minutes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("list.csv", "text/csv"),
    ]
    first = docs[0]
    assert (first["folder"], first["subFolder"], first["source"]) == ("INTERNAL", None, "UPLOAD")
    assert first["size"] == len(PDF)
    assert first["addedBy"] == {"id": "user-ben"}
    assert first["contactId"] == c["id"]
    assert first["sourceReference"] is None

    page = await listed(tenant, c["id"])
    assert page["totalCount"] == 4
    assert [e["node"]["name"] for e in page["edges"]] == [d["name"] for d in docs][::-1] or {
        e["node"]["name"] for e in page["edges"]
    } == {d["name"] for d in docs}

    got = await tenant.client.get(path_of(first["downloadUrl"]))
    assert got.status_code == 200
    assert got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert len(stored_files(tenant.settings, tenant.location_id)) == 4


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", b"just some text, no PDF"),
        ("tool.png", b"MZ\x90\x00" + b"\x00" * 600),  # an executable named like an image
        ("notes.txt", b"a,b\n1,2\n"),  # text, but not named .csv
        ("data.csv", b"a,b\n\x00\x01\x02binary"),
        ("archive.docx", b"PK\x03\x04" + b"\x00" * 200),  # a zip that is no Word file
    ],
)
async def test_a_file_of_another_type_refuses_the_whole_upload(
    tenant: Tenant, engine: AsyncEngine, name: str, data: bytes
) -> None:
    c = await tenant.create_contact(firstName="Picky")
    payload = await upload(tenant, c["id"], [("ok.pdf", PDF), (name, data)])
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("FILE_TYPE_NOT_ALLOWED", ["input", "files", "1"])
    ]
    assert payload["documents"] == []
    assert stored_files(tenant.settings, tenant.location_id) == []
    assert await rows(engine, tenant.location_id) == 0


async def test_a_csv_that_turns_binary_late_is_refused_and_what_was_stored_goes(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    """The start of a CSV decides it may be one; the rest is checked while it is stored. The
    file stored before it is deleted again."""
    c = await tenant.create_contact(firstName="Late")
    late = b"a,b\n" * 5000 + b"\xff\xfe\x00binary"
    payload = await upload(tenant, c["id"], [("ok.pdf", PDF), ("late.csv", late), ("p.png", PNG)])
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("FILE_TYPE_NOT_ALLOWED", ["input", "files", "1"])
    ]
    assert stored_files(tenant.settings, tenant.location_id) == []
    assert await rows(engine, tenant.location_id) == 0


async def test_the_eleventh_file_refuses_the_upload(tenant: Tenant, engine: AsyncEngine) -> None:
    c = await tenant.create_contact(firstName="Many")
    payload = await upload(tenant, c["id"], [(f"f{i}.png", PNG) for i in range(11)])
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("LIMIT_EXCEEDED", ["input", "files", "10"])
    ]
    assert stored_files(tenant.settings, tenant.location_id) == []
    assert await rows(engine, tenant.location_id) == 0
    ten = await upload(tenant, c["id"], [(f"f{i}.png", PNG) for i in range(10)])
    assert ten["userErrors"] == []
    assert len(ten["documents"]) == 10


async def sized(size: int, head: bytes = PDF) -> AsyncIterator[bytes]:
    """``size`` bytes starting like a PDF, streamed in 1 MiB chunks."""
    yield head
    left = size - len(head)
    block = b"\x00" * MiB
    while left > 0:
        yield block[: min(left, MiB)]
        left -= MiB


async def test_a_file_one_byte_over_250_mib_refuses_the_upload(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    """The cap is held while the request is read: the file is dropped at 250 MiB + 1 byte and
    only counted after, so it never lands whole on disk; the mutation names it."""
    c = await tenant.create_contact(firstName="Huge")
    limit = tenant.settings.max_upload_bytes
    assert limit == 250 * MiB
    payload = await upload(tenant, c["id"], [("ok.png", PNG), ("huge.pdf", sized(limit + 1))])
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("FILE_TOO_LARGE", ["input", "files", "1"])
    ]
    assert stored_files(tenant.settings, tenant.location_id) == []
    assert await rows(engine, tenant.location_id) == 0


async def test_a_multipart_request_needs_a_token_before_it_is_read(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Anon")
    content_type, body = multipart({"query": "mutation { __typename }"}, [("a.pdf", PDF)])
    response = await tenant.client.post(
        "/graphql", content=body, headers={"content-type": content_type}
    )
    assert response.status_code == 401
    assert "valid token" in response.json()["errors"][0]["message"]
    assert c["id"]


async def test_a_body_larger_than_ten_full_files_is_refused_unread(tenant: Tenant) -> None:
    limit = 10 * (tenant.settings.max_upload_bytes + 64 * 1024) + 2 * tenant.settings.max_body_bytes
    response = await tenant.client.post(
        "/graphql",
        content=b"x",
        headers={
            "content-type": "multipart/form-data; boundary=x",
            "content-length": str(limit + 1),
            **tenant.headers(tenant.admin),
        },
    )
    assert response.status_code == 413


async def test_files_must_come_as_files(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Json")
    body = await tenant.raw(
        "mutation($input: ContactDocumentsUploadInput!) { contactDocumentsUpload(input: $input) "
        "{ documents { id } } }",
        {"input": {"contactId": c["id"], "files": ["not a file"]}},
        tenant.admin,
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "multipart" in body["errors"][0]["message"]


async def test_only_operations_and_map_may_be_fields(tenant: Tenant) -> None:
    boundary = "b"
    body = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n{{}}\r\n'
            for n in ("operations", "map", "extra")
        )
        + f"--{boundary}--\r\n"
    )
    response = await tenant.client.post(
        "/graphql",
        content=body.encode(),
        headers={
            "content-type": f"multipart/form-data; boundary={boundary}",
            **tenant.headers(tenant.admin),
        },
    )
    assert response.status_code == 400
    assert "Too many fields" in response.json()["errors"][0]["message"]


async def test_folders_sources_search_and_sorts(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Sorted")
    await upload(tenant, c["id"], [("Beta plan.pdf", PDF), ("alpha.png", PNG)])
    sent = await upload(
        tenant,
        c["id"],
        [("Proposal.pdf", demo_pdf("proposal" * 40))],
        origin={"source": "SENT", "reference": "proposal-7"},
    )
    form = await upload(
        tenant, c["id"], [("Intake.pdf", PDF)], origin={"source": "FORM", "reference": "sub-1"}
    )
    assert (sent["documents"][0]["folder"], sent["documents"][0]["subFolder"]) == (
        "SENT",
        "Contracts & Proposals",
    )
    assert form["documents"][0]["folder"] == "RECEIVED"
    assert form["documents"][0]["sourceReference"] == "sub-1"

    async def names(**variables: Any) -> list[str]:
        page = await listed(tenant, c["id"], **variables)
        return [e["node"]["name"] for e in page["edges"]]

    assert await names(filter={"folders": ["RECEIVED"]}) == ["Intake.pdf"]
    assert await names(filter={"folders": []}) == []
    assert await names(filter={"sources": ["SENT", "FORM"]}) == ["Intake.pdf", "Proposal.pdf"]
    assert await names(filter={"search": "PLAN"}) == ["Beta plan.pdf"]
    by_name = ["alpha.png", "Beta plan.pdf", "Intake.pdf", "Proposal.pdf"]
    assert await names(orderBy={"field": "NAME", "direction": "ASC"}) == by_name
    page = await listed(tenant, c["id"], first=2, orderBy={"field": "NAME", "direction": "ASC"})
    rest = await names(
        first=2, after=page["pageInfo"]["endCursor"], orderBy={"field": "NAME", "direction": "ASC"}
    )
    assert [e["node"]["name"] for e in page["edges"]] + rest == by_name
    sizes = await listed(tenant, c["id"], orderBy={"field": "SIZE", "direction": "DESC"})
    values = [e["node"]["size"] for e in sizes["edges"]]
    assert values == sorted(values, reverse=True)
    first = await listed(tenant, c["id"], first=3, orderBy={"field": "SIZE", "direction": "DESC"})
    after = await names(
        first=3,
        after=first["pageInfo"]["endCursor"],
        orderBy={"field": "SIZE", "direction": "DESC"},
    )
    assert len(after) == 1


ACTIVITY = """query($id: ID!) { contact(id: $id) { activity(filter: { kinds: [DOCUMENT_ADDED,
  DOCUMENT_RENAMED, DOCUMENT_MOVED, DOCUMENT_DELETED] }) { edges { node { __typename kind
  actor { id } ... on ContactDocumentActivity { action documentId name folder previousName
  previousFolder } } } } auditLog(filter: { kinds: [DOCUMENT_RENAMED] }) { edges { node {
  kind changes { field before after } } } } } }"""


async def test_rename_move_delete_are_events_and_repeats_change_nothing(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    c = await tenant.create_contact(firstName="Moved")
    doc = (await upload(tenant, c["id"], [("draft.pdf", PDF)]))["documents"][0]
    sel = f"document {{ {DOC} }}"

    renamed = await tenant.mutate(
        "contactDocumentRename", {"documentId": doc["id"], "name": " final.pdf "}, sel
    )
    assert renamed["userErrors"] == []
    assert renamed["document"]["name"] == "final.pdf"
    again = await tenant.mutate(
        "contactDocumentRename", {"documentId": doc["id"], "name": "final.pdf"}, sel
    )
    assert again["document"]["updatedAt"] == renamed["document"]["updatedAt"]
    blank = await tenant.mutate(
        "contactDocumentRename", {"documentId": doc["id"], "name": " "}, sel
    )
    assert [(e["code"], e["field"]) for e in blank["userErrors"]] == [
        ("REQUIRED", ["input", "name"])
    ]

    moved = await tenant.mutate(
        "contactDocumentMove", {"documentId": doc["id"], "folder": "SENT"}, sel
    )
    assert moved["document"]["folder"] == "SENT"
    await tenant.mutate("contactDocumentMove", {"documentId": doc["id"], "folder": "SENT"}, sel)

    stored = stored_files(tenant.settings, tenant.location_id)
    at_commit: list[bool] = []

    def on_commit(conn: object) -> None:
        at_commit.append(all(p.exists() for p in stored))

    event.listen(engine.sync_engine, "commit", on_commit)
    try:
        deleted = await tenant.mutate("contactDocumentDelete", {"documentId": doc["id"]}, sel)
    finally:
        event.remove(engine.sync_engine, "commit", on_commit)
    assert deleted["document"]["id"] == doc["id"]
    assert at_commit == [True]  # the bytes were still there when the row's deletion committed
    assert stored_files(tenant.settings, tenant.location_id) == []  # and gone after it
    twice = await tenant.mutate("contactDocumentDelete", {"documentId": doc["id"]}, sel)
    assert [(e["code"], e["field"]) for e in twice["userErrors"]] == [
        ("NOT_FOUND", ["input", "documentId"])
    ]
    assert await rows(engine, tenant.location_id) == 0

    data = await tenant.gql(ACTIVITY, {"id": c["id"]})
    items = [e["node"] for e in data["contact"]["activity"]["edges"]]
    assert [(i["__typename"], i["kind"], i["action"]) for i in items] == [
        ("ContactDocumentActivity", "DOCUMENT_DELETED", "DELETED"),
        ("ContactDocumentActivity", "DOCUMENT_MOVED", "UPDATED"),
        ("ContactDocumentActivity", "DOCUMENT_RENAMED", "UPDATED"),
        ("ContactDocumentActivity", "DOCUMENT_ADDED", "ADDED"),
    ]
    assert (items[1]["folder"], items[1]["previousFolder"]) == ("SENT", "INTERNAL")
    assert (items[2]["name"], items[2]["previousName"]) == ("final.pdf", "draft.pdf")
    assert {i["documentId"] for i in items} == {doc["id"]}
    audit = data["contact"]["auditLog"]["edges"]
    assert len(audit) == 1
    change = audit[0]["node"]["changes"][0]
    assert (change["before"]["name"], change["after"]["name"]) == ("draft.pdf", "final.pdf")


async def test_a_hidden_contacts_documents_are_not_found(tenant: Tenant) -> None:
    restricted = tenant.viewer("user-dan", assigned_only=True)
    c = await tenant.create_contact(firstName="Hidden")
    doc = (await upload(tenant, c["id"], [("secret.pdf", PDF)]))["documents"][0]

    assert (await listed(tenant, c["id"], restricted)) == {"contact": None}
    refused = await upload(tenant, c["id"], [("x.pdf", PDF)], viewer=restricted)
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("NOT_FOUND", ["input", "contactId"])
    ]
    for name, extra in (
        ("contactDocumentRename", {"name": "mine.pdf"}),
        ("contactDocumentMove", {"folder": "SENT"}),
        ("contactDocumentDelete", {}),
    ):
        payload = await tenant.mutate(
            name, {"documentId": doc["id"], **extra}, "document { id }", viewer=restricted
        )
        assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"], name

    own = await tenant.create_contact(firstName="Own", ownerId="user-dan")
    mine = await upload(tenant, own["id"], [("mine.pdf", PDF)], viewer=restricted)
    assert mine["userErrors"] == []
    assert (await listed(tenant, own["id"], restricted))["totalCount"] == 1


async def test_another_locations_documents_are_not_found(
    tenant: Tenant, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    c = await tenant.create_contact(firstName="Theirs")
    doc = (await upload(tenant, c["id"], [("theirs.pdf", PDF)]))["documents"][0]
    from sqlalchemy import insert

    from persistence.tables import LOCATION

    other_id = str(uuid.uuid4())
    async with engine.begin() as conn:
        from datetime import UTC, datetime

        await conn.execute(
            insert(LOCATION).values(id=other_id, name="other", created_at=datetime.now(UTC))
        )
    other = Tenant(client, tenant.settings, other_id)
    payload = await other.mutate(
        "contactDocumentDelete", {"documentId": doc["id"]}, "document { id }"
    )
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
    assert (await upload(other, c["id"], [("x.pdf", PDF)]))["userErrors"][0]["code"] == "NOT_FOUND"
    assert len(stored_files(tenant.settings, tenant.location_id)) == 1


CUSTOM = """query($id: ID!) { contact(id: $id) { customFields { field { key } value {
  ... on CustomFieldFiles { files { id name folder subFolder source sourceReference } } } } } }"""


async def test_custom_field_files_are_documents_of_the_contact(tenant: Tenant) -> None:
    field = await tenant.mutate(
        "customFieldCreate",
        {"key": "id_scan", "name": "ID scan", "dataType": "FILE_UPLOAD"},
        "customField { id }",
    )
    field_id = field["customField"]["id"]
    c = await tenant.create_contact(firstName="Scanned")
    up = await upload(
        tenant,
        c["id"],
        [("scan.png", PNG)],
        origin={"source": "CUSTOM_FIELD", "reference": "id_scan"},
    )
    doc = up["documents"][0]
    assert (doc["folder"], doc["subFolder"], doc["source"], doc["sourceReference"]) == (
        "INTERNAL",
        "Custom Fields",
        "CUSTOM_FIELD",
        field_id,
    )
    more = await upload(
        tenant,
        c["id"],
        [("back.png", PNG)],
        origin={"source": "CUSTOM_FIELD", "reference": "id_scan"},
    )
    values = (await tenant.gql(CUSTOM, {"id": c["id"]}))["contact"]["customFields"]
    files = values[0]["value"]["files"]
    assert [f["id"] for f in files] == [doc["id"], more["documents"][0]["id"]]  # the same objects
    listed_ids = {e["node"]["id"] for e in (await listed(tenant, c["id"]))["edges"]}
    assert {f["id"] for f in files} == listed_ids

    wrong = await upload(
        tenant, c["id"], [("x.png", PNG)], origin={"source": "CUSTOM_FIELD", "reference": "nope"}
    )
    assert [(e["code"], e["field"]) for e in wrong["userErrors"]] == [
        ("NOT_FOUND", ["input", "origin", "reference"])
    ]
    await tenant.mutate(
        "customFieldCreate",
        {"key": "score", "name": "Score", "dataType": "NUMBER"},
        "customField { id }",
    )
    typed = await upload(
        tenant,
        c["id"],
        [("x.png", PNG)],
        origin={"source": "CUSTOM_FIELD", "reference": "score"},
    )
    assert [(e["code"], e["field"]) for e in typed["userErrors"]] == [
        ("WRONG_VALUE_TYPE", ["input", "origin", "reference"])
    ]
    other = await tenant.create_contact(firstName="Other")
    foreign = await tenant.mutate(
        "contactCustomFieldValuesSet",
        {
            "contactId": other["id"],
            "values": [{"key": "id_scan", "value": {"files": [{"documentId": doc["id"]}]}}],
        },
    )
    assert [(e["code"], e["field"]) for e in foreign["userErrors"]] == [
        ("NOT_FOUND", ["input", "values", "0", "value", "files", "0"])
    ]
    await tenant.mutate("contactDocumentDelete", {"documentId": doc["id"]}, "document { id }")
    values = (await tenant.gql(CUSTOM, {"id": c["id"]}))["contact"]["customFields"]
    assert [f["id"] for f in values[0]["value"]["files"]] == [more["documents"][0]["id"]]


STAGE = "upload { uploadId url method headers { name value } expiresAt maxBytes }"


async def stage(t: Tenant, contact_id: str) -> dict[str, Any]:
    payload = await t.mutate("contactDocumentUploadStage", {"contactId": contact_id}, STAGE)
    assert payload["userErrors"] == []
    upload: dict[str, Any] = payload["upload"]
    return upload


async def finalize(t: Tenant, contact_id: str, upload_id: str, **input: Any) -> dict[str, Any]:
    return await t.mutate(
        "contactDocumentUploadFinalize",
        {"contactId": contact_id, "uploadId": upload_id, "name": "big.pdf", **input},
        f"document {{ {DOC} }}",
    )


async def test_a_staged_upload_is_checked_when_finalized(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    c = await tenant.create_contact(firstName="Staged")
    target = await stage(tenant, c["id"])
    assert target["method"] == "PUT"
    assert target["maxBytes"] == tenant.settings.max_upload_bytes
    put = await tenant.client.put(path_of(target["url"]), content=PDF)
    assert put.status_code == 204
    done = await finalize(tenant, c["id"], target["uploadId"], folder="SENT")
    assert done["userErrors"] == []
    doc = done["document"]
    assert (doc["id"], doc["name"], doc["folder"], doc["size"]) == (
        target["uploadId"],
        "big.pdf",
        "SENT",
        len(PDF),
    )
    assert (await tenant.client.get(path_of(doc["downloadUrl"]))).content == PDF
    again = await finalize(tenant, c["id"], target["uploadId"], folder="SENT")
    # done already: returned as it is (its download URL is signed anew, with a later expiry)
    assert {**again["document"], "downloadUrl": None} == {**doc, "downloadUrl": None}
    staged = tenant.settings.files_dir / tenant.location_id / "staged"
    assert not list(staged.glob("*"))  # the staged bytes went

    bad = await stage(tenant, c["id"])
    await tenant.client.put(path_of(bad["url"]), content=b"MZ\x90\x00 not a document")
    refused = await finalize(tenant, c["id"], bad["uploadId"])
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("FILE_TYPE_NOT_ALLOWED", ["input", "uploadId"])
    ]
    assert not list(staged.glob("*"))  # refused: deleted
    assert await rows(engine, tenant.location_id) == 1
    for unknown in (bad["uploadId"], "not-an-id", str(uuid.uuid4())):
        nothing = await finalize(tenant, c["id"], unknown)
        assert [(e["code"], e["field"]) for e in nothing["userErrors"]] == [
            ("NOT_FOUND", ["input", "uploadId"])
        ]
    other = await tenant.create_contact(firstName="Other")
    assert (await finalize(tenant, other["id"], doc["id"]))["userErrors"][0]["code"] == "NOT_FOUND"


# -- the same API on an S3-compatible store ----------------------------------------------------


@pytest.fixture(scope="module")
async def s3_app(settings: Settings, s3_server: S3Server) -> AsyncIterator[tuple[Starlette, str]]:
    bucket = f"documents-{uuid.uuid4().hex[:10]}"
    async with s3_server.client() as s3:
        await s3.create_bucket(Bucket=bucket)
    s3_settings = settings.model_copy(
        update={**s3_server.settings(bucket), "max_upload_bytes": 16 * MiB}
    )
    application = create_app(s3_settings)
    async with application.router.lifespan_context(application):
        yield application, bucket


async def bucket_contents(s3_server: S3Server, bucket: str, prefix: str) -> list[Any]:
    async with s3_server.client() as s3:
        objects = (await s3.list_objects_v2(Bucket=bucket, Prefix=prefix)).get("Contents", [])
        uploads = (await s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix)).get("Uploads", [])
    return [*objects, *uploads]


async def test_on_s3_uploads_download_refusals_and_deletes(
    s3_app: tuple[Starlette, str], s3_server: S3Server, tenant: Tenant
) -> None:
    app, bucket = s3_app
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        t = Tenant(http, tenant.settings, tenant.location_id)
        c = await t.create_contact(firstName="Bucketed")
        big = os.urandom(9 * MiB)  # two parts of a multipart upload
        ok = await upload(t, c["id"], [("scan.png", PNG), ("big.pdf", PDF + big)])
        assert ok["userErrors"] == []
        assert len(await bucket_contents(s3_server, bucket, tenant.location_id)) == 2
        async with httpx.AsyncClient() as outside:
            got = await outside.get(ok["documents"][1]["downloadUrl"])
        assert got.status_code == 200
        assert got.content == PDF + big

        late = b"a,b\n" * 5000 + b"\x00"
        refused = await upload(t, c["id"], [("ok.pdf", PDF + big), ("late.csv", late)])
        assert refused["userErrors"][0]["code"] == "FILE_TYPE_NOT_ALLOWED"
        assert len(await bucket_contents(s3_server, bucket, tenant.location_id)) == 2

        for doc in ok["documents"]:
            await t.mutate("contactDocumentDelete", {"documentId": doc["id"]}, "document { id }")
        assert await bucket_contents(s3_server, bucket, tenant.location_id) == []


async def test_on_s3_a_staged_upload_goes_to_the_bucket_and_is_checked(
    s3_app: tuple[Starlette, str], s3_server: S3Server, tenant: Tenant
) -> None:
    app, bucket = s3_app
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        t = Tenant(http, tenant.settings, tenant.location_id)
        c = await t.create_contact(firstName="Presigned")
        target = await stage(t, c["id"])
        assert target["maxBytes"] == 16 * MiB
        async with httpx.AsyncClient() as outside:
            put = await outside.put(target["url"], content=PDF)
            assert put.status_code == 200
            too_big = await stage(t, c["id"])
            # a presigned PUT cannot cap the size: finalize does
            await outside.put(too_big["url"], content=PDF + b"\x00" * (16 * MiB))
        done = await finalize(t, c["id"], target["uploadId"])
        assert done["userErrors"] == []
        refused = await finalize(t, c["id"], too_big["uploadId"])
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
            ("FILE_TOO_LARGE", ["input", "uploadId"])
        ]
        keys = [o["Key"] for o in await bucket_contents(s3_server, bucket, tenant.location_id)]
        assert keys == [f"{tenant.location_id}/documents/{target['uploadId']}"]
