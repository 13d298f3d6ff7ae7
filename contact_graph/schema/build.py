"""Builds the federated schema once, with its guards and caches."""

from __future__ import annotations

from typing import Final

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules, MaskErrors, ParserCache, ValidationCache
from strawberry.federation.schema import FederationAny
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.base import get_object_definition

from ..settings import Settings
from .associations import (
    AssociationsMutation,
    AssociationsQuery,
    Company,
    CustomObjectRecord,
    Opportunity,
)
from .contact import Contact
from .guards import AuthenticationGuard, depth_limit_rule, is_unexpected, log_unexpected
from .mutation import Mutation
from .notes import NotesMutation
from .query import Query

QUERIES: tuple[type, ...] = (Query, AssociationsQuery)
"""Each tab's root fields, merged into one Query and one Mutation type."""
MUTATIONS: tuple[type, ...] = (Mutation, NotesMutation, AssociationsMutation)
ENTITIES: tuple[type, ...] = (Contact, Opportunity, Company, CustomObjectRecord)
"""Entity types other subgraphs may extend; those with ``resolve_reference`` are the ones
``_entities`` resolves."""

FEDERATION_VERSION: Final = "2.9"
"""Highest version both @apollo/composition and @theguild/federation-composition accept."""


class ContactGraphSchema(strawberry.federation.Schema):
    """Federation schema with a bounded, typed ``_entities`` and quiet error logging."""

    max_entities: int = 500
    resolvable: frozenset[str] = frozenset()
    """Type names ``_entities`` accepts: the entities that define ``resolve_reference``."""

    def entities_resolver(
        self, info: strawberry.Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        if len(representations) > self.max_entities:
            raise GraphQLError(
                f"at most {self.max_entities} representations per _entities call",
                extensions={"code": "BAD_USER_INPUT"},
            )
        for rep in representations:
            name = rep.get("__typename") if isinstance(rep, dict) else None
            if name not in self.resolvable:
                raise GraphQLError(
                    f"this subgraph resolves no entity of type {name!r}",
                    extensions={"code": "BAD_USER_INPUT"},
                )
        return super().entities_resolver(info, representations)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # strawberry logs every error with a traceback; we log only the unexpected ones
        request_id = None
        if execution_context is not None:
            request_id = getattr(execution_context.context, "request_id", None)
        log_unexpected(errors, request_id)


def build_schema(settings: Settings) -> ContactGraphSchema:
    depth_rule = depth_limit_rule(settings.max_query_depth)
    schema = ContactGraphSchema(
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
        types=list(ENTITIES),
        federation_version=FEDERATION_VERSION,
        extensions=[
            # factories: strawberry builds fresh extensions per request; the caches live
            # at module level, keyed by maxsize, so they are still shared
            AuthenticationGuard,
            lambda: AddValidationRules([depth_rule]),
            lambda: ParserCache(maxsize=1000),
            lambda: ValidationCache(maxsize=1000),
            lambda: MaskErrors(
                should_mask_error=is_unexpected,
                error_message="Unexpected error; it has been logged.",
            ),
        ],
    )
    schema.max_entities = settings.max_entities
    schema.resolvable = frozenset(
        get_object_definition(t, strict=True).name
        for t in ENTITIES
        if hasattr(t, "resolve_reference")
    )
    return schema
