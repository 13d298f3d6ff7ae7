"""Public keys from a JWKS URL, for RS*/ES*/PS* tokens, without blocking the event loop.

pyjwt's ``PyJWKClient`` fetches with urllib, synchronously: every fetch runs in a worker
thread. The key set is fetched once at startup (``prefetch``), again when it is older than
``cache_seconds``, and when a token names a ``kid`` it lacks -- at most once every
``min_refresh_seconds`` (a stream of tokens with made-up ``kid``s cannot hammer the IdP)."""

from __future__ import annotations

import asyncio
import logging
import time

import jwt

from domain.errors import AuthenticationError

log = logging.getLogger(__name__)


class JWKSKeys:
    def __init__(
        self, url: str, *, cache_seconds: float = 300, min_refresh_seconds: float = 30
    ) -> None:
        # the set is cached here, not in the client: each fetch is an explicit refresh
        self.client = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=10)
        self.cache_seconds = cache_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self.keys: dict[str, jwt.PyJWK] = {}
        self.fetched_at: float | None = None
        self.fetches = 0
        self._lock = asyncio.Lock()

    async def prefetch(self) -> None:
        """At startup: a failure is logged, not fatal (the next token retries)."""
        try:
            await self._refresh()
        except jwt.PyJWKClientError as exc:
            log.warning("JWKS prefetch from %s failed: %s", self.client.uri, exc)

    async def key(self, kid: object) -> jwt.PyJWK:
        if not isinstance(kid, str) or not kid:
            raise AuthenticationError("the token's header must name its key ('kid')")
        now = time.monotonic()
        stale = self.fetched_at is None or now - self.fetched_at >= self.cache_seconds
        if kid not in self.keys or stale:
            async with self._lock:  # one fetch for concurrent requests
                now = time.monotonic()
                recent = (
                    self.fetched_at is not None and now - self.fetched_at < self.min_refresh_seconds
                )
                stale = self.fetched_at is None or now - self.fetched_at >= self.cache_seconds
                if stale or (kid not in self.keys and not recent):
                    try:
                        await self._refresh()
                    except jwt.PyJWKClientError as exc:
                        log.warning("JWKS fetch from %s failed: %s", self.client.uri, exc)
                        if kid not in self.keys:
                            raise AuthenticationError("the token's key cannot be fetched") from exc
        found = self.keys.get(kid)
        if found is None:
            raise AuthenticationError("the token's signature is not valid: unknown key")
        return found

    async def _refresh(self) -> None:
        jwk_set = await asyncio.to_thread(self.client.get_jwk_set)
        self.fetches += 1
        self.fetched_at = time.monotonic()
        # symmetric ("oct") keys never verify: HS* tokens are checked with the secret only
        self.keys = {
            k.key_id: k
            for k in jwk_set.keys
            if k.key_id and k.key_type != "oct" and k.public_key_use != "enc"
        }
