"""Bearer tokens: who is asking, as the gateway forwards it (a signed JWT)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from domain.errors import AuthenticationError
from domain.viewer import Role, Viewer
from server.settings import Settings


def viewer_from_header(header: str | None, settings: Settings) -> Viewer:
    if not header:
        raise AuthenticationError("authentication required: send 'Authorization: Bearer <JWT>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("the Authorization header must be 'Bearer <JWT>'")
    return viewer_from_token(token.strip(), settings)


def viewer_from_token(token: str, settings: Settings) -> Viewer:
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[settings.jwt_algorithm],
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            options={"require": ["exp", "sub", "location_id"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthenticationError("the token has expired") from exc
    except jwt.InvalidSignatureError as exc:
        raise AuthenticationError("the token's signature is not valid") from exc
    except jwt.PyJWTError as exc:
        raise AuthenticationError(f"the token is not valid: {exc}") from exc
    try:
        role = Role(str(claims.get("role", Role.USER.value)).upper())
    except ValueError as exc:
        raise AuthenticationError(f"unknown role {claims.get('role')!r}") from exc
    return Viewer(
        user_id=str(claims["sub"]),
        location_id=str(claims["location_id"]),
        role=role,
        assigned_only=bool(claims.get("assigned_only", False)),
    )


def issue_token(viewer: Viewer, settings: Settings, ttl: timedelta = timedelta(days=30)) -> str:
    """Sign a token for ``viewer`` (development, tests and the seed command)."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": viewer.user_id,
        "location_id": viewer.location_id,
        "role": viewer.role.value,
        "assigned_only": viewer.assigned_only,
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
