"""Bearer tokens: who is asking, as the gateway forwards it (a signed JWT)."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import jwt

from domain.errors import AuthenticationError
from domain.viewer import Role, Viewer
from server.settings import HMAC_ALGORITHMS, Settings

if TYPE_CHECKING:
    from server.jwks import JWKSKeys

USER_ID = re.compile(r"[A-Za-z0-9_.:@-]{1,64}")
"""A token's ``sub``: what a team member's id is stored as (64 characters at most)."""
LOCATION_ID = re.compile(r"[A-Za-z0-9_.-]{1,36}")
"""A token's ``location_id``: the width of every ``location_id`` column (36, a UUID), and no
``:``, which separates the parts of a broker channel's name."""


@dataclass(frozen=True)
class Credentials:
    """Who a valid token says is asking, and until when (its ``exp``)."""

    viewer: Viewer
    expires_at: float
    """Seconds since the epoch."""

    def expired(self) -> bool:
        return time.time() >= self.expires_at


def credentials_from_header(header: str | None, settings: Settings) -> Credentials:
    """HMAC tokens only (a token signed by a JWKS key needs ``authenticate_header``)."""
    return credentials_from_token(bearer_token(header), settings)


async def authenticate_header(
    header: str | None, settings: Settings, jwks: JWKSKeys | None
) -> Credentials:
    """The token's ``alg`` must be allowed (``Settings.allowed_algorithms``); an HS* token is
    verified with the secret, an RS/ES/PS one with the JWKS key its ``kid`` names (fetched
    off the event loop), never the other way round."""
    token = bearer_token(header)
    algorithm, kid = token_header(token, settings)
    if algorithm in HMAC_ALGORITHMS:
        return credentials_from_token(token, settings)
    if jwks is None:
        raise AuthenticationError(f"the token's algorithm {algorithm} is not allowed")
    return credentials_from_token(token, settings, await jwks.key(kid))


def bearer_token(header: str | None) -> str:
    if not header:
        raise AuthenticationError("authentication required: send 'Authorization: Bearer <JWT>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("the Authorization header must be 'Bearer <JWT>'")
    return token.strip()


def token_header(token: str, settings: Settings) -> tuple[str, object]:
    """The token's ``alg``, refused unless allowed (``none`` never is), and its ``kid``."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise AuthenticationError(f"the token is not valid: {exc}") from exc
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in settings.allowed_algorithms:
        raise AuthenticationError(f"the token's algorithm {algorithm!r} is not allowed")
    return algorithm, header.get("kid")


def credentials_from_token(
    token: str, settings: Settings, jwk: jwt.PyJWK | None = None
) -> Credentials:
    """The signature, then every claim: a token that is signed but malformed (an empty
    ``sub``, a ``location_id`` too long for its column, an ``exp`` written as a string) is
    refused here rather than failing later as a masked database error. HS* tokens are
    verified with the secret; others only with ``jwk``, of the token's own algorithm."""
    algorithm, _ = token_header(token, settings)
    key: str | jwt.PyJWK = settings.jwt_secret.get_secret_value()
    if algorithm not in HMAC_ALGORITHMS:
        if jwk is None or jwk.algorithm_name != algorithm:
            raise AuthenticationError("the token's signature is not valid")
        key = jwk
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            # `sub` and `exp` are checked below: PyJWT takes any `exp` int() accepts ("99", true)
            options={
                "require": ["exp", "sub", "location_id", "role"],
                "verify_sub": False,
                "verify_exp": False,
            },
        )
    except jwt.InvalidSignatureError as exc:
        raise AuthenticationError("the token's signature is not valid") from exc
    except jwt.PyJWTError as exc:
        raise AuthenticationError(f"the token is not valid: {exc}") from exc
    exp = claims["exp"]
    if isinstance(exp, bool) or not isinstance(exp, int | float) or not math.isfinite(exp):
        raise AuthenticationError("the token's 'exp' claim must be a number")
    if exp <= time.time():
        raise AuthenticationError("the token has expired")
    role = claims["role"]
    if not isinstance(role, str) or role not in Role.__members__.values():
        known = " or ".join(r.value for r in Role)
        raise AuthenticationError(f"the token's 'role' claim must be {known}")
    assigned_only = claims.get("assigned_only", False)
    if not isinstance(assigned_only, bool):
        raise AuthenticationError("the token's 'assigned_only' claim must be a boolean")
    can_charge = claims.get("can_charge", False)
    if not isinstance(can_charge, bool):
        raise AuthenticationError("the token's 'can_charge' claim must be a boolean")
    viewer = Viewer(
        user_id=_identifier(claims, "sub", USER_ID, "1-64 characters of A-Z a-z 0-9 _ . : @ -"),
        location_id=_identifier(
            claims, "location_id", LOCATION_ID, "1-36 characters of A-Z a-z 0-9 _ . -"
        ),
        role=Role(role),
        assigned_only=assigned_only,
        can_charge=can_charge,
    )
    return Credentials(viewer, float(exp))


def _identifier(claims: dict[str, Any], name: str, shape: re.Pattern[str], rule: str) -> str:
    value = claims[name]
    if not isinstance(value, str) or not shape.fullmatch(value):
        raise AuthenticationError(f"the token's '{name}' claim must be {rule}")
    return value


def issue_token(viewer: Viewer, settings: Settings, ttl: timedelta = timedelta(days=30)) -> str:
    """Sign a token for ``viewer`` (development, tests and the seed command)."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": viewer.user_id,
        "location_id": viewer.location_id,
        "role": viewer.role.value,
        "assigned_only": viewer.assigned_only,
        "can_charge": viewer.can_charge,
        "iat": now,
        "exp": now + ttl,
    }
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(
        claims, settings.jwt_secret.get_secret_value(), algorithm=settings.jwt_algorithm
    )
