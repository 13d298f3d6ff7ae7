"""GraphiQL on GET /graphql: offline (no CDN), the dev token pre-filled, every asset served."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

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
    page = (await get_page(client)).text
    assert "GraphiQL.createFetcher" in page
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
    refs = page_refs(response.text)
    names = {urlsplit(ref).path.rsplit("/", 1)[-1] for ref in refs}
    assert names == set(graphiql.ASSETS)
    assert {
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "graphiql.min.css",
    } <= names
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
        response = await client.get("/graphiql/assets/graphiql.min.js")
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
    asset = await client.get("/graphiql/assets/graphiql.min.js")
    assert asset.status_code == 404
    assert "make install-graphiql" in asset.text
