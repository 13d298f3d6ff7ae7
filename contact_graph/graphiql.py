"""The GraphiQL page, with the development token already in its headers."""

from __future__ import annotations

import json

from strawberry.http.ides import get_graphql_ide_html


def graphiql_page(dev_token: str | None) -> str:
    html = get_graphql_ide_html(graphql_ide="graphiql")
    if dev_token:
        headers = json.dumps(json.dumps({"Authorization": f"Bearer {dev_token}"}, indent=2))
        html = html.replace("const [headers, setHeaders] = React.useState(parameters.headers);",
                            f"const [headers, setHeaders] = React.useState("
                            f"parameters.headers || {headers});")
    return html
