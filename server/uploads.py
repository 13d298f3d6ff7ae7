"""GraphQL multipart uploads (the GraphQL multipart request spec), with limits held while
the request is read.

Strawberry hands a multipart body to starlette's parser, which spools every file to a
temporary file before any resolver runs, and sets no useful limit (pitfalls.md). Here:

- a multipart request must carry a valid token before a byte of its body is read (401);
- its body is at most ``max_upload_bytes`` plus the JSON parts: a ``Content-Length`` beyond
  that is refused (413) before anything is read, and so is a chunked body once it grows past
  it, mid-stream;
- it carries at most :data:`MAX_FILES` files and the spec's two other parts, ``operations``
  and ``map``, each at most ``max_body_bytes`` and held in memory (400 beyond);
- a ``map`` that does not fit ``operations`` (a path through a string, a list index that is
  not a number, ...) is a 400, where strawberry answered 500.

What a mutation then accepts of a file (a profile picture's 20 MiB and formats) is its own
rule, answered with a typed user error.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, FormData, HTTPException, StarletteRequestAdapter
from starlette.formparsers import MultiPartException, MultiPartParser

from domain.errors import AuthenticationError
from server.auth import viewer_from_header
from server.settings import Settings

MAX_FILES = 10
"""Files one request may carry."""
MAX_FIELDS = 2
"""The spec's ``operations`` and ``map``: every other part is a file."""
PART_OVERHEAD = 64 * 1024
"""Boundaries and part headers, generously, per part."""


def body_limit(settings: Settings) -> int:
    """The largest multipart body: the files' bytes, the JSON parts and the framing."""
    parts = MAX_FILES + MAX_FIELDS
    return settings.max_upload_bytes + MAX_FIELDS * settings.max_body_bytes + parts * PART_OVERHEAD


async def _bounded(stream: AsyncGenerator[bytes, None], limit: int) -> AsyncGenerator[bytes, None]:
    read = 0
    async for chunk in stream:
        read += len(chunk)
        if read > limit:
            raise HTTPException(413, "request body too large")
        yield chunk


def upload_request_adapter(settings: Settings) -> type[StarletteRequestAdapter]:
    """Strawberry's starlette request adapter, with the upload limits of ``settings``."""

    class UploadRequestAdapter(StarletteRequestAdapter):
        async def get_form_data(self) -> FormData:
            request = self._request
            try:
                viewer_from_header(request.headers.get("authorization"), settings)
            except AuthenticationError as exc:
                message = f"{exc}: a multipart request is read only with a valid token"
                raise HTTPException(401, message) from exc
            limit = body_limit(settings)
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise HTTPException(413, "request body too large")
            parser = MultiPartParser(
                request.headers,
                _bounded(request.stream(), limit),
                max_files=MAX_FILES,
                max_fields=MAX_FIELDS,
                max_part_size=settings.max_body_bytes,
            )
            try:
                form = await parser.parse()
            except MultiPartException as exc:  # starlette has closed the files
                raise HTTPException(400, exc.message) from exc
            except BaseException:  # too large mid-stream, or the client went away
                for file in parser._files_to_close_on_error:
                    file.close()
                raise
            request._form = form  # so that request.close() closes (and deletes) the files
            return FormData(files=form, form=form)

    return UploadRequestAdapter


class MultipartUploads:
    """Mixed into the view: a ``map`` that does not fit ``operations`` is a 400."""

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, Any]:
        try:
            parsed: dict[str, Any] = await super().parse_multipart(request)  # type: ignore[misc]
        except (TypeError, ValueError, IndexError, AttributeError) as exc:
            message = f"the multipart `map` does not fit `operations`: {exc}"
            raise HTTPException(400, message) from exc
        return parsed
