"""Profile pictures from the outside: image processing (Pillow) and the social fetch (httpx).

:class:`PillowImageProcessor` implements ``domain.ports.ImageProcessor``: it decodes only
JPEG, PNG, GIF and WebP (the first frame of an animation), refuses more pixels than allowed
before decoding any (a decompression bomb), turns the image upright (EXIF orientation) and
into sRGB, cuts its centred square and encodes each size as WebP from fresh pixels, so no
metadata survives: no EXIF (camera, GPS position, time), XMP, comment or colour profile.

:class:`HttpPictureFetcher` implements ``domain.ports.PictureFetcher``: https only (http
only where a development setting allows it), only to the configured hosts (the social
platforms' picture CDNs: the URL comes from an API client, and the server must not fetch
whatever it is told), and only to public addresses, connecting to the address that was
checked (``adapters/outbound.py``: the host list alone would trust whatever those names
resolve to); every redirect checked the same way, connect and read timeouts plus a deadline
for the whole fetch, and a byte cap enforced while the body streams in (and up front from
``Content-Length``).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence

import httpx
from PIL import Image, ImageCms, UnidentifiedImageError

from adapters.outbound import AddressGuard, OutboundRefused
from domain.ports import ImageTooLarge, InvalidImage, PictureFetchFailed, UnsupportedImage

FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
"""The only decoders Pillow may use: anything else is refused, however it is named."""
WEBP_QUALITY = 82

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
"""EXIF orientation -> the transposition that makes the image upright."""
_ORIENTATION = 0x0112
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class PillowImageProcessor:
    """Square WebP renditions of JPEG, PNG, GIF and WebP images.

    ``max_pixels`` bounds width x height. Pillow's own decompression-bomb check
    (``Image.MAX_IMAGE_PIXELS``, process-wide) is set to the same number: it runs inside
    ``Image.open`` before anything is decoded, warning above the limit and refusing above
    twice it; this class refuses everything above it, warning or not.
    """

    content_type = "image/webp"

    def __init__(self, max_pixels: int) -> None:
        self.max_pixels = max_pixels
        Image.MAX_IMAGE_PIXELS = max_pixels

    def square_renditions(self, data: bytes, sizes: Sequence[int]) -> list[bytes]:
        try:
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                self._check_pixels(image.width, image.height)
                square = self._upright_square(image, max(sizes))
        except UnidentifiedImageError:
            raise UnsupportedImage("the file is not an image of an allowed format") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageTooLarge(self._too_large()) from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise InvalidImage(f"the image cannot be decoded ({exc})") from None
        return [self._encode(square, px) for px in sizes]

    def _too_large(self) -> str:
        return f"an image has at most {self.max_pixels:,} pixels (width x height)"

    def _check_pixels(self, width: int, height: int) -> None:
        if width * height > self.max_pixels:
            raise ImageTooLarge(self._too_large())

    @staticmethod
    def _upright_square(image: Image.Image, largest: int) -> Image.Image:
        orientation = image.getexif().get(_ORIENTATION, 1)
        icc = image.info.get("icc_profile")
        image.draft("RGB", (largest, largest))  # JPEG: decode at a reduced scale, if enough
        image.load()
        has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
            "transparency" in image.info
        )
        mode = "RGBA" if has_alpha else "RGB"
        converted = None
        if icc:
            try:  # into sRGB, which is what a browser assumes once the profile is gone
                source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
                ready = image if image.mode in ("RGB", "RGBA", "CMYK", "L") else image.convert(mode)
                converted = ImageCms.profileToProfile(ready, source, _SRGB, outputMode=mode)
            except (ImageCms.PyCMSError, OSError, ValueError):
                converted = None  # a broken profile: the pixels as they are
        upright = converted if converted is not None else image.convert(mode)
        if orientation in _TRANSPOSE:
            upright = upright.transpose(_TRANSPOSE[orientation])
        side = min(upright.size)
        left, top = (upright.width - side) // 2, (upright.height - side) // 2
        square = upright.crop((left, top, left + side, top + side))
        # premultiplied alpha while scaling: no dark fringes around transparent edges
        return square.convert("RGBa") if mode == "RGBA" else square

    @staticmethod
    def _encode(square: Image.Image, pixels: int) -> bytes:
        scaled = square.resize((pixels, pixels), Image.Resampling.LANCZOS, reducing_gap=3.0)
        if scaled.mode == "RGBa":
            scaled = scaled.convert("RGBA")
        # fresh pixels, no info: nothing of the original's metadata can be written out
        clean = Image.frombytes(scaled.mode, scaled.size, scaled.tobytes())
        out = io.BytesIO()
        clean.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
        return out.getvalue()


class HttpPictureFetcher:
    """GETs a social profile picture; see the module docstring for the rules."""

    def __init__(
        self,
        *,
        hosts: Sequence[str],
        allow_http: bool = False,
        timeout: float = 5.0,
        deadline: float = 20.0,
        max_redirects: int = 3,
        guard: AddressGuard | None = None,
    ) -> None:
        self.guard = guard or AddressGuard()
        self.hosts = tuple(h.lower().strip(".") for h in hosts)
        self.allow_http = allow_http
        self.timeout = timeout
        self.deadline = deadline
        self.max_redirects = max_redirects
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout),  # connect, read, write and pool, each
            follow_redirects=False,  # followed here, each hop through the checks
            headers={"accept": "image/*", "user-agent": "contact-graph picture fetch"},
            trust_env=False,  # no proxy from the environment: these hosts, directly
        )

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def allowed(self, url: httpx.URL) -> str | None:
        """Why ``url`` may not be fetched, or None when it may."""
        if url.scheme != "https" and not (url.scheme == "http" and self.allow_http):
            return f"{url.scheme}:// is not allowed (https only)"
        host = url.host.lower().strip(".")
        if not any(host == h or host.endswith(f".{h}") for h in self.hosts):
            return f"the host {host} is not one of the allowed picture hosts"
        return None

    async def fetch(self, url: str, max_bytes: int) -> bytes:
        if self._client is None:
            raise RuntimeError("the picture fetcher is not started")
        try:
            target = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise PictureFetchFailed(f"not a URL: {exc}") from None
        try:
            async with asyncio.timeout(self.deadline):
                return await self._get(target, max_bytes)
        except TimeoutError:
            raise PictureFetchFailed(f"took longer than {self.deadline:g} s") from None
        except httpx.TimeoutException as exc:
            raise PictureFetchFailed(f"timed out ({type(exc).__name__})") from None
        except OutboundRefused as exc:
            raise PictureFetchFailed(f"refused: {exc}") from None
        except httpx.HTTPError as exc:
            raise PictureFetchFailed(f"{type(exc).__name__}: {exc}") from None

    async def _get(self, url: httpx.URL, max_bytes: int) -> bytes:
        """The first request and every redirect alike: allowed, then through the guard."""
        assert self._client is not None
        for _hop in range(self.max_redirects + 1):
            reason = self.allowed(url)
            if reason is not None:
                raise PictureFetchFailed(reason)
            request = await self.guard.request(self._client, "GET", url)
            response = await self._client.send(request, stream=True)
            try:
                if response.is_redirect and "location" in response.headers:
                    url = url.join(response.headers["location"])
                    continue
                return await self._body(response, max_bytes)
            finally:
                await response.aclose()
        raise PictureFetchFailed(f"more than {self.max_redirects} redirects")

    @staticmethod
    async def _body(response: httpx.Response, max_bytes: int) -> bytes:
        if response.status_code != 200:
            # a private profile answers 403 or 404
            raise PictureFetchFailed(f"HTTP {response.status_code}")
        content_type = response.headers.get("content-type", "")
        if not content_type.lower().startswith("image/"):
            raise PictureFetchFailed(f"not an image: {content_type or 'no content type'}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise PictureFetchFailed(f"{declared} bytes: more than {max_bytes}")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise PictureFetchFailed(f"more than {max_bytes} bytes")
        return bytes(body)
