"""Typed configuration from environment variables (prefix ``CONTACT_GRAPH_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    redis_url: str | None = Field(
        None,
        description="redis://host:6379/0: events reach subscriptions on every replica; "
        "unset = in-process broker (one replica)",
    )
    jwt_secret: SecretStr = Field(
        SecretStr(DEV_SECRET), description="HS256 secret the gateway signs tokens with"
    )
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str | None = Field(None, description="required `iss` claim, if set")
    jwt_audience: str | None = Field(None, description="required `aud` claim, if set")
    cors_origins: list[str] = Field(
        default_factory=list, description="browser origins allowed to call the API"
    )
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 8000
    phone_region: str = Field("US", description="region for numbers given without +country")
    graphiql: bool = Field(True, description="serve GraphiQL on GET /graphql")
    max_entities: int = Field(500, description="most representations one _entities call takes")
    max_query_depth: int = 15
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
        250 * 1024 * 1024, gt=0, description="largest file accepted (250 MiB)"
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

    @model_validator(mode="after")
    def _no_dev_secret_in_production(self) -> Settings:
        secret = self.jwt_secret.get_secret_value()
        if self.environment == "production" and secret == DEV_SECRET:
            raise ValueError("set CONTACT_GRAPH_JWT_SECRET: the development secret is public")
        if self.environment == "production" and self.picture_fetch_allow_http:
            raise ValueError("CONTACT_GRAPH_PICTURE_FETCH_ALLOW_HTTP is for development only")
        if self.files_backend == "s3" and not self.s3_bucket:
            raise ValueError("CONTACT_GRAPH_FILES_BACKEND=s3 needs CONTACT_GRAPH_S3_BUCKET")
        if len(secret.encode()) < 32:
            raise ValueError("CONTACT_GRAPH_JWT_SECRET must be at least 32 bytes (RFC 7518 3.2)")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
