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

from schema.activity import ActivitySubscription, timeline_types
from schema.appointments import AppointmentsMutation
from schema.associations import (
    AssociationsMutation,
    AssociationsQuery,
    Company,
    CustomObjectRecord,
    Opportunity,
)
from schema.calendars import Calendar, CalendarsMutation, CalendarsQuery
from schema.client_portal import ClientPortalMutation
from schema.contact import Contact
from schema.documents import DocumentsMutation
from schema.guards import AuthenticationGuard, depth_limit_rule, is_unexpected, log_unexpected
from schema.interactions import InteractionsMutation
from schema.mutation import Mutation
from schema.notes import NotesMutation
from schema.query import Query
from schema.smart_lists import SmartListsMutation, SmartListsQuery
from schema.tasks import TasksMutation
from schema.workflows import WorkflowsMutation

QUERIES: tuple[type, ...] = (
    Query,
    SmartListsQuery,
    CalendarsQuery,
    AssociationsQuery,
)
"""Each tab's root fields, merged into one Query, one Mutation and one Subscription type."""
MUTATIONS: tuple[type, ...] = (
    Mutation,
    NotesMutation,
    TasksMutation,
    InteractionsMutation,
    WorkflowsMutation,
    ClientPortalMutation,
    SmartListsMutation,
    CalendarsMutation,
    AppointmentsMutation,
    AssociationsMutation,
    DocumentsMutation,
)
SUBSCRIPTIONS: tuple[type, ...] = (ActivitySubscription,)
ENTITIES: tuple[type, ...] = (Contact, Calendar, Opportunity, Company, CustomObjectRecord)
"""Entity types other subgraphs may extend. Each resolves through `_entities` with an async
`resolve_reference` through a loader; they are the only `__typename`s `_entities` accepts."""

FEDERATION_VERSION: Final = "2.9"
"""Highest version both @apollo/composition and @theguild/federation-composition accept."""


class ContactGraphSchema(strawberry.federation.Schema):
    """Federation schema with a bounded, typed ``_entities`` and quiet error logging."""

    max_entities: int = 500
    entity_names: frozenset[str] = frozenset(
        get_object_definition(t, strict=True).name
        for t in ENTITIES
        if hasattr(t, "resolve_reference")
    )

    def entities_resolver(
        self, info: strawberry.Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        if len(representations) > self.max_entities:
            raise GraphQLError(
                f"at most {self.max_entities} representations per _entities call",
                extensions={"code": "BAD_USER_INPUT"},
            )
        known = self.schema_converter.type_map
        for rep in representations:
            name = rep.get("__typename") if isinstance(rep, dict) else None
            if name not in known or name not in self.entity_names:
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


def merge_roots(name: str, types: tuple[type, ...], description: str) -> type:
    """`merge_types` with a description: the merged root keeps none of the tabs' own."""
    merged = merge_types(name, types)
    get_object_definition(merged, strict=True).description = description
    return merged


def build_schema(*, max_query_depth: int, max_entities: int) -> ContactGraphSchema:
    """The schema with the operator's limits (``server/settings.py`` holds their defaults)."""
    depth_rule = depth_limit_rule(max_query_depth)
    schema = ContactGraphSchema(
        query=merge_roots("Query", QUERIES, "Read the contact record and what hangs off it."),
        mutation=merge_roots(
            "Mutation",
            MUTATIONS,
            "Change the contact record: one `input` in, a payload out. A payload with "
            "`userErrors` changed nothing.",
        ),
        subscription=merge_roots(
            "Subscription",
            SUBSCRIPTIONS,
            "Live updates, over websocket (graphql-transport-ws or graphql-ws).",
        ),
        types=[*ENTITIES, *timeline_types()],
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
    schema.max_entities = max_entities
    return schema
