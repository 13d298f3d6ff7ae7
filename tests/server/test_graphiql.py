"""GraphiQL on GET /graphql: offline (no CDN), the dev token pre-filled, every asset served,
and the page driven in headless Chromium: it renders, the docs explorer shows the schema it
introspected, the default query runs with the token and a subscription delivers."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
import uvicorn
from live_servers import ROOT, free_port, token_for
from sqlalchemy import insert
from starlette.applications import Starlette

from domain.viewer import Role, Viewer
from persistence.db import create_engine
from persistence.migrate import upgrade_async
from persistence.tables import LOCATION
from server import graphiql
from server.app import create_app
from server.settings import Settings

TOKEN = "abc.def.ghi"
HTML = {"accept": "text/html"}


@asynccontextmanager
async def serve(
    tmp_path: Path, dev_token: str | None = TOKEN, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The app, started (lifespan) with its own SQLite file, and a client to call it."""
    app = create_app(
        Settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db",
            environment="development",
            _env_file=None,
            **settings,
        ),
        dev_token=dev_token,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(tmp_path) as c:
        yield c


class _Refs(HTMLParser):
    """The URLs a page loads: script src and stylesheet/icon href."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        url = values.get("src") if tag == "script" else values.get("href")
        if tag in ("script", "link") and url:
            self.refs.append(url)


def page_refs(page: str) -> list[str]:
    parser = _Refs()
    parser.feed(page)
    return [ref for ref in parser.refs if not ref.startswith("data:")]


def page_config(page: str) -> dict[str, Any]:
    match = re.search(r"var config = (.*);\n", page)
    assert match, "the page has no config line"
    config: dict[str, Any] = json.loads(match.group(1))
    return config


async def get_page(client: httpx.AsyncClient) -> httpx.Response:
    response = await client.get("/graphql", headers=HTML)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response


async def test_the_page_is_graphiql_from_no_cdn(client: httpx.AsyncClient) -> None:
    assert not graphiql.missing_assets(), f"GraphiQL is not installed: {graphiql.INSTALL_HINT}"
    assert graphiql.graphiql_version().split(".")[0] == "5"
    page = (await get_page(client)).text
    assert "ContactGraphGraphiQL.render" in page
    for outside in ("unpkg", "jsdelivr", "esm.sh", "cdnjs", "https://", "http://"):
        assert outside not in page, outside
    for ref in page_refs(page):
        assert not urlsplit(ref).scheme, ref
        assert not ref.startswith("//"), ref


async def test_the_headers_hold_the_dev_token(client: httpx.AsyncClient) -> None:
    page = (await get_page(client)).text
    config = page_config(page)
    assert json.loads(config["headers"]) == {"Authorization": f"Bearer {TOKEN}"}
    assert f"Bearer {TOKEN}" in page
    # the same URL for HTTP and for the websocket (ws:// or wss://)
    assert "subscriptionUrl" in page
    assert '"ws:"' in page


async def test_every_asset_the_page_loads_is_served(client: httpx.AsyncClient) -> None:
    response = await get_page(client)
    # the page's script and stylesheet, and the editor's workers (started by the script)
    refs = [*page_refs(response.text), *page_config(response.text)["workers"].values()]
    names = {urlsplit(ref).path.rsplit("/", 1)[-1] for ref in refs}
    assert names == set(graphiql.ASSETS)
    assert {
        "graphiql.js",
        "graphiql.css",
        "editor.worker.js",
        "json.worker.js",
        "graphql.worker.js",
    } == names
    for ref in refs:
        url = urljoin(str(response.url), ref)
        assert urlsplit(url).path.startswith("/graphiql/assets/"), url
        asset = await client.get(url)
        assert asset.status_code == 200, (url, asset.text[:200])
        expected = "text/javascript" if urlsplit(url).path.endswith(".js") else "text/css"
        assert asset.headers["content-type"].split(";")[0] == expected, url
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert len(asset.content) > 1000, url


async def test_the_assets_route_serves_only_its_whitelist(client: httpx.AsyncClient) -> None:
    for path in (
        "/graphiql/assets/package.json",
        "/graphiql/assets/versions.json",
        "/graphiql/assets/react",
        "/graphiql/assets/react/package.json",
        "/graphiql/assets/..%2Fpackage.json",
        "/graphiql/assets/%2E%2E/package-lock.json",
        "/graphiql/assets/",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path


async def test_no_token_no_authorization_header(tmp_path: Path) -> None:
    async with serve(tmp_path, dev_token=None) as client:
        page = (await get_page(client)).text
        assert page_config(page)["headers"] == ""
        assert "Bearer" not in page


async def test_graphiql_off_serves_no_assets(tmp_path: Path) -> None:
    async with serve(tmp_path, graphiql=False) as client:
        response = await client.get("/graphiql/assets/graphiql.js")
        assert response.status_code == 404


def test_the_token_cannot_break_out_of_the_script() -> None:
    token = "</script><script>alert(1)</script><!-- \u2028 & \"'"
    page = graphiql.graphiql_page(token)
    assert "<script>alert" not in page
    assert "<!-- " not in page
    assert "\u2028" not in page
    headers = json.loads(page_config(page)["headers"])
    assert headers == {"Authorization": f"Bearer {token}"}


async def test_without_node_modules_the_page_says_how_to_install(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graphiql, "NODE_MODULES", tmp_path / "node_modules")
    page = (await get_page(client)).text
    assert "GraphiQL is not installed" in page
    assert "make install-graphiql" in page
    assert "make run" in page
    asset = await client.get("/graphiql/assets/graphiql.js")
    assert asset.status_code == 404
    assert "make install-graphiql" in asset.text


# -- in a browser --------------------------------------------------------------------------

TOOL = ROOT / "tools" / "graphiql"
BROWSER_TIMEOUT = 120  # seconds for one run of browser-check.mjs


@contextmanager
def uvicorn_in_a_thread(app: Starlette) -> Iterator[str]:
    """The app served over real HTTP and websockets on a free port; yields the page URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="graphiql-uvicorn", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("uvicorn did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def browser_check(
    url: str, token: str, screenshot: Path, contact_id: str
) -> tuple[int, dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not on PATH: the browser test needs Node 20 or later")
    if shutil.which(os.environ.get("CHROMIUM", "chromium")) is None:
        pytest.fail("Chromium is not installed: run `make browser` (Debian's chromium package)")
    if not (TOOL / "node_modules" / "playwright-core" / "package.json").is_file():
        pytest.fail(f"tools/graphiql/node_modules is incomplete: {graphiql.INSTALL_HINT}")
    proc = subprocess.Popen(
        [node, "browser-check.mjs", url, token, str(screenshot), contact_id],
        cwd=TOOL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Chromium's processes go with it on a timeout
    )
    try:
        stdout, stderr = proc.communicate(timeout=BROWSER_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=10)
        pytest.fail(f"browser-check.mjs did not finish in {BROWSER_TIMEOUT} s\n{stdout}\n{stderr}")
    try:
        report: dict[str, Any] = json.loads(stdout)
    except json.JSONDecodeError:
        pytest.fail(f"browser-check.mjs exited {proc.returncode}:\n{stdout}\n{stderr}")
    return proc.returncode, report


CREATE = "mutation($input: ContactCreateInput!) { contactCreate(input: $input) { contact { id } } }"


async def _location(url: str, location_id: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(LOCATION).values(
                    id=location_id, name="browser", created_at=datetime.now(UTC)
                )
            )
    finally:
        await engine.dispose()


@pytest.mark.browser
async def test_graphiql_works_in_a_browser(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/browser.db"
    await upgrade_async(url)
    await _location(url, "location-1")
    token = token_for(Viewer("user-admin", "location-1", Role.ADMIN))
    app = create_app(
        Settings(database_url=url, environment="development", _env_file=None),  # type: ignore[call-arg]
        dev_token=token,
    )
    screenshot = tmp_path / "graphiql.png"
    with uvicorn_in_a_thread(app) as page_url:
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(
                page_url,
                json={"query": CREATE, "variables": {"input": {"firstName": "Ada"}}},
                headers={"Authorization": f"Bearer {token}"},
            )
        created = response.json()
        contact_id = created["data"]["contactCreate"]["contact"]["id"]
        code, report = browser_check(page_url, token, screenshot, contact_id)
    failed = {name: c for name, c in report["checks"].items() if not c["ok"]}
    assert not report.get("failure"), (report["failure"], f"screenshot: {screenshot}")
    assert failed == {}, (failed, f"screenshot: {screenshot}")
    assert code == 0
    assert report["checks"]["version"]["detail"].startswith("5.")
    assert report["introspection"] == {
        "status": 200,
        "authorization": True,
        "types": report["introspection"]["types"],
    }
    assert report["introspection"]["types"] > 100
    assert report["query"] == {"status": 200, "authorization": True, "totalCount": 1}
    assert report["subscription"]["tokenAsConnectionParams"] is True
    assert report["subscription"]["received"] >= 1
    assert report["outside"] == []
    assert screenshot.stat().st_size > 10_000
