"""The local file store's routes: signed downloads (GET) and staged uploads (PUT)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette

from adapters.files import LocalFileStore
from domain.ports import file_key


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


def local(app: Starlette) -> LocalFileStore:
    store = app.state.runtime.files
    assert isinstance(store, LocalFileStore)
    return store


def path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_a_signed_url_serves_the_file_as_an_attachment(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    store = local(app)
    key = file_key("loc-1", "documents", str(uuid.uuid4()))
    data = os.urandom(3000)
    await store.put(key, chunks(data), 10_000)
    url = await store.download_url(key, "loc-1", "Q3 report.pdf", "application/pdf")

    got = await client.get(path(url))
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith('attachment; filename="Q3 report.pdf"')
    assert got.headers["x-content-type-options"] == "nosniff"

    ranged = await client.get(path(url), headers={"Range": "bytes=10-19"})
    assert ranged.status_code == 206
    assert ranged.content == data[10:20]

    assert (await client.get(path(url).replace("loc-1", "loc-2"))).status_code == 403
    assert (await client.get(path(url)[:-3] + "AAA")).status_code == 403
    await store.delete(key)
    assert (await client.get(path(url))).status_code == 404


async def test_a_signed_put_stores_the_bytes_under_the_cap(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    store = local(app)
    key = file_key("loc-1", "documents", str(uuid.uuid4()))
    target = await store.upload_target(key, "loc-1", 100)

    too_big = await client.put(path(target.url), content=b"x" * 101)
    assert too_big.status_code == 413
    assert await store.size(key) is None

    forged = path(target.url).replace("max=100", "max=1000")
    assert (await client.put(forged, content=b"x" * 101)).status_code == 403
    assert await store.size(key) is None

    assert (await client.put(path(target.url), content=b"%PDF-1.7")).status_code == 204
    assert await store.size(key) == 8
