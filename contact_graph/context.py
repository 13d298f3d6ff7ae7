"""The per-request context every resolver receives (a dataclass, never a dict)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from .auth import AuthenticationError
from .domain.services import Services
from .domain.viewer import Viewer
from .loaders import Loaders
from .settings import Settings


@dataclass
class Context:
    """Built once per HTTP request; over a websocket once per connection, which is why
    :meth:`fresh_loaders` exists for subscription events."""

    settings: Settings
    engine: AsyncEngine
    services: Services | None
    request: Any = None
    response: Any = None
    auth_error: AuthenticationError | None = None
    connection_params: dict[str, Any] | None = None
    request_id: str | None = None
    _viewer: Viewer | None = None
    _loaders: Loaders | None = field(default=None, repr=False)

    @property
    def viewer(self) -> Viewer:
        if self._viewer is None:
            raise self.auth_error or AuthenticationError("authentication required")
        return self._viewer

    @property
    def authenticated(self) -> bool:
        return self._viewer is not None

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.engine, self.viewer)
        return self._loaders

    @property
    def svc(self) -> Services:
        assert self.services is not None
        return self.services

    def fresh_loaders(self) -> Loaders:
        return Loaders(self.engine, self.viewer)
