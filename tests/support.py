"""What API tests share: a tenant of their own and a GraphQL caller acting in it."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)

from domain.contact import Contact
from domain.errors import DomainError, ErrorCode
from domain.viewer import Role, Viewer
from server.app import schema_for
from server.auth import issue_token
from server.settings import Settings


class GraphQLErrors(AssertionError):
    pass


@dataclass
class Tenant:
    """A location of its own for one test, with its team members and a GraphQL caller."""

    client: httpx.AsyncClient
    settings: Settings
    location_id: str
    admin: Viewer = field(init=False)

    def __post_init__(self) -> None:
        self.admin = self.viewer("user-admin", role=Role.ADMIN)

    def viewer(self, user_id: str, role: Role = Role.USER, assigned_only: bool = False) -> Viewer:
        return Viewer(user_id, self.location_id, role, assigned_only)

    def headers(self, viewer: Viewer | None) -> dict[str, str]:
        if viewer is None:
            return {}
        return {"Authorization": f"Bearer {issue_token(viewer, self.settings)}"}

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, viewer: Viewer | None = None
    ) -> dict[str, Any]:
        """POST the operation; returns the whole response body (data and errors)."""
        response = await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers=self.headers(viewer),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, viewer: Viewer | None = None
    ) -> dict[str, Any]:
        """POST as ``viewer`` (default: the admin); fails the test on any GraphQL error."""
        body = await self.raw(query, variables, viewer or self.admin)
        if body.get("errors"):
            raise GraphQLErrors(body["errors"])
        data: dict[str, Any] = body["data"]
        return data

    async def mutate(
        self, name: str, input: dict[str, Any], selection: str = "", viewer: Viewer | None = None
    ) -> dict[str, Any]:
        """Run mutation ``name`` with ``input``; returns its payload (contact + userErrors)."""
        query = (
            f"mutation($input: {_input_type(name)}!) {{ {name}(input: $input) {{ "
            f"userErrors {{ field message code }} {selection or CONTACT_SELECTION} }} }}"
        )
        data = await self.gql(query, {"input": input}, viewer)
        payload: dict[str, Any] = data[name]
        return payload

    async def upload(
        self,
        input: dict[str, Any],
        files: list[tuple[str, bytes | AsyncIterator[bytes]]],
        selection: str = "documents { id name size contentType folder subFolder source }",
        viewer: Viewer | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """contactDocumentsUpload as a GraphQL multipart request (operations, map, then the
        files, each ``(name, bytes or a stream of chunks)``); the raw response."""
        query = (
            "mutation($input: ContactDocumentsUploadInput!) { contactDocumentsUpload(input: "
            f"$input) {{ {selection} userErrors {{ field message code }} }} }}"
        )
        variables = {"input": {**input, "files": [None] * len(files)}}
        return await self.post_multipart(query, variables, files, viewer=viewer, headers=headers)

    async def post_multipart(
        self,
        query: str,
        variables: dict[str, Any],
        files: list[tuple[str, bytes | AsyncIterator[bytes]]],
        paths: list[str] | None = None,
        viewer: Viewer | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST a GraphQL multipart request; the raw response (see :func:`multipart`)."""
        content_type, body = multipart({"query": query, "variables": variables}, files, paths)
        return await self.client.post(
            "/graphql",
            content=body,
            headers={
                "content-type": content_type,
                **self.headers(viewer or self.admin),
                **(headers or {}),
            },
        )

    async def upload_picture(
        self,
        contact_id: str,
        data: bytes,
        selection: str = "",
        viewer: Viewer | None = None,
        filename: str = "me.jpg",
    ) -> dict[str, Any]:
        """contactPictureUpload of ``data``; returns its payload."""
        query = (
            "mutation($input: ContactPictureUploadInput!) { contactPictureUpload(input: $input)"
            f" {{ userErrors {{ field message code }} {selection or PICTURE_SELECTION} }} }}"
        )
        response = await self.post_multipart(
            query,
            {"input": {"contactId": contact_id, "file": None}},
            [(filename, data)],
            ["variables.input.file"],
            viewer,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        if body.get("errors"):
            raise GraphQLErrors(body["errors"])
        payload: dict[str, Any] = body["data"]["contactPictureUpload"]
        return payload

    async def create_contact(self, viewer: Viewer | None = None, **input: Any) -> dict[str, Any]:
        payload = await self.mutate("contactCreate", input, viewer=viewer)
        assert payload["userErrors"] == [], payload["userErrors"]
        contact: dict[str, Any] = payload["contact"]
        return contact


CONTACT_SELECTION = """contact {
  id firstName lastName fullName type source timeZone dateOfBirth businessName website
  address { line1 line2 city state postalCode country }
  createdAt updatedAt archivedAt archived owner { id } followers { id } tags
  phones { id number label isPrimary } primaryPhone { number }
  emails { id address label isPrimary } primaryEmail { address }
  dnd { allChannels { enabled blocked } channels { channel enabled blocked changedBy { id } } }
  customFields { field { key dataType } value { __typename
    ... on CustomFieldText { text } ... on CustomFieldNumber { number }
    ... on CustomFieldMoney { money { amount currency } } ... on CustomFieldDate { date }
    ... on CustomFieldCheckbox { checked } ... on CustomFieldOption { option }
    ... on CustomFieldOptions { options } ... on CustomFieldFiles { files { id name } } } }
}"""

PICTURE_SELECTION = """contact { id updatedAt picture { source updatedAt url
  header: url(size: HEADER) thread: url(size: THREAD) card: url(size: CARD) } }"""

_INPUT_TYPES = {
    "contactArchive": "ContactIdInput",
    "contactRestore": "ContactIdInput",
    "contactPhoneSetPrimary": "ContactPhoneIdInput",
    "contactPhoneRemove": "ContactPhoneIdInput",
    "contactEmailSetPrimary": "ContactEmailIdInput",
    "contactEmailRemove": "ContactEmailIdInput",
    "contactTagsAdd": "ContactTagsInput",
    "contactTagsRemove": "ContactTagsInput",
    "contactFollowersAdd": "ContactFollowersInput",
    "contactFollowersRemove": "ContactFollowersInput",
}


BOUNDARY = "contact-graph-test-boundary"


def multipart(
    operations: dict[str, Any],
    files: list[tuple[str, bytes | AsyncIterator[bytes]]],
    paths: list[str] | None = None,
) -> tuple[str, AsyncIterator[bytes]]:
    """A GraphQL multipart request body (spec: `operations`, `map`, then the files) as a
    stream, so a large file is never built in memory. File ``i`` goes to ``paths[i]``
    (by default ``variables.input.files.i``)."""
    paths = paths or [f"variables.input.files.{i}" for i in range(len(files))]
    mapping = {str(i): [path] for i, path in enumerate(paths)}

    def part(headers: str) -> bytes:
        return f"--{BOUNDARY}\r\n{headers}\r\n\r\n".encode()

    async def body() -> AsyncIterator[bytes]:
        for name, value in (("operations", operations), ("map", mapping)):
            yield part(f'Content-Disposition: form-data; name="{name}"')
            yield json.dumps(value).encode() + b"\r\n"
        for i, (filename, content) in enumerate(files):
            yield part(
                f'Content-Disposition: form-data; name="{i}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream"
            )
            if isinstance(content, bytes):
                yield content
            else:
                async for chunk in content:
                    yield chunk
            yield b"\r\n"
        yield f"--{BOUNDARY}--\r\n".encode()

    return f"multipart/form-data; boundary={BOUNDARY}", body()


def _input_type(mutation: str) -> str:
    return _INPUT_TYPES.get(mutation, mutation[0].upper() + mutation[1:] + "Input")


@cache
def graphql_schema() -> GraphQLSchema:
    """The served schema (graphql-core's), to read types, fields and implementations from."""
    schema: GraphQLSchema = schema_for(Settings(_env_file=None))._schema  # type: ignore[call-arg]
    return schema


def every_field(type_name: str, depth: int = 2) -> str:
    """A selection of every field of the type, with every member or implementation of an
    abstract type (each with all its own fields), objects followed ``depth`` levels down
    and never into a type already on the way; fields with a required argument are left
    out, the others take their defaults. A field added later is selected without a test
    naming it."""
    return _selection(graphql_schema(), graphql_schema().type_map[type_name], depth, ())


def _selection(schema: GraphQLSchema, named: Any, depth: int, path: tuple[str, ...]) -> str:
    path = (*path, named.name)
    if isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
        members = sorted(schema.get_possible_types(named), key=lambda t: t.name)
        inner = " ".join(f"... on {t.name} {_selection(schema, t, depth, path)}" for t in members)
        return f"{{ __typename {inner} }}"
    assert isinstance(named, GraphQLObjectType)
    selected = ["__typename"]
    for name, f in named.fields.items():
        if any(is_non_null_type(a.type) and a.default_value is Undefined for a in f.args.values()):
            continue
        inner_type = get_named_type(f.type)
        if is_leaf_type(inner_type):
            selected.append(name)
        elif len(path) <= depth and inner_type.name not in path:
            selected.append(f"{name} {_selection(schema, inner_type, depth, path)}")
    return f"{{ {' '.join(selected)} }}"


# -- domain unit tests ------------------------------------------------------------------

NOW = datetime(2026, 3, 22, 12, 0, tzinfo=UTC)

Refused = Callable[..., AbstractContextManager[pytest.ExceptionInfo[DomainError]]]


def new_contact() -> Contact:
    return Contact(location_id="loc", created_at=NOW, updated_at=NOW)


@contextmanager
def refused_check(
    target: Any, code: ErrorCode, field: tuple[str, ...] | None = None
) -> Iterator[pytest.ExceptionInfo[DomainError]]:
    """The block must raise one user error with ``code`` (and ``field``) and leave
    ``target`` exactly as it was."""
    before = copy.deepcopy(target)
    with pytest.raises(DomainError) as info:
        yield info
    assert [e.code for e in info.value.errors] == [code]
    if field is not None:
        assert info.value.errors[0].field == field
    assert info.value.errors[0].message
    assert target == before, "a refused call must leave the aggregate unchanged"


def ok(payload: dict[str, Any]) -> dict[str, Any]:
    """A mutation's payload that must have succeeded."""
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def open_calendar(t: Tenant, team_member: str = "u1") -> str:
    """A calendar open all day every day, with 15-minute slots: any time can be booked."""
    from domain.calendars import Weekday

    made = ok(
        await t.mutate(
            "calendarCreate",
            {
                "name": "Calls",
                "timeZone": "UTC",
                "slotMinutes": 15,
                "availability": [
                    {"weekday": d.value, "start": "00:00", "end": "24:00"} for d in Weekday
                ],
                "teamMemberIds": [team_member],
            },
            selection="calendar { id }",
        )
    )
    return str(made["calendar"]["id"])
