"""The HTTP surface: authentication, malformed requests, masked errors, limits."""

from __future__ import annotations

from datetime import timedelta

import httpx
import jwt
import pytest
from support import Tenant

from server.auth import issue_token


async def post(
    client: httpx.AsyncClient, body: object, token: str | None = None, content: bytes | None = None
) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if content is not None:
        return await client.post("/graphql", content=content, headers=headers)
    return await client.post("/graphql", json=body, headers=headers)


def error_of(response: httpx.Response) -> tuple[str, str]:
    (error,) = response.json()["errors"]
    return error["message"], error["extensions"]["code"]


async def test_missing_expired_and_forged_tokens_are_refused(tenant: Tenant) -> None:
    query = {"query": "{ contacts { totalCount } }"}
    client, settings = tenant.client, tenant.settings
    missing = await post(client, query)
    assert missing.json()["data"] is None
    assert error_of(missing) == (
        "authentication required: send 'Authorization: Bearer <JWT>'",
        "UNAUTHENTICATED",
    )
    expired = issue_token(tenant.admin, settings, ttl=timedelta(seconds=-10))
    assert error_of(await post(client, query, expired)) == (
        "the token has expired",
        "UNAUTHENTICATED",
    )
    forged = jwt.encode(
        {"sub": "x", "location_id": tenant.location_id, "exp": 9999999999},
        "not-the-secret-but-long-enough-for-hs256!",
        algorithm="HS256",
    )
    assert error_of(await post(client, query, forged)) == (
        "the token's signature is not valid",
        "UNAUTHENTICATED",
    )
    unsigned = jwt.encode(
        {"sub": "x", "location_id": tenant.location_id, "exp": 9999999999}, None, algorithm="none"
    )
    assert error_of(await post(client, query, unsigned))[1] == "UNAUTHENTICATED"
    no_location = jwt.encode(
        {"sub": "x", "exp": 9999999999}, settings.jwt_secret.get_secret_value(), algorithm="HS256"
    )
    assert error_of(await post(client, query, no_location))[1] == "UNAUTHENTICATED"
    # mutations and introspection are guarded too; only _service is public
    mutation = {
        "query": 'mutation { contactArchive(input: {contactId: "x"}) { userErrors { code } } }'
    }
    assert error_of(await post(client, mutation))[1] == "UNAUTHENTICATED"
    intro = await post(client, {"query": "{ __schema { queryType { name } } }"})
    assert error_of(intro)[1] == "UNAUTHENTICATED"
    sdl = await post(client, {"query": "{ _service { sdl } }"})
    assert "type Contact @key" in sdl.json()["data"]["_service"]["sdl"]


@pytest.mark.parametrize("body", [b"null", b'"query"', b"42", b"true", b"{not json", b"\xff\xfe"])
async def test_malformed_bodies_get_400_not_500(tenant: Tenant, body: bytes) -> None:
    response = await post(
        tenant.client, None, issue_token(tenant.admin, tenant.settings), content=body
    )
    assert response.status_code == 400
    assert refusal(response)


def refusal(response: httpx.Response) -> str:
    """The message of a refused request: GraphQL JSON, never plain text, and no data."""
    assert response.headers["content-type"] == "application/json", response.text
    body = response.json()
    assert set(body) == {"errors"}, body
    (error,) = body["errors"]
    message: str = error["message"]
    return message


async def ask(
    tenant: Tenant, method: str, query: str, operation_name: object = None
) -> httpx.Response:
    """Send the operation by POST (JSON body) or GET (query parameters), as the admin."""
    headers = {"Authorization": f"Bearer {issue_token(tenant.admin, tenant.settings)}"}
    if method == "POST":
        body: dict[str, object] = {"query": query}
        if operation_name is not None:
            body["operationName"] = operation_name
        return await tenant.client.post("/graphql", json=body, headers=headers)
    params = {"query": query}
    if operation_name is not None:
        params["operationName"] = str(operation_name)
    headers["accept"] = "application/json"
    return await tenant.client.get("/graphql", params=params, headers=headers)


TWO_OPERATIONS = "query A { __typename } query B { viewer: __typename }"


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_an_operation_name_that_names_no_operation_is_a_graphql_error(
    tenant: Tenant, method: str
) -> None:
    # strawberry answered a plain-text 400 that GraphiQL cannot show
    response = await ask(tenant, method, "query A { __typename }", "B")
    assert response.status_code == 200
    assert refusal(response) == 'Unknown operation named "B".'
    anonymous = await ask(tenant, method, "{ __typename }", "A")
    assert refusal(anonymous) == 'Unknown operation named "A".'


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_several_operations_need_an_operation_name(tenant: Tenant, method: str) -> None:
    # strawberry ran the first one
    response = await ask(tenant, method, TWO_OPERATIONS)
    assert response.status_code == 200
    assert refusal(response) == (
        "Must provide operation name if query contains multiple operations."
    )
    chosen = await ask(tenant, method, TWO_OPERATIONS, "B")
    assert chosen.json()["data"] == {"viewer": "Query"}
    none = await ask(tenant, method, "fragment F on Query { __typename }")
    assert refusal(none) == "Must provide an operation."


async def test_an_operation_name_that_is_not_a_string_is_refused(tenant: Tenant) -> None:
    for name in (0, False, ["A"], {"obj": "ect"}):
        response = await ask(tenant, "POST", "query A { __typename }", name)
        assert response.status_code == 400, name
        assert "`operationName` must be a string" in refusal(response)


async def test_strawberrys_refusals_are_graphql_json(tenant: Tenant) -> None:
    token = issue_token(tenant.admin, tenant.settings)
    headers = {"Authorization": f"Bearer {token}", "content-type": "text/plain"}
    unsupported = await tenant.client.post("/graphql", content=b"{}", headers=headers)
    assert unsupported.status_code == 400
    assert refusal(unsupported) == "Unsupported content type"
    mutation = await tenant.client.get(
        "/graphql",
        params={"query": "mutation { __typename }"},
        headers={"Authorization": f"Bearer {token}", "accept": "application/json"},
    )
    assert mutation.status_code == 400
    assert refusal(mutation) == "mutations are not allowed when using GET"


async def test_oversized_body_is_refused(tenant: Tenant) -> None:
    big = b'{"query": "{ __typename }", "variables": {"x": "' + b"a" * 1_100_000 + b'"}}'
    response = await post(
        tenant.client, None, issue_token(tenant.admin, tenant.settings), content=big
    )
    assert response.status_code == 413
    assert refusal(response) == "request body too large"


async def test_deep_and_fragment_bomb_queries_are_refused(tenant: Tenant) -> None:
    token = issue_token(tenant.admin, tenant.settings)
    deep = "{ contacts { edges { node { auditLog { edges { node { changes { field } } } } } } } }"
    ok = await post(tenant.client, {"query": deep}, token)
    assert "errors" not in ok.json()
    # fragments each spreading the previous ten times: memoised, answered at once
    frags = ["fragment F0 on Contact { id }"]
    for i in range(1, 30):
        frags.append(f"fragment F{i} on Contact {{ " + " ".join([f"...F{i - 1}"] * 10) + " }")
    bomb = "{ contacts { edges { node { ...F29 } } } } " + " ".join(frags)
    response = await post(tenant.client, {"query": bomb}, token)
    assert response.status_code == 200
    company = "associations { edges { node { record { ... on Company { contacts { edges { node { "
    opening = "{ contacts { edges { node { " + company * 2 + "id"
    too_deep = opening + " }" * opening.count("{")
    refused = await post(tenant.client, {"query": too_deep}, token)
    assert error_of(refused) == (
        "the query is 18 levels deep; at most 15 are allowed",
        "QUERY_TOO_DEEP",
    )


async def test_entities_are_capped_and_unknown_types_are_clear(tenant: Tenant) -> None:
    token = issue_token(tenant.admin, tenant.settings)
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id } } }"
    many = [{"__typename": "Contact", "id": str(i)} for i in range(501)]
    capped = await post(tenant.client, {"query": query, "variables": {"r": many}}, token)
    assert "at most 500 representations" in capped.json()["errors"][0]["message"]
    unknown = await post(
        tenant.client,
        {"query": query, "variables": {"r": [{"__typename": "Nope", "id": "1"}]}},
        token,
    )
    assert "no entity of type 'Nope'" in unknown.json()["errors"][0]["message"]


async def test_unexpected_errors_are_masked_and_logged(
    tenant: Tenant, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resolvers import contact as resolvers

    async def broken(*_: object) -> None:
        raise RuntimeError("secret database detail")

    c = await tenant.create_contact(firstName="Boom")
    monkeypatch.setattr(resolvers, "custom_values", broken)  # a resolved field
    body = await tenant.raw(
        "query($id: ID!) { contact(id: $id) { firstName customFields { field { key } } } }",
        {"id": c["id"]},
        tenant.admin,
    )
    assert body["data"] == {"contact": None}
    (error,) = body["errors"]
    assert error["message"] == "Unexpected error; it has been logged."
    assert "secret" not in str(body)
    assert any("secret database detail" in str(r.exc_info) for r in caplog.records)
