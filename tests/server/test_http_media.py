"""GraphQL over HTTP media types: application/graphql-response+json when the client asks for
it (request errors are 4xx without data), application/json otherwise (200 for them)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from support import Tenant

from server.auth import issue_token
from server.media import GRAPHQL_RESPONSE, JSON, negotiate

GQL = f"{GRAPHQL_RESPONSE}; charset=utf-8"


async def send(
    tenant: Tenant, accept: str | None, body: dict[str, Any], token: bool = True
) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if accept is not None:
        headers["accept"] = accept
    if token:
        headers["Authorization"] = f"Bearer {issue_token(tenant.admin, tenant.settings)}"
    return await tenant.client.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("text/html", JSON),
        ("application/json", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}; charset=utf-8", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", JSON),
        (f"application/json;q=0.5, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0, application/json", JSON),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON;q=0.8, */*;q=0.1", GRAPHQL_RESPONSE),
    ],
)
def test_the_accept_header_picks_the_media_type(accept: str | None, expected: str) -> None:
    assert negotiate(accept) == expected


REQUEST_ERRORS = {
    "parse": {"query": "{"},
    "validation": {"query": "{ noSuchField }"},
    "variables": {"query": "query($id: ID!) { contact(id: $id) { id } }", "variables": {}},
    "operation": {"query": "query A { __typename }", "operationName": "B"},
}


@pytest.mark.parametrize("kind", REQUEST_ERRORS)
async def test_request_errors_are_400_without_data_for_graphql_response_json(
    tenant: Tenant, kind: str
) -> None:
    response = await send(tenant, GRAPHQL_RESPONSE, REQUEST_ERRORS[kind])
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == GQL
    body = response.json()
    assert set(body) == {"errors"}, body
    assert body["errors"][0]["message"]


@pytest.mark.parametrize("kind", REQUEST_ERRORS)
@pytest.mark.parametrize("accept", [None, "application/json", "*/*"])
async def test_request_errors_stay_200_for_application_json(
    tenant: Tenant, kind: str, accept: str | None
) -> None:
    response = await send(tenant, accept, REQUEST_ERRORS[kind])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["errors"]


async def test_a_result_is_200_in_the_media_type_asked_for(tenant: Tenant) -> None:
    query = {"query": "{ __typename }"}
    gql = await send(tenant, GRAPHQL_RESPONSE, query)
    assert (gql.status_code, gql.headers["content-type"]) == (200, GQL)
    assert gql.json()["data"] == {"__typename": "Query"}
    plain = await send(tenant, "application/json", query)
    assert (plain.status_code, plain.headers["content-type"]) == (200, "application/json")
    # a field error happens during execution: data is there, the status 200
    missing = await send(tenant, GRAPHQL_RESPONSE, {"query": '{ contact(id: "nope") { id } }'})
    assert missing.status_code == 200
    assert "data" in missing.json()


async def test_unauthenticated_is_401_for_graphql_response_json(tenant: Tenant) -> None:
    query = {"query": "{ contacts { totalCount } }"}
    gql = await send(tenant, GRAPHQL_RESPONSE, query, token=False)
    assert gql.status_code == 401
    assert "data" not in gql.json()
    assert gql.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    plain = await send(tenant, "application/json", query, token=False)
    assert plain.status_code == 200
    assert plain.json()["data"] is None


async def test_refusals_answer_the_media_type_asked_for(tenant: Tenant) -> None:
    headers = {"content-type": "application/json", "accept": GRAPHQL_RESPONSE}
    response = await tenant.client.post("/graphql", content=b"{not json", headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == GQL
    assert set(response.json()) == {"errors"}
