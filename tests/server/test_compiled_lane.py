"""The fast lane's compiled reads, on what it keeps between requests (server/compiled_lane.py):
the admission and arguments of each operation per variable values, the statements per
viewer scope, and (PostgreSQL, no tracing) the statement run on the driver's connection.

Differential, as tests/server/test_fast_lane.py: each request goes to an app with the lane
(not tracing, so its statements may skip SQLAlchemy's execution) and to one without it, over
the same database; the answers must be the same bytes. The requests come in an order that
would hand one request another's kept answer if a key missed what it depends on: another
contact, another viewer, another location, other page arguments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from test_fast_lane import ENTITIES, LIST, ONE, SHAPES, seeded
from watch_support import Running, running, scrape, settings_for

from persistence.db import StatementCounter


@dataclass
class Apps:
    on: Running
    off: Running


@pytest.fixture(scope="module")
async def apps(database_url: str) -> AsyncIterator[Apps]:
    values: dict[str, Any] = {"compiled_reads": "on", "max_variable_values": 50}
    async with (
        running(settings_for(database_url, fast_lane_size=0, **values)) as off,
        running(settings_for(database_url, fast_lane_size=100, **values)) as on,
    ):
        yield Apps(on, off)


def lane_answers(app: Running) -> int:
    return int(app.app.state.observability.metrics.fast_lane_answers._value.get())


async def post(app: Running, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    return await app.client.post(
        "/graphql", json=body, headers={"X-Request-ID": "compiled-lane", **headers}
    )


async def same(
    apps: Apps, body: dict[str, Any], headers: dict[str, str], *, lane: bool
) -> dict[str, Any]:
    """POST to both apps; the same status, headers and bytes; answered by the lane or not.
    Returns the answer."""
    before = lane_answers(apps.on)
    expected = await post(apps.off, body, headers)
    got = await post(apps.on, body, headers)
    assert (got.status_code, got.headers.multi_items(), got.content) == (
        expected.status_code,
        expected.headers.multi_items(),
        expected.content,
    )
    assert lane_answers(apps.on) - before == (1 if lane else 0)
    return dict(got.json())


async def learned(apps: Apps, body: dict[str, Any], headers: dict[str, str]) -> None:
    """The lane learns the document (the first request of a document goes the normal way)."""
    await post(apps.on, body, headers)


async def test_another_contact_is_not_answered_from_the_last_ones(apps: Apps) -> None:
    t = apps.on.tenant()
    a, b = await seeded(t, "Ann"), await seeded(t, "Bob")
    headers = t.headers(t.admin)
    await learned(apps, {"query": ONE, "variables": {"id": a}}, headers)
    for cid, name in ((a, "Ann"), (b, "Bob"), (a, "Ann"), ("no-such-contact", None)):
        data = (await same(apps, {"query": ONE, "variables": {"id": cid}}, headers, lane=True))[
            "data"
        ]
        assert (data["contact"] or {}).get("firstName") == name


async def test_another_viewer_gets_their_own_answer(apps: Apps) -> None:
    """Same document, same variables: an assigned-only viewer does not see what the admin
    saw, nor the owner what the other assigned-only viewer was refused."""
    t = apps.on.tenant()
    dan, eve = t.viewer("user-dan", assigned_only=True), t.viewer("user-eve", assigned_only=True)
    owned = await seeded(t, "Dans", owner="user-dan")
    body = {"query": ONE, "variables": {"id": owned, "n": 2}}
    await learned(apps, body, t.headers(t.admin))
    for viewer, sees in ((t.admin, True), (eve, False), (dan, True), (eve, False)):
        data = (await same(apps, body, t.headers(viewer), lane=True))["data"]
        assert (data["contact"] is not None) == sees
    listed = {"query": LIST, "variables": {"n": 5}}
    await learned(apps, listed, t.headers(t.admin))
    for viewer, count in ((t.admin, 1), (eve, 0), (dan, 1)):
        data = (await same(apps, listed, t.headers(viewer), lane=True))["data"]
        assert data["contacts"]["totalCount"] == count


async def test_another_location_gets_its_own_answer(apps: Apps) -> None:
    here, there = apps.on.tenant(), apps.on.tenant()
    mine = await seeded(here, "Here")
    await seeded(there, "There")
    body = {"query": ONE, "variables": {"id": mine}}
    await learned(apps, body, here.headers(here.admin))
    for tenant, sees in ((here, True), (there, False), (here, True)):
        data = (await same(apps, body, tenant.headers(tenant.admin), lane=True))["data"]
        assert (data["contact"] is not None) == sees
    reps = {"query": ENTITIES, "variables": {"reps": [{"__typename": "Contact", "id": mine}]}}
    await learned(apps, reps, here.headers(here.admin))
    for tenant, found in ((here, 1), (there, 0)):
        data = (await same(apps, reps, tenant.headers(tenant.admin), lane=True))["data"]
        assert len([e for e in data["_entities"] if e is not None]) == found


async def test_other_page_arguments_are_read_and_checked_again(apps: Apps) -> None:
    """A page size or cursor is admitted and read per request's values: a good one kept
    does not let a refused one through, nor the other way round."""
    t = apps.on.tenant()
    cid = await seeded(t, "Pages")
    headers = t.headers(t.admin)
    await learned(apps, {"query": ONE, "variables": {"id": cid, "n": 1}}, headers)
    one = await same(apps, {"query": ONE, "variables": {"id": cid, "n": 1}}, headers, lane=True)
    assert len(one["data"]["contact"]["notes"]["edges"]) == 1
    two = await same(apps, {"query": ONE, "variables": {"id": cid, "n": 2}}, headers, lane=True)
    assert len(two["data"]["contact"]["notes"]["edges"]) == 2
    cursor = one["data"]["contact"]["notes"]["pageInfo"]["endCursor"]
    after = {"query": ONE, "variables": {"id": cid, "n": 2, "after": cursor}}
    page = await same(apps, after, headers, lane=True)
    second = two["data"]["contact"]["notes"]["edges"][1]
    assert page["data"]["contact"]["notes"]["edges"][0] == second
    for refused in ({"n": -1}, {"n": "ten"}, {"after": "forged"}):
        body = {"query": ONE, "variables": {"id": cid, **refused}}
        assert "errors" in await same(apps, body, headers, lane=False)
    again = await same(apps, {"query": ONE, "variables": {"id": cid, "n": 1}}, headers, lane=True)
    assert again == one


async def test_include_and_skip_pick_their_own_plan(apps: Apps) -> None:
    t = apps.on.tenant()
    cid = await seeded(t, "Shapes")
    headers = t.headers(t.admin)
    await learned(apps, {"query": SHAPES, "variables": {"id": cid, "yes": True}}, headers)
    for yes in (True, False, True):
        body = {"query": SHAPES, "variables": {"id": cid, "yes": yes}}
        data = (await same(apps, body, headers, lane=True))["data"]
        assert ("extra" in data["a"]) == yes


def moved(before: dict[Any, float], after: dict[Any, float], name: str, **labels: str) -> float:
    total = 0.0
    for (sample, keyed), value in after.items():
        if sample == name and labels.items() <= dict(keyed).items():
            total += value - before.get((sample, keyed), 0.0)
    return total


async def test_a_compiled_answer_counts_its_statement(apps: Apps) -> None:
    """One statement in the operation's metrics and the engine's, as the normal path counts
    it -- and a statement counter watching the engine sees it (the lane then runs it through
    the engine, as it does when tracing)."""
    t = apps.on.tenant()
    cid = await seeded(t, "Counted")
    named = {"query": ONE.replace("query One(", "query Counted("), "variables": {"id": cid}}
    headers = t.headers(t.admin)
    await learned(apps, named, headers)
    await same(apps, named, headers, lane=True)
    for app in (apps.on, apps.off):
        before = await scrape(app.client)
        await same(apps, named, headers, lane=True)
        after = await scrape(app.client)
        per_request = "contact_graph_graphql_request_sql_statements"
        assert moved(before, after, f"{per_request}_sum", operation="Counted") == 1
        assert moved(before, after, f"{per_request}_count", operation="Counted") == 1
        assert moved(before, after, "contact_graph_sql_statements_total") == 1
    with StatementCounter(apps.on.app.state.runtime.engine) as counted:
        await post(apps.on, named, headers)
    assert counted.count == 1


async def test_an_id_read_elsewhere_too_is_kept_per_value(apps: Apps) -> None:
    """A root contact's id variable read by nothing else is taken from each request; one
    also read inside the selection (a task filter here) makes the answer its own."""
    t = apps.on.tenant()
    headers = t.headers(t.admin)
    ids = []
    for name, tasks in (("Once", 1), ("Twice", 2)):
        contact = await t.create_contact(firstName=name)
        for n in range(tasks):
            added = await t.mutate(
                "contactTaskAdd",
                {
                    "contactId": contact["id"],
                    "title": f"t{n}",
                    "assigneeId": contact["id"],
                    "dueAt": "2030-01-01T00:00:00Z",
                },
                selection="task { id assignee { id } }",
            )
            assert added["userErrors"] == [], added
        ids.append(contact["id"])
    both = (
        "query Both($who: ID!) { contact(id: $who) { id "
        "tasks(filter: {assigneeIds: [$who]}) { totalCount } } }"
    )
    await learned(apps, {"query": both, "variables": {"who": ids[0]}}, headers)
    for cid, count in ((ids[0], 1), (ids[1], 2), (ids[0], 1)):
        body = {"query": both, "variables": {"who": cid}}
        data = (await same(apps, body, headers, lane=True))["data"]
        assert (data["contact"]["id"], data["contact"]["tasks"]["totalCount"]) == (cid, count)


async def test_long_variables_are_read_anew_each_time(apps: Apps) -> None:
    """Variables whose JSON is too long to keep: each request's own representations."""
    t = apps.on.tenant()
    a, b = await seeded(t, "LongA"), await seeded(t, "LongB")
    headers = t.headers(t.admin)
    padding = [{"__typename": "Contact", "id": f"missing-{'x' * 150}-{n}"} for n in range(8)]

    def reps(cid: str) -> dict[str, Any]:
        return {
            "query": ENTITIES,
            "variables": {"reps": [{"__typename": "Contact", "id": cid}, *padding]},
        }

    await learned(apps, reps(a), headers)
    for cid, name in ((a, "LongA"), (b, "LongB"), (a, "LongA")):
        data = (await same(apps, reps(cid), headers, lane=True))["data"]
        assert data["_entities"][0]["firstName"] == name
