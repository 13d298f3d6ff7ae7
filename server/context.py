"""The per-request context every resolver receives (a dataclass, never a dict)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import AuthenticationError
from domain.ports import Broker, SystemClock
from domain.services import Services
from domain.viewer import Viewer
from loaders import Loaders
from persistence.uow import SqlUnitOfWork
from resolvers.observers import LiveObserver
from server.auth import Credentials
from server.runtime import Runtime
from server.settings import Settings


@dataclass
class Context:
    """Built once per HTTP request; over a websocket once per connection -- which is why
    subscriptions call :meth:`forget_loaders` for every event they deliver."""

    runtime: Runtime
    request: Any = None
    response: Any = None
    request_id: str | None = None
    auth_error: AuthenticationError | None = None
    connection_params: dict[str, Any] | None = None
    """Set by strawberry from a websocket's connection_init payload."""
    _credentials: Credentials | None = None
    _loaders: Loaders | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def engine(self) -> AsyncEngine:
        """For reads (autocommit: no BEGIN/ROLLBACK); writes go through ``svc``'s unit of
        work, on the runtime's transactional engine."""
        return self.runtime.read_engine

    @property
    def broker(self) -> Broker:
        return self.runtime.broker

    @property
    def live_observer(self) -> LiveObserver:
        return self.runtime.live_observer

    def authenticate(
        self, credentials: Credentials | None, error: AuthenticationError | None
    ) -> None:
        self._credentials, self.auth_error = credentials, error
        self._loaders = None

    @property
    def authenticated(self) -> bool:
        return self._credentials is not None

    @property
    def credentials(self) -> Credentials | None:
        """The token's viewer and expiry; a websocket checks the expiry for as long as it
        stays open."""
        return self._credentials

    @property
    def viewer(self) -> Viewer:
        if self._credentials is None:
            error = self.auth_error or AuthenticationError("authentication required")
            raise GraphQLError(str(error), extensions={"code": "UNAUTHENTICATED"})
        return self._credentials.viewer

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.engine, self.viewer)
        return self._loaders

    def forget_loaders(self) -> None:
        """Drop this context's loaders; the next field that needs one gets new, empty ones.

        Per subscription event: cheap when the event's selection reads nothing through a
        loader (building the whole bundle for each of 1,000 subscribers cost ~40% of a
        delivery in the benchmark)."""
        self._loaders = None

    def fresh_loaders(self) -> Loaders:
        """New, empty loaders (a websocket context outlives many events)."""
        self._loaders = Loaders(self.engine, self.viewer)
        return self._loaders

    @property
    def svc(self) -> Services:
        return services_for(self.runtime)


def services_for(runtime: Runtime) -> Services:
    """The domain's collaborators; events are published after each commit."""
    return Services(
        uow=lambda: SqlUnitOfWork(runtime.engine, after_commit=runtime.broker.publish),
        clock=SystemClock(),
        files=runtime.files,
        phone_region=runtime.settings.phone_region,
        max_file_bytes=runtime.settings.max_upload_bytes,
        pictures=runtime.pictures,
        payments=runtime.payments,
        webhooks_allow_http=runtime.settings.webhooks_allow_http,
    )
