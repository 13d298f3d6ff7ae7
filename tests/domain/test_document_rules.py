"""Documents rules without I/O: what a file is (from its bytes), names, sub-folders."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from domain.documents import (
    Document,
    DocumentFolder,
    DocumentSource,
    NotText,
    UploadOrigin,
    clean_name,
    content_type_of,
    text_only,
)
from domain.errors import DomainError, ErrorCode
from server.seed_tabs import demo_pdf, demo_png


def office(first: str, second: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(first, "<x/>")
        z.writestr(second, "<x/>")
    return out.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
GIF = b"GIF89a" + b"\x00" * 100
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 100
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (demo_pdf("x"), "anything.bin", "application/pdf"),
        (demo_png((1, 2, 3)), "photo.jpg", "image/png"),
        (JPEG, "x", "image/jpeg"),
        (GIF, "x", "image/gif"),
        (WEBP, "x", "image/webp"),
        (HEIC, "x", "image/heic"),
        (
            office("[Content_Types].xml", "word/document.xml"),
            "x",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            office("[Content_Types].xml", "ppt/presentation.xml"),
            "x",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (OLE + b"\x00" * 504 + b"\xec\xa5\xc1\x00" + b"\x00" * 100, "x", "application/msword"),
        (b"a;b\r\n\xc3\xa9t\xc3\xa9;2\r\n", "Export.CSV", "text/csv"),
        (b"\xef\xbb\xbfa,b\n", "bom.csv", "text/csv"),
        # refused
        (office("[Content_Types].xml", "xl/workbook.xml"), "x.xlsx", None),  # Excel: not listed
        (b"PK\x03\x04" + b"\x00" * 100, "x.docx", None),  # a zip named like Word
        (b"MZ\x90\x00" + b"\x00" * 100, "x.pdf", None),  # an executable named like a PDF
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.svg", None),  # scriptable image
        (b"a,b\n1,2\n", "x.txt", None),  # text without the .csv name
        (b"a,b\n\x00\x01", "x.csv", None),  # control characters
        (b"a,b\n\xff\xfe", "x.csv", None),  # not UTF-8
        (b"", "empty.csv", "text/csv"),  # an empty CSV is still text
        (b"", "empty.pdf", None),
    ],
)
def test_the_bytes_decide_the_type(head: bytes, name: str, expected: str | None) -> None:
    assert content_type_of(head, name) == expected


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_a_csv_is_text_to_its_end_even_across_chunks() -> None:
    euro = "€".encode()
    ok = [c async for c in text_only(chunks(b"a," + euro[:1], euro[1:] + b"\n"))]
    assert b"".join(ok) == b"a," + euro + b"\n"
    with pytest.raises(NotText):
        _ = [c async for c in text_only(chunks(b"a,b\n", b"\x00"))]
    with pytest.raises(NotText):
        _ = [c async for c in text_only(chunks(b"a," + euro[:2]))]  # cut off mid-character


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("C:\\Users\\ann\\Quote.pdf", "Quote.pdf"),
        ("../../etc/passwd", "passwd"),
        ("  report\x00\x1b.pdf ", "report.pdf"),
        ("Prüfung.pdf", "Prüfung.pdf"),
    ],
)
def test_names_are_the_last_segment_without_control_characters(raw: str, name: str) -> None:
    assert clean_name(raw) == name


def test_blank_and_long_names_are_refused() -> None:
    with pytest.raises(DomainError) as blank:
        clean_name(" / ", "files", "0")
    assert blank.value.errors[0].code is ErrorCode.REQUIRED
    with pytest.raises(DomainError) as long:
        clean_name("x" * 256)
    assert long.value.errors[0].code is ErrorCode.TOO_LONG


@pytest.mark.parametrize(
    ("source", "folder", "sub_folder"),
    [
        (DocumentSource.UPLOAD, DocumentFolder.INTERNAL, None),
        (DocumentSource.CUSTOM_FIELD, DocumentFolder.INTERNAL, "Custom Fields"),
        (DocumentSource.CUSTOM_FIELD, DocumentFolder.SENT, None),  # moved out of its home
        (DocumentSource.SENT, DocumentFolder.SENT, "Contracts & Proposals"),
        (DocumentSource.FORM, DocumentFolder.RECEIVED, "Forms"),
        (DocumentSource.SURVEY, DocumentFolder.RECEIVED, "Surveys"),
    ],
)
def test_sub_folders_follow_the_source_in_its_home_folder(
    source: DocumentSource, folder: DocumentFolder, sub_folder: str | None
) -> None:
    now = datetime.now(UTC)
    doc = Document("loc", "c", "a.pdf", "application/pdf", folder, source, None, now, now)
    assert doc.sub_folder == sub_folder
    assert doc.key == f"loc/documents/{doc.id}"


@pytest.mark.parametrize(
    ("origin", "code"),
    [
        (UploadOrigin(DocumentSource.UPLOAD, "x"), ErrorCode.INVALID_VALUE),
        (UploadOrigin(DocumentSource.FORM), ErrorCode.REQUIRED),
        (UploadOrigin(DocumentSource.CUSTOM_FIELD, " "), ErrorCode.REQUIRED),
    ],
)
def test_an_origin_names_its_reference_exactly_when_it_has_one(
    origin: UploadOrigin, code: ErrorCode
) -> None:
    with pytest.raises(DomainError) as refused:
        origin.check()
    assert [(e.code, e.field) for e in refused.value.errors] == [(code, ("origin", "reference"))]
