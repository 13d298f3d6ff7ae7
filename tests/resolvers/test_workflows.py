"""Workflows in the Actions panel: enrol, stop, complete; the Active and Past tabs; one
active enrolment per workflow; repeats that change nothing; tenancy and visibility."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant

from persistence.tables import LOCATION

ENROLLMENT = """enrollment { id contactId workflow { id } workflowName state enrolledAt
  enrolledBy { id } endedAt endedBy { id } endReason }"""
WORKFLOWS = """query($id: ID!, $filter: ContactWorkflowFilter, $orderBy: ContactWorkflowOrderBy,
  $first: Int, $after: String) {
  contact(id: $id) { workflows(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id workflow { id } workflowName state enrolledAt enrolledBy { id }
      endedAt endedBy { id } endReason } } } } }"""
AUDIT = """query($id: ID!) { contact(id: $id) { auditLog(first: 100) { edges { node {
  kind actor { id } changes { field before after } } } } } }"""


async def enroll(t: Tenant, contact_id: str, workflow_id: str, name: str, **kw: Any) -> Any:
    return await t.mutate(
        "contactWorkflowEnroll",
        {"contactId": contact_id, "workflowId": workflow_id, "workflowName": name},
        selection=ENROLLMENT,
        **kw,
    )


async def end(t: Tenant, verb: str, contact_id: str, workflow_id: str, **kw: Any) -> Any:
    return await t.mutate(
        f"contactWorkflow{verb}",
        {"contactId": contact_id, "workflowId": workflow_id},
        selection=ENROLLMENT,
        **kw,
    )


async def workflows(
    t: Tenant, contact_id: str, state: str | None, **variables: Any
) -> dict[str, Any]:
    """One state's tab (ACTIVE, PAST), or with ``state=None`` the filter given (if any)."""
    if state is not None:
        variables["filter"] = {"states": [state]}
    data = await t.gql(WORKFLOWS, {"id": contact_id, **variables})
    connection: dict[str, Any] = data["contact"]["workflows"]
    return connection


async def names(t: Tenant, contact_id: str, state: str | None, **variables: Any) -> list[str]:
    found = await workflows(t, contact_id, state, **variables)
    return [e["node"]["workflowName"] for e in found["edges"]]


async def audit(t: Tenant, contact_id: str) -> list[dict[str, Any]]:
    data = await t.gql(AUDIT, {"id": contact_id})
    return [e["node"] for e in data["contact"]["auditLog"]["edges"]]


async def snapshot(t: Tenant, contact_id: str) -> tuple[Any, ...]:
    """Everything a refused mutation must leave as it was."""
    return (
        await workflows(t, contact_id, "ACTIVE"),
        await workflows(t, contact_id, "PAST"),
        await audit(t, contact_id),
    )


async def test_enrol_then_stop_moves_the_enrolment_from_active_to_past(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Auto")
    ben = tenant.viewer("user-ben")
    enrolled = await enroll(tenant, c["id"], "wf-1", "  Welcome series ", viewer=ben)
    assert enrolled["userErrors"] == []
    e = enrolled["enrollment"]
    assert e["contactId"] == c["id"]
    assert e["workflow"] == {"id": "wf-1"}
    assert e["workflowName"] == "Welcome series"
    assert (e["state"], e["endedAt"], e["endedBy"], e["endReason"]) == ("ACTIVE", None, None, None)
    assert e["enrolledBy"] == {"id": "user-ben"}
    active = await workflows(tenant, c["id"], "ACTIVE")
    assert active["totalCount"] == 1
    assert active["edges"][0]["node"]["id"] == e["id"]
    assert (await workflows(tenant, c["id"], "PAST"))["totalCount"] == 0

    stopped = await end(tenant, "Stop", c["id"], "wf-1")
    assert stopped["userErrors"] == []
    s = stopped["enrollment"]
    assert (s["id"], s["state"], s["endReason"]) == (e["id"], "PAST", "STOPPED")
    assert s["enrolledAt"] == e["enrolledAt"]
    assert s["endedAt"] >= e["enrolledAt"]
    assert s["endedBy"] == {"id": "user-admin"}
    assert (await workflows(tenant, c["id"], "ACTIVE"))["totalCount"] == 0
    past = await workflows(tenant, c["id"], "PAST")
    assert [x["node"] for x in past["edges"]] == [{k: v for k, v in s.items() if k != "contactId"}]

    events = await audit(tenant, c["id"])
    assert [(x["kind"], x["actor"]["id"]) for x in events[:2]] == [
        ("WORKFLOW_STOPPED", "user-admin"),
        ("WORKFLOW_ENROLLED", "user-ben"),
    ]
    assert events[1]["changes"] == [
        {
            "field": "workflows",
            "before": None,
            "after": {
                "id": e["id"],
                "workflowId": "wf-1",
                "name": "Welcome series",
                "status": "ACTIVE",
            },
        }
    ]
    assert events[0]["changes"][0]["before"]["status"] == "ACTIVE"
    assert events[0]["changes"][0]["after"]["status"] == "STOPPED"


async def test_enrolling_twice_while_active_returns_the_running_enrolment_unchanged(
    tenant: Tenant,
) -> None:
    c = await tenant.create_contact(firstName="Twice")
    first = await enroll(tenant, c["id"], "wf-1", "Nurture")
    assert first["userErrors"] == []
    before = await snapshot(tenant, c["id"])
    again = await enroll(tenant, c["id"], "wf-1", "Nurture (renamed)")
    assert again["userErrors"] == []
    assert again["enrollment"] == first["enrollment"]  # its name as enrolled, its time
    assert await snapshot(tenant, c["id"]) == before
    # another workflow is fine, and so is the same one for another contact
    assert (await enroll(tenant, c["id"], "wf-2", "Other"))["userErrors"] == []
    d = await tenant.create_contact(firstName="Else")
    assert (await enroll(tenant, d["id"], "wf-1", "Nurture"))["userErrors"] == []


async def test_after_an_enrolment_ended_the_contact_can_be_enrolled_again(
    tenant: Tenant,
) -> None:
    c = await tenant.create_contact(firstName="Again")
    first = (await enroll(tenant, c["id"], "wf-1", "Drip"))["enrollment"]
    assert (await end(tenant, "Complete", c["id"], "wf-1"))["enrollment"]["endReason"] == (
        "COMPLETED"
    )
    second = (await enroll(tenant, c["id"], "wf-1", "Drip v2"))["enrollment"]
    assert second["id"] != first["id"]
    assert await names(tenant, c["id"], "ACTIVE") == ["Drip v2"]
    assert (await end(tenant, "Stop", c["id"], "wf-1"))["enrollment"]["id"] == second["id"]
    past = (await workflows(tenant, c["id"], "PAST"))["edges"]
    # most recently ended first, each with how it ended
    assert [(x["node"]["id"], x["node"]["endReason"]) for x in past] == [
        (second["id"], "STOPPED"),
        (first["id"], "COMPLETED"),
    ]
    kinds = [x["kind"] for x in await audit(tenant, c["id"])]
    assert kinds[:4] == [
        "WORKFLOW_STOPPED",
        "WORKFLOW_ENROLLED",
        "WORKFLOW_COMPLETED",
        "WORKFLOW_ENROLLED",
    ]


async def test_ending_an_ended_enrolment_again_the_same_way_changes_nothing(
    tenant: Tenant,
) -> None:
    c = await tenant.create_contact(firstName="Idle")
    await enroll(tenant, c["id"], "wf-1", "Drip")
    stopped = (await end(tenant, "Stop", c["id"], "wf-1"))["enrollment"]
    await enroll(tenant, c["id"], "wf-2", "Course")
    completed = (await end(tenant, "Complete", c["id"], "wf-2"))["enrollment"]
    before = await snapshot(tenant, c["id"])
    # the state asked for holds: the ended enrolment comes back as it is
    for verb, workflow_id, ended in (("Stop", "wf-1", stopped), ("Complete", "wf-2", completed)):
        payload = await end(tenant, verb, c["id"], workflow_id)
        assert payload["userErrors"] == []
        assert payload["enrollment"] == ended
    # it ended the other way (CONFLICT), or it never ran (NOT_FOUND)
    for verb, workflow_id, code in (
        ("Complete", "wf-1", "CONFLICT"),
        ("Stop", "wf-2", "CONFLICT"),
        ("Stop", "wf-never", "NOT_FOUND"),
        ("Complete", "wf-never", "NOT_FOUND"),
    ):
        payload = await end(tenant, verb, c["id"], workflow_id)
        assert payload["enrollment"] is None
        assert [(x["field"], x["code"]) for x in payload["userErrors"]] == [
            (["input", "workflowId"], code)
        ], (verb, workflow_id)
        assert payload["userErrors"][0]["message"]
    assert await snapshot(tenant, c["id"]) == before


async def test_ids_and_names_are_checked(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Checked")
    before = await snapshot(tenant, c["id"])
    cases = [
        (" ", "Name", "workflowId", "REQUIRED"),
        ("wf", "  ", "workflowName", "REQUIRED"),
        ("w" * 65, "Name", "workflowId", "TOO_LONG"),
        ("wf", "n" * 256, "workflowName", "TOO_LONG"),
    ]
    for workflow_id, name, field, code in cases:
        payload = await enroll(tenant, c["id"], workflow_id, name)
        assert [(x["field"], x["code"]) for x in payload["userErrors"]] == [
            (["input", field], code)
        ]
    assert await snapshot(tenant, c["id"]) == before


async def test_active_and_past_are_paged_newest_first(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Busy")
    for i in range(5):
        await enroll(tenant, c["id"], f"wf-{i}", f"W{i}")
    for i in (3, 0, 4):
        await end(tenant, "Stop", c["id"], f"wf-{i}")
    assert await names(tenant, c["id"], "ACTIVE") == ["W2", "W1"]
    assert await names(tenant, c["id"], "PAST") == ["W4", "W0", "W3"]
    seen, after = [], None
    while True:
        page = await workflows(tenant, c["id"], "PAST", first=2, after=after)
        assert page["totalCount"] == 3
        seen += [e["node"]["workflowName"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["W4", "W0", "W3"]


async def test_every_state_lists_the_latest_change_first_and_an_empty_filter_none(
    tenant: Tenant,
) -> None:
    c = await tenant.create_contact(firstName="Mixed")
    for i in range(4):
        await enroll(tenant, c["id"], f"wf-{i}", f"W{i}")
    await end(tenant, "Complete", c["id"], "wf-1")
    await enroll(tenant, c["id"], "wf-4", "W4")
    await end(tenant, "Stop", c["id"], "wf-2")
    # latest change first: W2 ended, W4 enrolled, W1 ended, then W3, W0 by enrolment
    latest = ["W2", "W4", "W1", "W3", "W0"]
    assert await names(tenant, c["id"], None) == latest
    both = {"states": ["PAST", "ACTIVE", "PAST"]}
    assert await names(tenant, c["id"], None, filter=both) == latest
    assert (await workflows(tenant, c["id"], None, filter=both))["totalCount"] == 5
    nothing = await workflows(tenant, c["id"], None, filter={"states": []})
    assert (nothing["totalCount"], nothing["edges"]) == (0, [])
    oldest = {"field": "CHANGED_AT", "direction": "ASC"}
    assert await names(tenant, c["id"], None, orderBy=oldest) == latest[::-1]


async def test_each_order_pages_over_two_pages(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Pages")
    for i in range(5):
        await enroll(tenant, c["id"], f"wf-{i}", f"W{i}")
    for i in (3, 0):
        await end(tenant, "Stop", c["id"], f"wf-{i}")
    orders = {
        ("ENROLLED_AT", "ASC"): ["W0", "W1", "W2", "W3", "W4"],
        ("ENROLLED_AT", "DESC"): ["W4", "W3", "W2", "W1", "W0"],
        ("CHANGED_AT", "DESC"): ["W0", "W3", "W4", "W2", "W1"],
        ("CHANGED_AT", "ASC"): ["W1", "W2", "W4", "W3", "W0"],
    }
    for (field, direction), expected in orders.items():
        order = {"field": field, "direction": direction}
        first = await workflows(tenant, c["id"], None, orderBy=order, first=3)
        assert first["totalCount"] == 5
        assert first["pageInfo"]["hasNextPage"] is True
        second = await workflows(
            tenant, c["id"], None, orderBy=order, first=3, after=first["pageInfo"]["endCursor"]
        )
        assert second["pageInfo"]["hasNextPage"] is False
        seen = [e["node"]["workflowName"] for e in first["edges"] + second["edges"]]
        assert seen == expected, (field, direction)
    # a state filter pages the same way
    past = await workflows(tenant, c["id"], "PAST", first=1)
    rest = await workflows(tenant, c["id"], "PAST", after=past["pageInfo"]["endCursor"])
    assert [e["node"]["workflowName"] for e in past["edges"] + rest["edges"]] == ["W0", "W3"]
    assert (past["totalCount"], rest["pageInfo"]["hasNextPage"]) == (2, False)


async def test_concurrent_enrolments_in_one_workflow_make_one_enrolment(
    tenant: Tenant,
) -> None:
    c = await tenant.create_contact(firstName="Raced")
    results = await asyncio.gather(*(enroll(tenant, c["id"], "wf-1", "Race") for _ in range(10)))
    assert all(r["userErrors"] == [] for r in results), results
    assert len({r["enrollment"]["id"] for r in results}) == 1
    assert (await workflows(tenant, c["id"], "ACTIVE"))["totalCount"] == 1
    kinds = [x["kind"] for x in await audit(tenant, c["id"])]
    assert kinds.count("WORKFLOW_ENROLLED") == 1


async def test_concurrent_stops_end_the_enrolment_once(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Stopped")
    enrolled = (await enroll(tenant, c["id"], "wf-1", "Race"))["enrollment"]
    results = await asyncio.gather(*(end(tenant, "Stop", c["id"], "wf-1") for _ in range(10)))
    assert all(r["userErrors"] == [] for r in results), results
    assert {r["enrollment"]["id"] for r in results} == {enrolled["id"]}
    assert len({r["enrollment"]["endedAt"] for r in results}) == 1
    kinds = [x["kind"] for x in await audit(tenant, c["id"])]
    assert kinds.count("WORKFLOW_STOPPED") == 1


async def test_workflows_follow_tenancy_and_visibility(tenant: Tenant, engine: AsyncEngine) -> None:
    hidden = await tenant.create_contact(firstName="Hidden", ownerId="user-eve")
    await enroll(tenant, hidden["id"], "wf-1", "Drip")
    dan = tenant.viewer("user-dan", assigned_only=True)
    before = await snapshot(tenant, hidden["id"])
    for payload in (
        await enroll(tenant, hidden["id"], "wf-2", "Other", viewer=dan),
        await end(tenant, "Stop", hidden["id"], "wf-1", viewer=dan),
        await end(tenant, "Complete", hidden["id"], "wf-1", viewer=dan),
    ):
        assert [(x["field"], x["code"]) for x in payload["userErrors"]] == [
            (["input", "contactId"], "NOT_FOUND")
        ]
    assert await snapshot(tenant, hidden["id"]) == before
    # the owner, restricted or not, may
    eve = tenant.viewer("user-eve", assigned_only=True)
    assert (await end(tenant, "Stop", hidden["id"], "wf-1", viewer=eve))["userErrors"] == []

    other = Tenant(tenant.client, tenant.settings, str(uuid.uuid4()))
    async with engine.begin() as conn:
        await conn.execute(
            insert(LOCATION).values(id=other.location_id, name="o", created_at=datetime.now(UTC))
        )
    mine = await tenant.create_contact(firstName="Mine")
    foreign = await enroll(other, mine["id"], "wf-1", "Drip")
    assert [x["code"] for x in foreign["userErrors"]] == ["NOT_FOUND"]
    assert (await workflows(tenant, mine["id"], "ACTIVE"))["totalCount"] == 0
