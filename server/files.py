"""The file store this deployment uses, and the HTTP routes of the local one.

``GET /files/{key}`` serves a file by a URL the local store signed (signature, expiry and
location checked; Range requests work, as starlette's FileResponse serves them) and
``PUT /files/{key}`` takes a staged upload's bytes, streamed into the store under its size
cap. With the S3 store the bucket serves both through presigned URLs and these routes are
not mounted.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from adapters.files import InvalidSignature, LocalFileStore, S3FileStore, content_disposition
from domain.ports import FileStore, FileTooLarge
from server.settings import Settings


def files_secret(settings: Settings) -> bytes:
    """The local store's URL-signing key, derived from the JWT secret: one secret to
    configure, and a signed URL can never pass as a token, nor a token as a URL."""
    key = settings.jwt_secret.get_secret_value().encode()
    return hmac.new(key, b"contact-graph signed file URLs", hashlib.sha256).digest()


def base_url(settings: Settings) -> str:
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def file_store_for(settings: Settings) -> FileStore:
    """The configured store (not started: the app's lifespan starts and stops it)."""
    ttl = timedelta(seconds=settings.files_url_ttl_seconds)
    if settings.files_backend == "s3":
        assert settings.s3_bucket is not None  # the settings refuse s3 without a bucket
        secret = settings.s3_secret_access_key
        return S3FileStore(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key=settings.s3_access_key_id,
            secret_key=secret.get_secret_value() if secret else None,
            url_ttl=ttl,
        )
    return LocalFileStore(settings.files_dir, base_url(settings), files_secret(settings), ttl)


def _refused(status: int, message: str) -> Response:
    return Response(message, status_code=status, media_type="text/plain")


def file_routes(store: FileStore) -> list[Route]:
    """The routes the local store's signed URLs point at; none for other stores."""
    if not isinstance(store, LocalFileStore):
        return []
    local = store

    async def download(request: Request) -> Response:
        key = request.path_params["key"]
        try:
            grant = local.check_download(key, request.query_params)
        except InvalidSignature as exc:
            return _refused(403, str(exc))
        if not grant.path.is_file():
            return _refused(404, "no such file")
        return FileResponse(
            grant.path,
            media_type=grant.content_type,
            headers={
                "content-disposition": content_disposition(grant.filename),
                "x-content-type-options": "nosniff",
                "content-security-policy": "default-src 'none'; sandbox",
                "cache-control": "private, no-store",
            },
        )

    async def upload(request: Request) -> Response:
        key = request.path_params["key"]
        try:
            max_size = local.check_upload(key, request.query_params)
        except InvalidSignature as exc:
            return _refused(403, str(exc))
        try:
            await local.put(key, request.stream(), max_size)
        except FileTooLarge:
            return _refused(413, f"a file has at most {max_size} bytes")
        return Response(status_code=204)

    return [
        Route("/files/{key:path}", download, methods=["GET", "HEAD"]),
        Route("/files/{key:path}", upload, methods=["PUT"]),
    ]
