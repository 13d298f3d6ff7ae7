"""Automatic persisted queries (Apollo's APQ) and trusted documents.

APQ: ``extensions.persistedQuery = {version: 1, sha256Hash}``. A hash without a query is looked
up in a bounded in-process LRU (``PersistedQueryNotFound``, code PERSISTED_QUERY_NOT_FOUND,
when absent: the client then sends hash and query); a hash with a query is checked against the
query's SHA-256 and stored. Trusted documents: a JSON manifest ``{sha256: document}``; in
production every document must be in it (PERSISTED_QUERY_NOT_LISTED otherwise), in development
and test any document is accepted."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from pathlib import Path

from graphql import GraphQLError


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def load_manifest(path: Path) -> dict[str, str]:
    """``{hash: document}``; each hash must be the document's SHA-256."""
    data = json.loads(path.read_text())
    documents = data.get("documents", data) if isinstance(data, dict) else None
    if not isinstance(documents, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in documents.items()
    ):
        raise ValueError(f"{path}: expected a JSON object of sha256 hash -> document")
    for digest, document in documents.items():
        if sha256(document) != digest.lower():
            raise ValueError(f"{path}: {digest} is not the SHA-256 of its document")
    return {k.lower(): v for k, v in documents.items()}


class PersistedQueries:
    def __init__(self, maxsize: int, trusted: dict[str, str] | None, enforce: bool) -> None:
        self.maxsize = maxsize
        self.cache: OrderedDict[str, str] = OrderedDict()
        self.trusted = trusted or {}
        self.enforce = enforce and trusted is not None

    def resolve(self, query: str | None, extensions: dict[str, object] | None) -> str | None:
        """The document to run (``query`` itself without APQ); raises GraphQLError."""
        persisted = (extensions or {}).get("persistedQuery")
        digest: str | None = None
        if persisted is not None:
            if not isinstance(persisted, dict) or persisted.get("version") != 1:
                raise _error("Unsupported persisted query version", "PERSISTED_QUERY_NOT_SUPPORTED")
            value = persisted.get("sha256Hash")
            if not isinstance(value, str) or not value:
                raise _error("persistedQuery needs a sha256Hash", "BAD_USER_INPUT")
            digest = value.lower()
            if query is None:
                query = self.trusted.get(digest) or self._get(digest)
                if query is None:
                    if self.enforce:
                        raise _not_listed()
                    raise _error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            elif sha256(query) != digest:
                raise _error("provided sha does not match query", "BAD_USER_INPUT")
        if self.enforce and query is not None:
            if (digest or sha256(query)) not in self.trusted:
                raise _not_listed()
        elif digest is not None and query is not None:
            self._put(digest, query)
        return query

    def _get(self, digest: str) -> str | None:
        query = self.cache.get(digest)
        if query is not None:
            self.cache.move_to_end(digest)
        return query

    def _put(self, digest: str, query: str) -> None:
        self.cache[digest] = query
        self.cache.move_to_end(digest)
        while len(self.cache) > self.maxsize:
            self.cache.popitem(last=False)


def _not_listed() -> GraphQLError:
    return _error(
        "PersistedQueryNotListed: this server runs trusted documents only",
        "PERSISTED_QUERY_NOT_LISTED",
    )


def _error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})
