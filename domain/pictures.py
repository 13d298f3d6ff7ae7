"""The contact's profile picture (help page: Contact profile picture).

A picture is made from an image's bytes, wherever they come from -- an upload, a file
already in the store (the Media Library), or a social profile fetched in the background:
the image is decoded and cut to its centred square in :data:`PICTURE_PIXELS` sizes by the
:class:`~domain.ports.ImageProcessor` (off the event loop), stored through the
:class:`~domain.ports.FileStore` under keys of its own, and only then put on the contact,
with a ``PICTURE_CHANGED`` event, in one unit of work. The picture it replaces is deleted
from the store after that commits; objects of a picture that did not make it onto the
contact (refused, superseded, the contact gone) are deleted at once.

The circle the product shows is the client's mask over the square.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from domain.contact import PICTURE_PIXELS, Contact, ContactPicture, PictureSource
from domain.documents import visible_document
from domain.errors import DomainError, ErrorCode
from domain.events import ContactEvent, EventKind
from domain.ports import (
    Background,
    FileStore,
    ImageProcessor,
    ImageTooLarge,
    InvalidImage,
    PictureFetcher,
    PictureFetchFailed,
    UnsupportedImage,
)
from domain.services import Services, contact_for, retrying
from domain.viewer import Viewer

log = logging.getLogger(__name__)

SIZES: tuple[int, ...] = tuple(sorted(PICTURE_PIXELS.values(), reverse=True))
"""Every size a picture is made in, largest first."""
ALLOWED_FORMATS = "JPEG, PNG, GIF or WebP"
MAX_URL_LENGTH = 2048

SOCIAL_SOURCES: dict[str, PictureSource] = {
    "facebook lead ads": PictureSource.FACEBOOK,
    "facebook messenger": PictureSource.FACEBOOK,
    "facebook": PictureSource.FACEBOOK,
    "messenger": PictureSource.FACEBOOK,
    "instagram dm": PictureSource.INSTAGRAM,
    "instagram": PictureSource.INSTAGRAM,
    "whatsapp": PictureSource.WHATSAPP,
}
"""The contact sources of the social integrations (case, spaces and punctuation ignored),
and the platform whose profile picture a contact from each gets."""


@dataclass(frozen=True)
class PictureTools:
    """What making pictures needs besides the file store; built once per process."""

    images: ImageProcessor
    max_bytes: int
    """Largest image accepted, in bytes (an upload or a stored file)."""
    slots: asyncio.Semaphore
    """How many images are processed at once: each decoded image takes memory and a core."""
    fetcher: PictureFetcher | None = None
    background: Background | None = None
    fetch_max_bytes: int = 5 * 1024 * 1024
    """Largest social profile picture fetched, in bytes."""


def social_source(source: str | None) -> PictureSource | None:
    """The social platform a contact's ``source`` names, if it is a social integration's."""
    if source is None:
        return None
    words = " ".join(w for w in re.split(r"[^0-9a-z]+", source.casefold()) if w)
    return SOCIAL_SOURCES.get(words)


def social_picture_job(contact_id: str) -> str:
    """The background job's name: what a test (or a shutdown) waits for."""
    return f"social-picture:{contact_id}"


def check_social_picture_url(url: str | None) -> str | None:
    """An absolute http(s) URL of at most 2,048 characters; blank means none. Which URLs are
    actually fetched (https only in production, which hosts) is the fetcher's rule."""
    if url is None or not url.strip():
        return None
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise DomainError.single(
            ErrorCode.TOO_LONG,
            f"a picture URL has at most {MAX_URL_LENGTH} characters",
            "socialPictureUrl",
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError.single(
            ErrorCode.INVALID_VALUE,
            "the social picture URL must be an absolute https:// URL",
            "socialPictureUrl",
        )
    return url


def _tools(svc: Services) -> PictureTools:
    if svc.pictures is None:
        raise RuntimeError("profile pictures need Services.pictures")
    return svc.pictures


def _too_large(max_bytes: int, path: tuple[str, ...]) -> DomainError:
    return DomainError.single(
        ErrorCode.FILE_TOO_LARGE, f"a picture has at most {max_bytes:,} bytes", *path
    )


async def read_capped(chunks: AsyncIterable[bytes], max_bytes: int, path: tuple[str, ...]) -> bytes:
    """The whole image, refused (FILE_TOO_LARGE) as soon as it passes ``max_bytes``."""
    data = bytearray()
    async for chunk in chunks:
        data += chunk
        if len(data) > max_bytes:
            raise _too_large(max_bytes, path)
    return bytes(data)


async def upload_picture(
    svc: Services,
    viewer: Viewer,
    contact_id: str,
    chunks: AsyncIterable[bytes],
    source: PictureSource = PictureSource.UPLOAD,
    size: int | None = None,
) -> Contact:
    """Make the image in ``chunks`` the contact's picture; it replaces any picture, an
    auto-fetched one included. The same image again (from the same source) is no change.
    ``size``, when the transport already counted the bytes (a multipart file refused while
    the request was read has a size and no bytes), is checked before anything is read."""
    tools = _tools(svc)
    current = await _load(svc, viewer.location_id, contact_id, viewer)
    if size is not None and size > tools.max_bytes:
        raise _too_large(tools.max_bytes, ("file",))
    data = await read_capped(chunks, tools.max_bytes, ("file",))
    return await _picture_from_bytes(svc, current, viewer, data, source, ("file",))


async def picture_from_stored_file(
    svc: Services,
    viewer: Viewer,
    contact_id: str,
    key: str,
    source: PictureSource = PictureSource.MEDIA_LIBRARY,
    path: tuple[str, ...] = ("key",),
) -> Contact:
    """Make a file already in the store (a key of the viewer's location) the picture: the
    Media Library's way in. The file is read, not moved: it stays where it was, and the
    picture is made of renditions of its own. A key of another location, or one with no
    file, is NOT_FOUND (``key``). The caller (the Documents tab) checks first that the
    viewer may see the document the key belongs to."""
    tools, files = _tools(svc), svc.files
    current = await _load(svc, viewer.location_id, contact_id, viewer)
    if not key.startswith(f"{viewer.location_id}/"):
        raise DomainError.single(ErrorCode.NOT_FOUND, "no such file", *path)
    try:
        data = await read_capped(files.open(key), tools.max_bytes, path)
    except (FileNotFoundError, ValueError):  # ValueError: not a key the store takes
        raise DomainError.single(ErrorCode.NOT_FOUND, "no such file", *path) from None
    return await _picture_from_bytes(svc, current, viewer, data, source, path)


async def picture_from_document(
    svc: Services, viewer: Viewer, contact_id: str, document_id: str
) -> Contact:
    """The Media Library: make an image document of the location the picture. The viewer
    must be able to see the document (its contact), as in the Documents tab, or it is
    NOT_FOUND; its bytes decide whether it is an image the picture takes. The document is
    copied into the picture's own renditions and stays where it is."""
    async with svc.uow() as uow:
        document = await visible_document(uow, viewer, document_id)
    return await picture_from_stored_file(
        svc, viewer, contact_id, document.key, path=("documentId",)
    )


async def remove_picture(svc: Services, viewer: Viewer, contact_id: str) -> Contact:
    """Take the picture off the contact; its stored objects go after the change commits.
    A contact without a picture is no change."""
    return await _commit(svc, viewer.location_id, contact_id, viewer, None, replace_manual=True)


def fetch_social_picture_later(svc: Services, contact: Contact, url: str | None) -> None:
    """After a contact from a social integration was created or upserted with its profile
    picture's URL: fetch it in the background. The job itself first checks that the contact
    has no picture someone chose (an upload or one from the Media Library), which an
    auto-fetch never replaces. Nothing of it can fail or delay the mutation."""
    source = social_source(contact.profile.source)
    if url is None or source is None:
        return
    tools = svc.pictures
    if tools is None or tools.fetcher is None or tools.background is None:
        log.warning("social pictures are not set up: contact %s gets none", contact.id)
        return
    location_id, contact_id = contact.location_id, contact.id

    async def job() -> None:
        await fetch_social_picture(svc, location_id, contact_id, url, source)

    tools.background.spawn(social_picture_job(contact_id), job)


async def fetch_social_picture(
    svc: Services, location_id: str, contact_id: str, url: str, source: PictureSource
) -> None:
    """Fetch and set a social profile picture, as the system. A private profile (403/404),
    a timeout, too many bytes, something that is not an image: logged, and the contact
    keeps what it had."""
    tools = _tools(svc)
    assert tools.fetcher is not None
    try:
        current = await _load(svc, location_id, contact_id, None)
        if current.picture is not None and current.picture.source.is_manual:
            return  # chosen meanwhile: nothing to fetch
        data = await tools.fetcher.fetch(url, tools.fetch_max_bytes)
        await _picture_from_bytes(svc, current, None, data, source, ())
    except (PictureFetchFailed, DomainError) as exc:
        log.warning("no %s picture for contact %s: %s", source.value, contact_id, exc)


async def _picture_from_bytes(
    svc: Services,
    current: Contact,
    actor: Viewer | None,
    data: bytes,
    source: PictureSource,
    path: tuple[str, ...],
) -> Contact:
    """Renditions of ``data`` into the store, then onto the contact (``current`` as it was
    read before; ``actor`` None: the system, which replaces no manual picture)."""
    tools, files = _tools(svc), svc.files
    location_id, contact_id = current.location_id, current.id
    replace_manual = actor is not None
    digest = hashlib.sha256(data).hexdigest()
    had = current.picture
    if had is not None and (had.sha256, had.source) == (digest, source):
        return current  # the same image again: nothing to do
    renditions = await _render(tools, data, path)
    picture = ContactPicture(
        source=source,
        sha256=digest,
        updated_at=svc.clock.now(),
        sizes=SIZES,
        content_type=tools.images.content_type,
    )
    stored: list[str] = []
    kept = False
    try:
        for pixels, body in zip(SIZES, renditions, strict=True):
            key = picture.key(location_id, contact_id, pixels)
            await files.put(key, _once(body), max_size=len(body))
            stored.append(key)
        contact = await _commit(
            svc, location_id, contact_id, actor, picture, replace_manual=replace_manual
        )
        kept = contact.picture is not None and contact.picture.id == picture.id
        return contact
    finally:
        if not kept:  # refused, superseded or failed: its objects must not linger
            await _delete_keys(files, stored)


async def _load(svc: Services, location_id: str, contact_id: str, actor: Viewer | None) -> Contact:
    async with svc.uow() as uow:
        return await contact_for(uow, location_id, contact_id, actor)


async def _render(tools: PictureTools, data: bytes, path: tuple[str, ...]) -> list[bytes]:
    """The renditions, made on a worker thread (never on the event loop), a few at a time."""
    async with tools.slots:
        try:
            return await asyncio.to_thread(tools.images.square_renditions, data, SIZES)
        except UnsupportedImage as exc:
            code, message = ErrorCode.FILE_TYPE_NOT_ALLOWED, f"{exc} (allowed: {ALLOWED_FORMATS})"
        except InvalidImage as exc:
            code, message = ErrorCode.INVALID_IMAGE, str(exc)
        except ImageTooLarge as exc:
            code, message = ErrorCode.IMAGE_TOO_LARGE, str(exc)
    raise DomainError.single(code, message, *path)


async def _commit(
    svc: Services,
    location_id: str,
    contact_id: str,
    actor: Viewer | None,
    picture: ContactPicture | None,
    *,
    replace_manual: bool,
) -> Contact:
    """Put ``picture`` (None: none) on the contact with its event, in one unit of work;
    the picture it replaces is deleted from the store once that commits."""
    files = svc.files

    async def run() -> Contact:
        async with svc.uow() as uow:
            contact = await contact_for(uow, location_id, contact_id, actor)
            old = contact.picture
            if not replace_manual and old is not None and old.source.is_manual:
                return contact
            now = svc.clock.now()
            changes = contact.set_picture(replace(picture, updated_at=now) if picture else None)
            if not changes:
                return contact
            contact.updated_at = now
            await uow.contacts.save(contact)
            uow.record(
                ContactEvent(
                    kind=EventKind.PICTURE_CHANGED,
                    contact_id=contact.id,
                    location_id=location_id,
                    actor_id=actor.user_id if actor else None,
                    occurred_at=now,
                    changes=tuple(changes),
                )
            )
            if old is not None:
                uow.on_commit(_deleter(files, old.keys(location_id, contact_id)))
            await uow.commit()
            return contact

    result: Contact = await retrying(run)
    return result


def _deleter(files: FileStore, keys: Sequence[str]) -> Callable[[], Awaitable[None]]:
    async def delete() -> None:
        await _delete_keys(files, keys)

    return delete


async def _delete_keys(files: FileStore, keys: Sequence[str]) -> None:
    for key in keys:
        try:
            await files.delete(key)
        except Exception:  # what is left behind is only bytes no record names
            log.exception("deleting picture object %s failed", key)


async def _once(body: bytes) -> AsyncIterator[bytes]:
    yield body


__all__ = [
    "SIZES",
    "SOCIAL_SOURCES",
    "PictureTools",
    "check_social_picture_url",
    "fetch_social_picture",
    "fetch_social_picture_later",
    "picture_from_document",
    "picture_from_stored_file",
    "remove_picture",
    "social_picture_job",
    "social_source",
    "upload_picture",
]
