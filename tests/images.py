"""Images for the picture tests, made here (nothing downloaded): every allowed format, files
that only pretend to be images, metadata to strip, and decompression bombs."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def striped(width: int = 300, height: int = 100) -> Image.Image:
    """Red, green and blue thirds from left to right: the centred square of a landscape
    image of 3:1 is all green."""
    image = Image.new("RGB", (width, height), GREEN)
    image.paste(RED, (0, 0, width // 3, height))
    image.paste(BLUE, (width - width // 3, 0, width, height))
    return image


def jpeg(width: int = 300, height: int = 100, **options: object) -> bytes:
    return encode(striped(width, height), "JPEG", quality=95, **options)


def png_with_alpha() -> bytes:
    image = Image.new("RGBA", (120, 80), (*GREEN, 0))
    image.paste((*GREEN, 255), (40, 20, 80, 60))
    return encode(image, "PNG")


def animated_gif() -> bytes:
    """Two frames: green, then red. The picture is the first."""
    frames = [Image.new("P", (60, 60), 0), Image.new("P", (60, 60), 1)]
    palette = [*GREEN, *RED] + [0] * (256 * 3 - 6)
    for frame in frames:
        frame.putpalette(palette)
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


def webp() -> bytes:
    return encode(striped(90, 30), "WEBP", lossless=True)


def exif_jpeg() -> bytes:
    """A photo as a phone takes it: camera, time and GPS position in EXIF, an XMP packet, a
    comment and an ICC profile; stored sideways (orientation 6: turn 90 degrees clockwise to
    show it). Upright, its left half is blue and its right half red."""
    image = Image.new("RGB", (200, 100), RED)  # top half red, bottom half blue, sideways
    image.paste(BLUE, (0, 50, 200, 100))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    exif[0x0132] = "2026:03:22 10:00:00"  # DateTime
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 29.0)
    gps[3] = "E"
    gps[4] = (2.0, 17.0, 40.0)
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>secret-xmp</rdf:RDF></x:xmpmeta>'
    return encode(image, "JPEG", quality=95, exif=exif, icc_profile=icc, comment=b"secret", xmp=xmp)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int) -> bytes:
    """A few hundred bytes that claim ``width`` x ``height`` pixels: a decoder that trusted the
    header would allocate width x height before noticing the data is short."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
