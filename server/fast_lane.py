"""The HTTP fast lane: a cached, validated operation whose answer needs no execution
(``{ __typename }``, a gateway's or load balancer's probe) answered with prepared bytes.

Strawberry's view, its extension runner and graphql-core's execution cost ~85% of such a
request; its answer depends on nothing but the document. So the view asks the lane first
(``ContactGraphView.__call__``). The lane knows only documents that passed validation
(it learns them from ``schema.parsing.Documents``: the first request of a document always
goes the whole way) and answers only requests it recognises in full -- a JSON POST or a GET
with nothing but ``query`` and ``operationName``, no variables or extensions, an ``Accept``
of JSON media types, no federated-trace header. Anything else declines, and the normal path
answers as before. What a user or an operator sees is the same as that path's: the body and
headers byte for byte (``tests/server/test_fast_lane.py`` compares them), the token checked
by the view's own ``get_context`` (an invalid token is refused just as it would be: these
fields are public, so the answer is the same), the cost report, the request line, the
operation metrics, the span (:class:`server.observability.LaneWatch`).

With ``CONTACT_GRAPH_COMPILED_READS=on`` the lane also answers a query that compiles entirely
(variables allowed, as a JSON object): :mod:`server.compiled_lane` runs its statements with
the request's viewer, and declines whatever it or the planner would not answer alike.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import orjson
from graphql import DocumentNode, GraphQLError
from starlette.requests import Request
from starlette.responses import Response

from schema.compiled.roots import TRACE_HEADER
from schema.cost import cost_report, operation_cost
from server.compiled_lane import CompiledLane, CompiledOperation, compiled_operations
from server.media import GRAPHQL_RESPONSE, JSON, negotiate
from server.typename_only import typename_answers

if TYPE_CHECKING:
    from schema.build import ContactGraphSchema
    from schema.compiled.reads import CompiledReads
    from server.observability import LaneWatch
    from server.view import ContactGraphView

MAX_BODY: Final = 16384
"""Longer bodies (or ones of no declared length) go the normal way: a tiny operation, or a
compiled read's document and variables, is well under it."""
PLAIN_ACCEPT: Final = frozenset({JSON, GRAPHQL_RESPONSE, "application/*", "*/*"})
"""Media types an ``Accept`` may list for the lane to answer (a streaming one declines)."""
BODY_FIELDS: Final = frozenset({"query", "operationName", "variables", "extensions"})
GET_FIELDS: Final = frozenset({"query", "operationName"})


@dataclass(frozen=True)
class Prepared:
    """One (document, operationName)'s answer: the body, and the operation's name (as
    execution reports it: the metrics' label, the log line's ``operation``)."""

    body: bytes
    name: str | None


@dataclass(frozen=True)
class Asked:
    """What a request the lane recognises in full asks for."""

    query: str
    name: str | None
    variables: dict[str, Any] | None


class FastLane:
    """The prepared answers and the compiled operations, least recently used forgotten first
    (``capacity`` 0: off). ``compiled_reads`` in ``on`` mode: compiled operations too."""

    def __init__(
        self,
        capacity: int,
        schema: ContactGraphSchema,
        max_cost: int,
        compiled_reads: CompiledReads | None = None,
        max_variable_values: int = 0,
        on_statement: Callable[[float], None] | None = None,
    ) -> None:
        self.capacity = capacity
        self.schema = schema
        self.max_cost = max_cost
        self.compiled = (
            CompiledLane(schema, compiled_reads, max_cost, max_variable_values, on_statement)
            if compiled_reads is not None and compiled_reads.mode == "on"
            else None
        )
        self._entries: OrderedDict[tuple[str, str | None], Prepared | CompiledOperation] = (
            OrderedDict()
        )
        if capacity > 0:
            schema.parsing.on_valid(self.learn)

    def __len__(self) -> int:
        return len(self._entries)

    def learn(self, query: str, document: DocumentNode) -> None:
        """Prepare the answers of ``document``'s qualifying operations (it is valid)."""
        graphql_schema = self.schema._schema
        query_type = graphql_schema.query_type
        if query_type is None:
            return
        answers = typename_answers(document, query_type.name)
        if self.compiled is not None:
            for requested, operation in compiled_operations(document, self.schema).items():
                if requested not in answers:
                    self._entries[(query, requested)] = operation
                    self._entries.move_to_end((query, requested))
        for requested, answer in answers.items():
            cost = operation_cost(graphql_schema, document, requested, None)
            if cost is None or cost > self.max_cost:
                continue
            report = cost_report(cost, self.max_cost)
            extensions = {"extensions": report} if report else {}
            body = orjson.dumps({"data": answer.data, **extensions})
            self._entries[(query, requested)] = Prepared(body, answer.name)
            self._entries.move_to_end((query, requested))
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    async def answer(
        self, view: ContactGraphView, request: Request, watch: LaneWatch
    ) -> Response | None:
        """The response, or None: the normal path answers this request."""
        if not self._entries:
            return None
        asked = await self._asked(view, request)
        if asked is None:
            return None
        key = (asked.query, asked.name)
        entry = self._entries.get(key)
        if entry is None:
            return None
        if isinstance(entry, Prepared) and asked.variables:
            return None
        self._entries.move_to_end(key)
        query = asked.query
        try:
            view.persisted.resolve(query, None)  # trusted documents only, in production
        except GraphQLError:
            return None
        media_type = _media_type(request.headers.get("accept"))
        if media_type is None:
            return None
        if isinstance(entry, Prepared):
            context = await view.get_context(request, None)  # the request id, the token
            with watch.answering(entry.name, query, context.authenticated):
                response = Response(entry.body, media_type=media_type)
            return response
        return await self._compiled(view, request, watch, asked, entry, media_type)

    async def _compiled(
        self,
        view: ContactGraphView,
        request: Request,
        watch: LaneWatch,
        asked: Asked,
        entry: CompiledOperation,
        media_type: str,
    ) -> Response | None:
        lane = self.compiled
        if lane is None:
            return None
        found = lane.ready(asked.query, entry, asked.variables)
        if found is None:
            return None
        ready, ids = found
        context = await view.get_context(request, None)
        if not context.authenticated:
            return None
        response: Response | None = None
        with watch.answering(entry.name, asked.query, True) as answering:
            body = await lane.run(entry, asked.variables, context, ready, ids)
            if body is None:
                answering.decline()
            else:
                response = Response(body, media_type=media_type)
        if entry.refused:
            self._entries.pop((asked.query, asked.name), None)
        return response

    async def _asked(self, view: ContactGraphView, request: Request) -> Asked | None:
        """What a request the lane recognises in full asks, else None."""
        headers = request.headers
        if TRACE_HEADER in headers:
            return None
        method = request.method
        if method == "GET":
            params = request.query_params
            if not view.allow_queries_via_get or not params.keys() <= GET_FIELDS:
                return None
            query, name = params.get("query"), params.get("operationName")
            variables = None
        elif method == "POST":
            content_type = headers.get("content-type", "")
            if content_type.partition(";")[0].strip().lower() != JSON:
                return None
            length = headers.get("content-length", "")
            if not length.isdigit() or int(length) > min(
                MAX_BODY, view.runtime.settings.max_body_bytes
            ):
                return None
            try:
                data = orjson.loads(await request.body())
            except orjson.JSONDecodeError:
                return None
            if not isinstance(data, dict) or not data.keys() <= BODY_FIELDS:
                return None
            variables = data.get("variables")
            if not (variables is None or isinstance(variables, dict)):
                return None
            if data.get("extensions") is not None:
                return None
            query, name = data.get("query"), data.get("operationName")
        else:
            return None
        if not isinstance(query, str) or not (name is None or isinstance(name, str)):
            return None
        return Asked(query, name, variables)


def _media_type(accept: str | None) -> str | None:
    """The response's content type, as the view's negotiation and ``create_response`` make
    it; None for an ``Accept`` the lane leaves to the normal path."""
    if accept is not None:
        for item in accept.split(","):
            media = item.partition(";")[0].strip().lower()
            if media and media not in PLAIN_ACCEPT:
                return None
    media = negotiate(accept)
    return f"{GRAPHQL_RESPONSE}; charset=utf-8" if media == GRAPHQL_RESPONSE else media
