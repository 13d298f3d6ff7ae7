"""GraphiQL served offline: our own page, with the bundle built in tools/graphiql.

Strawberry's built-in page loads React and GraphiQL from a CDN, which renders nothing on a
machine without internet. This page loads GraphiQL 5 (React 19, the explorer plugin,
graphql-ws and the Monaco editor's web workers) from a route of our own, which serves a
short whitelist of files that ``tools/graphiql/build.mjs`` bundles with esbuild into
``tools/graphiql/node_modules/.contact-graph/`` at ``npm ci`` (``make install-graphiql``, a
dependency of ``make run`` and ``make test``).

Queries and mutations go over HTTP and subscriptions over a websocket
(graphql-transport-ws), both to the page's own URL. GraphiQL passes the headers editor's
contents as the websocket's connection params, so the pre-filled development token
authenticates both.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

REPO_ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = REPO_ROOT / "tools" / "graphiql" / "node_modules"
BUNDLE = ".contact-graph"
"""Where build.mjs writes, inside node_modules (so `npm ci` always rebuilds it)."""
ASSETS_PATH = "/graphiql/assets"
INSTALL_HINT = "run `make install-graphiql` (or `make run`, which installs them too)"

_JS = "text/javascript; charset=utf-8"
_CSS = "text/css; charset=utf-8"


@dataclass(frozen=True)
class Asset:
    path: str
    """The built file, relative to the bundle folder in node_modules."""
    media_type: str
    worker: str | None = None
    """The Monaco worker label this file serves (the page loads it with `new Worker`)."""

    @property
    def file(self) -> Path:
        return NODE_MODULES / BUNDLE / self.path

    @property
    def shown(self) -> str:
        return f"tools/graphiql/node_modules/{BUNDLE}/{self.path}"


# The only files the assets route serves, by the name the page asks for.
ASSETS: dict[str, Asset] = {
    "graphiql.css": Asset("graphiql.css", _CSS),
    "graphiql.js": Asset("graphiql.js", _JS),
    "editor.worker.js": Asset("editor.worker.js", _JS, worker="editor"),
    "json.worker.js": Asset("json.worker.js", _JS, worker="json"),
    "graphql.worker.js": Asset("graphql.worker.js", _JS, worker="graphql"),
}

DEFAULT_QUERY = """\
# contact-graph, served offline.
#
# The Headers tab below holds the development
# token (pre-filled by `make run`). Queries and
# mutations go over HTTP; subscriptions over a
# websocket (graphql-transport-ws) to this URL,
# with the same headers as connection params.
#
# Run: Ctrl-Enter   Autocomplete: Ctrl-Space

query Contacts {
  contacts(first: 10) {
    totalCount
    edges {
      node {
        id
        fullName
        type
        tags
      }
    }
  }
}
"""


def missing_assets() -> list[Asset]:
    """The whitelisted files that are not built (empty when GraphiQL can be served)."""
    return [asset for asset in ASSETS.values() if not asset.file.is_file()]


def graphiql_version() -> str:
    """The bundled GraphiQL's version, as build.mjs recorded it ("" if not built)."""
    try:
        meta = json.loads((NODE_MODULES / BUNDLE / "versions.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(meta.get("graphiql", ""))


def _asset_url(name: str) -> str:
    # Relative to the page (served at .../graphql), so it keeps working under a path prefix.
    # ?v= changes with every build, so a rebuilt file is a new URL for the browser's cache.
    stat = ASSETS[name].file.stat()
    return f"{ASSETS_PATH.lstrip('/')}/{name}?v={stat.st_mtime_ns:x}-{stat.st_size:x}"


def _script_json(value: object) -> str:
    """JSON that is safe inside an inline <script>: no `</script>`, `<!--` or line breaks
    that JavaScript would treat as the end of a line."""
    return (
        json.dumps(value)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def graphiql_page(dev_token: str | None) -> str:
    """The GraphiQL page; the headers editor holds ``Authorization: Bearer <dev_token>``."""
    missing = missing_assets()
    if missing:
        return _MISSING_PAGE.replace(
            "__MISSING__",
            "\n".join(f"<li><code>{html.escape(asset.shown)}</code></li>" for asset in missing),
        ).replace("__HINT__", _hint_html())
    headers = json.dumps({"Authorization": f"Bearer {dev_token}"}, indent=2) if dev_token else ""
    config = {
        "headers": headers,
        "defaultQuery": DEFAULT_QUERY,
        "workers": {a.worker: _asset_url(n) for n, a in ASSETS.items() if a.worker},
    }
    # The config (which holds the token) goes in last, so nothing in it is substituted.
    return (
        _PAGE.replace("__STYLE__", html.escape(_asset_url("graphiql.css")))
        .replace("__SCRIPT__", html.escape(_asset_url("graphiql.js")))
        .replace("__HINT__", _script_json(INSTALL_HINT))
        .replace("__CONFIG__", _script_json(config))
    )


def _hint_html() -> str:
    text = html.escape(INSTALL_HINT)
    return text.replace("`make install-graphiql`", "<code>make install-graphiql</code>").replace(
        "`make run`", "<code>make run</code>"
    )


async def _serve_asset(request: Request) -> Response:
    asset = ASSETS.get(request.path_params["name"])
    if asset is None:
        return PlainTextResponse("not found", status_code=404)
    if not asset.file.is_file():
        return PlainTextResponse(
            f"GraphiQL asset {asset.shown} is not built: {INSTALL_HINT}",
            status_code=404,
        )
    # The page asks for ?v=<build stamp>, so a new build is a new URL.
    return FileResponse(
        asset.file,
        media_type=asset.media_type,
        headers={"cache-control": "public, max-age=86400", "x-content-type-options": "nosniff"},
    )


def graphiql_assets_route() -> Route:
    """GET /graphiql/assets/{name}: the whitelisted GraphiQL files, nothing else."""
    return Route(ASSETS_PATH + "/{name}", _serve_asset, methods=["GET"], name="graphiql_assets")


_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>contact-graph · GraphiQL</title>
    <link rel="icon" href="data:," />
    <style>
      body { margin: 0; height: 100vh; overflow: hidden; }
      #graphiql { height: 100vh; }
      #graphiql.graphiql-failed { padding: 2em; font-family: sans-serif; }
    </style>
    <link rel="stylesheet" href="__STYLE__" />
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script src="__SCRIPT__"></script>
    <script>
      (function () {
        "use strict";
        var config = __CONFIG__;
        var root = document.getElementById("graphiql");
        if (typeof ContactGraphGraphiQL === "undefined") {
          root.className = "graphiql-failed";
          root.textContent = "GraphiQL's browser files did not load: " + __HINT__ +
            ", then reload this page.";
          return;
        }
        var page = new URL(window.location.href);
        page.search = "";
        page.hash = "";
        config.url = page.toString();
        page.protocol = page.protocol === "https:" ? "wss:" : "ws:";
        config.subscriptionUrl = page.toString();
        ContactGraphGraphiQL.render(root, config);
      })();
    </script>
  </body>
</html>
"""

_MISSING_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>contact-graph · GraphiQL is not installed</title>
  </head>
  <body style="font-family: sans-serif; padding: 2em; max-width: 50em">
    <h1>GraphiQL is not installed</h1>
    <p>This page serves GraphiQL offline from <code>tools/graphiql/node_modules</code>,
      where these built files are missing:</p>
    <ul>
__MISSING__
    </ul>
    <p>To fix it, __HINT__, then reload this page.</p>
    <p>The API itself works: POST GraphQL requests to this URL.</p>
  </body>
</html>
"""
