"""The websocket session rules at the protocol handlers' hooks, without a server: what a
live test cannot single out (the expiry timer closes an expired socket first)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, cast

from strawberry.types.unset import UNSET

from domain.viewer import Viewer
from server.auth import Credentials
from server.context import Context
from server.websocket import LegacyWSHandler, TransportWSHandler

EXPIRED = "Forbidden: the token has expired"
QUERY = 'subscription { contactActivity(contactId: "c") { id } }'


class FakeSocket:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None

    async def send_json(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


class FakeView:
    async def on_ws_connect(self, context: Context) -> object:
        return UNSET


def session(expires_in: float) -> Context:
    context = Context(runtime=cast(Any, None))
    context.authenticate(Credentials(Viewer("user", "location"), time.time() + expires_in), None)
    return context


def transport(ws: FakeSocket, context: Context) -> TransportWSHandler:
    return TransportWSHandler(
        view=cast(Any, FakeView()),
        websocket=cast(Any, ws),
        context=context,
        root_value=None,
        schema=cast(Any, None),
        connection_init_wait_timeout=timedelta(minutes=1),
    )


def legacy(ws: FakeSocket, context: Context) -> LegacyWSHandler:
    return LegacyWSHandler(
        view=cast(Any, FakeView()),
        websocket=cast(Any, ws),
        context=context,
        root_value=None,
        schema=cast(Any, None),
        keep_alive=False,
        keep_alive_interval=None,
    )


async def test_a_subscribe_with_an_expired_token_closes_4403() -> None:
    ws = FakeSocket()
    handler = transport(ws, session(expires_in=-1))
    handler.connection_acknowledged = True
    await handler.handle_subscribe({"id": "1", "type": "subscribe", "payload": {"query": QUERY}})
    assert ws.closed == (4403, EXPIRED)
    assert handler.operations == {}


async def test_a_legacy_start_with_an_expired_token_is_a_connection_error() -> None:
    ws = FakeSocket()
    handler = legacy(ws, session(expires_in=-1))
    handler.connection_acknowledged = True
    await handler.handle_start({"id": "1", "type": "start", "payload": {"query": QUERY}})
    assert ws.sent == [
        {"type": "connection_error", "payload": {"message": "the token has expired"}}
    ]
    assert ws.closed == (4403, EXPIRED)
    assert handler.tasks == {}


async def test_the_expiry_timer_runs_from_the_ack_until_the_socket_closes() -> None:
    ws = FakeSocket()
    handler = transport(ws, session(expires_in=3600))
    handler.on_request_accepted()
    await handler.handle_connection_init({"type": "connection_init", "payload": {}})
    assert ws.sent == [{"type": "connection_ack"}]
    assert handler.expiry.running
    await handler.shutdown()
    assert not handler.expiry.running

    ws = FakeSocket()
    old = legacy(ws, session(expires_in=3600))
    await old.handle_connection_init({"type": "connection_init", "payload": {}})
    assert old.expiry.running
    await old.cleanup()
    assert not old.expiry.running
