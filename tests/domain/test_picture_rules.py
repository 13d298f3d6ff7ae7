"""The profile picture's rules without I/O: which sources are social, which URLs are taken,
when a picture is a change, and where its images are kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from support import Refused

from domain.contact import Contact, ContactPicture, PictureSize, PictureSource
from domain.errors import ErrorCode
from domain.events import FieldChange
from domain.pictures import SIZES, check_social_picture_url, social_source

NOW = datetime(2026, 3, 22, 12, 0, tzinfo=UTC)


def picture(source: PictureSource = PictureSource.UPLOAD, sha: str = "a" * 64) -> ContactPicture:
    return ContactPicture(source=source, sha256=sha, updated_at=NOW)


@pytest.mark.parametrize(
    ("source", "platform"),
    [
        ("Facebook Lead Ads", PictureSource.FACEBOOK),
        ("facebook-lead-ads", PictureSource.FACEBOOK),
        ("  FACEBOOK  ", PictureSource.FACEBOOK),
        ("Facebook Messenger", PictureSource.FACEBOOK),
        ("Instagram DM", PictureSource.INSTAGRAM),
        ("instagram", PictureSource.INSTAGRAM),
        ("WhatsApp", PictureSource.WHATSAPP),
        ("Whats App", None),
        ("Website form", None),
        ("Facebook ad landing page", None),
        ("", None),
        (None, None),
    ],
)
def test_which_sources_are_social(source: str | None, platform: PictureSource | None) -> None:
    assert social_source(source) is platform


def test_picture_urls(refused: Refused) -> None:
    assert check_social_picture_url(None) is None
    assert check_social_picture_url("   ") is None
    url = "https://scontent.xx.fbcdn.net/v/t1.0-1/p200x200/1.jpg?oh=1&oe=2"
    assert check_social_picture_url(f" {url} ") == url
    for bad in ("ftp://x.example/a.jpg", "https://", "/a.jpg", "javascript:alert(1)"):
        with refused(None, ErrorCode.INVALID_VALUE, ("socialPictureUrl",)):
            check_social_picture_url(bad)
    with refused(None, ErrorCode.TOO_LONG, ("socialPictureUrl",)):
        check_social_picture_url("https://x.example/" + "a" * 2048)


def test_only_a_different_image_or_source_is_a_change(contact: Contact) -> None:
    first = picture()
    assert contact.set_picture(first) == [
        FieldChange("picture", None, {"source": "UPLOAD", "sizes": [256, 64, 40]})
    ]
    assert contact.set_picture(picture()) == []  # the same image again (a new id)
    assert contact.picture is first
    social = picture(PictureSource.FACEBOOK)
    assert contact.set_picture(social) == [
        FieldChange(
            "picture",
            {"source": "UPLOAD", "sizes": [256, 64, 40]},
            {"source": "FACEBOOK", "sizes": [256, 64, 40]},
        )
    ]
    assert len(contact.set_picture(picture(PictureSource.FACEBOOK, "b" * 64))) == 1
    assert len(contact.set_picture(None)) == 1
    assert contact.set_picture(None) == []


def test_every_picture_has_keys_of_its_own() -> None:
    a, b = picture(), picture()
    assert SIZES == (256, 64, 40)
    assert [PictureSize(s).pixels for s in ("HEADER", "THREAD", "CARD")] == [256, 64, 40]
    assert a.key("loc", "c1", 64) == f"loc/pictures/c1/{a.id}/64.webp"
    assert not set(a.keys("loc", "c1")) & set(b.keys("loc", "c1"))
    assert PictureSource.UPLOAD.is_manual
    assert PictureSource.MEDIA_LIBRARY.is_manual
    assert not any(s.is_manual for s in (PictureSource.FACEBOOK, PictureSource.WHATSAPP))
