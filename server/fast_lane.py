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
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import orjson
from graphql import DocumentNode, GraphQLError
from starlette.requests import Request
from starlette.responses import Response

from schema.cost import cost_report, operation_cost
from server.media import GRAPHQL_RESPONSE, JSON, negotiate
from server.typename_only import typename_answers

if TYPE_CHECKING:
    from schema.build import ContactGraphSchema
    from server.observability import LaneWatch
    from server.view import ContactGraphView

MAX_BODY: Final = 4096
"""Longer bodies (or ones of no declared length) go the normal way: a tiny operation is
well under it."""
PLAIN_ACCEPT: Final = frozenset({JSON, GRAPHQL_RESPONSE, "application/*", "*/*"})
"""Media types an ``Accept`` may list for the lane to answer (a streaming one declines)."""
BODY_FIELDS: Final = frozenset({"query", "operationName", "variables", "extensions"})
GET_FIELDS: Final = frozenset({"query", "operationName"})
TRACE_HEADER: Final = "apollo-federation-include-trace"


@dataclass(frozen=True)
class Prepared:
    """One (document, operationName)'s answer: the body, and the operation's name (as
    execution reports it: the metrics' label, the log line's ``operation``)."""

    body: bytes
    name: str | None


class FastLane:
    """The prepared answers, least recently used forgotten first (``capacity`` 0: off)."""

    def __init__(self, capacity: int, schema: ContactGraphSchema, max_cost: int) -> None:
        self.capacity = capacity
        self.schema = schema
        self.max_cost = max_cost
        self._entries: OrderedDict[tuple[str, str | None], Prepared] = OrderedDict()
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
        for requested, answer in typename_answers(document, query_type.name).items():
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
        prepared = self._entries.get(asked)
        if prepared is None:
            return None
        self._entries.move_to_end(asked)
        query = asked[0]
        try:
            view.persisted.resolve(query, None)  # trusted documents only, in production
        except GraphQLError:
            return None
        media_type = _media_type(request.headers.get("accept"))
        if media_type is None:
            return None
        context = await view.get_context(request, None)  # the request id, the token
        with watch.answering(prepared.name, query, context.authenticated):
            response = Response(prepared.body, media_type=media_type)
        return response

    async def _asked(
        self, view: ContactGraphView, request: Request
    ) -> tuple[str, str | None] | None:
        """(query, operationName) of a request the lane recognises in full, else None."""
        headers = request.headers
        if TRACE_HEADER in headers:
            return None
        method = request.method
        if method == "GET":
            params = request.query_params
            if not view.allow_queries_via_get or not params.keys() <= GET_FIELDS:
                return None
            query, name = params.get("query"), params.get("operationName")
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
            if data.get("variables") not in (None, {}) or data.get("extensions") is not None:
                return None
            query, name = data.get("query"), data.get("operationName")
        else:
            return None
        if not isinstance(query, str) or not (name is None or isinstance(name, str)):
            return None
        return query, name


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
