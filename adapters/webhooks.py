"""Sending one webhook: the body as JSON, signed as the Standard Webhooks specification says
(the ``standardwebhooks`` package: ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature: v1,<base64 HMAC-SHA256>`` over ``id.timestamp.body``), POSTed through the
SSRF guard (``adapters/outbound.py``) with a timeout per step and a deadline for the whole
attempt (so the worker's lease always outlasts it). Redirects are not followed: a 3xx is
a failed attempt, like any answer other than 2xx.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import orjson
from standardwebhooks.webhooks import Webhook

from adapters.outbound import AddressGuard, OutboundRefused

MAX_ERROR = 1000
USER_AGENT = "contact-graph-webhooks/1"


@dataclass(frozen=True)
class SendResult:
    """How one attempt went: ``status_code`` None when no answer came."""

    status_code: int | None
    duration_ms: int
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.error is None


def signed_headers(secret: str, msg_id: str, at: datetime, data: str) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, data),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


class WebhookSender:
    def __init__(self, guard: AddressGuard, timeout: float = 10.0) -> None:
        self.guard = guard
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment: the guard checked this address
        )

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(
        self, url: str, secret: str, msg_id: str, body: dict[str, Any], at: datetime
    ) -> SendResult:
        """POST ``body`` signed for ``msg_id`` at ``at`` (the attempt's time)."""
        if self._client is None:
            raise RuntimeError("the webhook sender is not started")
        data = orjson.dumps(body).decode()
        began = time.perf_counter()

        def result(status: int | None, error: str | None) -> SendResult:
            elapsed = round((time.perf_counter() - began) * 1000)
            return SendResult(status, elapsed, None if error is None else error[:MAX_ERROR])

        try:
            async with asyncio.timeout(self.deadline):
                return await self._post(url, secret, msg_id, data, at, result)
        except TimeoutError:
            return result(None, f"took longer than {self.deadline:g} s")

    @property
    def deadline(self) -> float:
        """The most one attempt takes, whatever drips in: the worker's lease outlasts it."""
        return self.timeout * 3

    async def _post(
        self,
        url: str,
        secret: str,
        msg_id: str,
        data: str,
        at: datetime,
        result: Callable[[int | None, str | None], SendResult],
    ) -> SendResult:
        assert self._client is not None
        try:
            request = await self.guard.request(
                self._client,
                "POST",
                httpx.URL(url),
                headers=signed_headers(secret, msg_id, at, data),
                content=data.encode(),
            )
            response = await self._client.send(request, stream=True)
            await response.aclose()  # the answer's body is never read: only its status
        except OutboundRefused as exc:
            return result(None, f"refused: {exc}")
        except httpx.TimeoutException as exc:
            return result(None, f"timed out after {self.timeout:g} s ({type(exc).__name__})")
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            return result(None, f"{type(exc).__name__}: {exc}")
        if 200 <= response.status_code < 300:
            return result(response.status_code, None)
        return result(response.status_code, f"HTTP {response.status_code}")
