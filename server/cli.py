"""`contact-graph` command: migrate, serve, and the development helpers (run, seed, token).

Production: `contact-graph migrate` once per release, then `contact-graph serve` on every
replica. `run`, `seed` and `token` are for development only (demo data, printed tokens) and
refuse when CONTACT_GRAPH_ENVIRONMENT=production.

Nothing that `serve`, `migrate` or `health` imports needs a development dependency: the demo
data (which uses faker) is imported only by `run` and `seed`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from server.settings import Settings, get_settings

SDL_PATH = Path("schema.graphql")
DEMO_CONTACTS = 50
DEMO_ITEMS_PER_TAB = 3
"""Notes, tasks, appointments... per demo contact: enough to see every tab in GraphiQL."""
APP_FACTORY = "server.app:create_app"
"""What `serve`'s uvicorn imports in every worker (workers need an import string)."""
DATABASE_CHECK_TIMEOUT = 15.0
"""Seconds `serve` waits for the database when it checks the migrations at start."""
LOCALSTRIPE_DIR = Path("var/localstripe")
"""Where `run`'s localstripe keeps its objects, beside the SQLite database that names them."""
PRODUCTION_HINT = (
    "In production run `contact-graph migrate` once per release, then `contact-graph serve` "
    "on each replica."
)


class CommandError(Exception):
    """A refusal with a message for the operator; the command exits with ``code``."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def shown_url(database_url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)


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
    print(f"migrated {shown_url(settings.database_url)}")


def schema_problem(settings: Settings) -> str | None:
    """Why the database cannot be served by this release (None: it is at the head)."""
    from persistence.migrate import current_revisions, head_revisions

    shown = shown_url(settings.database_url)

    async def current() -> set[str]:
        async with asyncio.timeout(DATABASE_CHECK_TIMEOUT):
            return await current_revisions(settings.database_url)

    try:
        revisions = asyncio.run(current())
    except Exception as exc:  # the driver's errors, OSError, TimeoutError: all mean "cannot"
        return (
            f"cannot read the migration state of the database {shown}: {exc!r}. Check that "
            "it is up and that CONTACT_GRAPH_DATABASE_URL names it; a new database gets its "
            "tables from `contact-graph migrate`."
        )
    heads = head_revisions()
    if revisions == heads:
        return None
    state = (
        "has no migrations applied"
        if not revisions
        else f"is at revision {', '.join(sorted(revisions))}"
    )
    return (
        f"the database {shown} {state}; this release needs {', '.join(sorted(heads))}. "
        "Apply the migrations first (`contact-graph migrate`, once per release), or start "
        "with `contact-graph serve --migrate`."
    )


class SeedProgress:
    """A line on ``stream`` every ``every`` items (and at the end): seeding takes seconds."""

    def __init__(self, what: str, every: int = 10, stream: TextIO | None = None) -> None:
        self.what, self.every, self.stream = what, every, stream

    def __call__(self, done: int, total: int) -> None:
        if done == total or done % self.every == 0:
            print(f"seeding: {self.what} {done}/{total}", file=self.stream or sys.stderr)


def refuse_in_production(settings: Settings, what: str) -> None:
    if settings.environment == "production":
        raise CommandError(
            f"for development only: it {what}, and CONTACT_GRAPH_ENVIRONMENT is "
            f"production. {PRODUCTION_HINT}"
        )


async def _seed(
    settings: Settings,
    force: bool,
    contacts: int = DEMO_CONTACTS,
    items_per_tab: int = DEMO_ITEMS_PER_TAB,
) -> None:
    from persistence.db import create_engine
    from server.files import file_store_for
    from server.gateway import payment_gateway_for

    try:
        from server.pictures import picture_tools_for
        from server.seed import demo_contact_ids, is_seeded, seed
        from server.seed_tabs import fill_tabs
    except ModuleNotFoundError as exc:
        if exc.name != "faker":
            raise
        raise CommandError(
            "the demo data needs faker, a development dependency: install them "
            "(`make install`, or `uv sync` without --no-dev)",
            code=1,
        ) from exc

    engine = create_engine(settings.database_url)
    files = file_store_for(settings)
    await files.start()
    payments = payment_gateway_for(settings)  # cards and charges need a provider
    try:
        if force or not await is_seeded(engine):
            n = await seed(
                engine,
                files,
                contacts,
                progress=SeedProgress("contacts"),
                pictures=picture_tools_for(settings),
            )
            await fill_tabs(
                engine,
                files,
                await demo_contact_ids(engine),
                items_per_tab,
                progress=SeedProgress("tabs of contacts"),
                payments=payments,
            )
            print(f"seeded {n} demo contacts, {items_per_tab} items in each of their tabs")
        else:
            print("demo data already there")
    finally:
        if payments is not None:
            await payments.stop()
        await files.stop()
        await engine.dispose()


def dev_tokens(settings: Settings) -> dict[str, str]:
    from server.auth import issue_token
    from server.seed import ADMIN, RESTRICTED

    return {"admin": issue_token(ADMIN, settings), "restricted": issue_token(RESTRICTED, settings)}


def export_schema() -> str:
    from server.app import schema_for

    return schema_for(Settings()).as_str() + "\n"


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn listens, trusts proxies and shuts down: all from the settings."""
    return {
        "host": settings.host,
        "port": settings.port,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "root_path": settings.root_path,
        "timeout_graceful_shutdown": settings.graceful_shutdown_seconds,
        "log_level": settings.log_level.lower(),
        "log_config": None,  # uvicorn's lines go to the app's handler, in the app's format
        "lifespan": "on",
    }


def serve(settings: Settings, apply_migrations: bool) -> None:
    """Serve the API: no demo data, no tokens, GraphiQL without a pre-filled token."""
    import uvicorn

    if apply_migrations:
        migrate(settings)
    elif problem := schema_problem(settings):
        raise CommandError(f"refusing to serve: {problem}")
    if settings.workers > 1 and not settings.redis_url:
        print(
            "contact-graph serve: warning: CONTACT_GRAPH_WORKERS > 1 without "
            "CONTACT_GRAPH_REDIS_URL: a live event reaches only the subscriptions of the "
            "worker that made it; set a Redis URL",
            file=sys.stderr,
        )
    if settings.stripe_api_key is None:
        print(
            "contact-graph serve: payments unconfigured (no CONTACT_GRAPH_STRIPE_API_KEY): "
            "every payment mutation is refused",
            file=sys.stderr,
        )
    from server.logs import configure_logging

    configure_logging(settings)  # the supervisor's own lines, with several workers
    # Every worker builds the app from the same settings (environment and .env).
    uvicorn.run(APP_FACTORY, factory=True, workers=settings.workers, **uvicorn_options(settings))


@contextlib.contextmanager
def development_payments(
    settings: Settings, data_dir: Path = LOCALSTRIPE_DIR
) -> Iterator[Settings]:
    """The settings with payments that work without a Stripe account: when no Stripe key is
    configured, localstripe runs beside the server (a free port on 127.0.0.1, its objects in
    ``data_dir``), the SDK points at it with a test key, and it delivers its webhooks, signed
    with the development secret, to this server's ``/stripe/webhook``; stopped on exit."""
    if settings.stripe_api_key is not None:
        yield settings
        return
    if importlib.util.find_spec("localstripe") is None:
        print(
            "contact-graph run: payments unconfigured: no CONTACT_GRAPH_STRIPE_API_KEY, and "
            "localstripe (a development dependency) is not installed (`make install`)",
            file=sys.stderr,
        )
        yield settings
        return
    from pydantic import SecretStr

    from server.dev_stripe import DEV_API_KEY, DEV_WEBHOOK_SECRET, LocalStripe

    localstripe = LocalStripe(data_dir, idempotency=True)  # as Stripe does
    localstripe.start()
    try:
        localstripe.register_webhook(f"{local_base(settings)}/stripe/webhook", DEV_WEBHOOK_SECRET)
        print(f"  Stripe:    localstripe at {localstripe.url} (its data in {data_dir}/)")
        yield settings.model_copy(
            update={
                "stripe_api_key": SecretStr(DEV_API_KEY),
                "stripe_api_base": localstripe.url,
                "stripe_webhook_secret": SecretStr(DEV_WEBHOOK_SECRET),
            }
        )
    finally:
        localstripe.stop()


def run(settings: Settings) -> None:
    import uvicorn

    from server.app import create_app

    refuse_in_production(settings, "seeds demo data and prints admin tokens")
    with development_payments(settings) as settings:
        migrate(settings)
        asyncio.run(_seed(settings, force=False))
        tokens = dev_tokens(settings)
        url = f"http://{settings.host}:{settings.port}{settings.root_path}/graphql"
        print(
            f"\n  GraphiQL:  {url}\n"
            f"  Token (admin, pre-filled in GraphiQL):\n    {tokens['admin']}\n"
            f"  Token (user restricted to assigned contacts):\n    {tokens['restricted']}\n"
        )
        app = create_app(settings, dev_token=tokens["admin"])
        uvicorn.run(app, **uvicorn_options(settings))


def local_base(settings: Settings) -> str:
    """The server these settings describe, as reached from this host (no proxy's prefix)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(settings.host, settings.host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def probe_url(settings: Settings, ready: bool) -> str:
    """The health endpoint of the server these settings describe, as seen from this host."""
    return f"{local_base(settings)}/health/{'ready' if ready else 'live'}"


def health(settings: Settings, ready: bool) -> None:
    """GET the local server's health endpoint (the Dockerfile's HEALTHCHECK); exit 1 if not
    200."""
    import urllib.error
    import urllib.request

    url = probe_url(settings, ready)
    try:
        with urllib.request.urlopen(url, timeout=settings.health_timeout_seconds + 3) as answer:
            print(answer.read().decode())
    except urllib.error.HTTPError as exc:
        raise CommandError(f"{url}: {exc.code} {exc.read().decode()}", code=1) from exc
    except OSError as exc:
        raise CommandError(f"{url}: {exc}", code=1) from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="contact-graph", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations (once per release)")
    serve_p = sub.add_parser(
        "serve",
        help="serve the API (production): the database must be migrated; no demo data, "
        "no tokens; host, port, workers, proxies and root path from the settings",
    )
    serve_p.add_argument(
        "--migrate", action="store_true", help="apply the migrations first (one replica only)"
    )
    health_p = sub.add_parser("health", help="check the local server's /health/live")
    health_p.add_argument("--ready", action="store_true", help="check /health/ready instead")
    seed_p = sub.add_parser("seed", help="load demo data (once; development)")
    seed_p.add_argument("--force", action="store_true", help="seed even if data exists")
    sub.add_parser("run", help="migrate, seed, print tokens and serve (development)")
    sub.add_parser("token", help="print development tokens")
    schema_p = sub.add_parser("schema", help="write schema.graphql")
    schema_p.add_argument(
        "--check", action="store_true", help="fail if schema.graphql differs from the code"
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    try:
        return _command(args, settings)
    except CommandError as exc:
        print(f"contact-graph {args.command}: {exc}", file=sys.stderr)
        return exc.code


def _command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "migrate":
        migrate(settings)
    elif args.command == "serve":
        serve(settings, apply_migrations=args.migrate)
    elif args.command == "health":
        health(settings, args.ready)
    elif args.command == "seed":
        refuse_in_production(settings, "loads demo data")
        migrate(settings)
        asyncio.run(_seed(settings, args.force))
    elif args.command == "run":
        run(settings)
    elif args.command == "token":
        refuse_in_production(settings, "prints admin tokens for the demo location")
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
