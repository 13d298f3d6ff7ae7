"""The files of a GraphQL multipart request, as the domain reads them: one way for every tab
that takes uploads (documents, the profile picture)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from domain.documents import IncomingFile
from resolvers.common import bad_input

CHUNK_SIZE = 1024 * 1024

NOT_A_FILE = "`{}` takes the files of a multipart request (GraphQL multipart request spec)"


def incoming(upload: Any) -> IncomingFile:
    """A file part (a starlette ``UploadFile``, spooled to a temporary file while the request
    was read; or one refused then, which reports its size and has no bytes), read again from
    the start for each read."""

    async def read() -> AsyncIterator[bytes]:
        await upload.seek(0)
        while chunk := await upload.read(CHUNK_SIZE):
            yield chunk

    return IncomingFile(name=upload.filename or "", size=upload.size, read=read)


def incoming_files(uploads: Sequence[Any], argument: str) -> list[IncomingFile]:
    """Every value of an ``Upload`` argument; one sent as a plain JSON variable instead of a
    file part is a malformed request (BAD_USER_INPUT), and nothing is read."""
    if not all(hasattr(f, "seek") and hasattr(f, "read") for f in uploads):
        raise bad_input(NOT_A_FILE.format(argument))
    return [incoming(f) for f in uploads]
