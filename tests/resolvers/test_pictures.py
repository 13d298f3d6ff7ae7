"""The profile picture through HTTP: multipart upload, every size, replace and remove, the
refused files, tenancy, the social auto-fetch in the background (from a real HTTP server on
127.0.0.1), the timeline and the audit log -- on SQLite and PostgreSQL, with the local store
and (where the store matters) moto's S3 server."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from images import (
    GREEN,
    bomb_png,
    encode,
    exif_jpeg,
    jpeg,
    open_image,
    png_with_alpha,
    striped,
)
from live_servers import PictureServer, S3Server
from sqlalchemy import func, insert, select
from starlette.applications import Starlette
from support import Tenant

from adapters.files import LocalFileStore, S3FileStore
from adapters.pictures import PillowImageProcessor
from domain.contact import PictureSource
from domain.errors import DomainError, ErrorCode
from domain.pictures import picture_from_stored_file, social_picture_job
from domain.ports import SystemClock, file_key
from domain.services import Services
from persistence.tables import CONTACT, LOCATION
from persistence.uow import SqlUnitOfWork
from server.app import create_app
from server.runtime import Runtime
from server.settings import Settings

MAX_BYTES = 300_000
PICTURE_SETTINGS: dict[str, Any] = {
    "picture_max_bytes": MAX_BYTES,
    "picture_fetch_hosts": ["127.0.0.1"],
    "picture_fetch_allow_http": True,
    "outbound_allow_loopback": True,
    "picture_fetch_timeout_seconds": 0.5,
    "picture_fetch_deadline_seconds": 1.5,
    "picture_fetch_max_bytes": 100_000,
}
TIMELINE = """query($id: ID!) { contact(id: $id) { updatedAt picture { source }
  activity(first: 10, filter: { kinds: [PICTURE_CHANGED] }) { edges { node { __typename
    kind actor { id } ... on ContactPictureActivity { action source previousSource sizes } } } }
  auditLog(first: 10, filter: { kinds: [PICTURE_CHANGED] }) { edges { node { kind
    actor { id } changes { field before after } } } } } }"""
PICTURE = "query($id: ID!) { contact(id: $id) { picture { source url } } }"


async def _app(settings: Settings, **changes: Any) -> AsyncIterator[Starlette]:
    values = {**settings.model_dump(), **PICTURE_SETTINGS, **changes}
    application = create_app(Settings(**values, _env_file=None))  # type: ignore[call-arg]
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
async def local_app(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Any:
    async for application in _app(settings, files_dir=tmp_path_factory.mktemp("pictures")):
        yield application


@pytest.fixture(scope="module")
async def s3_app(settings: Settings, s3_server: S3Server) -> Any:
    bucket = f"pictures-{uuid.uuid4().hex[:12]}"
    async with s3_server.client() as s3:
        await s3.create_bucket(Bucket=bucket)
    async for application in _app(settings, **s3_server.settings(bucket)):
        yield application


@pytest.fixture(params=["local", "s3"])
def store_app(request: pytest.FixtureRequest) -> Starlette:
    """The app on each kind of store, for the tests where the store matters."""
    return request.getfixturevalue(f"{request.param}_app")  # type: ignore[no-any-return]


async def tenant_of(app: Starlette, settings: Settings) -> AsyncIterator[Tenant]:
    location_id = str(uuid.uuid4())
    runtime: Runtime = app.state.runtime
    async with runtime.engine.begin() as conn:
        await conn.execute(
            insert(LOCATION).values(id=location_id, name="pictures", created_at=datetime.now(UTC))
        )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Tenant(client, settings, location_id)


@pytest.fixture
async def t(local_app: Starlette, settings: Settings) -> AsyncIterator[Tenant]:
    async for made in tenant_of(local_app, settings):
        yield made


@pytest.fixture
async def st(store_app: Starlette, settings: Settings) -> AsyncIterator[Tenant]:
    async for made in tenant_of(store_app, settings):
        yield made


def runtime_of(t: Tenant) -> Runtime:
    transport = t.client._transport
    assert isinstance(transport, httpx.ASGITransport)
    return transport.app.state.runtime  # type: ignore[attr-defined,no-any-return]


async def stored(t: Tenant, contact_id: str) -> list[str]:
    """Every object the store holds for the contact's pictures (partial ones too)."""
    files = runtime_of(t).files
    prefix = f"{t.location_id}/pictures/{contact_id}/"
    if isinstance(files, LocalFileStore):
        found = [p for p in files.root.rglob("*") if p.is_file()]
        return sorted(str(p.relative_to(files.root)) for p in found if prefix in str(p))
    assert isinstance(files, S3FileStore)
    listed = await files.s3.list_objects_v2(Bucket=files.bucket, Prefix=prefix)
    uploads = await files.s3.list_multipart_uploads(Bucket=files.bucket, Prefix=prefix)
    return sorted(
        [o["Key"] for o in listed.get("Contents", [])]
        + [u["Key"] for u in uploads.get("Uploads", [])]
    )


async def download(t: Tenant, url: str) -> httpx.Response:
    """A signed URL of either store: the local one is served by the app itself."""
    if isinstance(runtime_of(t).files, LocalFileStore):
        parts = urlsplit(url)
        return await t.client.get(f"{parts.path}?{parts.query}")
    async with httpx.AsyncClient() as http:
        return await http.get(url)


async def timeline(t: Tenant, contact_id: str) -> dict[str, Any]:
    data = await t.gql(TIMELINE, {"id": contact_id})
    return data["contact"]  # type: ignore[no-any-return]


def kinds(contact: dict[str, Any]) -> list[Any]:
    return [e["node"] for e in contact["activity"]["edges"]]


# -- upload, sizes, replace, remove -----------------------------------------------------------


async def test_an_upload_becomes_the_picture_in_every_size(st: Tenant) -> None:
    c = await st.create_contact(firstName="Pia")
    payload = await st.upload_picture(c["id"], exif_jpeg())
    assert payload["userErrors"] == []
    contact = payload["contact"]
    picture = contact["picture"]
    assert picture["source"] == "UPLOAD"
    assert contact["updatedAt"] == picture["updatedAt"] > c["updatedAt"]
    # the same file: an S3 URL's signature holds the second it was signed in, which may tick
    key = {size: urlsplit(picture[size]).path for size in ("url", "header", "thread", "card")}
    assert key["url"] == key["header"] != key["thread"] != key["card"]
    for size, px in (("header", 256), ("thread", 64), ("card", 40)):
        served = await download(st, picture[size])
        assert served.status_code == 200, served.text
        assert served.headers["content-type"] == "image/webp"
        assert b"PhoneMaker" not in served.content
        assert b"Exif" not in served.content
        image = open_image(served.content)
        assert (image.format, image.size) == ("WEBP", (px, px))
    assert len(await stored(st, c["id"])) == 3


async def test_replacing_deletes_the_old_images_once_saved(st: Tenant) -> None:
    c = await st.create_contact(firstName="Rex")
    first = (await st.upload_picture(c["id"], jpeg()))["contact"]["picture"]
    old = await stored(st, c["id"])
    second = await st.upload_picture(c["id"], png_with_alpha())
    assert second["userErrors"] == []
    new = await stored(st, c["id"])
    assert len(new) == 3
    assert not set(old) & set(new)
    assert (await download(st, first["url"])).status_code in (403, 404)
    assert (await download(st, second["contact"]["picture"]["url"])).status_code == 200
    items = kinds(await timeline(st, c["id"]))
    assert [(i["action"], i["source"], i["previousSource"]) for i in items] == [
        ("UPDATED", "UPLOAD", "UPLOAD"),
        ("ADDED", "UPLOAD", None),
    ]


async def test_remove_takes_the_picture_and_its_images(st: Tenant) -> None:
    c = await st.create_contact(firstName="Remy")
    await st.upload_picture(c["id"], jpeg())
    removed = await st.mutate(
        "contactPictureRemove", {"contactId": c["id"]}, selection="contact { picture { source } }"
    )
    assert removed == {"userErrors": [], "contact": {"picture": None}}
    assert await stored(st, c["id"]) == []
    columns = [col for col in CONTACT.c if col.name.startswith("picture_")]
    async with runtime_of(st).engine.connect() as conn:
        stmt = select(*(col.is_(None) for col in columns)).where(CONTACT.c.id == c["id"])
        assert all((await conn.execute(stmt)).one())  # SQL NULLs, not JSON null
    before = await timeline(st, c["id"])
    again = await st.mutate(
        "contactPictureRemove", {"contactId": c["id"]}, selection="contact { id }"
    )
    assert again["userErrors"] == []
    after = await timeline(st, c["id"])
    assert after == before  # no change: no event, updatedAt stays
    item = kinds(after)[0]
    assert item == {
        "__typename": "ContactPictureActivity",
        "kind": "PICTURE_CHANGED",
        "actor": {"id": "user-admin"},
        "action": "REMOVED",
        "source": None,
        "previousSource": "UPLOAD",
        "sizes": [],
    }
    audit = after["auditLog"]["edges"][0]["node"]
    assert audit["changes"] == [
        {"field": "picture", "before": {"source": "UPLOAD", "sizes": [256, 64, 40]}, "after": None}
    ]


async def test_the_same_image_again_is_no_change(t: Tenant) -> None:
    c = await t.create_contact(firstName="Sam")
    first = await t.upload_picture(c["id"], jpeg())
    objects = await stored(t, c["id"])
    before = await timeline(t, c["id"])
    again = await t.upload_picture(c["id"], jpeg(), filename="another-name.jpg")
    assert again["userErrors"] == []
    assert again["contact"]["picture"]["updatedAt"] == first["contact"]["picture"]["updatedAt"]
    assert await timeline(t, c["id"]) == before
    assert await stored(t, c["id"]) == objects


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.7 not a picture", "FILE_TYPE_NOT_ALLOWED"),
        (b"GIF89a" + b"\x00" * 10, "FILE_TYPE_NOT_ALLOWED"),  # not even its header
        (encode(striped(600, 400), "PNG")[:300], "INVALID_IMAGE"),
        (jpeg(600, 400)[:2000], "INVALID_IMAGE"),
        (bomb_png(20_000, 20_000), "IMAGE_TOO_LARGE"),
        (bomb_png(8_000, 8_000), "IMAGE_TOO_LARGE"),
        (b"\xff\xd8\xff" + b"\x00" * MAX_BYTES, "FILE_TOO_LARGE"),
    ],
    ids=[
        "pdf",
        "gif-magic-only",
        "truncated-png",
        "truncated-jpeg",
        "bomb",
        "bomb-below-twice",
        "too-large",
    ],
)
async def test_refused_files_change_nothing(t: Tenant, data: bytes, code: str) -> None:
    c = await t.create_contact(firstName="Nope")
    before = await timeline(t, c["id"])
    payload = await t.upload_picture(c["id"], data, filename="innocent.jpg")
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, ["input", "file"])]
    assert payload["contact"] is None
    assert await timeline(t, c["id"]) == before
    assert await stored(t, c["id"]) == []


async def test_the_file_must_be_a_file_part(t: Tenant) -> None:
    """An `Upload` sent as a plain JSON variable is a malformed request, as in the Documents
    tab (resolvers/uploads.py): a top-level BAD_USER_INPUT, not a crash, and no change."""
    c = await t.create_contact(firstName="Json")
    body = await t.raw(
        "mutation($input: ContactPictureUploadInput!) { contactPictureUpload(input: $input) "
        "{ userErrors { field code } contact { id } } }",
        {"input": {"contactId": c["id"], "file": "data:image/png;base64,AAAA"}},
        t.admin,
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "multipart" in body["errors"][0]["message"]
    assert (await t.gql(PICTURE, {"id": c["id"]}))["contact"]["picture"] is None


async def test_a_contact_the_viewer_may_not_see_is_not_found(t: Tenant) -> None:
    mine = await t.create_contact(firstName="Mine", ownerId="user-ben")
    restricted = t.viewer("user-dan", assigned_only=True)
    other = Tenant(t.client, t.settings, str(uuid.uuid4()))
    for viewer in (restricted, other.admin):
        payload = await t.upload_picture(mine["id"], jpeg(), viewer=viewer)
        assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
        removed = await t.mutate(
            "contactPictureRemove",
            {"contactId": mine["id"]},
            selection="contact { id }",
            viewer=viewer,
        )
        assert [e["code"] for e in removed["userErrors"]] == ["NOT_FOUND"]
    assert await stored(t, mine["id"]) == []


class GatedProcessor(PillowImageProcessor):
    """The real processor, held at a gate (on its worker thread) for one image, recording
    on which thread each image was processed."""

    def __init__(self, gate_on: bytes) -> None:
        super().__init__(50_000_000)
        self.gate_on = gate_on
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.threads: list[int] = []
        self.held = 0

    def square_renditions(self, data: bytes, sizes: Sequence[int]) -> list[bytes]:
        self.threads.append(threading.get_ident())
        if data == self.gate_on:
            self.held += 1
            self.entered.set()
            self.gate.wait(30)
        return super().square_renditions(data, sizes)


@pytest.fixture
def gated(t: Tenant) -> Any:
    runtime = runtime_of(t)
    original = runtime.pictures
    processor = GatedProcessor(jpeg(310, 100))
    runtime.pictures = replace(original, images=processor)
    try:
        yield processor
    finally:
        processor.gate.set()
        runtime.pictures = original


async def wait_for(event: threading.Event) -> None:
    assert await asyncio.to_thread(event.wait, 30)


async def test_images_are_processed_off_the_event_loop(t: Tenant, gated: GatedProcessor) -> None:
    """While one upload is held in processing, the server answers other requests."""
    c = await t.create_contact(firstName="Busy")
    upload = asyncio.create_task(t.upload_picture(c["id"], gated.gate_on))
    await wait_for(gated.entered)
    assert gated.threads != [threading.get_ident()]
    assert (await t.gql(PICTURE, {"id": c["id"]}))["contact"]["picture"] is None
    gated.gate.set()
    assert (await upload)["contact"]["picture"]["source"] == "UPLOAD"


async def test_images_are_processed_a_few_at_a_time(t: Tenant, gated: GatedProcessor) -> None:
    """With one worker (CONTACT_GRAPH_PICTURE_WORKERS=1), a second upload waits for the
    first to be processed: decoded images take memory and a core each."""
    runtime = runtime_of(t)
    runtime.pictures = replace(runtime.pictures, slots=asyncio.Semaphore(1))
    a = await t.create_contact(firstName="First")
    b = await t.create_contact(firstName="Second")
    first = asyncio.create_task(t.upload_picture(a["id"], gated.gate_on))
    await wait_for(gated.entered)
    second = asyncio.create_task(t.upload_picture(b["id"], gated.gate_on))
    await asyncio.sleep(0.5)  # time enough for the second to reach the processor, were it let
    assert gated.held == 1
    gated.gate.set()
    assert (await first)["userErrors"] == []
    assert (await second)["userErrors"] == []
    assert gated.held == 2


async def test_a_picture_that_does_not_make_it_leaves_no_images(
    t: Tenant, gated: GatedProcessor
) -> None:
    """A restricted owner uploads; while the image is processed, the contact is given to
    someone else: the upload is NOT_FOUND, and the images already stored are deleted."""
    dan = t.viewer("user-dan", assigned_only=True)
    c = await t.create_contact(firstName="Moved", ownerId="user-dan")
    upload = asyncio.create_task(t.upload_picture(c["id"], gated.gate_on, viewer=dan))
    await wait_for(gated.entered)
    moved = await t.mutate("contactOwnerSet", {"contactId": c["id"], "ownerId": "user-ben"})
    assert moved["userErrors"] == []
    gated.gate.set()
    payload = await upload
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
    assert await stored(t, c["id"]) == []


# -- the social auto-fetch --------------------------------------------------------------------

SOCIAL_SELECTION = "contact { id source picture { source } }"


async def create_social(
    t: Tenant,
    url: str,
    source: str = "Facebook Lead Ads",
    mutation: str = "contactCreate",
    **input: Any,
) -> dict[str, Any]:
    payload = await t.mutate(
        mutation,
        {"firstName": "Social", "source": source, "socialPictureUrl": url, **input},
        selection=SOCIAL_SELECTION,
    )
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["contact"]  # type: ignore[no-any-return]


async def fetched(t: Tenant, contact_id: str) -> dict[str, Any] | None:
    """The contact's picture once its background fetch (if any) has finished."""
    await runtime_of(t).background.join(social_picture_job(contact_id))
    data = await t.gql(PICTURE, {"id": contact_id})
    return data["contact"]["picture"]  # type: ignore[no-any-return]


def route(server: PictureServer, answer: tuple[Any, ...]) -> str:
    path = f"/avatar/{uuid.uuid4().hex}.jpg"
    server.routes[path] = answer
    return path


@pytest.mark.parametrize(
    ("source", "mutation", "platform"),
    [
        ("Facebook Lead Ads", "contactCreate", "FACEBOOK"),
        ("facebook messenger", "contactCreate", "FACEBOOK"),
        ("Instagram DM", "contactUpsert", "INSTAGRAM"),
        ("WhatsApp", "contactUpsert", "WHATSAPP"),
    ],
)
async def test_a_social_contact_gets_its_profile_picture_in_the_background(
    t: Tenant, picture_server: PictureServer, source: str, mutation: str, platform: str
) -> None:
    path = route(picture_server, ("image", jpeg(), "image/jpeg"))
    c = await create_social(t, picture_server.url(path), source, mutation)
    picture = await fetched(t, c["id"])
    assert picture is not None
    assert picture["source"] == platform
    assert open_image((await download(t, picture["url"])).content).size == (256, 256)
    item = kinds(await timeline(t, c["id"]))[0]
    assert (item["actor"], item["action"], item["source"]) == (None, "ADDED", platform)
    assert len(await stored(t, c["id"])) == 3


async def test_an_upsert_of_an_existing_contact_fetches_once(
    t: Tenant, picture_server: PictureServer
) -> None:
    """The contact had no picture: an upsert that changes nothing else still fetches it;
    the same image again (a repeat, or a new URL of the same image) changes nothing."""
    email = [{"address": f"{uuid.uuid4().hex}@example.org"}]
    first = await create_social(t, "", "WhatsApp", "contactUpsert", emails=email)
    assert await fetched(t, first["id"]) is None
    path = route(picture_server, ("image", jpeg(), "image/jpeg"))
    again = await create_social(
        t, picture_server.url(path), "WhatsApp", "contactUpsert", emails=email
    )
    assert again["id"] == first["id"]
    assert (await fetched(t, first["id"]))["source"] == "WHATSAPP"  # type: ignore[index]
    before = await timeline(t, first["id"])
    other = route(picture_server, ("image", jpeg(), "image/jpeg"))
    await create_social(t, picture_server.url(other), "WhatsApp", "contactUpsert", emails=email)
    await fetched(t, first["id"])
    assert await timeline(t, first["id"]) == before
    assert other in picture_server.hits


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (("status", 403), "HTTP 403"),
        (("status", 404), "HTTP 404"),
        (("slow", 2.0, b"late"), "timed out"),
        (("drip", 0.2, 50), "longer than 1.5 s"),
        (("declared", 10_000_000), "10000000 bytes: more than 100000"),
        (("chunked", 1_000_000), "more than 100000 bytes"),
        (("image", b"<html>private</html>", "text/html"), "not an image"),
        (("image", b"not really a jpeg", "image/jpeg"), "not an image of an allowed format"),
    ],
    ids=["403", "404", "slow", "drip", "announced-oversize", "oversize", "html", "junk"],
)
async def test_a_failed_fetch_leaves_no_picture_and_no_error(
    t: Tenant,
    picture_server: PictureServer,
    caplog: pytest.LogCaptureFixture,
    answer: tuple[Any, ...],
    reason: str,
) -> None:
    path = route(picture_server, answer)
    with caplog.at_level(logging.WARNING, logger="domain.pictures"):
        c = await create_social(t, picture_server.url(path))
        assert c["picture"] is None
        assert await fetched(t, c["id"]) is None
    assert path in picture_server.hits
    assert f"no FACEBOOK picture for contact {c['id']}" in caplog.text
    assert reason in caplog.text
    assert kinds(await timeline(t, c["id"])) == []
    assert await stored(t, c["id"]) == []


async def test_the_mutation_does_not_wait_for_the_fetch(
    t: Tenant, picture_server: PictureServer, gated: GatedProcessor
) -> None:
    path = route(picture_server, ("image", gated.gate_on, "image/jpeg"))
    c = await create_social(t, picture_server.url(path))
    await wait_for(gated.entered)  # fetched, held in processing: the mutation has answered
    assert c["picture"] is None
    assert runtime_of(t).background.pending >= 1
    gated.gate.set()
    assert (await fetched(t, c["id"]))["source"] == "FACEBOOK"  # type: ignore[index]


async def test_other_sources_fetch_nothing(t: Tenant, picture_server: PictureServer) -> None:
    path = route(picture_server, ("image", jpeg(), "image/jpeg"))
    c = await create_social(t, picture_server.url(path), source="Website form")
    assert await fetched(t, c["id"]) is None
    assert path not in picture_server.hits


async def test_a_chosen_picture_wins_over_the_social_one(
    t: Tenant, picture_server: PictureServer, gated: GatedProcessor
) -> None:
    """A manual upload replaces an auto-fetched picture; an auto-fetch never replaces a
    manual one: not on a later upsert, nor when the fetch finishes after the upload."""
    email = [{"address": f"{uuid.uuid4().hex}@example.org"}]
    path = route(picture_server, ("image", jpeg(), "image/jpeg"))
    c = await create_social(t, picture_server.url(path), mutation="contactUpsert", emails=email)
    assert (await fetched(t, c["id"]))["source"] == "FACEBOOK"  # type: ignore[index]
    assert (await t.upload_picture(c["id"], png_with_alpha()))["userErrors"] == []
    later = route(picture_server, ("image", jpeg(320, 100), "image/jpeg"))
    await create_social(t, picture_server.url(later), mutation="contactUpsert", emails=email)
    assert (await fetched(t, c["id"]))["source"] == "UPLOAD"  # type: ignore[index]
    assert later not in picture_server.hits

    racing = route(picture_server, ("image", gated.gate_on, "image/jpeg"))
    d = await create_social(t, picture_server.url(racing))
    await wait_for(gated.entered)  # the fetch is being processed ...
    assert (await t.upload_picture(d["id"], png_with_alpha()))["userErrors"] == []
    gated.gate.set()  # ... and finishes after the upload
    assert (await fetched(t, d["id"]))["source"] == "UPLOAD"  # type: ignore[index]
    assert len(await stored(t, d["id"])) == 3  # the fetched picture's images are gone


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://cdn.example/a.jpg", "INVALID_VALUE"),
        ("/relative/a.jpg", "INVALID_VALUE"),
        ("https://" + "a" * 2100 + ".example/a.jpg", "TOO_LONG"),
    ],
)
async def test_a_malformed_picture_url_is_refused(t: Tenant, url: str, code: str) -> None:
    async def count() -> int:
        async with runtime_of(t).engine.connect() as conn:
            stmt = select(func.count()).where(CONTACT.c.location_id == t.location_id)
            return int((await conn.execute(stmt)).scalar_one())

    for mutation in ("contactCreate", "contactUpsert"):
        payload = await t.mutate(
            mutation,
            {"firstName": "Bad", "source": "Facebook", "socialPictureUrl": url},
            selection="contact { id }",
        )
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            (code, ["input", "socialPictureUrl"])
        ]
    assert await count() == 0


def test_http_picture_urls_are_refused_in_production() -> None:
    with pytest.raises(ValueError, match="PICTURE_FETCH_ALLOW_HTTP is for development"):
        Settings(  # type: ignore[call-arg]
            environment="production",
            jwt_secret="s" * 40,
            picture_fetch_allow_http=True,
            _env_file=None,
        )


def test_the_test_images_are_what_they_say(tmp_path: Path) -> None:
    """(The premise of the tests above.)"""
    image = open_image(jpeg())
    assert image.size == (300, 100)
    assert image.getpixel((150, 50)) == pytest.approx(GREEN, abs=10)  # type: ignore[arg-type]


# -- the Media Library's way in -------------------------------------------------------------


async def test_a_stored_file_can_become_the_picture(t: Tenant) -> None:
    """`picture_from_stored_file` is what the Documents tab's Media Library will call with a
    document's stored key: the file is read, not moved, and must be of the location."""
    runtime = runtime_of(t)
    svc = Services(
        uow=lambda: SqlUnitOfWork(runtime.engine),
        clock=SystemClock(),
        files=runtime.files,
        pictures=runtime.pictures,
    )

    async def once(data: bytes) -> AsyncIterator[bytes]:
        yield data

    c = await t.create_contact(firstName="Library")
    key = file_key(t.location_id, "documents", str(uuid.uuid4()))
    await runtime.files.put(key, once(jpeg()), 1_000_000)
    contact = await picture_from_stored_file(svc, t.admin, c["id"], key)
    assert contact.picture is not None
    assert contact.picture.source is PictureSource.MEDIA_LIBRARY
    assert await runtime.files.size(key) is not None  # the document stays where it is
    assert len(await stored(t, c["id"])) == 3

    elsewhere = file_key(str(uuid.uuid4()), "documents", "x")
    for missing in (elsewhere, file_key(t.location_id, "documents", "gone"), "../etc/passwd"):
        with pytest.raises(DomainError) as refused:
            await picture_from_stored_file(svc, t.admin, c["id"], missing)
        assert [(e.code, e.field) for e in refused.value.errors] == [
            (ErrorCode.NOT_FOUND, ("key",))
        ]


async def uploaded_document(t: Tenant, contact_id: str, name: str, data: bytes) -> str:
    """A document of the contact (the Documents tab's upload); its id."""
    response = await t.upload(
        {"contactId": contact_id}, [(name, data)], selection="documents { id }"
    )
    body = response.json()
    assert body["data"]["contactDocumentsUpload"]["userErrors"] == [], body
    return str(body["data"]["contactDocumentsUpload"]["documents"][0]["id"])


async def set_from_document(
    t: Tenant, contact_id: str, document_id: str, viewer: Any = None
) -> dict[str, Any]:
    return await t.mutate(
        "contactPictureSetFromDocument",
        {"contactId": contact_id, "documentId": document_id},
        selection="contact { id picture { source } }",
        viewer=viewer,
    )


async def test_an_image_document_becomes_the_picture_media_library(st: Tenant) -> None:
    """The Media Library: a document of another contact of the location, copied into the
    picture's own images; the document stays; the same document again is no change."""
    c = await st.create_contact(firstName="Library")
    other = await st.create_contact(firstName="Holder")
    doc_id = await uploaded_document(st, other["id"], "photo.jpg", jpeg())
    payload = await set_from_document(st, c["id"], doc_id)
    assert payload["userErrors"] == []
    assert payload["contact"]["picture"] == {"source": "MEDIA_LIBRARY"}
    assert len(await stored(st, c["id"])) == 3
    still = await st.gql(
        "query($id: ID!) { contact(id: $id) { documents(first: 5) { edges { node { id } } } } }",
        {"id": other["id"]},
    )
    assert [e["node"]["id"] for e in still["contact"]["documents"]["edges"]] == [doc_id]
    before = kinds(await timeline(st, c["id"]))
    again = await set_from_document(st, c["id"], doc_id)
    assert again["userErrors"] == []
    assert kinds(await timeline(st, c["id"])) == before  # no second PICTURE_CHANGED
    assert [k["source"] for k in before] == ["MEDIA_LIBRARY"]


async def test_a_document_that_is_not_an_image_is_refused(t: Tenant) -> None:
    c = await t.create_contact(firstName="Pdf")
    doc_id = await uploaded_document(t, c["id"], "terms.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n")
    payload = await set_from_document(t, c["id"], doc_id)
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("FILE_TYPE_NOT_ALLOWED", ["input", "documentId"])
    ]
    assert (await t.gql(PICTURE, {"id": c["id"]}))["contact"]["picture"] is None
    assert await stored(t, c["id"]) == []


async def test_a_document_the_viewer_may_not_see_is_not_found(t: Tenant) -> None:
    """A restricted user picks only documents of contacts they may see; another location's
    documents are not found at all."""
    hidden = await t.create_contact(firstName="Hidden", ownerId="user-ben")
    doc_id = await uploaded_document(t, hidden["id"], "secret.jpg", jpeg())
    dan = t.viewer("user-dan", assigned_only=True)
    own = await t.create_contact(firstName="Dans", ownerId="user-dan")
    refused = await set_from_document(t, own["id"], doc_id, viewer=dan)
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("NOT_FOUND", ["input", "documentId"])
    ]
    other = Tenant(t.client, t.settings, str(uuid.uuid4()))
    elsewhere = await set_from_document(t, own["id"], doc_id, viewer=other.admin)
    assert [e["code"] for e in elsewhere["userErrors"]] == ["NOT_FOUND"]
    assert (await t.gql(PICTURE, {"id": own["id"]}))["contact"]["picture"] is None
    assert await stored(t, own["id"]) == []


async def test_a_file_refused_while_the_request_was_read_is_too_large(
    settings: Settings, tmp_path: Path
) -> None:
    """A file past the server's upload limit reaches the mutation with its size and none of
    its bytes (server/uploads.py): it is FILE_TOO_LARGE, not an image that fails to decode."""
    async for application in _app(settings, files_dir=tmp_path, max_upload_bytes=400_000):
        async for t in tenant_of(application, settings):
            c = await t.create_contact(firstName="Huge")
            payload = await t.upload_picture(c["id"], jpeg() + b"\0" * 500_000)
            assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
                ("FILE_TOO_LARGE", ["input", "file"])
            ]
            assert await stored(t, c["id"]) == []
