"""The profile pictures' parts for this deployment (image processing, the social fetch)."""

from __future__ import annotations

import asyncio

from adapters.outbound import AddressGuard
from adapters.pictures import HttpPictureFetcher, PillowImageProcessor
from domain.pictures import PictureTools
from domain.ports import Background, PictureFetcher
from server.settings import Settings


def picture_fetcher_for(settings: Settings) -> HttpPictureFetcher:
    """Not started: the app's lifespan starts and stops it."""
    return HttpPictureFetcher(
        hosts=settings.picture_fetch_hosts,
        allow_http=settings.picture_fetch_allow_http,
        timeout=settings.picture_fetch_timeout_seconds,
        deadline=settings.picture_fetch_deadline_seconds,
        guard=AddressGuard(allow_loopback=settings.outbound_allow_loopback),
    )


def picture_tools_for(
    settings: Settings,
    fetcher: PictureFetcher | None = None,
    background: Background | None = None,
) -> PictureTools:
    """Built inside the running event loop (the lifespan, or a command's ``asyncio.run``)."""
    return PictureTools(
        images=PillowImageProcessor(settings.picture_max_pixels),
        max_bytes=settings.picture_max_bytes,
        slots=asyncio.Semaphore(settings.picture_workers),
        fetcher=fetcher,
        background=background,
        fetch_max_bytes=settings.picture_fetch_max_bytes,
    )
