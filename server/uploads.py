"""GraphQL multipart uploads (the GraphQL multipart request spec) with limits held while the
request is read.

Strawberry hands the body to starlette's multipart parser, which spools every file to a
temporary file before any resolver runs and caps neither their number nor their size
(pitfalls.md). This parser keeps the first ``max_files`` files of a request, each until it
passes ``max_file_bytes``; a file past either limit is counted, not kept: it reaches the
resolver as a :class:`RefusedUpload` of its real size, with nothing on disk, so the mutation
can answer with a typed user error naming the file (a request of more than 100 file parts is
refused outright, 400). The whole body is bounded too: a
``Content-Length`` beyond what 10 full files and the JSON parts can take is
refused (413) before a byte is read, and so is a chunked body once it grows past that. The
non-file parts (``operations`` and ``map``, at most 2) are held in memory, each at most
``max_body_bytes``. A multipart request must carry a valid token before its body is read.
"""

from __future__ import annotations

import io
from collections.abc import AsyncGenerator
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from cross_web import FormData as AdapterFormData
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from domain.documents import MAX_FILES
from domain.errors import AuthenticationError
from server.auth import credentials_from_header
from server.settings import Settings

MAX_FIELDS = 2
"""The spec's ``operations`` and ``map``: every other part is a file."""
MAX_FILE_PARTS = 100
"""File parts a request may have at all: those past ``max_files`` are each answered with a
typed error, but each costs an object, so a request of thousands is refused outright (400)."""


class RefusedUpload(UploadFile):
    """A file of the request that was not kept: past the number of files a request may
    carry, or larger than a file may be. ``size`` is how many bytes it had; it has none."""

    def __init__(self, filename: str | None, headers: Headers, size: int) -> None:
        super().__init__(io.BytesIO(), size=size, filename=filename, headers=headers)

    async def write(self, data: bytes) -> None:
        return None  # counted as it arrives (LimitedMultiPartParser), never stored


class LimitedMultiPartParser(MultiPartParser):
    def __init__(
        self,
        headers: Headers,
        stream: AsyncGenerator[bytes, None],
        *,
        max_files: int,
        max_file_bytes: int,
        max_part_size: int,
    ) -> None:
        super().__init__(
            headers,
            stream,
            max_files=MAX_FILE_PARTS,  # up to max_files kept, the rest refused one by one
            max_fields=MAX_FIELDS,
            max_part_size=max_part_size,
        )
        self.kept = 0
        self.max_kept = max_files
        self.max_file_bytes = max_file_bytes
        self.part_bytes = 0

    def on_part_begin(self) -> None:
        super().on_part_begin()
        self.part_bytes = 0

    def on_headers_finished(self) -> None:
        super().on_headers_finished()
        part = self._current_part
        if part.file is None:
            return
        self.kept += 1
        if self.kept > self.max_kept:
            part.file.file.close()  # the temporary file starlette opened, still empty
            part.file = RefusedUpload(part.file.filename, part.file.headers, 0)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._current_part
        upload = part.file
        if isinstance(upload, RefusedUpload):
            upload.size = (upload.size or 0) + end - start
            return
        if upload is not None:
            self.part_bytes += end - start
            if self.part_bytes > self.max_file_bytes:
                upload.file.close()  # drops what was spooled: the rest is only counted
                part.file = RefusedUpload(upload.filename, upload.headers, self.part_bytes)
                return
        super().on_part_data(data, start, end)


def _body_limit(settings: Settings) -> int:
    """The largest body a request of ``max_files`` full files can have (and its JSON)."""
    per_part_overhead = 64 * 1024  # boundaries and part headers, generously
    return MAX_FILES * (settings.max_upload_bytes + per_part_overhead) + (
        MAX_FIELDS * settings.max_body_bytes
    )


async def _bounded(stream: AsyncGenerator[bytes, None], limit: int) -> AsyncGenerator[bytes, None]:
    read = 0
    async for chunk in stream:
        read += len(chunk)
        if read > limit:
            raise HTTPException(413, "request body too large")
        yield chunk


def upload_request_adapter(
    settings: Settings, base: type[StarletteRequestAdapter] = StarletteRequestAdapter
) -> type[StarletteRequestAdapter]:
    """Strawberry's starlette request adapter (``base``: the view's, which bounds JSON
    bodies), with the upload limits of ``settings`` for multipart requests."""

    class UploadRequestAdapter(base):  # type: ignore[valid-type,misc]
        async def get_form_data(self) -> AdapterFormData:
            request = self._request
            try:
                credentials_from_header(request.headers.get("authorization"), settings)
            except AuthenticationError as exc:
                message = f"{exc}: a multipart request is read only with a valid token"
                raise HTTPException(401, message) from exc
            limit = _body_limit(settings)
            declared = request.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise HTTPException(413, "request body too large")
            parser = LimitedMultiPartParser(
                request.headers,
                _bounded(request.stream(), limit),
                max_files=MAX_FILES,
                max_file_bytes=settings.max_upload_bytes,
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
            return AdapterFormData(files=form, form=form)

    return UploadRequestAdapter


class MultipartUploads:
    """Mixed into the view: a ``map`` that does not fit ``operations`` (a path through a
    string, a list index that is not a number, ...) is a 400, where strawberry answered 500."""

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, Any]:
        try:
            parsed: dict[str, Any] = await super().parse_multipart(request)  # type: ignore[misc]
        except (TypeError, ValueError, IndexError, AttributeError) as exc:
            message = f"the multipart `map` does not fit `operations`: {exc}"
            raise HTTPException(400, message) from exc
        return parsed
