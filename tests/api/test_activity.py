"""The activity timeline: typed items, newest first, filtered by kind and time, paged."""

from __future__ import annotations

from typing import Any

from support import Tenant

TIMELINE = """query($id: ID!, $first: Int, $after: String, $filter: ContactActivityFilter) {
  contact(id: $id) { activity(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { __typename id cursor kind actor { id } occurredAt
      ... on ContactCreatedActivity { fields { field after } }
      ... on ContactChangedActivity { changes { field before after } }
      ... on ContactTagsActivity { tagsAdded tagsRemoved }
      ... on ContactOwnerActivity { previousOwner { id } owner { id } }
      ... on ContactFollowersActivity { followersAdded { id } followersRemoved { id } }
      ... on ContactDndActivity { channels { channel enabled } }
      ... on ContactNoteActivity { action noteId body }
      ... on ContactTaskActivity { action taskId title }
    } } } } }"""


async def timeline(t: Tenant, contact_id: str, **variables: Any) -> dict[str, Any]:
    data = await t.gql(TIMELINE, {"id": contact_id, "first": 50, **variables})
    result: dict[str, Any] = data["contact"]["activity"]
    return result


async def test_every_change_is_a_typed_item_newest_first(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Story", tags=["a"])
    cid = c["id"]
    await tenant.mutate("contactUpdate", {"id": cid, "lastName": "Teller"})
    await tenant.mutate("contactTagsAdd", {"contactId": cid, "tags": ["b"]})
    await tenant.mutate("contactTagsRemove", {"contactId": cid, "tags": ["a"]})
    await tenant.mutate("contactOwnerSet", {"contactId": cid, "ownerId": "user-1"})
    await tenant.mutate("contactFollowersAdd", {"contactId": cid, "userIds": ["user-2"]})
    await tenant.mutate(
        "contactDndSet", {"contactId": cid, "settings": [{"channel": "SMS", "enabled": True}]}
    )
    note = await tenant.mutate(
        "contactNoteAdd", {"contactId": cid, "body": "met"}, selection="note { id }"
    )
    task = await tenant.mutate(
        "contactTaskAdd",
        {
            "contactId": cid,
            "title": "Call back",
            "dueAt": "2030-01-01T09:00:00Z",
            "assigneeId": "user-1",
        },
        selection="task { id }",
    )
    nodes = [e["node"] for e in (await timeline(tenant, cid))["edges"]]
    assert [n["__typename"] for n in nodes] == [
        "ContactTaskActivity",
        "ContactNoteActivity",
        "ContactDndActivity",
        "ContactFollowersActivity",
        "ContactOwnerActivity",
        "ContactTagsActivity",
        "ContactTagsActivity",
        "ContactChangedActivity",
        "ContactCreatedActivity",
    ]
    task_item, note_item, dnd, followers, owner, removed, added, changed, created = nodes
    assert (task_item["action"], task_item["taskId"], task_item["title"]) == (
        "ADDED",
        task["task"]["id"],
        "Call back",
    )
    assert (note_item["action"], note_item["noteId"], note_item["body"]) == (
        "ADDED",
        note["note"]["id"],
        "met",
    )
    assert dnd["channels"] == [{"channel": "SMS", "enabled": True}]
    assert followers["followersAdded"] == [{"id": "user-2"}]
    assert followers["followersRemoved"] == []
    assert owner == {**owner, "previousOwner": None, "owner": {"id": "user-1"}}
    assert (added["tagsAdded"], added["tagsRemoved"]) == (["b"], [])
    assert (removed["tagsAdded"], removed["tagsRemoved"]) == ([], ["a"])
    assert changed["changes"] == [{"field": "lastName", "before": None, "after": "Teller"}]
    assert {"field": "firstName", "after": "Story"} in created["fields"]
    assert all(n["actor"] == {"id": "user-admin"} for n in nodes)
    occurred = [n["occurredAt"] for n in nodes]
    assert occurred == sorted(occurred, reverse=True)


async def test_filter_by_kind_and_time_and_page(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Filter")
    cid = c["id"]
    for tag in ("a", "b", "c"):
        await tenant.mutate("contactTagsAdd", {"contactId": cid, "tags": [tag]})
    tags_only = await timeline(tenant, cid, filter={"kinds": ["TAGS_ADDED"]})
    assert tags_only["totalCount"] == 3
    assert [e["node"]["tagsAdded"] for e in tags_only["edges"]] == [["c"], ["b"], ["a"]]
    everything = await timeline(tenant, cid)
    second_tag_time = everything["edges"][1]["node"]["occurredAt"]
    since = await timeline(tenant, cid, filter={"since": second_tag_time})
    assert [e["node"]["kind"] for e in since["edges"]] == ["TAGS_ADDED", "TAGS_ADDED"]
    until = await timeline(tenant, cid, filter={"until": second_tag_time})
    assert [e["node"]["kind"] for e in until["edges"]] == ["TAGS_ADDED", "CONTACT_CREATED"]
    first_page = await timeline(tenant, cid, first=2)
    assert first_page["pageInfo"]["hasNextPage"] is True
    rest = await timeline(tenant, cid, first=10, after=first_page["pageInfo"]["endCursor"])
    kinds = [e["node"]["kind"] for e in first_page["edges"] + rest["edges"]]
    assert kinds == ["TAGS_ADDED"] * 3 + ["CONTACT_CREATED"]
    assert first_page["edges"][0]["cursor"] == first_page["edges"][0]["node"]["cursor"]


async def test_activity_follows_visibility(tenant: Tenant) -> None:
    hidden = await tenant.create_contact(firstName="Hidden", ownerId="user-eve")
    dan = tenant.viewer("user-dan", assigned_only=True)
    data = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { activity { totalCount } } }",
        {"id": hidden["id"]},
        viewer=dan,
    )
    assert data == {"contact": None}
