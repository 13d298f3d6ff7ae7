"""The contact's profile picture: its signed URLs, upload and removal."""

from __future__ import annotations

from typing import Any

from domain import pictures as p
from domain.contact import Contact, ContactPicture, PictureSize
from resolvers.common import Info, Outcome, run_write, signed_url
from resolvers.uploads import incoming_files


async def url(
    info: Info, location_id: str, contact_id: str, picture: ContactPicture, size: PictureSize
) -> str:
    """A short-lived signed URL of one size: only for the viewer's own location."""
    pixels = size.pixels if size.pixels in picture.sizes else max(picture.sizes)
    return await signed_url(
        info,
        picture.key(location_id, contact_id, pixels),
        f"{contact_id}-{pixels}.{picture.extension}",
        picture.content_type,
    )


async def upload(info: Info, contact_id: str, file: Any) -> Outcome[Contact]:
    """``file`` is what the multipart request's file part became (starlette's UploadFile)."""
    (image,) = incoming_files([file], "file")
    ctx = info.context
    return await run_write(
        info, p.upload_picture(ctx.svc, ctx.viewer, contact_id, image.read(), size=image.size)
    )


async def remove(info: Info, contact_id: str) -> Outcome[Contact]:
    ctx = info.context
    return await run_write(info, p.remove_picture(ctx.svc, ctx.viewer, contact_id))


async def from_document(info: Info, contact_id: str, document_id: str) -> Outcome[Contact]:
    ctx = info.context
    return await run_write(
        info, p.picture_from_document(ctx.svc, ctx.viewer, contact_id, document_id)
    )
