"""Concurrent writes to one contact: none is lost, and the limits still hold."""

from __future__ import annotations

import asyncio

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
