"""Notes tab: add, edit, delete, search, sort, page -- with author and timestamps."""

from __future__ import annotations

from typing import Any

from support import Tenant

NOTE = "note { id contactId body author { id } createdAt updatedAt }"
NOTES = """query($id: ID!, $first: Int, $after: String, $filter: ContactNoteFilter,
  $orderBy: ContactNoteOrderBy) { contact(id: $id) { notes(first: $first, after: $after,
  filter: $filter, orderBy: $orderBy) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { id body } } } } }"""


async def add(t: Tenant, contact_id: str, body: str, **kw: Any) -> dict[str, Any]:
    payload = await t.mutate(
        "contactNoteAdd", {"contactId": contact_id, "body": body}, selection=NOTE, **kw
    )
    return payload


async def bodies(t: Tenant, contact_id: str, **variables: Any) -> list[str]:
    data = await t.gql(NOTES, {"id": contact_id, **variables})
    return [e["node"]["body"] for e in data["contact"]["notes"]["edges"]]


async def test_add_edit_delete_keep_author_and_timestamps(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Noted")
    ben = tenant.viewer("user-ben")
    added = await add(tenant, c["id"], "  Called about renewal  ", viewer=ben)
    assert added["userErrors"] == []
    note = added["note"]
    assert note["body"] == "Called about renewal"
    assert note["author"] == {"id": "user-ben"}
    assert note["createdAt"] == note["updatedAt"]
    edited = await tenant.mutate(
        "contactNoteUpdate", {"noteId": note["id"], "body": "Renewal agreed"}, selection=NOTE
    )
    assert edited["note"]["body"] == "Renewal agreed"
    assert edited["note"]["createdAt"] == note["createdAt"]
    assert edited["note"]["updatedAt"] > note["updatedAt"]
    assert edited["note"]["author"] == {"id": "user-ben"}  # the author stays
    assert await bodies(tenant, c["id"]) == ["Renewal agreed"]
    deleted = await tenant.mutate("contactNoteDelete", {"noteId": note["id"]}, selection=NOTE)
    assert deleted["note"]["id"] == note["id"]
    assert await bodies(tenant, c["id"]) == []
    audit = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { auditLog { edges { node { "
        "kind actor { id } changes { field before after } } } } } }",
        {"id": c["id"]},
    )
    kinds = [
        (e["node"]["kind"], e["node"]["actor"]["id"]) for e in audit["contact"]["auditLog"]["edges"]
    ]
    assert kinds == [
        ("NOTE_DELETED", "user-admin"),
        ("NOTE_EDITED", "user-admin"),
        ("NOTE_ADDED", "user-ben"),
        ("CONTACT_CREATED", "user-admin"),
    ]


async def test_empty_note_and_unknown_ids_are_user_errors(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Strict")
    empty = await add(tenant, c["id"], "   ")
    assert [(e["field"], e["code"]) for e in empty["userErrors"]] == [
        (["input", "body"], "REQUIRED")
    ]
    assert await bodies(tenant, c["id"]) == []
    nobody = await add(tenant, "missing", "hello")
    assert [e["code"] for e in nobody["userErrors"]] == ["NOT_FOUND"]
    ghost = await tenant.mutate(
        "contactNoteUpdate", {"noteId": "missing", "body": "x"}, selection=NOTE
    )
    assert [e["code"] for e in ghost["userErrors"]] == ["NOT_FOUND"]


async def test_search_sort_and_pages(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Busy")
    ids = []
    for body in ("Alpha call", "beta EMAIL sent", "gamma call back", "delta meeting"):
        ids.append((await add(tenant, c["id"], body))["note"]["id"])
    assert await bodies(tenant, c["id"]) == [
        "delta meeting",
        "gamma call back",
        "beta EMAIL sent",
        "Alpha call",
    ]
    calls = {"search": "CALL"}
    assert await bodies(tenant, c["id"], filter=calls) == ["gamma call back", "Alpha call"]
    assert await bodies(tenant, c["id"], filter={"search": " email "}) == ["beta EMAIL sent"]
    assert await bodies(tenant, c["id"], filter={"search": "%"}) == []  # no wildcard
    assert len(await bodies(tenant, c["id"], filter={"search": "  "})) == 4
    # a filtered, sorted list pages through exactly its own items
    oldest = {"field": "CREATED_AT", "direction": "ASC"}
    pages, after = [], None
    while True:
        variables = {"id": c["id"], "first": 1, "after": after, "filter": calls, "orderBy": oldest}
        page = (await tenant.gql(NOTES, variables))["contact"]["notes"]
        assert page["totalCount"] == 2
        pages += [e["node"]["body"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == ["Alpha call", "gamma call back"]
    await tenant.mutate(
        "contactNoteUpdate", {"noteId": ids[0], "body": "Alpha call (done)"}, selection=NOTE
    )
    by_update = await bodies(tenant, c["id"], orderBy={"field": "UPDATED_AT", "direction": "DESC"})
    assert by_update[0] == "Alpha call (done)"
    oldest_first = await bodies(
        tenant, c["id"], orderBy={"field": "CREATED_AT", "direction": "ASC"}
    )
    assert oldest_first[0] == "Alpha call (done)"
    seen, after = [], None
    while True:
        data = await tenant.gql(NOTES, {"id": c["id"], "first": 3, "after": after})
        notes = data["contact"]["notes"]
        assert notes["totalCount"] == 4
        seen += [e["node"]["body"] for e in notes["edges"]]
        if not notes["pageInfo"]["hasNextPage"]:
            break
        after = notes["pageInfo"]["endCursor"]
    assert len(seen) == 4
    assert len(set(seen)) == 4


async def test_search_folds_case_beyond_ascii(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Baker")
    for body in ("éclair recipe", "Ångström units", "cafe"):
        await add(tenant, c["id"], body)
    assert await bodies(tenant, c["id"], filter={"search": "ÉCLAIR"}) == ["éclair recipe"]
    assert await bodies(tenant, c["id"], filter={"search": "ångström"}) == ["Ångström units"]
    assert await bodies(tenant, c["id"], filter={"search": "CAFÉ"}) == []  # accents are kept


async def test_notes_follow_contact_visibility(tenant: Tenant) -> None:
    hidden = await tenant.create_contact(firstName="Hidden", ownerId="user-eve")
    note = (await add(tenant, hidden["id"], "secret"))["note"]
    dan = tenant.viewer("user-dan", assigned_only=True)
    denied = await add(tenant, hidden["id"], "hi", viewer=dan)
    assert [e["code"] for e in denied["userErrors"]] == ["NOT_FOUND"]
    edit = await tenant.mutate(
        "contactNoteUpdate", {"noteId": note["id"], "body": "x"}, selection=NOTE, viewer=dan
    )
    assert [e["code"] for e in edit["userErrors"]] == ["NOT_FOUND"]
    assert await bodies(tenant, hidden["id"]) == ["secret"]


async def test_concurrent_deletes_record_one_deletion(tenant: Tenant) -> None:
    import asyncio

    c = await tenant.create_contact(firstName="Racy")
    note = (await add(tenant, c["id"], "delete me"))["note"]
    payloads = await asyncio.gather(
        *(
            tenant.mutate("contactNoteDelete", {"noteId": note["id"]}, selection=NOTE)
            for _ in range(5)
        )
    )
    succeeded = [p for p in payloads if p["userErrors"] == []]
    assert len(succeeded) == 1
    assert all(p["userErrors"][0]["code"] == "NOT_FOUND" for p in payloads if p not in succeeded)
    data = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { activity(filter: {kinds: [NOTE_DELETED]}) "
        "{ totalCount } } }",
        {"id": c["id"]},
    )
    assert data["contact"]["activity"]["totalCount"] == 1
