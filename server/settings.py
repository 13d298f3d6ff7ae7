"""Typed configuration from environment variables (prefix ``CONTACT_GRAPH_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
JWTAlgorithm = Literal[
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
]  # never "none"
DEV_SECRET = "contact-graph-development-secret-not-for-production"
SOCIAL_PICTURE_HOSTS = ("fbcdn.net", "fbsbx.com", "cdninstagram.com", "whatsapp.net")
"""Where Facebook, Instagram and WhatsApp serve profile pictures."""


class Settings(BaseSettings):
    """Every knob of the service. The README's configuration table lists the same fields."""

    model_config = SettingsConfigDict(env_prefix="CONTACT_GRAPH_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = Field(
        "development", description="production refuses the development JWT secret"
    )
    database_url: str = Field(
        "sqlite+aiosqlite:///var/contact-graph.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///file.db or "
        "postgresql+asyncpg://user@host/db",
    )
    db_pool_size: int = Field(
        20, ge=1, description="PostgreSQL sessions each process keeps open (its pool)"
    )
    db_pool_overflow: int = Field(
        10,
        ge=0,
        description="sessions opened beyond the pool under a burst, closed when returned",
    )
    db_pool_pre_ping: bool = Field(
        False, description="check each pooled connection with a round trip before use"
    )
    redis_url: str | None = Field(
        None,
        description="redis://host:6379/0: events reach subscriptions on every replica; "
        "unset = in-process broker (one replica)",
    )
    jwt_secret: SecretStr = Field(
        SecretStr(DEV_SECRET), description="HS256 secret the gateway signs tokens with"
    )
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = Field(
        "HS256", description="the HMAC algorithm tokens are signed with by the secret"
    )
    jwks_url: str | None = Field(
        None, description="https://idp/.well-known/jwks.json: public keys for RS/ES/PS tokens"
    )
    jwt_algorithms: list[JWTAlgorithm] | None = Field(
        None,
        description="the `alg`s a token may carry; unset = [jwt_algorithm] without a JWKS URL, "
        '["RS256", "ES256"] with one',
    )
    jwks_cache_seconds: float = Field(
        300, gt=0, description="how long the fetched key set is used before it is fetched again"
    )
    token_cache_size: int = Field(
        10_000,
        ge=0,
        description="verified bearer tokens kept per process (LRU; each only until its `exp`, "
        "and an RS/ES/PS one only while the JWKS still holds its key; 0 keeps none)",
    )
    jwt_issuer: str | None = Field(None, description="required `iss` claim, if set")
    jwt_audience: str | None = Field(None, description="required `aud` claim, if set")
    cors_origins: list[str] = Field(
        default_factory=list, description="browser origins allowed to call the API"
    )
    log_level: str = "INFO"
    log_format: Literal["auto", "json", "console"] = Field(
        "auto",
        description="json: one JSON object a line; console: readable lines; auto: json in "
        "production, console otherwise",
    )
    metrics: bool = Field(True, description="serve Prometheus metrics on GET /metrics")
    metrics_token: SecretStr | None = Field(
        None, description="if set, /metrics requires `Authorization: Bearer <token>`"
    )
    metrics_max_operations: int = Field(
        200, description="distinct operation names kept as metric labels; later ones are `other`"
    )
    otel_exporter: Literal["none", "otlp", "console"] = Field(
        "none", description="where OpenTelemetry spans go; none = tracing off"
    )
    otel_endpoint: str | None = Field(
        None,
        description="OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces "
        "(unset: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or the exporter's default)",
    )
    otel_service_name: str = Field("contact-graph", description="the spans' service.name")
    otel_sample_ratio: float = Field(
        1.0, ge=0.0, le=1.0, description="share of new traces recorded (parent-based)"
    )
    ftv1: bool = Field(
        True,
        description="answer `apollo-federation-include-trace: ftv1` with extensions.ftv1",
    )
    host: str = Field(
        "127.0.0.1", description="address `serve` and `run` listen on (0.0.0.0 in a container)"
    )
    port: int = Field(8000, ge=1, le=65535, description="port `serve` and `run` listen on")
    workers: int = Field(1, ge=1, description="uvicorn worker processes `serve` starts")
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="comma-separated addresses or networks of the proxies whose "
        "X-Forwarded-For / X-Forwarded-Proto headers are trusted; * trusts every peer",
    )
    root_path: str = Field(
        "",
        description="path prefix a proxy mounts the service under and strips before "
        "forwarding (ASGI root_path), e.g. /contacts",
    )
    graceful_shutdown_seconds: int = Field(
        30,
        ge=0,
        description="after SIGTERM, how long open requests and websockets may run on "
        "before they are cancelled",
    )
    health_timeout_seconds: float = Field(
        2.0, gt=0, description="how long /health/ready waits for the database and Redis"
    )
    phone_region: str = Field("US", description="region for numbers given without +country")
    graphiql: bool = Field(True, description="serve GraphiQL on GET /graphql")
    compiled_reads: Literal["on", "off", "verify"] = Field(
        "on",
        description="on: a query whose whole selection compiles is answered by one SQL "
        "statement per root field (docs/compiled-reads.md); off: always the executor; "
        "verify: both, the executor's answer served, a difference logged",
    )
    max_entities: int = Field(500, description="most representations one _entities call takes")
    max_query_depth: int = Field(15, description="deepest selection (fragments counted once)")
    max_aliases: int = Field(100, description="most aliased fields in one operation")
    max_query_tokens: int = Field(
        5_000, description="most lexical tokens (and, apart, comments) in one document"
    )
    max_query_length: int = Field(100_000, description="longest document, in characters")
    max_query_cost: int = Field(
        1_000_000, description="highest computed cost of one operation (README: Limits)"
    )
    max_variable_values: int = Field(
        10_000, description="most values (list items, fields, scalars) in all variables"
    )
    fast_lane_size: int = Field(
        1000,
        ge=0,
        description="validated operations that select only `__typename` answered from "
        "prepared bytes, and (compiled reads on) queries that compile entirely answered by "
        "their statements, without execution (LRU; 0 turns the fast lane off)",
    )
    apq_cache_size: int = Field(
        1000, ge=0, description="automatic persisted queries kept per process (LRU)"
    )
    trusted_documents: Path | None = Field(
        None,
        description="JSON manifest {sha256: document}; in production only these documents run",
    )
    max_body_bytes: int = Field(1_000_000, description="largest request body accepted")
    public_url: str | None = Field(
        None,
        description="where clients reach this server (local file URLs start with it); "
        "default http://{host}:{port}",
    )
    files_backend: Literal["local", "s3"] = Field(
        "local", description="local: files under files_dir; s3: an S3-compatible bucket"
    )
    files_dir: Path = Field(Path("var/files"), description="the local file store's directory")
    files_url_ttl_seconds: int = Field(
        300, gt=0, description="how long a signed download or upload URL stays valid"
    )
    max_upload_bytes: int = Field(
        250 * 1024 * 1024,
        gt=0,
        le=2**31 - 1,  # sizes are GraphQL Ints
        description="largest file accepted (250 MiB)",
    )
    s3_bucket: str | None = Field(None, description="bucket of the s3 file store")
    s3_endpoint_url: str | None = Field(
        None, description="S3-compatible endpoint (MinIO, R2...); unset = AWS"
    )
    s3_region: str = Field("us-east-1", description="region of the bucket")
    s3_access_key_id: str | None = Field(None, description="unset = the default AWS chain")
    s3_secret_access_key: SecretStr | None = Field(None, description="secret of that key")
    picture_max_bytes: int = Field(
        20 * 1024 * 1024, gt=0, description="largest profile picture accepted (20 MiB)"
    )
    picture_max_pixels: int = Field(
        50_000_000,
        gt=0,
        description="most pixels (width x height) a profile picture may have: larger ones "
        "(decompression bombs) are refused before they are decoded",
    )
    picture_workers: int = Field(
        2, gt=0, description="profile pictures processed at once (each on a worker thread)"
    )
    picture_fetch_hosts: list[str] = Field(
        default_factory=lambda: list(SOCIAL_PICTURE_HOSTS),
        description="hosts (and their subdomains) social profile pictures are fetched from",
    )
    picture_fetch_allow_http: bool = Field(
        False, description="development and tests only: also fetch http:// picture URLs"
    )
    picture_fetch_timeout_seconds: float = Field(
        5.0, gt=0, description="connect and read timeout of a social picture fetch, each"
    )
    picture_fetch_deadline_seconds: float = Field(
        20.0, gt=0, description="the most a whole social picture fetch may take"
    )
    picture_fetch_max_bytes: int = Field(
        5 * 1024 * 1024, gt=0, description="largest social profile picture fetched (5 MiB)"
    )
    outbound_allow_loopback: bool = Field(
        False,
        description="development and tests only: webhooks and picture fetches may reach "
        "loopback addresses (127.0.0.0/8, ::1); private ranges stay refused",
    )
    webhooks_worker: bool = Field(
        True, description="run the webhook delivery worker in this process's lifespan"
    )
    webhooks_allow_http: bool = Field(
        False, description="development and tests only: webhook endpoints may be http:// URLs"
    )
    webhooks_timeout_seconds: float = Field(
        10.0, gt=0, description="connect, write and read timeout of one webhook request, each"
    )
    webhooks_poll_seconds: float = Field(
        1.0, gt=0, description="how often the worker looks for new events and due retries"
    )
    webhooks_retry_initial_seconds: float = Field(
        5.0, gt=0, description="the first retry's delay; each next one doubles, plus jitter"
    )
    webhooks_retry_max_delay_seconds: float = Field(
        3600.0, gt=0, description="the longest delay between two attempts"
    )
    webhooks_retry_window_seconds: float = Field(
        3 * 24 * 3600.0,
        gt=0,
        description="how long a delivery is retried before it fails and its endpoint is disabled",
    )
    stripe_api_key: SecretStr | None = Field(
        None,
        description="Stripe secret key (sk_live_... / sk_test_...); unset: `serve` leaves "
        "payments unconfigured, `run` starts localstripe and uses a test key",
    )
    stripe_api_base: str | None = Field(
        None,
        description="the Stripe API's base URL, e.g. http://127.0.0.1:8420 for localstripe; "
        "unset = Stripe's",
    )
    stripe_webhook_secret: SecretStr | None = Field(
        None,
        description="the webhook endpoint's signing secret (whsec_...); without it every "
        "webhook is refused",
    )
    stripe_webhook_tolerance_seconds: int = Field(
        300, gt=0, description="oldest webhook signature accepted, in seconds (replays)"
    )

    @field_validator("root_path")
    @classmethod
    def _root_path_shape(cls, value: str) -> str:
        if value and (not value.startswith("/") or value.endswith("/")):
            raise ValueError("root_path is empty or starts with / and does not end with /")
        return value

    @property
    def allowed_algorithms(self) -> frozenset[str]:
        if self.jwt_algorithms is not None:
            return frozenset(self.jwt_algorithms)
        return frozenset({"RS256", "ES256"} if self.jwks_url else {self.jwt_algorithm})

    @model_validator(mode="after")
    def _public_key_algorithms_need_jwks(self) -> Settings:
        if not self.allowed_algorithms:
            raise ValueError("CONTACT_GRAPH_JWT_ALGORITHMS must name an algorithm")
        if self.allowed_algorithms - HMAC_ALGORITHMS and not self.jwks_url:
            raise ValueError("RS/ES/PS algorithms need CONTACT_GRAPH_JWKS_URL")
        return self

    @model_validator(mode="after")
    def _no_dev_secret_in_production(self) -> Settings:
        secret = self.jwt_secret.get_secret_value()
        if self.environment == "production" and secret == DEV_SECRET:
            raise ValueError("set CONTACT_GRAPH_JWT_SECRET: the development secret is public")
        if self.environment == "production" and self.picture_fetch_allow_http:
            raise ValueError("CONTACT_GRAPH_PICTURE_FETCH_ALLOW_HTTP is for development only")
        if self.environment == "production" and self.outbound_allow_loopback:
            raise ValueError("CONTACT_GRAPH_OUTBOUND_ALLOW_LOOPBACK is for development only")
        if self.environment == "production" and self.webhooks_allow_http:
            raise ValueError("CONTACT_GRAPH_WEBHOOKS_ALLOW_HTTP is for development only")
        if (
            self.environment == "production"
            and self.stripe_api_key
            and not (self.stripe_webhook_secret)
        ):
            raise ValueError(
                "CONTACT_GRAPH_STRIPE_API_KEY needs CONTACT_GRAPH_STRIPE_WEBHOOK_SECRET: "
                "payments are settled by Stripe's webhooks"
            )
        if self.files_backend == "s3" and not self.s3_bucket:
            raise ValueError("CONTACT_GRAPH_FILES_BACKEND=s3 needs CONTACT_GRAPH_S3_BUCKET")
        if len(secret.encode()) < 32:
            raise ValueError("CONTACT_GRAPH_JWT_SECRET must be at least 32 bytes (RFC 7518 3.2)")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
