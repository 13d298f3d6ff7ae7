"""Concurrent writes to one contact: none is lost, and the limits still hold."""

from __future__ import annotations

import asyncio
from typing import Any

from support import Tenant


async def test_concurrent_follower_adds_lose_nothing_and_keep_the_cap(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Popular")

    async def follow(i: int) -> list[str]:
        payload = await tenant.mutate(
            "contactFollowersAdd", {"contactId": c["id"], "userIds": [f"user-{i}"]}
        )
        return [e["code"] for e in payload["userErrors"]]

    results = await asyncio.gather(*(follow(i) for i in range(20)))
    accepted = [r for r in results if r == []]
    assert len(accepted) == 10
    assert all(r in ([], ["LIMIT_EXCEEDED"]) for r in results)
    data = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { followers { id } "
        "auditLog(first: 100) { totalCount } } }",
        {"id": c["id"]},
    )
    assert len(data["contact"]["followers"]) == 10
    assert data["contact"]["auditLog"]["totalCount"] == 1 + 10  # created + each accepted add


async def test_concurrent_tag_adds_all_land(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Tagged")
    await asyncio.gather(
        *(
            tenant.mutate("contactTagsAdd", {"contactId": c["id"], "tags": [f"t{i}"]})
            for i in range(15)
        )
    )
    data = await tenant.gql("query($id: ID!) { contact(id: $id) { tags } }", {"id": c["id"]})
    assert sorted(data["contact"]["tags"]) == sorted(f"t{i}" for i in range(15))


async def test_concurrent_upserts_of_one_email_create_one_contact(tenant: Tenant) -> None:
    async def upsert(i: int) -> dict[str, Any]:
        return await tenant.mutate(
            "contactUpsert",
            {"emails": [{"address": "Same@Example.org"}], "tags": [f"t{i}"]},
            selection="created contact { id }",
        )

    payloads = await asyncio.gather(*(upsert(i) for i in range(5)))
    assert all(p["userErrors"] == [] for p in payloads), payloads
    assert [p["created"] for p in payloads].count(True) == 1
    ids = {p["contact"]["id"] for p in payloads}
    data = await tenant.gql(
        "{ contacts(first: 10) { totalCount edges { node { id tags emails { address } } } } }"
    )
    assert data["contacts"]["totalCount"] == 1
    (node,) = [e["node"] for e in data["contacts"]["edges"]]
    assert ids == {node["id"]}
    assert node["emails"] == [{"address": "Same@example.org"}]
    assert sorted(node["tags"]) == [f"t{i}" for i in range(5)]  # every upsert landed on it


async def test_concurrent_custom_fields_with_one_key_make_one_field(tenant: Tenant) -> None:
    payloads = await asyncio.gather(
        *(
            tenant.mutate(
                "customFieldCreate",
                {"key": "tier", "name": f"Tier {i}", "dataType": "TEXT"},
                selection="customField { id }",
            )
            for i in range(6)
        )
    )
    codes = sorted(str([e["code"] for e in p["userErrors"]]) for p in payloads)
    assert codes == ["['DUPLICATE']"] * 5 + ["[]"]
    listed = await tenant.gql("{ customFields { key } }")
    assert listed["customFields"] == [{"key": "tier"}]
