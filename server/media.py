"""GraphQL over HTTP media types: which one a client's ``Accept`` header asks for.

``application/graphql-response+json`` when the client lists it and prefers it (by ``q``, then
by order) to ``application/json``; ``application/json`` otherwise -- no ``Accept``, ``*/*``,
``application/*``, or nothing we speak (the spec lets a server answer ``application/json``
rather than 406)."""

from __future__ import annotations

from typing import Final

GRAPHQL_RESPONSE: Final = "application/graphql-response+json"
JSON: Final = "application/json"


def negotiate(accept: str | None) -> str:
    best, best_q = JSON, -1.0
    for item in (accept or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        media = media.lower()
        if media == GRAPHQL_RESPONSE:
            candidate = GRAPHQL_RESPONSE
        elif media in {JSON, "application/*", "*/*"}:
            candidate = JSON
        else:
            continue
        q = _quality(params)
        if q > best_q and q > 0:  # the first of equal preference wins
            best, best_q = candidate, q
    return best


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0
