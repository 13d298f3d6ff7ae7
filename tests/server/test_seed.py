"""`make run`'s demo data: every fifth contact gets a generated profile picture, through the
same service as an upload (so cropped, scaled and stored like one)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from adapters.files import LocalFileStore
from persistence.db import create_engine
from persistence.migrate import upgrade_async
from persistence.tables import CONTACT
from server.pictures import picture_tools_for
from server.seed import seed
from server.settings import Settings


async def test_the_demo_contacts_have_a_few_pictures(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await upgrade_async(url)
    engine = create_engine(url)
    files = LocalFileStore(tmp_path / "files", "http://demo", b"d" * 32, timedelta(minutes=5))
    await files.start()
    try:
        pictures = picture_tools_for(Settings(_env_file=None))  # type: ignore[call-arg]
        assert await seed(engine, contacts=6, files=files, pictures=pictures) == 6
        async with engine.connect() as conn:
            rows = (await conn.execute(select(CONTACT.c.picture_source))).scalars().all()
    finally:
        await files.stop()
        await engine.dispose()
    assert sorted(rows, key=str) == [None, None, None, None, "UPLOAD", "UPLOAD"]
    assert len(list((tmp_path / "files").rglob("*.webp"))) == 6
