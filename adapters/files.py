"""File stores: where the bytes of documents and profile pictures live.

Two implementations of ``domain.ports.FileStore``: local disk (the embedded default, one
replica or a shared volume) and an S3-compatible bucket (any number of replicas). Both take
and give streams of chunks, so a 250 MB file is never held in memory; both make a failed
write leave nothing behind (local: a temporary file renamed into place at the end; S3: a
multipart upload completed at the end, aborted on failure).

Downloads go around the GraphQL server: S3 serves presigned GET URLs itself; the local store
signs URLs for the server's ``GET /files/{key}`` route (``server/files.py``) with an HMAC,
which that route checks (:meth:`LocalFileStore.check_download`) before streaming the file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import time
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import anyio
import anyio.to_thread
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import ClientError

from domain.ports import FileTooLarge, StoredFile, UploadTarget, new_id

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

CHUNK_SIZE = 1024 * 1024
"""Bytes read or written at a time."""
PART_SIZE = 8 * 1024 * 1024
"""S3 multipart part size (S3's minimum is 5 MiB): the most an S3 upload buffers."""
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*")


class InvalidSignature(Exception):
    """A signed file URL that is forged, altered, expired or for another location."""


def check_key(key: str) -> str:
    """Keys are ``/``-separated segments of letters, digits, ``.``, ``_`` and ``-`` that do
    not start with a dot: no way out of the store's directory, nothing S3 would escape."""
    if len(key) > 512 or not _KEY.fullmatch(key):
        raise ValueError(f"not a file key: {key!r}")
    return key


def check_location(key: str, location_id: str) -> None:
    """A URL is signed only for a key of the viewer's own location (``file_key``)."""
    if not key.startswith(f"{location_id}/"):
        raise ValueError("the key belongs to another location")


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact name in RFC 5987 form."""
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", filename) or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def _counted(
    chunks: AsyncIterable[bytes], max_size: int, digest: Any
) -> AsyncIterator[bytes]:
    """Pass the chunks on, hashing them; FileTooLarge once more than ``max_size`` came."""
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_size:
            raise FileTooLarge(f"more than {max_size} bytes")
        digest.update(chunk)
        yield chunk


@dataclass(frozen=True)
class Download:
    """What a checked download URL serves."""

    path: Path
    filename: str
    content_type: str


class LocalFileStore:
    """Files under ``root`` (``var/files`` by default), one file per key.

    A write goes to ``root/.partial/<random>`` and is renamed onto its key only once
    complete (and flushed to disk), so a reader never sees half a file and a failed upload
    leaves nothing. URLs are ``{base_url}/files/{key}?...&sig=`` signed with ``secret``.
    """

    def __init__(self, root: Path, base_url: str, secret: bytes, url_ttl: timedelta) -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.url_ttl = url_ttl

    async def start(self) -> None:
        await anyio.Path(self.root / ".partial").mkdir(parents=True, exist_ok=True)

    async def stop(self) -> None:
        return None

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, chunks: AsyncIterable[bytes], max_size: int) -> StoredFile:
        target = self.path(key)
        partial = self.root / ".partial" / new_id()
        digest = hashlib.sha256()
        size = 0
        try:
            async with await anyio.open_file(partial, "wb") as out:
                async for chunk in _counted(chunks, max_size, digest):
                    size += len(chunk)
                    await out.write(chunk)
                await out.flush()
                await anyio.to_thread.run_sync(os.fsync, out.wrapped.fileno())
            await anyio.Path(target.parent).mkdir(parents=True, exist_ok=True)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return StoredFile(size=size, sha256=digest.hexdigest())

    async def open(self, key: str) -> AsyncIterator[bytes]:
        async with await anyio.open_file(self.path(key), "rb") as f:
            while chunk := await f.read(CHUNK_SIZE):
                yield chunk

    async def size(self, key: str) -> int | None:
        try:
            return (await anyio.Path(self.path(key)).stat()).st_size
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        await anyio.Path(self.path(key)).unlink(missing_ok=True)

    # -- signed URLs -------------------------------------------------------------------------

    def _sign(self, *parts: str) -> str:
        mac = hmac.new(self.secret, "\n".join(parts).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def _expires(self) -> int:
        return int(time.time() + self.url_ttl.total_seconds())

    def _url(self, key: str, params: dict[str, str]) -> str:
        return f"{self.base_url}/files/{quote(key)}?{urlencode(params)}"

    async def download_url(
        self, key: str, location_id: str, filename: str, content_type: str
    ) -> str:
        check_location(check_key(key), location_id)
        expires = str(self._expires())
        sig = self._sign("GET", key, location_id, expires, filename, content_type)
        params = {
            "expires": expires,
            "location": location_id,
            "name": filename,
            "type": content_type,
            "sig": sig,
        }
        return self._url(key, params)

    async def upload_target(self, key: str, location_id: str, max_size: int) -> UploadTarget:
        check_location(check_key(key), location_id)
        expires = self._expires()
        sig = self._sign("PUT", key, location_id, str(expires), str(max_size))
        params = {"expires": str(expires), "location": location_id, "max": str(max_size)}
        return UploadTarget(
            url=self._url(key, {**params, "sig": sig}),
            method="PUT",
            headers={},
            expires_at=datetime.fromtimestamp(expires, UTC),
        )

    def _verify(self, key: str, query: Mapping[str, str], *signed: str) -> None:
        try:
            check_key(key)
            expires, location = int(query["expires"]), query["location"]
            check_location(key, location)
            expected = self._sign(*signed[:1], key, location, str(expires), *signed[1:])
        except (KeyError, ValueError) as exc:
            raise InvalidSignature("malformed file URL") from exc
        if not hmac.compare_digest(expected, query.get("sig", "")):
            raise InvalidSignature("bad signature")
        if expires < time.time():
            raise InvalidSignature("the URL has expired")

    def check_download(self, key: str, query: Mapping[str, str]) -> Download:
        """What a ``GET /files/{key}`` with this query may serve; InvalidSignature if the
        signature, the expiry or the location does not hold."""
        try:
            name, content_type = query["name"], query["type"]
        except KeyError as exc:
            raise InvalidSignature("malformed file URL") from exc
        self._verify(key, query, "GET", name, content_type)
        return Download(self.path(key), name, content_type)

    def check_upload(self, key: str, query: Mapping[str, str]) -> int:
        """The size cap of a signed ``PUT /files/{key}``; InvalidSignature otherwise."""
        try:
            max_size = int(query["max"])
        except (KeyError, ValueError) as exc:
            raise InvalidSignature("malformed file URL") from exc
        self._verify(key, query, "PUT", str(max_size))
        return max_size


class S3FileStore:
    """Objects in one bucket of an S3-compatible service (AWS S3, MinIO, Ceph, R2...).

    A write is a multipart upload of :data:`PART_SIZE` parts, completed once the stream
    ends and aborted if it fails (a file of at most one part is one PutObject), so an
    object appears whole or not at all. Downloads and staged uploads are presigned URLs.
    """

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None,
        region: str,
        access_key: str | None,
        secret_key: str | None,
        url_ttl: timedelta,
        part_size: int = PART_SIZE,
    ) -> None:
        self.bucket = bucket
        self.url_ttl = url_ttl
        self.part_size = part_size
        self._client_args: dict[str, Any] = {
            "endpoint_url": endpoint_url,
            "region_name": region,
            "aws_access_key_id": access_key,
            "aws_secret_access_key": secret_key,
            "config": AioConfig(signature_version="s3v4", s3={"addressing_style": "path"}),
        }
        self._stack = AsyncExitStack()
        self._s3: S3Client | None = None

    async def start(self) -> None:
        self._s3 = await self._stack.enter_async_context(
            get_session().create_client("s3", **self._client_args)
        )

    async def stop(self) -> None:
        await self._stack.aclose()
        self._s3 = None

    @property
    def s3(self) -> S3Client:
        if self._s3 is None:
            raise RuntimeError("the S3 file store is not started")
        return self._s3

    async def put(self, key: str, chunks: AsyncIterable[bytes], max_size: int) -> StoredFile:
        check_key(key)
        digest = hashlib.sha256()
        buffer = bytearray()
        size = 0
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []

        async def send_part(body: bytes) -> None:
            nonlocal upload_id
            if upload_id is None:
                created = await self.s3.create_multipart_upload(Bucket=self.bucket, Key=key)
                upload_id = created["UploadId"]
            number = len(parts) + 1
            sent = await self.s3.upload_part(
                Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
            )
            parts.append({"ETag": sent["ETag"], "PartNumber": number})

        try:
            async for chunk in _counted(chunks, max_size, digest):
                size += len(chunk)
                buffer += chunk
                while len(buffer) >= self.part_size:
                    body = bytes(buffer[: self.part_size])
                    del buffer[: self.part_size]
                    await send_part(body)
            if upload_id is None:
                await self.s3.put_object(Bucket=self.bucket, Key=key, Body=bytes(buffer))
            else:
                if buffer:
                    await send_part(bytes(buffer))
                await self.s3.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
                )
        except BaseException:
            if upload_id is not None:
                await self.s3.abort_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload_id
                )
            raise
        return StoredFile(size=size, sha256=digest.hexdigest())

    async def open(self, key: str) -> AsyncIterator[bytes]:
        try:
            found = await self.s3.get_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from exc
            raise
        async with found["Body"] as body:
            async for chunk in body.iter_chunks(CHUNK_SIZE):
                yield chunk

    async def size(self, key: str) -> int | None:
        try:
            head = await self.s3.head_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return head["ContentLength"]

    async def delete(self, key: str) -> None:
        await self.s3.delete_object(Bucket=self.bucket, Key=check_key(key))

    async def download_url(
        self, key: str, location_id: str, filename: str, content_type: str
    ) -> str:
        check_location(check_key(key), location_id)
        return await self.s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": content_disposition(filename),
                "ResponseContentType": content_type,
            },
            ExpiresIn=int(self.url_ttl.total_seconds()),
        )

    async def upload_target(self, key: str, location_id: str, max_size: int) -> UploadTarget:
        check_location(check_key(key), location_id)
        ttl = int(self.url_ttl.total_seconds())
        url = await self.s3.generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=ttl
        )
        return UploadTarget(
            url=url, method="PUT", headers={}, expires_at=datetime.now(UTC) + timedelta(seconds=ttl)
        )
