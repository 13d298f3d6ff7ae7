"""What API tests share: a tenant of their own and a GraphQL caller acting in it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from domain.contact import Contact
from domain.errors import DomainError, ErrorCode
from domain.viewer import Role, Viewer
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

    async def multipart(
        self,
        query: str,
        variables: dict[str, Any],
        files: dict[str, tuple[str, bytes, str]],
        viewer: Viewer | None = None,
    ) -> httpx.Response:
        """POST a GraphQL multipart request (the multipart request spec): ``files`` maps a
        path into the operation (``variables.input.file``) to (name, bytes, content type)."""
        operations = {"query": query, "variables": variables}
        parts = {str(i): path for i, path in enumerate(files)}
        return await self.client.post(
            "/graphql",
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({i: [path] for i, path in parts.items()}),
            },
            files={i: files[path] for i, path in parts.items()},
            headers=self.headers(viewer or self.admin),
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
        response = await self.multipart(
            query,
            {"input": {"contactId": contact_id, "file": None}},
            {"variables.input.file": (filename, data, "application/octet-stream")},
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
    ... on CustomFieldOptions { options } ... on CustomFieldFiles { files { name url } } } }
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


def _input_type(mutation: str) -> str:
    return _INPUT_TYPES.get(mutation, mutation[0].upper() + mutation[1:] + "Input")


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
