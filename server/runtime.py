"""The process-wide parts, built once in the app's lifespan and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.background import BackgroundTasks
from domain.pictures import PictureTools
from domain.ports import Broker, FileStore, PaymentGateway
from persistence.db import read_only
from persistence.locations import LocationProvisioner
from resolvers.observers import LiveObserver, NoObserver
from server.auth import VerifiedTokens
from server.jwks import JWKSKeys
from server.settings import Settings

if TYPE_CHECKING:
    from schema.build import ContactGraphSchema
    from schema.compiled.reads import CompiledReads
    from server.webhook_worker import WebhookWorker


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    schema: ContactGraphSchema
    broker: Broker
    locations: LocationProvisioner
    files: FileStore
    pictures: PictureTools
    background: BackgroundTasks
    """Work done after a request was answered (the social picture fetch); tests wait on it."""
    dev_token: str | None = None
    """Pre-filled in GraphiQL in development; never set in production."""
    jwks: JWKSKeys | None = None
    """Public keys for RS/ES/PS tokens, when CONTACT_GRAPH_JWKS_URL is set."""
    payments: PaymentGateway | None = None
    """The card processor (Stripe, or localstripe in development); None: payments are not
    configured and the Payments tab's writes are refused."""
    tokens: VerifiedTokens = field(default_factory=VerifiedTokens)
    """Bearer tokens verified lately (CONTACT_GRAPH_TOKEN_CACHE_SIZE)."""
    live_observer: LiveObserver = field(default_factory=NoObserver)
    """Told of live deliveries and broker gaps (the metrics, ``server/metrics.py``)."""
    compiled_reads: CompiledReads | None = None
    """Plans of compiled reads (CONTACT_GRAPH_COMPILED_READS); None: the executor only."""
    webhooks: WebhookWorker | None = None
    """The webhook delivery worker; running unless CONTACT_GRAPH_WEBHOOKS_WORKER is off
    (tests start it, or call ``run_once``)."""
    read_engine: AsyncEngine = field(init=False)
    """``engine`` in autocommit (``persistence.db.read_only``), same pool: what resolvers
    and loaders read through; writes go through a unit of work on ``engine``."""

    def __post_init__(self) -> None:
        self.read_engine = read_only(self.engine)
