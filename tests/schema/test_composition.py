"""Federation: our SDL composes with another subgraph, and the running server works behind
@apollo/gateway.

The Node side lives in tools/federation (`make test` installs it with `npm ci`):
- compose.mjs composes schema.graphql with reviews.graphql using @apollo/composition and
  @theguild/federation-composition and reports both outcomes as JSON; with billing.graphql,
  whose own PageInfo and Money meet ours (@shareable on both sides);
- gateway-check.mjs serves the reviews subgraph, composes the supergraph, starts
  @apollo/gateway (forwarding the caller's Authorization header) and runs queries that cross
  both subgraphs against a real contact-graph server, which the `server` fixture (conftest.py)
  starts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from federation_support import (
    ROOT,
    SEED_CONTACTS,
    Server,
    direct,
    loyalty_points,
    run_node,
)

pytestmark = [pytest.mark.node, pytest.mark.xdist_group("composition")]  # one seeded server


def expected_reviews(contact_id: str) -> list[dict[str, Any]]:
    points = loyalty_points(contact_id)
    return [
        {"id": f"{contact_id}:r{k}", "rating": 1 + (points + k) % 5} for k in range(1 + points % 2)
    ]


# --- composition ------------------------------------------------------------------------------


def test_schema_composes_with_both_composers(node: str) -> None:
    status, report, stderr = run_node(node, "compose.mjs")

    assert report == {
        "apollo": {"ok": True, "errors": []},
        "guild": {"ok": True, "errors": []},
    }, stderr
    assert status == 0


BROKEN_SUBGRAPHS = {
    # Contact.firstName is a String in contact-graph.
    "FIELD_TYPE_MISMATCH": """
        type Contact @key(fields: "id") {
          id: ID!
          firstName: Int @shareable
          loyaltyPoints: Int!
        }
        type Query { ping: Int }
    """,
    # Query.contact belongs to contact-graph and is not shareable.
    "INVALID_FIELD_SHARING": """
        type Contact @key(fields: "id") {
          id: ID!
          loyaltyPoints: Int!
        }
        type Query { contact(id: ID!): Contact }
    """,
}


@pytest.mark.parametrize("code", sorted(BROKEN_SUBGRAPHS))
def test_conflicting_subgraph_does_not_compose(node: str, tmp_path: Path, code: str) -> None:
    other = tmp_path / "broken.graphql"
    other.write_text(
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", '
        'import: ["@key", "@shareable"])\n' + BROKEN_SUBGRAPHS[code]
    )

    status, report, _ = run_node(node, "compose.mjs", "--other-sdl", str(other))

    assert status == 1
    for composer in ("apollo", "guild"):
        assert report[composer]["ok"] is False
        assert code in {e["code"] for e in report[composer]["errors"]}, report[composer]


# billing.graphql defines its own Relay PageInfo and Money, @shareable as Federation 2 asks of
# a value type in every subgraph that defines it.
VALUE_TYPES = {"PageInfo", "Money"}


def test_shared_value_types_compose_with_both_composers(node: str) -> None:
    status, report, stderr = run_node(
        node, "compose.mjs", "--other-sdl", "billing.graphql", "--other-name", "billing"
    )

    assert report == {
        "apollo": {"ok": True, "errors": []},
        "guild": {"ok": True, "errors": []},
    }, stderr
    assert status == 0


def test_value_types_need_shareable_on_our_side(node: str, tmp_path: Path) -> None:
    """Without our @shareable the same pair fails: the test above proves something."""
    ours = (ROOT / "schema.graphql").read_text()
    assert all(f"type {name} @shareable {{" in ours for name in VALUE_TYPES)
    unshared = tmp_path / "unshared.graphql"
    unshared.write_text(ours.replace(" @shareable {", " {"))

    status, report, _ = run_node(
        node,
        "compose.mjs",
        "--contact-sdl",
        str(unshared),
        "--other-sdl",
        "billing.graphql",
        "--other-name",
        "billing",
    )

    assert status == 1
    for composer in ("apollo", "guild"):
        errors = report[composer]["errors"]
        assert {e["code"] for e in errors} == {"INVALID_FIELD_SHARING"}, report[composer]
        assert {e["message"].split('"')[1].split(".")[0] for e in errors} == VALUE_TYPES


# --- end to end through @apollo/gateway -------------------------------------------------------


def gateway_check(node: str, server: Server, token: str | None) -> tuple[int, dict[str, Any], str]:
    env = {k: v for k, v in server.env.items() if k != "CONTACT_GRAPH_TOKEN"}
    env["CONTACT_GRAPH_URL"] = server.url
    if token is not None:
        env["CONTACT_GRAPH_TOKEN"] = token
    return run_node(node, "gateway-check.mjs", env=env)


def test_gateway_joins_contacts_with_the_other_subgraph(node: str, server: Server) -> None:
    token = server.tokens["admin"]
    status, report, stderr = gateway_check(node, server, token)
    assert status == 0, json.dumps(report, indent=2) + stderr
    results = report["results"]
    own = direct(server, "{ contacts(first: 3) { edges { node { id fullName } } } }", token)
    own_names = {e["node"]["id"]: e["node"]["fullName"] for e in own["data"]["contacts"]["edges"]}

    # contacts (contact-graph) -> loyaltyPoints, reviews (reviews) -> contact.fullName (ours)
    contacts = results["Contacts"]["data"]["contacts"]
    assert contacts["totalCount"] == SEED_CONTACTS
    nodes = [e["node"] for e in contacts["edges"]]
    assert [n["id"] for n in nodes] == list(own_names)
    for n in nodes:
        assert n["fullName"] == own_names[n["id"]]
        assert n["fullName"]
        assert n["loyaltyPoints"] == loyalty_points(n["id"])
        assert [{"id": r["id"], "rating": r["rating"]} for r in n["reviews"]] == (
            expected_reviews(n["id"])
        )
        for r in n["reviews"]:
            assert r["contact"] == {"id": n["id"], "fullName": n["fullName"]}

    # contact(id:) on our side, joined with the other subgraph
    first = nodes[0]
    one = results["Contact"]["data"]["contact"]
    assert one == {
        "id": first["id"],
        "firstName": one["firstName"],
        "lastName": one["lastName"],
        "fullName": first["fullName"],
        "loyaltyPoints": loyalty_points(first["id"]),
    }
    assert f"{one['firstName']} {one['lastName']}" == first["fullName"]

    # review(id:) on the other side: the gateway resolves its Contact through our _entities
    review = results["Review"]["data"]["review"]
    assert review["id"] == f"{first['id']}:r0"
    assert review["contact"] == {
        "id": first["id"],
        "fullName": first["fullName"],
        "loyaltyPoints": loyalty_points(first["id"]),
    }

    # the gateway forwarded the caller's Authorization header to the other subgraph, too
    calls = report["reviewsSubgraph"]
    assert calls["requests"] >= 3
    assert calls["withClientAuthorization"] == calls["requests"]


def test_gateway_forwards_each_callers_token(node: str, server: Server) -> None:
    status, report, stderr = gateway_check(node, server, server.tokens["restricted"])
    assert status == 0, json.dumps(report, indent=2) + stderr

    # the restricted user sees only the contacts they own or follow
    expected = direct(server, "{ contacts { totalCount } }", server.tokens["restricted"])
    total = report["results"]["Contacts"]["data"]["contacts"]["totalCount"]
    assert total == expected["data"]["contacts"]["totalCount"]
    assert 0 < total < SEED_CONTACTS


def test_gateway_without_a_token_reports_the_subgraphs_error(node: str, server: Server) -> None:
    status, report, _ = gateway_check(node, server, token=None)

    assert status == 1
    result = report["results"]["Contacts"]
    assert result["data"] is None
    [error] = result["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "serviceName": "contacts"}
    assert report["reviewsSubgraph"]["requests"] == 0


def test_served_sdl_composes(node: str, server: Server, tmp_path: Path) -> None:
    """What the running server hands a gateway (`_service { sdl }`) composes as well."""
    body = direct(server, "{ _service { sdl } }", server.tokens["admin"])
    served = tmp_path / "served.graphql"
    served.write_text(body["data"]["_service"]["sdl"])

    status, report, _ = run_node(node, "compose.mjs", "--contact-sdl", str(served))

    assert status == 0, report
    assert report["apollo"]["ok"], report
    assert report["guild"]["ok"], report
