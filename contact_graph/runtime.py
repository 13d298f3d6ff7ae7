"""The process-wide parts, built once in the app's lifespan and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from .schema.build import ContactGraphSchema
from .settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    schema: ContactGraphSchema
    dev_token: str | None = None
    """Pre-filled in GraphiQL in development; never set in production."""
