"""Federation: the `contactActivity` subscription through a real Hive Gateway.

tools/federation/hive-subscription-check.mjs serves the reviews subgraph (which adds
`Contact.loyaltyPoints`), composes the supergraph, starts Hive Gateway (@graphql-hive/gateway,
with hive-gateway.config.mjs: subscriptions reach contact-graph over its websocket and the
caller's token is forwarded), subscribes through the gateway with a graphql-transport-ws client,
adds a tag directly on contact-graph and reports the event that arrived. The contact-graph server
it talks to is the `server` fixture (conftest.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from federation_support import TOOLS, Server, direct, loyalty_points, run_node

pytestmark = pytest.mark.node

TAG = "via-gateway"


def hive_subscription_check(node: str, server: Server, token: str) -> dict[str, Any]:
    env = {k: v for k, v in server.env.items() if k not in {"CONTACT_GRAPH_TOKEN", "CONTACT_ID"}}
    env |= {
        "CONTACT_GRAPH_URL": server.url,
        "CONTACT_GRAPH_TOKEN": token,
        "HIVE_CHECK_TAG": TAG,
        "HIVE_CHECK_TIMEOUT_MS": "20000",
        "LOG_LEVEL": "warn",
    }
    status, report, stderr = run_node(node, "hive-subscription-check.mjs", env=env)
    assert status == 0, json.dumps(report, indent=2) + stderr
    assert "error" not in report, report["error"]
    return report


def test_an_event_joined_with_the_other_subgraph_arrives_through_hive_gateway(
    node: str, server: Server
) -> None:
    token = server.tokens["admin"]
    report = hive_subscription_check(node, server, token)

    pinned = json.loads((TOOLS / "package.json").read_text())["dependencies"]
    assert report["gateway"]["version"] == pinned["@graphql-hive/gateway"]

    contact_id = report["contactId"]
    own = direct(
        server,
        "query($id: ID!) { contact(id: $id) { fullName activity(first: 1) "
        "{ edges { node { id cursor kind } } } } }",
        token,
        id=contact_id,
    )["data"]["contact"]
    assert own["fullName"]
    [latest] = [e["node"] for e in own["activity"]["edges"]]

    # the event carries fields of both subgraphs: ours, and loyaltyPoints from the reviews one
    assert report["event"] == {
        "__typename": "ContactTagsActivity",
        "id": latest["id"],
        "cursor": latest["cursor"],
        "kind": "TAGS_ADDED",
        "contactId": contact_id,
        "tagsAdded": [TAG],
        "contact": {
            "id": contact_id,
            "fullName": own["fullName"],
            "loyaltyPoints": loyalty_points(contact_id),
        },
    }
    assert latest["kind"] == "TAGS_ADDED"
    # it was the only payload: no errors, nothing else after the cursor the client resumed from
    assert report["events"] == [{"data": {"contactActivity": report["event"]}}]
    assert report["after"] != latest["cursor"]

    # the gateway joined loyaltyPoints over HTTP with the caller's Authorization header
    calls = report["reviewsSubgraph"]
    assert calls["requests"] >= 1
    assert calls["withClientAuthorization"] == calls["requests"]
