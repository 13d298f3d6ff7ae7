"""The multipart parser's limits, held while the body is read: what is kept on disk and what
is only counted."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncGenerator
from pathlib import Path

import pytest
from starlette.datastructures import FormData, Headers, UploadFile
from starlette.formparsers import MultiPartException

from server.uploads import LimitedMultiPartParser, RefusedUpload

BOUNDARY = "limits"


def body(files: list[bytes]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        f"{json.dumps(value)}\r\n".encode()
        for name, value in (("operations", {}), ("map", {}))
    ]
    for i, data in enumerate(files):
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{i}"; filename="f{i}"\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


async def stream(data: bytes, chunk: int = 4096) -> AsyncGenerator[bytes, None]:
    for i in range(0, len(data), chunk):
        yield data[i : i + chunk]


def open_temp_files() -> set[str]:
    """Deleted-but-open files of this process (how spooled uploads look once rolled over)."""
    found = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.endswith("(deleted)"):
            found.add(target)
    return found


async def parse(files: list[bytes], max_files: int, max_file_bytes: int) -> FormData:
    headers = Headers({"content-type": f"multipart/form-data; boundary={BOUNDARY}"})
    parser = LimitedMultiPartParser(
        headers,
        stream(body(files)),
        max_files=max_files,
        max_file_bytes=max_file_bytes,
        max_part_size=10_000,
    )
    return await parser.parse()


def uploads_of(form: FormData) -> list[UploadFile]:
    return [v for _, v in form.multi_items() if isinstance(v, UploadFile)]


async def test_files_past_the_count_are_counted_not_kept() -> None:
    form = await parse([b"a" * 10, b"b" * 10, b"c" * 30], max_files=2, max_file_bytes=100)
    uploads = uploads_of(form)
    kept, extra = uploads[:2], uploads[2]
    assert [await u.read() for u in kept] == [b"a" * 10, b"b" * 10]
    assert isinstance(extra, RefusedUpload)
    assert (extra.filename, extra.size, await extra.read()) == ("f2", 30, b"")
    assert not any(isinstance(u, RefusedUpload) for u in kept)
    await form.close()


async def test_a_file_past_the_size_is_dropped_then_counted() -> None:
    """Over the cap, what was spooled is closed (its disk space freed) and the rest of the
    file, however long, is only counted."""
    before = open_temp_files()
    big = os.urandom(3 * 1024 * 1024)  # rolls over to a temporary file before the cap
    form = await parse([b"ok", big, b"fine"], max_files=10, max_file_bytes=2 * 1024 * 1024 + 5)
    ok, dropped, fine = uploads_of(form)
    assert await ok.read() == b"ok"
    assert await fine.read() == b"fine"
    assert isinstance(dropped, RefusedUpload)
    assert dropped.size == len(big)
    assert await dropped.read() == b""
    assert open_temp_files() <= before  # nothing of it is left on disk
    await form.close()


async def test_a_request_of_more_than_100_files_is_refused() -> None:
    with pytest.raises(MultiPartException, match="Too many files"):
        await parse([b"x"] * 101, max_files=10, max_file_bytes=100)
    form = await parse([b"x"] * 100, max_files=10, max_file_bytes=100)
    assert sum(isinstance(u, RefusedUpload) for u in uploads_of(form)) == 90
    await form.close()


async def test_exactly_the_cap_is_kept() -> None:
    form = await parse([b"x" * 100], max_files=1, max_file_bytes=100)
    (upload,) = uploads_of(form)
    assert not isinstance(upload, RefusedUpload)
    assert await upload.read() == b"x" * 100
    await form.close()
