"""GraphQL multipart requests over HTTP (server/uploads.py), against an app whose upload
limit is small: a token first, then the body's size and the JSON parts' sizes, all held
while the body is read; a `map` that does not fit is a 400. (How files past the count or the
size are answered: tests/server/test_uploads.py and tests/resolvers/test_documents.py.)"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from domain.viewer import Role, Viewer
from server.app import create_app
from server.auth import issue_token
from server.settings import Settings
from server.uploads import _body_limit as body_limit

BOUNDARY = "contact-graph-test-boundary"
QUERY = (
    "mutation($input: ContactPictureUploadInput!) { contactPictureUpload(input: $input) "
    "{ userErrors { code } } }"
)


@pytest.fixture(scope="module")
async def small(settings: Settings) -> AsyncIterator[tuple[Settings, httpx.AsyncClient]]:
    values = {**settings.model_dump(), "max_upload_bytes": 200_000, "max_body_bytes": 20_000}
    limited = Settings(**values, _env_file=None)  # type: ignore[call-arg]
    app: Starlette = create_app(limited)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield limited, c


def auth(settings: Settings) -> dict[str, str]:
    viewer = Viewer("user-admin", str(uuid.uuid4()), Role.ADMIN)
    return {"Authorization": f"Bearer {issue_token(viewer, settings)}"}


def part(name: str, body: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + body + b"\r\n"


def body(
    files: int = 1,
    file_size: int = 10,
    operations: Any = None,
    mapping: Any = None,
    extra_fields: int = 0,
) -> bytes:
    operations = operations or {
        "query": QUERY,
        "variables": {"input": {"contactId": "x", "file": None}},
    }
    mapping = mapping or {str(i): ["variables.input.file"] for i in range(files)}
    parts = [
        part("operations", json.dumps(operations).encode()),
        part("map", json.dumps(mapping).encode()),
        *(part(f"extra{i}", b"x") for i in range(extra_fields)),
        *(part(str(i), b"\xff" * file_size, f"f{i}.jpg") for i in range(files)),
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


class Reads:
    """A request body in chunks that counts how many were read."""

    def __init__(self, data: bytes, chunk: int = 16_384) -> None:
        self.chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.read += 1
            yield chunk


async def post(client: httpx.AsyncClient, content: Any, headers: dict[str, str]) -> httpx.Response:
    return await client.post(
        "/graphql",
        content=content,
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}", **headers},
    )


async def test_a_multipart_body_is_read_only_with_a_valid_token(
    small: tuple[Settings, httpx.AsyncClient],
) -> None:
    _, client = small
    for headers in ({}, {"Authorization": "Bearer forged"}):
        sent = Reads(body())
        answer = await post(client, sent, headers)
        assert answer.status_code == 401
        assert (
            "a multipart request is read only with a valid token"
            in answer.json()["errors"][0]["message"]
        )
        assert sent.read == 0


async def test_an_announced_oversize_body_is_refused_before_it_is_read(
    small: tuple[Settings, httpx.AsyncClient],
) -> None:
    settings, client = small
    sent = Reads(body(file_size=10))
    headers = {**auth(settings), "content-length": str(body_limit(settings) + 1)}
    answer = await post(client, sent, headers)
    assert answer.status_code == 413
    assert sent.read == 0


async def test_a_chunked_oversize_body_is_cut_mid_stream(
    small: tuple[Settings, httpx.AsyncClient],
) -> None:
    settings, client = small
    sent = Reads(body(file_size=body_limit(settings) * 3))  # no content-length: chunked
    answer = await post(client, sent, auth(settings))
    assert answer.status_code == 413
    assert answer.json() == {"errors": [{"message": "request body too large"}]}
    assert sent.read < len(sent.chunks) / 2


async def test_the_two_json_parts_only(small: tuple[Settings, httpx.AsyncClient]) -> None:
    settings, client = small
    fields = await post(client, body(extra_fields=1), auth(settings))
    assert fields.status_code == 400
    assert "Too many fields" in fields.json()["errors"][0]["message"]


async def test_the_json_parts_are_bounded(small: tuple[Settings, httpx.AsyncClient]) -> None:
    settings, client = small
    huge = {"query": QUERY + " " * settings.max_body_bytes, "variables": {}}
    answer = await post(client, body(operations=huge), auth(settings))
    assert answer.status_code == 400
    assert "maximum size" in answer.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "mapping",
    [
        {"0": ["variables.input.contactId.deeper"]},  # through a string
        {"0": ["variables.input.list.x"]},  # a list index that is not a number
        {"0": ["variables.input.list.9"]},  # past the end of a list
        ["variables.input.file"],  # not an object
        {"0": ["variables.nothing.here"]},  # no such member
        {"1": ["variables.input.file"]},  # no such file
    ],
)
async def test_a_map_that_does_not_fit_is_a_400(
    small: tuple[Settings, httpx.AsyncClient], mapping: Any
) -> None:
    settings, client = small
    operations = {
        "query": QUERY,
        "variables": {"input": {"contactId": "x", "file": None, "list": [None]}},
    }
    answer = await post(client, body(operations=operations, mapping=mapping), auth(settings))
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["message"]
