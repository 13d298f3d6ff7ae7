"""The contact's profile picture: `Contact.picture`, its sizes and sources, and its timeline
item. The mutations are the core's (`contactPictureUpload`, `contactPictureRemove` in
schema/mutation.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from domain import contact as d
from domain.events import ContactEvent, EventKind
from resolvers import pictures as r
from resolvers.common import Info
from schema.activity import ActivityAction, ContactActivity, register_activity
from schema.enums import graphql_enum

graphql_enum(
    d.PictureSource,
    "Where a contact's profile picture came from.",
    {
        d.PictureSource.UPLOAD: "Uploaded from someone's computer (contactPictureUpload).",
        d.PictureSource.MEDIA_LIBRARY: "An image picked from the location's Media Library.",
        d.PictureSource.FACEBOOK: "Fetched from the contact's Facebook profile (a contact from "
        "Facebook Lead Ads or Messenger).",
        d.PictureSource.INSTAGRAM: "Fetched from the contact's Instagram profile (a contact "
        "from Instagram DM).",
        d.PictureSource.WHATSAPP: "Fetched from the contact's WhatsApp profile.",
    },
    name="ContactPictureSource",
)
graphql_enum(
    d.PictureSize,
    "The square sizes every profile picture is stored in, one per place it is shown.",
    {
        d.PictureSize.HEADER: f"{d.PictureSize.HEADER.pixels} x "
        f"{d.PictureSize.HEADER.pixels} px: the contact record's header.",
        d.PictureSize.THREAD: f"{d.PictureSize.THREAD.pixels} x "
        f"{d.PictureSize.THREAD.pixels} px: conversation threads.",
        d.PictureSize.CARD: f"{d.PictureSize.CARD.pixels} x {d.PictureSize.CARD.pixels} px: "
        "opportunity cards.",
    },
    name="ContactPictureSize",
)


@strawberry.type(
    description="A contact's profile picture: a square WebP image in three sizes, with no "
    "metadata (EXIF and GPS are removed). The circle the product shows is the client's "
    "own mask over the square."
)
class ContactPicture:
    source: d.PictureSource = strawberry.field(description="Where it came from.")
    updated_at: datetime = strawberry.field(description="When it became the picture.")
    location_id: strawberry.Private[str]
    contact_id: strawberry.Private[str]
    picture: strawberry.Private[d.ContactPicture]

    @classmethod
    def from_domain(cls, c: d.Contact) -> ContactPicture | None:
        if c.picture is None:
            return None
        return cls(
            source=c.picture.source,
            updated_at=c.picture.updated_at,
            location_id=c.location_id,
            contact_id=c.id,
            picture=c.picture,
        )

    @strawberry.field(
        description="A signed URL of the image in one size, valid for a few minutes "
        "(CONTACT_GRAPH_FILES_URL_TTL_SECONDS): fetch it again with the contact when it has "
        "expired. A new picture has new URLs."
    )
    async def url(
        self,
        info: Info,
        size: Annotated[
            d.PictureSize, strawberry.argument(description="Which size; the header's if omitted.")
        ] = d.PictureSize.HEADER,
    ) -> str:
        return await r.url(info, self.location_id, self.contact_id, self.picture, size)


@strawberry.type(
    description="The profile picture was set, replaced or removed (PICTURE_CHANGED). The "
    "images of a replaced or removed picture are deleted: the item keeps where it came from."
)
class ContactPictureActivity(ContactActivity):
    action: ActivityAction = strawberry.field(
        description="ADDED (the contact had none), UPDATED (replaced) or REMOVED."
    )
    source: d.PictureSource | None = strawberry.field(
        description="Where the new picture came from; null when it was removed."
    )
    previous_source: d.PictureSource | None = strawberry.field(
        description="Where the picture it replaced came from; null when there was none."
    )
    sizes: list[int] = strawberry.field(
        description="The sizes made, in pixels (width = height); empty when it was removed."
    )


def _source(summary: Any) -> d.PictureSource | None:
    return d.PictureSource(summary["source"]) if isinstance(summary, dict) else None


def _picture_activity(e: ContactEvent, base: dict[str, Any]) -> ContactPictureActivity:
    """Picture events carry {source, sizes} before and/or after (domain/contact.py)."""
    change = e.changes[0]
    before, after = change.before, change.after
    if after is None:
        action = ActivityAction.REMOVED
    else:
        action = ActivityAction.UPDATED if before is not None else ActivityAction.ADDED
    return ContactPictureActivity(
        **base,
        action=action,
        source=_source(after),
        previous_source=_source(before),
        sizes=list(after["sizes"]) if isinstance(after, dict) else [],
    )


register_activity([EventKind.PICTURE_CHANGED], ContactPictureActivity, _picture_activity)
