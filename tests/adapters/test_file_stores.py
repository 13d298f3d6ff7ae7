"""Both file stores against real storage: a temporary directory, and moto's S3 server."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from live_servers import S3Server

from adapters.files import InvalidSignature, LocalFileStore, S3FileStore
from domain.ports import FileStore, FileTooLarge, file_key

MIB = 1024 * 1024
SECRET = b"k" * 32


async def chunks(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def failing(data: bytes) -> AsyncIterator[bytes]:
    async for chunk in chunks(data):
        yield chunk
    raise ConnectionError("the client went away")


async def read(store: FileStore, key: str) -> bytes:
    return b"".join([c async for c in store.open(key)])


async def new_bucket(s3_server: S3Server) -> str:
    name = f"files-{uuid.uuid4().hex[:12]}"
    async with s3_server.client() as s3:
        await s3.create_bucket(Bucket=name)
    return name


async def make_store(kind: str, tmp_path: Path, s3_server: S3Server) -> FileStore:
    made: FileStore
    if kind == "local":
        made = LocalFileStore(tmp_path, "http://files.test", SECRET, timedelta(minutes=5))
    else:
        made = S3FileStore(
            bucket=await new_bucket(s3_server),
            endpoint_url=s3_server.endpoint,
            region="us-east-1",
            access_key="test",
            secret_key="test",
            url_ttl=timedelta(minutes=5),
            part_size=5 * MIB,
        )
    await made.start()
    return made


@pytest.fixture(params=["local", "s3"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, s3_server: S3Server
) -> AsyncIterator[FileStore]:
    made = await make_store(request.param, tmp_path, s3_server)
    try:
        yield made
    finally:
        await made.stop()


async def leftovers(store: FileStore, s3_server: S3Server) -> list[Any]:
    """Anything a store holds: files (partial ones too), objects, unfinished uploads."""
    if isinstance(store, LocalFileStore):
        return [p for p in store.root.rglob("*") if p.is_file()]
    assert isinstance(store, S3FileStore)
    async with s3_server.client() as s3:
        objects = (await s3.list_objects_v2(Bucket=store.bucket)).get("Contents", [])
        uploads = (await s3.list_multipart_uploads(Bucket=store.bucket)).get("Uploads", [])
    return [*objects, *uploads]


def key() -> str:
    return file_key("loc-1", "documents", str(uuid.uuid4()))


async def test_a_file_goes_in_and_comes_back_out_in_parts(store: FileStore) -> None:
    data = os.urandom(12 * MIB + 123)  # three S3 parts
    k = key()
    stored = await store.put(k, chunks(data), max_size=len(data))
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert await store.size(k) == len(data)
    assert await read(store, k) == data


async def test_an_empty_file_is_a_file(store: FileStore) -> None:
    k = key()
    assert (await store.put(k, chunks(b""), max_size=10)).size == 0
    assert await read(store, k) == b""


@pytest.mark.parametrize("size", [6 * MIB + 1, 1001])
async def test_one_byte_over_the_cap_keeps_nothing(
    store: FileStore, s3_server: S3Server, size: int
) -> None:
    """Over the cap in the first part (a PutObject) or after one part was sent (a multipart
    upload, which must be aborted)."""
    k = key()
    with pytest.raises(FileTooLarge):
        await store.put(k, chunks(os.urandom(size)), max_size=size - 1)
    assert await store.size(k) is None
    assert await leftovers(store, s3_server) == []


async def test_a_failed_stream_keeps_nothing(store: FileStore, s3_server: S3Server) -> None:
    k = key()
    with pytest.raises(ConnectionError):
        await store.put(k, failing(os.urandom(6 * MIB)), max_size=100 * MIB)
    assert await store.size(k) is None
    assert await leftovers(store, s3_server) == []


async def test_a_failed_replacement_keeps_the_old_file(store: FileStore) -> None:
    k = key()
    await store.put(k, chunks(b"old"), max_size=10)
    with pytest.raises(FileTooLarge):
        await store.put(k, chunks(b"x" * 11), max_size=10)
    assert await read(store, k) == b"old"


async def test_delete_twice_and_open_a_missing_file(store: FileStore) -> None:
    k = key()
    await store.put(k, chunks(b"bytes"), max_size=10)
    await store.delete(k)
    await store.delete(k)
    assert await store.size(k) is None
    with pytest.raises(FileNotFoundError):
        await read(store, k)


@pytest.mark.parametrize("bad", ["../etc/passwd", "loc-1/../x", "/abs", "loc-1//x", ".hidden"])
async def test_keys_cannot_leave_the_store(store: FileStore, bad: str) -> None:
    with pytest.raises(ValueError, match="not a file key"):
        await store.put(bad, chunks(b"x"), max_size=10)


async def test_urls_are_only_signed_for_the_viewers_location(store: FileStore) -> None:
    k = key()
    with pytest.raises(ValueError, match="another location"):
        await store.download_url(k, "loc-2", "a.pdf", "application/pdf")
    with pytest.raises(ValueError, match="another location"):
        await store.upload_target(k, "loc-2", 10)


async def test_s3_serves_presigned_urls(tmp_path: Path, s3_server: S3Server) -> None:
    """(The local store's URLs are served by the app: tests/server/test_files.py.)"""
    store = await make_store("s3", tmp_path, s3_server)
    k = key()
    target = await store.upload_target(k, "loc-1", 100)
    async with httpx.AsyncClient() as http:
        put = await http.request(target.method, target.url, content=b"%PDF-1.4 staged")
        assert put.status_code == 200, put.text
        url = await store.download_url(k, "loc-1", "Prüfung 1.pdf", "application/pdf")
        got = await http.get(url)
    assert got.content == b"%PDF-1.4 staged"
    assert got.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''Pr%C3%BCfung%201.pdf" in got.headers["content-disposition"]
    await store.stop()


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


async def test_local_urls_hold_signature_expiry_and_location(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path, "http://files.test", SECRET, timedelta(minutes=5))
    k = key()
    url = await store.download_url(k, "loc-1", "a.pdf", "application/pdf")
    assert url.startswith(f"http://files.test/files/{k}?")
    granted = store.check_download(k, query(url))
    assert (granted.path, granted.filename) == (tmp_path / k, "a.pdf")

    for change in (
        {"name": "b.pdf"},
        {"type": "text/html"},
        {"location": "loc-2"},
        {"expires": str(int(query(url)["expires"]) + 60)},
        {"sig": "A" * 43},
    ):
        with pytest.raises(InvalidSignature):
            store.check_download(k, {**query(url), **change})
    with pytest.raises(InvalidSignature):
        store.check_download(key(), query(url))  # another key
    other = LocalFileStore(tmp_path, "http://files.test", b"o" * 32, timedelta(minutes=5))
    with pytest.raises(InvalidSignature, match="bad signature"):
        other.check_download(k, query(url))

    expired = LocalFileStore(tmp_path, "http://files.test", SECRET, timedelta(seconds=-1))
    old = await expired.download_url(k, "loc-1", "a.pdf", "application/pdf")
    with pytest.raises(InvalidSignature, match="expired"):
        store.check_download(k, query(old))

    target = await store.upload_target(k, "loc-1", 1234)
    assert store.check_upload(k, query(target.url)) == 1234
    with pytest.raises(InvalidSignature):
        store.check_upload(k, {**query(target.url), "max": "999999999"})
    with pytest.raises(InvalidSignature):
        store.check_download(k, {**query(target.url), "name": "a", "type": "b"})
