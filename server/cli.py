"""`contact-graph` command: migrate, seed, serve, print a token, export the SDL."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from server.auth import issue_token
from server.settings import Settings, get_settings

SDL_PATH = Path("schema.graphql")
DEMO_ITEMS_PER_TAB = 3
"""Notes, tasks, appointments... per demo contact: enough to see every tab in GraphiQL."""


def _sqlite_dir(settings: Settings) -> None:
    """Create the folder of a file-backed SQLite database."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def migrate(settings: Settings) -> None:
    from persistence.migrate import upgrade

    _sqlite_dir(settings)
    upgrade(settings.database_url)
    print(f"migrated {settings.database_url}")


async def _seed(settings: Settings, force: bool) -> None:
    from persistence.db import create_engine
    from server.files import file_store_for
    from server.pictures import picture_tools_for
    from server.seed import demo_contact_ids, is_seeded, seed
    from server.seed_tabs import fill_tabs

    engine = create_engine(settings.database_url)
    files = file_store_for(settings)
    await files.start()
    try:
        if force or not await is_seeded(engine):
            n = await seed(engine, files=files, pictures=picture_tools_for(settings))
            await fill_tabs(engine, await demo_contact_ids(engine), DEMO_ITEMS_PER_TAB)
            print(f"seeded {n} demo contacts, {DEMO_ITEMS_PER_TAB} items in each of their tabs")
        else:
            print("demo data already there")
    finally:
        await files.stop()
        await engine.dispose()


def dev_tokens(settings: Settings) -> dict[str, str]:
    from server.seed import ADMIN, RESTRICTED

    return {"admin": issue_token(ADMIN, settings), "restricted": issue_token(RESTRICTED, settings)}


def export_schema() -> str:
    from server.app import schema_for

    return schema_for(Settings()).as_str() + "\n"


def run(settings: Settings) -> None:
    import uvicorn

    from server.app import create_app

    migrate(settings)
    asyncio.run(_seed(settings, force=False))
    tokens = dev_tokens(settings)
    url = f"http://{settings.host}:{settings.port}/graphql"
    print(
        f"\n  GraphiQL:  {url}\n"
        f"  Token (admin, pre-filled in GraphiQL):\n    {tokens['admin']}\n"
        f"  Token (user restricted to assigned contacts):\n    {tokens['restricted']}\n"
    )
    app = create_app(settings, dev_token=tokens["admin"])
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="contact-graph", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    seed_p = sub.add_parser("seed", help="load demo data (once)")
    seed_p.add_argument("--force", action="store_true", help="seed even if data exists")
    sub.add_parser("run", help="migrate, seed, print a token and serve")
    sub.add_parser("token", help="print development tokens")
    schema_p = sub.add_parser("schema", help="write schema.graphql")
    schema_p.add_argument(
        "--check", action="store_true", help="fail if schema.graphql differs from the code"
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.command == "migrate":
        migrate(settings)
    elif args.command == "seed":
        migrate(settings)
        asyncio.run(_seed(settings, args.force))
    elif args.command == "run":
        run(settings)
    elif args.command == "token":
        for name, token in dev_tokens(settings).items():
            print(f"{name}: {token}")
    elif args.command == "schema":
        sdl = export_schema()
        if args.check:
            if not SDL_PATH.exists() or SDL_PATH.read_text() != sdl:
                print("schema.graphql differs from the code: run `make schema`", file=sys.stderr)
                return 1
            print("schema.graphql matches the code")
        else:
            SDL_PATH.write_text(sdl)
            print(f"wrote {SDL_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
