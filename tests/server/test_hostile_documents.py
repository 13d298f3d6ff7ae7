"""Hostile requests against a real uvicorn server on loopback: each is refused with a 4xx or
a GraphQL error that says why (never a 500, never the masked "unexpected" error), and a
`{ __typename }` sent at the same time is answered meanwhile -- the event loop is not
stalled. README "Limits" lists the limits and their defaults.

No time is asserted: the slow-validation test asserts the order in which answers arrive,
and socket reads have a generous timeout only so that a server that never answers fails the
test instead of hanging it (a liveness bound)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from live_servers import Server, start_server, token_for

from domain.viewer import Role, Viewer
from persistence.migrate import upgrade

LIVENESS_TIMEOUT = 60.0
"""Seconds after which a request that got no answer counts as never answered."""
MASKED = "Unexpected error; it has been logged."
ADMIN = Viewer("hostile-admin", "hostile-location", Role.ADMIN)
REFUSAL_CODES = {
    "QUERY_TOO_DEEP",
    "TOO_MANY_ALIASES",
    "QUERY_TOO_COMPLEX",
    "VARIABLES_TOO_LARGE",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "BAD_USER_INPUT",
}

pytestmark = pytest.mark.xdist_group("hostile-documents")  # one server process for the module


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server with the default limits, on a migrated SQLite file of its own."""
    tmp = tmp_path_factory.mktemp("hostile")
    url = f"sqlite+aiosqlite:///{tmp / 'hostile.db'}"
    upgrade(url)
    running = start_server(url, None, tmp)
    yield running
    running.stop()


@pytest.fixture
async def client(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token_for(ADMIN)}"}
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{server.port}", headers=headers, timeout=LIVENESS_TIMEOUT
    ) as c:
        yield c


def refusal(response: httpx.Response) -> str:
    """The response's refusal: a 4xx status, or a GraphQL error with a code and no data.
    Returns the status or the code."""
    assert response.status_code != 500, response.text
    if 400 <= response.status_code < 500:
        return str(response.status_code)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("data") is None, body
    (error, *_) = body["errors"]
    assert error["message"] != MASKED, body
    code: str = error["extensions"]["code"]
    assert code in REFUSAL_CODES, body
    return code


async def refused_meanwhile(client: httpx.AsyncClient, **request: Any) -> tuple[str, str]:
    """POST the hostile request and, at the same time, `{ __typename }`; checks the latter
    is answered and returns the refusal and the first error's message (or the body)."""
    hostile = asyncio.create_task(client.post("/graphql", **request))
    cheap = await client.post("/graphql", json={"query": "{ __typename }"})
    assert cheap.json()["data"] == {"__typename": "Query"}
    response = await hostile
    code = refusal(response)
    if response.status_code != 200:  # a refused request: GraphQL JSON without data
        (error,) = response.json()["errors"]
        return code, error["message"]
    message: str = response.json()["errors"][0]["message"]
    return code, message


def many(field: str, n: int) -> str:
    return "{ " + " ".join([field] * n) + " }"


async def test_a_too_deep_query_is_refused(client: httpx.AsyncClient) -> None:
    company = "associations { edges { node { record { ... on Company { contacts { edges { node { "
    opening = "{ contacts { edges { node { " + company * 2 + "id"
    deep = opening + " }" * opening.count("{")  # 18 fields deep
    code, message = await refused_meanwhile(client, json={"query": deep})
    assert code == "QUERY_TOO_DEEP"
    assert "at most 15" in message


async def test_aliases_are_refused_past_the_limit(client: httpx.AsyncClient) -> None:
    ok = await client.post(
        "/graphql", json={"query": many("a: __typename", 1).replace("a:", "a0:")}
    )
    assert ok.json()["data"] == {"a0": "Query"}
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(101)) + " }"
    code, message = await refused_meanwhile(client, json={"query": aliases})
    assert (code, message) == (
        "TOO_MANY_ALIASES",
        "the query has 101 aliased fields; at most 100 are allowed",
    )
    # 5,000 aliases of one field: 150,000 characters and 25,000 tokens, refused unparsed
    flood = "{ " + " ".join(f"a{i}: contacts {{ totalCount }}" for i in range(5_000)) + " }"
    code, message = await refused_meanwhile(client, json={"query": flood})
    assert code == "GRAPHQL_PARSE_FAILED"
    assert "Source contains more than 100000 code points" in message


def fan_out(leaf: str, levels: int = 30, spreads: int = 10) -> str:
    """A "billion laughs": fragment F<i> spreads F<i-1> ten times; F0 selects ``leaf``."""
    fragments = [f"fragment F0 on Contact {{ {leaf} }}"]
    for i in range(1, levels):
        body = " ".join([f"...F{i - 1}"] * spreads)
        fragments.append(f"fragment F{i} on Contact {{ {body} }}")
    top = f"...F{levels - 1}"
    return "{ contacts { edges { node { " + top + " } } } } " + " ".join(fragments)


async def test_fragment_fan_out_is_measured_once_per_fragment(client: httpx.AsyncClient) -> None:
    # 10^29 aliased fields, or 10^29 objects, once the fragments are written out: each
    # fragment is measured once, so both are refused at once (strawberry's limiters expand
    # every spread and never finish)
    code, message = await refused_meanwhile(client, json={"query": fan_out("a: id")})
    assert code == "TOO_MANY_ALIASES"
    assert f"has {10**29} aliased fields" in message
    response = await client.post("/graphql", json={"query": fan_out("owner { id }")})
    assert refusal(response) == "QUERY_TOO_COMPLEX"
    assert response.json()["errors"][0]["message"].startswith(f"the query costs {2 * 10**30 + 41};")
    assert response.json()["extensions"]["cost"]["requested"] == 2**53 - 1  # JSON-safe
    # scalars cost nothing: the same fan-out over `id` is answered (one merged field)
    answered = await client.post("/graphql", json={"query": fan_out("id")})
    assert answered.json()["data"] == {"contacts": {"edges": []}}


async def test_fragment_cycles_are_refused(client: httpx.AsyncClient) -> None:
    cycle = (
        "{ contacts { edges { node { ...A } } } } "
        "fragment A on Contact { id owner { id } ...B } fragment B on Contact { ...A }"
    )
    code, message = await refused_meanwhile(client, json={"query": cycle})
    assert code == "GRAPHQL_VALIDATION_FAILED"
    assert "Cannot spread fragment 'A' within itself via 'B'." in message


@pytest.mark.parametrize(
    ("document", "says"),
    [
        (many("__typename", 5_001), "more than 5000 tokens"),
        ("#\n" * 5_001 + "{ __typename }", "more than 5000 comments"),
        ('{ contact(id: "' + "x" * 200_000 + '") { id } }', "more than 100000 code points"),
        ("{ __typename }" + " " * 100_000, "more than 100000 code points"),
    ],
    ids=["tokens", "comments", "long-string", "whitespace"],
)
async def test_token_floods_are_refused_by_the_parser(
    client: httpx.AsyncClient, document: str, says: str
) -> None:
    code, message = await refused_meanwhile(client, json={"query": document})
    assert code == "GRAPHQL_PARSE_FAILED"
    assert says in message


async def test_the_operation_name_check_parses_within_the_limits(
    client: httpx.AsyncClient,
) -> None:
    # the view reads the operations' names before execution: through the same bounded parser
    flood = {"query": many("__typename", 5_001), "operationName": "X"}
    code, message = await refused_meanwhile(client, json=flood)
    assert code == "GRAPHQL_PARSE_FAILED"
    assert "more than 5000 tokens" in message


async def test_huge_variable_lists_are_refused_before_coercion(client: httpx.AsyncClient) -> None:
    query = "query($t: [String!]) { contacts(filter: {tags: {any: $t}}) { totalCount } }"
    few = await client.post("/graphql", json={"query": query, "variables": {"t": ["vip"] * 100}})
    assert few.json() == {
        "data": {"contacts": {"totalCount": 0}},
        "extensions": {"cost": {"requested": 1, "limit": 1_000_000}},
    }
    huge = {"query": query, "variables": {"t": ["x"] * 200_000}}
    code, message = await refused_meanwhile(client, json=huge)
    assert (code, message) == ("VARIABLES_TOO_LARGE", "the variables hold more than 10000 values")


def entities(selection: str) -> str:
    on_contact = f"... on Contact {{ {selection} }}"
    return f"query($r: [_Any!]!) {{ _entities(representations: $r) {{ {on_contact} }} }}"


def representations(n: int) -> list[dict[str, str]]:
    return [{"__typename": "Contact", "id": f"c{i}"} for i in range(n)]


async def test_entities_floods_are_refused(client: httpx.AsyncClient) -> None:
    small = {"query": entities("id"), "variables": {"r": representations(500)}}
    answered = await client.post("/graphql", json=small)
    assert answered.json()["data"] == {"_entities": [None] * 500}  # no such contacts here
    capped = {"query": entities("id"), "variables": {"r": representations(501)}}
    assert await refused_meanwhile(client, json=capped) == (
        "BAD_USER_INPUT",
        "at most 500 representations per _entities call",
    )
    # 500 representations, each asking for 100 notes, tasks and activity items with people
    heavy = entities(
        "notes(first: 100) { edges { node { author { id } } } } "
        "tasks(first: 100) { edges { node { assignee { id } createdBy { id } completedBy { id } "
        "} } } activity(first: 100) { edges { node { actor { id } contact { id } } } } "
        "payments(first: 100) { edges { node { chargedBy { id } amount { amount } } } } "
        "invoices(first: 100) { edges { node { createdBy { id } total { amount } } } }"
    )
    code, message = await refused_meanwhile(
        client, json={"query": heavy, "variables": {"r": representations(500)}}
    )
    assert code == "QUERY_TOO_COMPLEX"
    assert message.startswith("the query costs 1003000; at most 1000000 is allowed")
    flood = {"query": entities("id"), "variables": {"r": representations(20_000)}}
    assert (await refused_meanwhile(client, json=flood))[0] == "VARIABLES_TOO_LARGE"
    literal = ", ".join(['{__typename: "Contact", id: "x"}'] * 1_000)  # 9,000 tokens
    inline = f"{{ _entities(representations: [{literal}]) {{ __typename }} }}"
    assert (await refused_meanwhile(client, json={"query": inline}))[0] == "GRAPHQL_PARSE_FAILED"


async def test_batches_are_refused(client: httpx.AsyncClient) -> None:
    batch = [{"query": "{ __typename }"}] * 1_000
    code, text = await refused_meanwhile(client, json=batch)
    assert (code, text) == ("400", "Batching is not enabled")


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"query": "{ __typename }"',
        b"\xff\xfe",
        b'{"query": "{ __typename \xff }"}',
        b'{"query": "{ __typename }", "variables": "x"}',
        b'{"query": 42}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"query": "{ __typename }", "variables": {"x": ' + b"9" * 5_000 + b"}}",
        b"null",
    ],
    ids=[
        "not-json",
        "truncated",
        "not-utf8",
        "not-utf8-in-string",
        "variables-not-object",
        "query-not-string",
        "nested-100000",
        "5000-digit-number",
        "null",
    ],
)
async def test_malformed_bodies_are_refused(client: httpx.AsyncClient, body: bytes) -> None:
    code, _ = await refused_meanwhile(
        client, content=body, headers={"content-type": "application/json"}
    )
    assert code == "400"


async def raw_status(server: Server, head: str, body: AsyncIterator[bytes] | None) -> int:
    """Send a request over a bare socket, ``head`` now and ``body`` in the background, and
    return the status of the answer, which may come before all of the body is sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)

    async def send_body() -> None:
        if body is not None:
            with contextlib.suppress(ConnectionError):
                async for chunk in body:
                    writer.write(chunk)
                    await writer.drain()

    writer.write(head.encode())
    sending = asyncio.create_task(send_body())
    try:
        status_line = await asyncio.wait_for(reader.readline(), LIVENESS_TIMEOUT)
    finally:
        sending.cancel()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return int(status_line.split()[1])


def post_head(extra: str) -> str:
    return (
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        f"{extra}\r\n"
    )


async def status_meanwhile(
    client: httpx.AsyncClient, server: Server, head: str, body: AsyncIterator[bytes] | None
) -> int:
    """:func:`raw_status`, with a `{ __typename }` answered at the same time."""
    status, cheap = await asyncio.gather(
        raw_status(server, head, body), client.post("/graphql", json={"query": "{ __typename }"})
    )
    assert cheap.json()["data"] == {"__typename": "Query"}
    return status


async def test_a_declared_oversized_body_is_refused_before_it_is_sent(
    client: httpx.AsyncClient, server: Server
) -> None:
    # only the head is sent: the 413 comes from the Content-Length alone
    head = post_head("content-length: 10000000\r\n")
    assert await status_meanwhile(client, server, head, None) == 413


async def test_a_streamed_oversized_body_is_refused_while_it_streams(
    client: httpx.AsyncClient, server: Server
) -> None:
    # chunked, no length given, and never finished: the 413 comes once 1 MB has arrived
    async def chunks() -> AsyncIterator[bytes]:
        piece = b'{"query": "{ __typename }", "variables": {"x": "' + b"a" * 65_536
        for _ in range(40):  # 2.6 MB, then the connection stays open
            yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        await asyncio.Event().wait()

    head = post_head("transfer-encoding: chunked\r\n")
    assert await status_meanwhile(client, server, head, chunks()) == 413


async def test_a_body_within_the_limit_is_read_whole(client: httpx.AsyncClient) -> None:
    query = "query($x: String!) { __type(name: $x) { name } }"
    response = await client.post(
        "/graphql", json={"query": query, "variables": {"x": "a" * 900_000}}
    )
    assert response.json()["data"] == {"__type": None}


async def test_slow_validation_runs_off_the_event_loop(client: httpx.AsyncClient) -> None:
    # 150 copies of one nested field (3,000 tokens): graphql-core's
    # OverlappingFieldsCanBeMerged compares every pair, 0.9-1.9 s of CPU each on this
    # machine; the unknown field makes each one a refusal
    copy = "contacts { edges { node { id notes { edges { node { id } } } } } } "
    slow = ["{ " + copy * (150 + i) + "nope }" for i in range(2)]
    hostile = [asyncio.create_task(client.post("/graphql", json={"query": q})) for q in slow]
    await asyncio.sleep(0.2)  # not a measurement: lets the hostile ones reach the server first
    cheap = asyncio.create_task(client.post("/graphql", json={"query": "{ __typename }"}))
    done, _ = await asyncio.wait({cheap, *hostile}, return_when=asyncio.FIRST_COMPLETED)
    assert done == {cheap}, "`{ __typename }` waited for a hostile document's validation"
    assert cheap.result().json()["data"] == {"__typename": "Query"}
    for task in hostile:
        response = await task
        assert refusal(response) == "GRAPHQL_VALIDATION_FAILED"
        assert "Cannot query field 'nope' on type 'Query'." in response.text


async def test_every_answer_reports_its_cost(client: httpx.AsyncClient) -> None:
    query = "{ contacts(first: 50) { edges { node { id phones { number } } } } }"
    body = (await client.post("/graphql", json={"query": query})).json()
    assert body["extensions"] == {"cost": {"requested": 601, "limit": 1_000_000}}
    assert body["data"] == {"contacts": {"edges": []}}
