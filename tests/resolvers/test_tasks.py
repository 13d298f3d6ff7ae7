"""Tasks tab: a task needs a title, a due date and an assignee; complete, reopen, edit,
delete; filter, search, sort and page -- with the contact's visibility and an event for
every change."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant

from persistence.tables import LOCATION
from server.settings import Settings

TASK = """task { id contactId title description dueAt assignee { id } status isOverdue
  completedAt completedBy { id } createdBy { id } createdAt updatedAt }"""
TASKS = """query($id: ID!, $first: Int, $after: String, $filter: ContactTaskFilter,
  $orderBy: ContactTaskOrderBy) { contact(id: $id) { tasks(first: $first, after: $after,
  filter: $filter, orderBy: $orderBy) { totalCount
  pageInfo { hasNextPage endCursor } edges { cursor node { id title } } } } }"""
AUDIT = """query($id: ID!) { contact(id: $id) { auditLog(first: 50) { edges { node {
  kind actor { id } changes { field before after } } } } } }"""

DUE = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)


def at(hours: float) -> str:
    """A due time ``hours`` after DUE, as a client sends it."""
    return (DUE + timedelta(hours=hours)).isoformat()


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def add(
    t: Tenant,
    contact_id: str,
    title: str | None = "Call back",
    due_at: str | None = None,
    assignee_id: str | None = "user-ben",
    **more: Any,
) -> dict[str, Any]:
    input: dict[str, Any] = {"contactId": contact_id, **more}
    if title is not None:
        input["title"] = title
    if assignee_id is not None:
        input["assigneeId"] = assignee_id
    input["dueAt"] = due_at or at(0)
    viewer = input.pop("viewer", None)
    payload = await t.mutate("contactTaskAdd", input, selection=TASK, viewer=viewer)
    return payload


async def added(t: Tenant, contact_id: str, title: str, **more: Any) -> dict[str, Any]:
    payload = await add(t, contact_id, title, **more)
    assert payload["userErrors"] == [], payload["userErrors"]
    task: dict[str, Any] = payload["task"]
    return task


async def act(t: Tenant, mutation: str, task_id: str, **kw: Any) -> dict[str, Any]:
    return await t.mutate(mutation, {"taskId": task_id}, selection=TASK, **kw)


async def listing(t: Tenant, contact_id: str, **variables: Any) -> dict[str, Any]:
    data = await t.gql(TASKS, {"id": contact_id, **variables})
    tasks: dict[str, Any] = data["contact"]["tasks"]
    return tasks


async def titles(t: Tenant, contact_id: str, **variables: Any) -> list[str]:
    tasks = await listing(t, contact_id, **variables)
    return [e["node"]["title"] for e in tasks["edges"]]


async def events(t: Tenant, contact_id: str) -> list[dict[str, Any]]:
    data = await t.gql(AUDIT, {"id": contact_id})
    return [e["node"] for e in data["contact"]["auditLog"]["edges"]]


async def task_events(t: Tenant, contact_id: str) -> list[dict[str, Any]]:
    return [e for e in await events(t, contact_id) if e["kind"].startswith("TASK_")]


def codes(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


# -- lifecycle -------------------------------------------------------------------------------


async def test_add_complete_reopen_update_delete_with_events(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Tasked")
    ben = tenant.viewer("user-ben")
    task = await added(
        tenant,
        c["id"],
        "  Send the proposal  ",
        due_at="2030-05-01T09:00:00-04:00",
        assignee_id="user-cat",
        description="  with the Q3 prices ",
        viewer=ben,
    )
    assert task["contactId"] == c["id"]
    assert task["title"] == "Send the proposal"
    assert task["description"] == "with the Q3 prices"
    assert when(task["dueAt"]) == datetime(2030, 5, 1, 13, 0, tzinfo=UTC)
    assert when(task["dueAt"]).utcoffset() == timedelta(0)  # stored and served as UTC
    assert task["assignee"] == {"id": "user-cat"}
    assert task["createdBy"] == {"id": "user-ben"}
    assert (task["status"], task["completedAt"], task["completedBy"]) == ("OPEN", None, None)
    assert task["isOverdue"] is False
    assert task["createdAt"] == task["updatedAt"]

    done = (await act(tenant, "contactTaskComplete", task["id"], viewer=ben))["task"]
    assert done["status"] == "COMPLETED"
    assert done["completedBy"] == {"id": "user-ben"}
    assert when(done["completedAt"]) >= when(task["createdAt"])
    assert done["updatedAt"] == done["completedAt"]

    # completing again is a no-op: the first completion stays and no event is recorded
    again = await act(tenant, "contactTaskComplete", task["id"])
    assert again["userErrors"] == []
    assert again["task"]["completedAt"] == done["completedAt"]
    assert again["task"]["completedBy"] == {"id": "user-ben"}

    reopened = (await act(tenant, "contactTaskReopen", task["id"]))["task"]
    assert (reopened["status"], reopened["completedAt"], reopened["completedBy"]) == (
        "OPEN",
        None,
        None,
    )
    assert when(reopened["updatedAt"]) > when(done["updatedAt"])
    still_open = await act(tenant, "contactTaskReopen", task["id"])
    assert still_open["userErrors"] == []
    assert still_open["task"]["updatedAt"] == reopened["updatedAt"]

    updated = await tenant.mutate(
        "contactTaskUpdate", {"taskId": task["id"], "title": "Send the final proposal"}, TASK
    )
    assert updated["userErrors"] == []
    u = updated["task"]
    assert u["title"] == "Send the final proposal"
    # patch: every omitted field is unchanged
    for key in ("description", "dueAt", "assignee", "createdBy", "createdAt", "status"):
        assert u[key] == reopened[key], key

    deleted = await act(tenant, "contactTaskDelete", task["id"])
    assert deleted["task"]["id"] == task["id"]
    assert await titles(tenant, c["id"]) == []
    gone = await act(tenant, "contactTaskComplete", task["id"])
    assert codes(gone) == [(["input", "taskId"], "NOT_FOUND")]

    log = await events(tenant, c["id"])
    assert [(e["kind"], e["actor"]["id"]) for e in log] == [
        ("TASK_DELETED", "user-admin"),
        ("TASK_UPDATED", "user-admin"),
        ("TASK_REOPENED", "user-admin"),
        ("TASK_COMPLETED", "user-ben"),
        ("TASK_ADDED", "user-ben"),
        ("CONTACT_CREATED", "user-admin"),
    ]
    deleted_e, updated_e, reopened_e, completed_e, added_e = (e["changes"] for e in log[:5])
    assert added_e == [
        {
            "field": "tasks",
            "before": None,
            "after": {
                "id": task["id"],
                "title": "Send the proposal",
                "description": "with the Q3 prices",
                "dueAt": "2030-05-01T13:00:00+00:00",
                "assigneeId": "user-cat",
                "status": "OPEN",
            },
        }
    ]
    assert completed_e[0]["before"]["status"] == "OPEN"
    assert completed_e[0]["after"] == {
        "id": task["id"],
        "title": "Send the proposal",
        "status": "COMPLETED",
        "completedAt": done["completedAt"],
        "completedBy": "user-ben",
    }
    assert reopened_e[0]["before"]["status"] == "COMPLETED"
    assert reopened_e[0]["after"]["status"] == "OPEN"
    assert updated_e == [
        {
            "field": "tasks",
            "before": {"id": task["id"], "title": "Send the proposal"},
            "after": {"id": task["id"], "title": "Send the final proposal"},
        }
    ]
    assert deleted_e[0]["before"]["id"] == task["id"]
    assert deleted_e[0]["before"]["title"] == "Send the final proposal"
    assert deleted_e[0]["after"] is None


async def test_update_is_a_patch_and_null_clears_only_the_description(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Patched")
    task = await added(tenant, c["id"], "Book demo", description="room 4")
    new_due = "2031-01-02T03:04:05+00:00"
    moved = await tenant.mutate(
        "contactTaskUpdate",
        {"taskId": task["id"], "dueAt": new_due, "assigneeId": "user-dan"},
        TASK,
    )
    assert moved["userErrors"] == []
    m = moved["task"]
    assert (m["title"], m["description"]) == ("Book demo", "room 4")
    assert when(m["dueAt"]) == when(new_due)
    assert m["assignee"] == {"id": "user-dan"}
    cleared = await tenant.mutate(
        "contactTaskUpdate", {"taskId": task["id"], "description": None}, TASK
    )
    assert cleared["task"]["description"] is None
    assert cleared["task"]["title"] == "Book demo"
    # an edit that changes nothing records nothing and leaves updatedAt alone
    same = await tenant.mutate(
        "contactTaskUpdate", {"taskId": task["id"], "title": "Book demo"}, TASK
    )
    assert same["userErrors"] == []
    assert same["task"]["updatedAt"] == cleared["task"]["updatedAt"]
    kinds = [e["kind"] for e in await task_events(tenant, c["id"])]
    assert kinds == ["TASK_UPDATED", "TASK_UPDATED", "TASK_ADDED"]
    moved_event = (await task_events(tenant, c["id"]))[1]["changes"][0]
    assert moved_event["before"] == {
        "id": task["id"],
        "dueAt": "2030-05-01T09:00:00+00:00",
        "assigneeId": "user-ben",
    }
    assert moved_event["after"] == {"id": task["id"], "dueAt": new_due, "assigneeId": "user-dan"}


async def test_a_completed_task_can_still_be_edited(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Done")
    task = await added(tenant, c["id"], "Ship")
    await act(tenant, "contactTaskComplete", task["id"])
    edited = await tenant.mutate(
        "contactTaskUpdate", {"taskId": task["id"], "title": "Shipped"}, TASK
    )
    assert edited["task"]["title"] == "Shipped"
    assert edited["task"]["status"] == "COMPLETED"
    assert edited["task"]["completedBy"] == {"id": "user-admin"}


# -- rules -----------------------------------------------------------------------------------


async def test_missing_required_fields_are_reported_together_and_change_nothing(
    tenant: Tenant,
) -> None:
    c = await tenant.create_contact(firstName="Strict")
    payload = await tenant.mutate(
        "contactTaskAdd", {"contactId": c["id"], "title": "   "}, selection=TASK
    )
    assert payload["task"] is None
    assert codes(payload) == [
        (["input", "title"], "REQUIRED"),
        (["input", "dueAt"], "REQUIRED"),
        (["input", "assigneeId"], "REQUIRED"),
    ]
    assert all(e["message"] for e in payload["userErrors"])
    missing_title = await add(tenant, c["id"], title=None)
    assert codes(missing_title) == [(["input", "title"], "REQUIRED")]
    blank_assignee = await add(tenant, c["id"], assignee_id="  ")
    assert codes(blank_assignee) == [(["input", "assigneeId"], "REQUIRED")]
    assert (await listing(tenant, c["id"]))["totalCount"] == 0
    assert await task_events(tenant, c["id"]) == []


async def test_lengths_and_time_zones_are_checked(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Long")
    assert codes(await add(tenant, c["id"], "x" * 256)) == [(["input", "title"], "TOO_LONG")]
    assert (await add(tenant, c["id"], "x" * 255))["userErrors"] == []
    too_long = await add(tenant, c["id"], "ok", description="y" * 10_001)
    assert codes(too_long) == [(["input", "description"], "TOO_LONG")]
    long_user = await add(tenant, c["id"], "ok", assignee_id="u" * 65)
    assert codes(long_user) == [(["input", "assigneeId"], "TOO_LONG")]
    naive = await add(tenant, c["id"], "ok", due_at="2030-05-01T09:00:00")
    assert codes(naive) == [(["input", "dueAt"], "INVALID_VALUE")]
    assert "time zone" in naive["userErrors"][0]["message"]
    assert (await listing(tenant, c["id"]))["totalCount"] == 1


async def test_refused_updates_change_nothing(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Guarded")
    task = await added(tenant, c["id"], "Keep me", description="as is")
    for patch, path, code in (
        ({"title": None}, "title", "REQUIRED"),
        ({"title": "  "}, "title", "REQUIRED"),
        ({"dueAt": None}, "dueAt", "REQUIRED"),
        ({"assigneeId": None}, "assigneeId", "REQUIRED"),
        ({"title": "z" * 256}, "title", "TOO_LONG"),
        ({"dueAt": "2031-01-01T00:00:00"}, "dueAt", "INVALID_VALUE"),
    ):
        refused = await tenant.mutate(
            "contactTaskUpdate", {"taskId": task["id"], "description": "new", **patch}, TASK
        )
        assert refused["task"] is None
        assert codes(refused) == [(["input", path], code)], patch
    ghost = await tenant.mutate("contactTaskUpdate", {"taskId": "missing", "title": "x"}, TASK)
    assert codes(ghost) == [(["input", "taskId"], "NOT_FOUND")]
    nobody = await add(tenant, "missing", "hello")
    assert codes(nobody) == [(["input", "contactId"], "NOT_FOUND")]
    data = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { tasks { edges { node { title description "
        "updatedAt } } } } }",
        {"id": c["id"]},
    )
    node = data["contact"]["tasks"]["edges"][0]["node"]
    assert (node["title"], node["description"], node["updatedAt"]) == (
        "Keep me",
        "as is",
        task["updatedAt"],
    )
    assert [e["kind"] for e in await task_events(tenant, c["id"])] == ["TASK_ADDED"]


async def test_is_overdue_means_open_and_due_before_now(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Late")
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    late = await added(tenant, c["id"], "Late", due_at=past)
    future = await added(tenant, c["id"], "Future", due_at=at(0))
    assert late["isOverdue"] is True
    assert future["isOverdue"] is False
    done = await act(tenant, "contactTaskComplete", late["id"])
    assert done["task"]["isOverdue"] is False


# -- reading: filter, search, sort, pages ----------------------------------------------------


async def test_filter_by_status_assignee_and_due_range(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Filtered")
    a = await added(tenant, c["id"], "A", due_at=at(0), assignee_id="user-ann")
    await added(tenant, c["id"], "B", due_at=at(1), assignee_id="user-bob")
    await added(tenant, c["id"], "C", due_at=at(2), assignee_id="user-cid")
    d = await added(tenant, c["id"], "D", due_at=at(3), assignee_id="user-ann")
    for task in (a, d):
        await act(tenant, "contactTaskComplete", task["id"])

    async def only(**f: Any) -> tuple[list[str], int]:
        tasks = await listing(tenant, c["id"], filter=f)
        return [e["node"]["title"] for e in tasks["edges"]], tasks["totalCount"]

    assert await only() == (["A", "B", "C", "D"], 4)
    assert await only(statuses=["OPEN"]) == (["B", "C"], 2)
    assert await only(statuses=["COMPLETED"]) == (["A", "D"], 2)
    assert await only(statuses=["COMPLETED", "OPEN", "OPEN"]) == (["A", "B", "C", "D"], 4)
    assert await only(statuses=[]) == ([], 0)
    assert await only(assigneeIds=["user-ann"]) == (["A", "D"], 2)
    assert await only(assigneeIds=["user-bob", "user-cid"]) == (["B", "C"], 2)
    assert await only(assigneeIds=[]) == ([], 0)
    # from inclusive, to exclusive -- also when the bounds are given in another zone
    assert await only(dueAt={"from": at(1), "to": at(3)}) == (["B", "C"], 2)
    assert await only(dueAt={"from": "2030-05-01T06:00:00-04:00"}) == (["B", "C", "D"], 3)
    assert await only(dueAt={"to": at(1)}) == (["A"], 1)
    assert await only(statuses=["COMPLETED"], assigneeIds=["user-ann"], dueAt={"to": at(3)}) == (
        ["A"],
        1,
    )


async def test_naive_filter_times_are_refused(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Naive")
    body = await tenant.raw(
        TASKS, {"id": c["id"], "filter": {"dueAt": {"from": "2030-01-01T00:00:00"}}}, tenant.admin
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "`filter.dueAt.from` needs a time zone" in body["errors"][0]["message"]


@pytest.mark.parametrize("hours", [0, -1])
async def test_an_empty_due_range_is_refused(tenant: Tenant, hours: int) -> None:
    c = await tenant.create_contact(firstName="Empty")
    due = {"from": at(0), "to": at(hours)}  # `to` is exclusive: from == to is empty too
    body = await tenant.raw(TASKS, {"id": c["id"], "filter": {"dueAt": due}}, tenant.admin)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "`filter.dueAt.from` must be before `filter.dueAt.to`" in body["errors"][0]["message"]
    assert body["data"] == {"contact": None}


async def test_search_is_case_insensitive_over_title_and_description(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Searched")
    await added(tenant, c["id"], "Call ACME", due_at=at(0))
    await added(tenant, c["id"], "Email", description="ask acme for the PO", due_at=at(1))
    await added(tenant, c["id"], "Raise price 10%", due_at=at(2))
    await added(tenant, c["id"], "Raise price 100 percent", due_at=at(3))
    await added(tenant, c["id"], "snake_case name", due_at=at(4))
    await added(tenant, c["id"], "snakeXcase name", due_at=at(5))

    async def searched(text: str) -> list[str]:
        return await titles(tenant, c["id"], filter={"search": text})

    assert await searched("acme") == ["Call ACME", "Email"]
    assert await searched("  Acme ") == ["Call ACME", "Email"]
    # LIKE wildcards are literal characters
    assert await searched("10%") == ["Raise price 10%"]
    assert await searched("%") == ["Raise price 10%"]
    assert await searched("e_c") == ["snake_case name"]
    tasks = await listing(tenant, c["id"], filter={"search": "ACME", "statuses": ["OPEN"]})
    assert tasks["totalCount"] == 2
    assert await searched("   ") == [
        "Call ACME",
        "Email",
        "Raise price 10%",
        "Raise price 100 percent",
        "snake_case name",
        "snakeXcase name",
    ]


async def test_sort_by_due_created_and_updated_either_way(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Sorted")
    first = await added(tenant, c["id"], "due third", due_at=at(2))
    await added(tenant, c["id"], "due first", due_at=at(0))
    await added(tenant, c["id"], "due second", due_at=at(1))
    assert await titles(tenant, c["id"]) == ["due first", "due second", "due third"]
    by_due_desc = {"field": "DUE_AT", "direction": "DESC"}
    assert await titles(tenant, c["id"], orderBy=by_due_desc) == [
        "due third",
        "due second",
        "due first",
    ]
    assert await titles(tenant, c["id"], orderBy={"field": "CREATED_AT"}) == [
        "due third",
        "due first",
        "due second",
    ]
    assert await titles(tenant, c["id"], orderBy={"field": "CREATED_AT", "direction": "DESC"}) == [
        "due second",
        "due first",
        "due third",
    ]
    await act(tenant, "contactTaskComplete", first["id"])
    by_update = {"field": "UPDATED_AT", "direction": "DESC"}
    assert (await titles(tenant, c["id"], orderBy=by_update))[0] == "due third"
    assert (await titles(tenant, c["id"], orderBy={"field": "UPDATED_AT"}))[-1] == "due third"


async def test_pages_are_stable_with_equal_due_times(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Paged")
    # seven tasks, five of them due at the same moment: ties are broken by id
    for i in range(7):
        await added(tenant, c["id"], f"t{i}", due_at=at(0 if i < 5 else i))
    for order in (None, {"field": "DUE_AT", "direction": "DESC"}, {"field": "CREATED_AT"}):
        everything = await titles(tenant, c["id"], orderBy=order)
        seen: list[str] = []
        after = None
        while True:
            page = await listing(tenant, c["id"], first=3, after=after, orderBy=order)
            assert page["totalCount"] == 7
            seen += [e["node"]["title"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == everything, order
        assert sorted(seen) == [f"t{i}" for i in range(7)]


async def test_bad_paging_arguments_are_request_errors(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Bad")
    for variables in ({"first": 101}, {"first": -1}, {"after": "not-a-cursor"}):
        body = await tenant.raw(TASKS, {"id": c["id"], **variables}, tenant.admin)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables


# -- tenancy and visibility ------------------------------------------------------------------


@pytest.fixture
async def other_tenant(
    client: httpx.AsyncClient, settings: Settings, engine: AsyncEngine
) -> Tenant:
    location_id = str(uuid.uuid4())
    async with engine.begin() as conn:
        await conn.execute(
            insert(LOCATION).values(id=location_id, name="other", created_at=datetime.now(UTC))
        )
    return Tenant(client, settings, location_id)


async def _untouched(t: Tenant, contact_id: str, task: dict[str, Any]) -> None:
    data = await t.gql(
        "query($id: ID!) { contact(id: $id) { tasks { edges { node { id title status "
        "updatedAt } } } } }",
        {"id": contact_id},
    )
    assert [e["node"] for e in data["contact"]["tasks"]["edges"]] == [
        {"id": task["id"], "title": task["title"], "status": "OPEN", "updatedAt": task["updatedAt"]}
    ]
    assert [e["kind"] for e in await task_events(t, contact_id)] == ["TASK_ADDED"]


async def test_restricted_user_touches_only_tasks_of_contacts_they_own_or_follow(
    tenant: Tenant,
) -> None:
    hidden = await tenant.create_contact(firstName="Hidden", ownerId="user-eve")
    followed = await tenant.create_contact(
        firstName="Followed", ownerId="user-eve", followerIds=["user-dan"]
    )
    secret = await added(tenant, hidden["id"], "secret", assignee_id="user-dan")
    dan = tenant.viewer("user-dan", assigned_only=True)
    denied = await add(tenant, hidden["id"], "hi", viewer=dan)
    assert codes(denied) == [(["input", "contactId"], "NOT_FOUND")]
    # even a task assigned to them: visibility follows the contact
    for mutation in ("contactTaskComplete", "contactTaskReopen", "contactTaskDelete"):
        refused = await act(tenant, mutation, secret["id"], viewer=dan)
        assert codes(refused) == [(["input", "taskId"], "NOT_FOUND")], mutation
    edit = await tenant.mutate(
        "contactTaskUpdate", {"taskId": secret["id"], "title": "x"}, TASK, viewer=dan
    )
    assert codes(edit) == [(["input", "taskId"], "NOT_FOUND")]
    seen = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { tasks { totalCount } } }",
        {"id": hidden["id"]},
        viewer=dan,
    )
    assert seen == {"contact": None}
    await _untouched(tenant, hidden["id"], secret)
    # a follower has owner-level permissions
    mine = await added(tenant, followed["id"], "allowed", viewer=dan)
    done = await act(tenant, "contactTaskComplete", mine["id"], viewer=dan)
    assert done["task"]["completedBy"] == {"id": "user-dan"}
    assert (await listing(tenant, followed["id"]))["totalCount"] == 1


async def test_another_locations_task_is_not_found(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = await other_tenant.create_contact(firstName="Theirs")
    task = await added(other_tenant, theirs["id"], "theirs")
    denied = await add(tenant, theirs["id"], "mine")
    assert codes(denied) == [(["input", "contactId"], "NOT_FOUND")]
    for mutation in ("contactTaskComplete", "contactTaskReopen", "contactTaskDelete"):
        refused = await act(tenant, mutation, task["id"])
        assert codes(refused) == [(["input", "taskId"], "NOT_FOUND")], mutation
    edit = await tenant.mutate("contactTaskUpdate", {"taskId": task["id"], "title": "x"}, TASK)
    assert codes(edit) == [(["input", "taskId"], "NOT_FOUND")]
    await _untouched(other_tenant, theirs["id"], task)


# -- concurrency -----------------------------------------------------------------------------


async def test_concurrent_completes_record_one_event(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Raced")
    task = await added(tenant, c["id"], "Once")
    results = await asyncio.gather(
        *(act(tenant, "contactTaskComplete", task["id"]) for _ in range(8))
    )
    assert all(r["userErrors"] == [] for r in results)
    assert len({r["task"]["completedAt"] for r in results}) == 1
    kinds = [e["kind"] for e in await task_events(tenant, c["id"])]
    assert kinds == ["TASK_COMPLETED", "TASK_ADDED"]


async def test_concurrent_edits_of_different_fields_both_land(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Edited")
    task = await added(tenant, c["id"], "Original")
    new_due = "2032-02-02T02:02:02+00:00"
    await asyncio.gather(
        tenant.mutate("contactTaskUpdate", {"taskId": task["id"], "title": "Renamed"}, TASK),
        tenant.mutate("contactTaskUpdate", {"taskId": task["id"], "dueAt": new_due}, TASK),
        tenant.mutate("contactTaskUpdate", {"taskId": task["id"], "assigneeId": "user-zed"}, TASK),
        tenant.mutate("contactTaskUpdate", {"taskId": task["id"], "description": "d"}, TASK),
    )
    data = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { tasks { edges { node { title description dueAt "
        "assignee { id } } } } } }",
        {"id": c["id"]},
    )
    node = data["contact"]["tasks"]["edges"][0]["node"]
    assert node["title"] == "Renamed"
    assert node["description"] == "d"
    assert when(node["dueAt"]) == when(new_due)
    assert node["assignee"] == {"id": "user-zed"}
    assert len(await task_events(tenant, c["id"])) == 1 + 4
