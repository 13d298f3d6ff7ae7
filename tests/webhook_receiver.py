"""A real HTTP receiver for webhooks on 127.0.0.1: a starlette app served by uvicorn in the
test's event loop, which can be stopped and started again on the same port (a receiver
that is down for a while), answer with a chosen status, or answer slowly."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from live_servers import free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    status: int = 200
    """What every request is answered with."""
    delay: float | Callable[[Any], float] = 0.0
    """Seconds each request waits before it is answered (or a function of its JSON body)."""
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        delay = self.delay(json.loads(body)) if callable(self.delay) else self.delay
        if delay:
            await asyncio.sleep(delay)
        self.received.append(Received(request.url.path, dict(request.headers), body))
        return Response(status_code=self.status)

    async def start(self) -> None:
        app = Starlette(routes=[Route("/{path:path}", self._hook, methods=["POST"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="error", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.get_running_loop().create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server, self._task = None, None

    def bodies(self, path: str | None = None) -> list[Any]:
        return [r.json for r in self.received if path is None or r.path == path]

    async def wait_for(self, check: Callable[[], bool], seconds: float = 15.0) -> None:
        """Poll ``check`` (what the worker, another task, makes true) until it holds."""
        async with asyncio.timeout(seconds):
            while not check():  # noqa: ASYNC110 - a condition over several tasks' state
                await asyncio.sleep(0.02)
