"""The picture adapters against the real things: Pillow on images made here, the fetcher
against a real HTTP server on 127.0.0.1, the background registry with real tasks."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from images import (
    BLUE,
    GREEN,
    RED,
    animated_gif,
    bomb_png,
    encode,
    exif_jpeg,
    jpeg,
    open_image,
    png_with_alpha,
    striped,
    webp,
)
from live_servers import PictureServer
from PIL import Image

from adapters.background import BackgroundTasks
from adapters.outbound import AddressGuard
from adapters.pictures import HttpPictureFetcher, PillowImageProcessor
from domain.ports import ImageTooLarge, InvalidImage, PictureFetchFailed, UnsupportedImage

SIZES = (256, 64, 40)
MAX_PIXELS = 50_000_000  # the setting's default


@pytest.fixture(scope="module")
def processor() -> PillowImageProcessor:
    return PillowImageProcessor(MAX_PIXELS)


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


# -- Pillow ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data", [jpeg(), png_with_alpha(), animated_gif(), webp()], ids=["jpeg", "png", "gif", "webp"]
)
def test_every_allowed_format_becomes_square_webp_in_every_size(
    processor: PillowImageProcessor, data: bytes
) -> None:
    renditions = processor.square_renditions(data, SIZES)
    assert len(renditions) == 3
    for px, rendition in zip(SIZES, renditions, strict=True):
        image = open_image(rendition)
        assert (image.format, image.size) == ("WEBP", (px, px))
        assert near(image.convert("RGB").getpixel((px // 2, px // 2)), GREEN)  # type: ignore[arg-type]


def test_the_centred_square_is_kept(processor: PillowImageProcessor) -> None:
    """Red | green | blue thirds, landscape and portrait: only green is left, to the edges."""
    for image in (striped(300, 100), striped(300, 100).rotate(90, expand=True)):
        header = open_image(processor.square_renditions(encode(image, "PNG"), SIZES)[0])
        for x, y in ((2, 2), (253, 2), (2, 253), (253, 253), (128, 128)):
            assert near(header.convert("RGB").getpixel((x, y)), GREEN), (x, y)  # type: ignore[arg-type]


def test_transparency_survives(processor: PillowImageProcessor) -> None:
    header = open_image(processor.square_renditions(png_with_alpha(), SIZES)[0])
    assert header.mode == "RGBA"
    assert header.getpixel((2, 2))[3] == 0  # type: ignore[index]
    assert header.getpixel((128, 128))[3] == 255  # type: ignore[index]


def test_an_animation_gives_its_first_frame(processor: PillowImageProcessor) -> None:
    card = open_image(processor.square_renditions(animated_gif(), SIZES)[2])
    assert near(card.convert("RGB").getpixel((20, 20)), GREEN)  # type: ignore[arg-type]
    assert getattr(card, "n_frames", 1) == 1


def test_metadata_is_stripped_and_the_photo_turned_upright(
    processor: PillowImageProcessor,
) -> None:
    original = exif_jpeg()
    assert b"PhoneMaker" in original
    assert b"secret-xmp" in original
    for rendition in processor.square_renditions(original, SIZES):
        for leak in (b"Exif", b"PhoneMaker", b"Phone 15", b"2026:03:22", b"secret", b"XMP"):
            assert leak not in rendition
        for chunk in (b"EXIF", b"XMP ", b"ICCP"):  # WebP's metadata chunks
            assert chunk not in rendition
        image = open_image(rendition)
        assert not image.getexif()
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
    # stored sideways with orientation 6: upright, the left is blue and the right is red
    header = open_image(processor.square_renditions(original, SIZES)[0]).convert("RGB")
    assert near(header.getpixel((20, 128)), BLUE)  # type: ignore[arg-type]
    assert near(header.getpixel((235, 128)), RED)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "image",
    [
        Image.new("I;16", (40, 30), 30000),
        Image.new("CMYK", (40, 30), (0, 255, 255, 0)),
        Image.new("L", (40, 30), 128),
        Image.new("LA", (40, 30), (128, 200)),
        Image.new("P", (40, 30), 3),
        Image.new("1", (40, 30), 1),
    ],
    ids=["16-bit", "cmyk", "grey", "grey-alpha", "palette", "bilevel"],
)
def test_other_pixel_modes_are_converted(
    processor: PillowImageProcessor, image: Image.Image
) -> None:
    fmt = "JPEG" if image.mode == "CMYK" else "PNG"
    renditions = processor.square_renditions(encode(image, fmt), SIZES)
    assert open_image(renditions[0]).size == (256, 256)


@pytest.mark.parametrize(
    "data",
    [
        encode(striped(), "BMP"),  # Pillow reads BMP: refused all the same
        encode(striped(), "TIFF"),
        encode(striped(), "PDF"),
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"just some text",
        b"",
    ],
    ids=["bmp", "tiff", "pdf", "svg", "text", "empty"],
)
def test_other_formats_are_refused(processor: PillowImageProcessor, data: bytes) -> None:
    with pytest.raises(UnsupportedImage):
        processor.square_renditions(data, SIZES)


def test_a_truncated_image_is_invalid(processor: PillowImageProcessor) -> None:
    data = jpeg(600, 400)
    with pytest.raises(InvalidImage):
        processor.square_renditions(data[: len(data) // 3], SIZES)


@pytest.mark.parametrize("pillow_warnings", ["ignored", "errors"])
@pytest.mark.parametrize(
    ("width", "height"),
    [(8_000, 8_000), (20_000, 20_000), (50_001, 1_000)],
    ids=["over-the-limit", "over-twice-the-limit", "just-over"],
)
def test_a_decompression_bomb_is_refused_before_decoding(
    processor: PillowImageProcessor, width: int, height: int, pillow_warnings: str
) -> None:
    """64 and 400 megapixels in a few hundred bytes: Pillow's own check (at the same limit)
    warns about the first and refuses the second; both are refused here, as is one pixel row
    over the limit -- whether Pillow's warnings are only logged (production) or raised (as
    under pytest)."""
    data = bomb_png(width, height)
    assert len(data) < 2000
    with warnings.catch_warnings():
        action = "ignore" if pillow_warnings == "ignored" else "error"
        warnings.simplefilter(action, Image.DecompressionBombWarning)
        with pytest.raises(ImageTooLarge, match="50,000,000 pixels"):
            processor.square_renditions(data, SIZES)
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


def test_an_image_at_the_limit_is_taken() -> None:
    small = PillowImageProcessor(300 * 100)
    try:
        assert len(small.square_renditions(jpeg(300, 100), SIZES)) == 3
        with pytest.raises(ImageTooLarge):
            small.square_renditions(jpeg(301, 100), SIZES)
    finally:
        PillowImageProcessor(MAX_PIXELS)  # Pillow's process-wide limit back to the default


# -- the fetch -------------------------------------------------------------------------------


@pytest.fixture
async def fetcher() -> AsyncIterator[HttpPictureFetcher]:
    made = HttpPictureFetcher(
        hosts=["127.0.0.1"],
        allow_http=True,
        timeout=0.5,
        deadline=1.5,
        guard=AddressGuard(allow_loopback=True),
    )
    await made.start()
    try:
        yield made
    finally:
        await made.stop()


def path() -> str:
    return f"/{uuid.uuid4().hex}"


async def test_an_image_is_fetched(
    fetcher: HttpPictureFetcher, picture_server: PictureServer
) -> None:
    p = path()
    picture_server.routes[p] = ("image", jpeg(), "image/jpeg")
    assert await fetcher.fetch(picture_server.url(p), 100_000) == jpeg()


@pytest.mark.parametrize("status", [403, 404, 500])
async def test_a_private_profile_is_no_picture(
    fetcher: HttpPictureFetcher, picture_server: PictureServer, status: int
) -> None:
    p = path()
    picture_server.routes[p] = ("status", status)
    with pytest.raises(PictureFetchFailed, match=f"HTTP {status}"):
        await fetcher.fetch(picture_server.url(p), 100_000)


async def test_a_slow_answer_times_out(
    fetcher: HttpPictureFetcher, picture_server: PictureServer
) -> None:
    p = path()
    picture_server.routes[p] = ("slow", 2.0, jpeg())
    started = time.monotonic()
    with pytest.raises(PictureFetchFailed, match="timed out"):
        await fetcher.fetch(picture_server.url(p), 100_000)
    assert time.monotonic() - started < 1.5


async def test_a_body_that_drips_in_hits_the_deadline(
    fetcher: HttpPictureFetcher, picture_server: PictureServer
) -> None:
    """A byte every 0.2 s never trips the 0.5 s read timeout: the whole fetch's deadline
    (1.5 s) ends it."""
    p = path()
    picture_server.routes[p] = ("drip", 0.2, 50)
    started = time.monotonic()
    with pytest.raises(PictureFetchFailed, match=r"longer than 1\.5 s"):
        await fetcher.fetch(picture_server.url(p), 100_000)
    assert time.monotonic() - started < 2.5


async def test_an_announced_oversize_body_is_refused_before_it_is_read(
    fetcher: HttpPictureFetcher, picture_server: PictureServer
) -> None:
    """The server announces 10 MB and sends nothing: refused from the header at once (it
    would otherwise wait for the read timeout)."""
    p = path()
    picture_server.routes[p] = ("declared", 10_000_000)
    with pytest.raises(PictureFetchFailed, match="10000000 bytes: more than 100000"):
        await fetcher.fetch(picture_server.url(p), 100_000)


async def test_an_oversize_body_without_length_is_cut_while_streaming(
    fetcher: HttpPictureFetcher, picture_server: PictureServer
) -> None:
    p = path()
    picture_server.routes[p] = ("chunked", 5_000_000)
    with pytest.raises(PictureFetchFailed, match="more than 100000 bytes"):
        await fetcher.fetch(picture_server.url(p), 100_000)


async def test_something_that_is_not_an_image_is_refused(
    fetcher: HttpPictureFetcher, picture_server: PictureServer
) -> None:
    p = path()
    picture_server.routes[p] = ("image", b"<html>log in</html>", "text/html")
    with pytest.raises(PictureFetchFailed, match="not an image: text/html"):
        await fetcher.fetch(picture_server.url(p), 100_000)


async def test_http_only_with_the_development_setting(picture_server: PictureServer) -> None:
    p = path()
    picture_server.routes[p] = ("image", jpeg(), "image/jpeg")
    strict = HttpPictureFetcher(hosts=["127.0.0.1"], timeout=0.5)
    await strict.start()
    try:
        with pytest.raises(PictureFetchFailed, match="https only"):
            await strict.fetch(picture_server.url(p), 100_000)
    finally:
        await strict.stop()
    assert p not in picture_server.hits


async def test_only_the_allowed_hosts_are_asked(
    fetcher: HttpPictureFetcher, picture_server: PictureServer
) -> None:
    """The URL comes from an API client: another host (here `localhost`, the same machine)
    is never asked, directly or through a redirect."""
    direct, target, hop = path(), path(), path()
    picture_server.routes[direct] = ("image", jpeg(), "image/jpeg")
    picture_server.routes[target] = ("image", jpeg(), "image/jpeg")
    picture_server.routes[hop] = ("redirect", picture_server.url(target, host="localhost"))
    with pytest.raises(PictureFetchFailed, match="host localhost is not one of"):
        await fetcher.fetch(picture_server.url(direct, host="localhost"), 100_000)
    with pytest.raises(PictureFetchFailed, match="host localhost is not one of"):
        await fetcher.fetch(picture_server.url(hop), 100_000)
    assert hop in picture_server.hits
    assert direct not in picture_server.hits
    assert target not in picture_server.hits


async def test_a_redirect_to_an_allowed_host_is_followed_a_few_times(
    fetcher: HttpPictureFetcher, picture_server: PictureServer
) -> None:
    final, loop = path(), path()
    picture_server.routes[final] = ("image", jpeg(), "image/jpeg")
    picture_server.routes["/hop1" + final] = ("redirect", picture_server.url(final))
    assert await fetcher.fetch(picture_server.url("/hop1" + final), 100_000) == jpeg()
    picture_server.routes[loop] = ("redirect", picture_server.url(loop))
    with pytest.raises(PictureFetchFailed, match="more than 3 redirects"):
        await fetcher.fetch(picture_server.url(loop), 100_000)
    assert picture_server.hits.count(loop) == 4  # the first request and 3 redirects


async def test_an_unreachable_host_fails_quietly(fetcher: HttpPictureFetcher) -> None:
    from live_servers import free_port

    with pytest.raises(PictureFetchFailed, match="ConnectError"):
        await fetcher.fetch(f"http://127.0.0.1:{free_port()}/x.jpg", 100_000)


# -- background jobs -------------------------------------------------------------------------


async def test_a_failing_job_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    tasks = BackgroundTasks()

    async def boom() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="adapters.background"):
        tasks.spawn("job", boom)
        await tasks.join("job")
    assert "background job job failed" in caplog.text
    assert tasks.pending == 0


async def test_at_most_concurrency_jobs_run_at_once() -> None:
    tasks = BackgroundTasks(concurrency=2)
    running, most = 0, 0

    async def job() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)
        running -= 1

    for i in range(6):
        tasks.spawn(f"job-{i}", job)
    await tasks.idle()
    assert most == 2


async def test_jobs_past_the_pending_cap_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    tasks = BackgroundTasks(concurrency=1, max_pending=3)
    gate = asyncio.Event()
    ran: list[int] = []

    def job(i: int) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await gate.wait()
            ran.append(i)

        return run

    with caplog.at_level(logging.WARNING, logger="adapters.background"):
        for i in range(5):
            tasks.spawn(f"job-{i}", job(i))
    assert tasks.pending == 3
    assert "job-3 dropped" in caplog.text
    assert "job-4 dropped" in caplog.text
    gate.set()
    await tasks.idle()
    assert sorted(ran) == [0, 1, 2]


async def test_stop_waits_then_cancels_and_takes_no_more(caplog: pytest.LogCaptureFixture) -> None:
    tasks = BackgroundTasks()
    finished: list[str] = []

    async def quick() -> None:
        await asyncio.sleep(0.01)
        finished.append("quick")

    async def stuck() -> None:
        await asyncio.sleep(60)
        finished.append("stuck")

    tasks.spawn("quick", quick)
    tasks.spawn("stuck", stuck)
    with caplog.at_level(logging.WARNING, logger="adapters.background"):
        await tasks.stop(grace=0.2)
        tasks.spawn("late", quick)
    assert finished == ["quick"]
    assert tasks.pending == 0
    assert "cancelled 1 background jobs" in caplog.text
    assert "late dropped" in caplog.text


async def test_an_allowed_host_on_a_private_address_is_not_asked(
    picture_server: PictureServer,
) -> None:
    """The host list names hosts, not addresses: a listed name that resolves to this
    machine (or a private network) is refused by the address guard all the same, also on a
    redirect from an allowed public host."""
    p = path()
    picture_server.routes[p] = ("image", jpeg(), "image/jpeg")

    async def resolve(host: str, port: int) -> list[str]:
        return {"cdn.fbcdn.net": ["10.20.30.40"]}.get(host, ["127.0.0.1"])

    strict = HttpPictureFetcher(
        hosts=["127.0.0.1", "fbcdn.net"],
        allow_http=True,
        timeout=0.5,
        guard=AddressGuard(resolve=resolve),
    )
    await strict.start()
    try:
        with pytest.raises(PictureFetchFailed, match=r"127\.0\.0\.1 is a loopback address"):
            await strict.fetch(picture_server.url(p), 100_000)
        with pytest.raises(PictureFetchFailed, match=r"10\.20\.30\.40 is a private address"):
            await strict.fetch("https://cdn.fbcdn.net/pic.jpg", 100_000)
    finally:
        await strict.stop()
    assert p not in picture_server.hits
