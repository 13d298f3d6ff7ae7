"""RS256 / ES256 tokens verified with the keys of a JWKS URL (a real HTTP server on
127.0.0.1), next to the HMAC secret; never ``alg: none``, never HS* with a public key."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from pydantic import ValidationError

from server.app import create_app
from server.jwks import JWKSKeys
from server.settings import Settings

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: Any, kid: str, algorithm: type[RSAAlgorithm] | type[ECAlgorithm]) -> dict[str, Any]:
    data: dict[str, Any] = algorithm.to_jwk(key.public_key(), as_dict=True)
    return data | {"kid": kid, "use": "sig"}


class JWKSServer:
    """Serves ``self.keys`` as a JWKS on 127.0.0.1 and counts the requests."""

    def __init__(self) -> None:
        self.keys = [
            jwk(RSA_KEY, "rsa-1", RSAAlgorithm),
            jwk(EC_KEY, "ec-1", ECAlgorithm),
        ]
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                body = json.dumps({"keys": outer.keys}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def jwks_server() -> Iterator[JWKSServer]:
    server = JWKSServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
async def jwks_client(
    jwks_server: JWKSServer, database_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(  # type: ignore[call-arg]
        database_url=database_url,
        environment="test",
        graphiql=False,
        jwks_url=jwks_server.url,
        jwt_algorithms=["RS256", "ES256", "HS256"],
        _env_file=None,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            client.app = app  # type: ignore[attr-defined]
            client.settings = settings  # type: ignore[attr-defined]
            yield client


def claims() -> dict[str, Any]:
    return {
        "sub": "user-admin",
        "location_id": str(uuid.uuid4()),
        "role": "ADMIN",
        "exp": int(time.time()) + 600,
    }


async def ask(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": "{ contacts { totalCount } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    body.pop("extensions", None)  # the operation's cost, not what these tests are about
    return body


def refused(body: dict[str, Any]) -> str:
    assert body["data"] is None, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED", error
    message: str = error["message"]
    return message


OK = {"data": {"contacts": {"totalCount": 0}}}


async def test_rs256_and_es256_tokens_signed_by_the_jwks_keys_work(
    jwks_client: httpx.AsyncClient, jwks_server: JWKSServer
) -> None:
    assert jwks_server.requests == 1  # fetched at startup, in a thread
    rs = jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"})
    es = jwt.encode(claims(), EC_KEY, algorithm="ES256", headers={"kid": "ec-1"})
    assert await ask(jwks_client, rs) == OK
    assert await ask(jwks_client, es) == OK
    assert jwks_server.requests == 1  # cached
    # the HMAC secret still works for HS256, allowed here too
    secret = jwks_client.settings.jwt_secret.get_secret_value()  # type: ignore[attr-defined]
    assert await ask(jwks_client, jwt.encode(claims(), secret, algorithm="HS256")) == OK


async def test_a_token_signed_by_another_key_is_unauthenticated(
    jwks_client: httpx.AsyncClient,
) -> None:
    other = jwt.encode(claims(), OTHER_RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"})
    assert refused(await ask(jwks_client, other)) == "the token's signature is not valid"
    unknown = jwt.encode(claims(), OTHER_RSA_KEY, algorithm="RS256", headers={"kid": "nope"})
    assert "unknown key" in refused(await ask(jwks_client, unknown))
    no_kid = jwt.encode(claims(), RSA_KEY, algorithm="RS256")
    assert "'kid'" in refused(await ask(jwks_client, no_kid))
    # an EC key does not verify an RS256 token, whatever the kid says
    wrong_kind = jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "ec-1"})
    assert refused(await ask(jwks_client, wrong_kind)) == "the token's signature is not valid"


async def test_hs256_forged_with_the_public_key_and_alg_none_are_refused(
    jwks_client: httpx.AsyncClient,
) -> None:
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # pyjwt refuses to sign HMAC with a PEM: forge it by hand
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
    body = b64(json.dumps(claims()).encode())
    sig = b64(hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest())
    forged = f"{head}.{body}.{sig}"
    assert refused(await ask(jwks_client, forged)) == "the token's signature is not valid"
    unsigned = jwt.encode(claims(), None, algorithm="none", headers={"kid": "rsa-1"})
    assert (
        refused(await ask(jwks_client, unsigned)) == "the token's algorithm 'none' is not allowed"
    )


async def test_an_unknown_kid_refetches_the_set_at_most_once_per_interval(
    jwks_server: JWKSServer,
) -> None:
    keys = JWKSKeys(jwks_server.url, min_refresh_seconds=60)
    await keys.prefetch()
    assert jwks_server.requests == 1
    # a rotated key, published after the prefetch, is found by one refetch
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks_server.keys.append(jwk(new_key, "rsa-2", RSAAlgorithm))
    keys.fetched_at = time.monotonic() - 61
    assert (await keys.key("rsa-2")).key_id == "rsa-2"
    assert jwks_server.requests == 2
    for _ in range(5):  # made-up kids do not reach the server again within the interval
        with pytest.raises(Exception, match="unknown key"):
            await keys.key("made-up")
    assert jwks_server.requests == 2


def test_the_settings_refuse_public_key_algorithms_without_a_jwks_url() -> None:
    with pytest.raises(ValidationError, match="JWKS_URL"):
        Settings(jwt_algorithms=["RS256"], _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(jwt_algorithms=["none"], _env_file=None)  # type: ignore[call-arg, list-item]
    assert Settings(_env_file=None).allowed_algorithms == {"HS256"}  # type: ignore[call-arg]
    with_jwks = Settings(jwks_url="http://idp/jwks", _env_file=None)  # type: ignore[call-arg]
    assert with_jwks.allowed_algorithms == {"RS256", "ES256"}


async def test_a_cached_token_is_refused_once_its_key_is_rotated_out(
    jwks_client: httpx.AsyncClient, jwks_server: JWKSServer
) -> None:
    """A verified RS256 token is answered from the token cache only while the key set holds
    the key that verified it: after a refresh drops that key, the token is refused."""
    runtime = jwks_client.app.state.runtime  # type: ignore[attr-defined]
    kept = jwt.encode(claims(), EC_KEY, algorithm="ES256", headers={"kid": "ec-1"})
    rotated = jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"})
    assert await ask(jwks_client, kept) == OK
    assert await ask(jwks_client, rotated) == OK
    assert runtime.tokens.get(rotated) is not None
    # the IdP rotates rsa-1 out; the set is refreshed when it is next stale
    jwks_server.keys = [k for k in jwks_server.keys if k["kid"] != "rsa-1"]
    runtime.jwks.fetched_at = time.monotonic() - runtime.jwks.cache_seconds - 1
    assert "unknown key" in refused(await ask(jwks_client, rotated))
    assert runtime.tokens.get(rotated) is None
    assert jwks_server.requests == 2
    # a token whose key is still published is verified against the new set, and still works
    assert await ask(jwks_client, kept) == OK
    assert runtime.tokens.get(kept).jwk is runtime.jwks.keys["ec-1"]
