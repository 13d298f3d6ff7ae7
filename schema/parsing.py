"""Parsing and validation: each distinct document once, bounded, and off the event loop.

Measured on the 2-core machine (graphql-core 3.3, this schema): parsing costs ~10 µs a token
and ~0.25 µs a character (a 1 MB string or comment takes ~250 ms to lex), so the parser is
given a token and a length limit. Validation is the larger risk: OverlappingFieldsCanBeMerged
compares every pair of same-named fields, so 400 copies of `contacts { totalCount }` (1,600
tokens, 10 KB) take 0.8-2 s (idle or loaded machine) and 200 copies of a nested field (4,000
tokens) 1.6-3.7 s. No token limit that admits the whole-record query (~1,000 tokens) bounds
that below a second, so a new document is parsed
and validated in a worker thread while the event loop goes on serving other requests. One
worker: hostile documents queue behind each other instead of taking the GIL from the loop
(it still gets it every 5 ms switch interval). Documents seen before are answered from the
cache on the loop, without waiting for the worker, and so are very short ones.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

INLINE_LENGTH: Final = 500
"""Documents this short are parsed and validated on the loop: at most ~5 ms (20 copies of
one field), less than a new `{ __typename }` would wait behind hostile documents."""
T = TypeVar("T")
STRAWBERRY_RULES: Final = (MaybeNullValidationRule, OneOfInputValidationRule)
"""The rules strawberry's own validation adds to graphql-core's (``validate_document``)."""


@dataclass(frozen=True)
class Checked:
    """A parsed document and its validation errors (empty when valid; None until it has
    been validated: the HTTP view parses a document to check its ``operationName`` first)."""

    document: DocumentNode
    errors: tuple[GraphQLError, ...] | None = None


@dataclass
class Documents:
    """The documents one schema has parsed and validated, least recently used first.

    Bounded in entries and in tokens: a 5,000-token document holds ~2 MB of AST, so 1,000
    of them would hold 2 GB; the token budget keeps the cache near 100 MB whatever is sent.
    A syntax error (too many tokens or characters included) is raised, with code
    GRAPHQL_PARSE_FAILED; validation errors get GRAPHQL_VALIDATION_FAILED.
    """

    max_tokens: int
    max_length: int
    hide_suggestions: bool
    max_entries: int = 1_000
    max_cached_tokens: int = 250_000
    _entries: OrderedDict[str, Checked] = field(default_factory=OrderedDict)
    _cached_tokens: int = 0
    _worker: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="graphql-documents")
    )
    _listeners: list[Callable[[str, DocumentNode], None]] = field(default_factory=list)

    def on_valid(self, listener: Callable[[str, DocumentNode], None]) -> None:
        """``listener(query, document)`` is told of each document once it passed
        validation, when it does (the HTTP fast lane learns what it may answer)."""
        self._listeners.append(listener)

    async def parse(self, query: str) -> DocumentNode:
        """The document, parsed once."""
        checked = self._cached(query)
        if checked is None:
            checked = Checked(await self._run(query, self._parse, query))
            self._remember(query, checked)
        return checked.document

    async def check(
        self, schema: GraphQLSchema, query: str, rules: Sequence[type[ASTValidationRule]]
    ) -> Checked:
        """The document and its validation errors, each worked out once."""
        checked = self._cached(query)
        if checked is None or checked.errors is None:
            document = None if checked is None else checked.document
            checked = await self._run(
                query, self._parse_and_validate, schema, query, document, tuple(rules)
            )
            self._remember(query, checked)
            if not checked.errors:
                for listener in self._listeners:
                    listener(query, checked.document)
        return checked

    async def _run(self, query: str, work: Callable[..., T], *args: Any) -> T:
        """Short documents on the loop, the others in the worker thread."""
        if len(query) <= INLINE_LENGTH:
            return work(*args)
        return await asyncio.get_running_loop().run_in_executor(self._worker, work, *args)

    def _parse(self, query: str) -> DocumentNode:
        try:
            return parse(
                query,
                max_lexical_tokens=self.max_tokens,
                max_comments=self.max_tokens,
                max_source_length=self.max_length,
            )
        except GraphQLError as error:
            raise _coded(error, "GRAPHQL_PARSE_FAILED") from None

    def _parse_and_validate(
        self,
        schema: GraphQLSchema,
        query: str,
        document: DocumentNode | None,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> Checked:
        document = document or self._parse(query)
        errors = validate(
            schema, document, (*rules, *STRAWBERRY_RULES), hide_suggestions=self.hide_suggestions
        )
        return Checked(document, tuple(_coded(e, "GRAPHQL_VALIDATION_FAILED") for e in errors))

    def _cached(self, query: str) -> Checked | None:
        checked = self._entries.get(query)
        if checked is not None:
            self._entries.move_to_end(query)
        return checked

    def _remember(self, query: str, checked: Checked) -> None:
        tokens = _tokens(checked.document)
        if tokens > self.max_cached_tokens:
            return
        previous = self._entries.pop(query, None)
        if previous is not None:
            self._cached_tokens -= _tokens(previous.document)
        self._entries[query] = checked
        self._cached_tokens += tokens
        while len(self._entries) > self.max_entries or self._cached_tokens > self.max_cached_tokens:
            _, evicted = self._entries.popitem(last=False)
            self._cached_tokens -= _tokens(evicted.document)


def _coded(error: GraphQLError, code: str) -> GraphQLError:
    """Gives an error without one the code Apollo's servers and gateways use for it."""
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


def _tokens(document: DocumentNode) -> int:
    count: int = getattr(document, "token_count", 0)  # set by graphql-core's parse
    return count


class CheckedDocuments(SchemaExtension):
    """Replaces strawberry's ParserCache and ValidationCache, which parse and validate on
    the event loop: the document comes from :class:`Documents`, and strawberry's own
    parse and validation steps find it done and skip."""

    def __init__(self, documents: Documents) -> None:
        self.documents = documents
        self.errors: tuple[GraphQLError, ...] | None = None

    async def on_parse(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        if ctx.query and ctx.graphql_document is None:
            checked = await self.documents.check(
                ctx.schema._schema, ctx.query, ctx.validation_rules
            )
            ctx.graphql_document, self.errors = checked.document, checked.errors
        yield

    def on_validate(self) -> Iterator[None]:
        if self.errors is not None:
            self.execution_context.pre_execution_errors = list(self.errors)
        yield
