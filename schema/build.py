"""Builds the federated schema once, with its guards and caches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import AddValidationRules, SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
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
from schema.compiled.roots import CompiledRoots
from schema.contact import Contact
from schema.contact_change import ContactChangeMutation
from schema.cost import CostLimit, CostMemo
from schema.documents import DocumentsMutation
from schema.extension_runner import CachedHooksRunner
from schema.fanout import (
    FanOutExecutionContext,
    QuietFanOutExecutionContext,
    attach_extensions,
)
from schema.guards import (
    AuthenticationGuard,
    alias_limit_rule,
    depth_limit_rule,
    is_unexpected,
    log_unexpected,
)
from schema.input_guard import StorableInputGuard
from schema.interactions import InteractionsMutation
from schema.invoices import InvoicesMutation
from schema.masking import MASKED_MESSAGE, MaskErrorsWithRequestId
from schema.merge import MergeMutation
from schema.mutation import Mutation
from schema.notes import NotesMutation
from schema.parsing import CheckedDocuments, Documents
from schema.payments import PaymentsMutation
from schema.query import Query
from schema.scalars import SCALAR_OVERRIDES
from schema.smart_lists import SmartListsMutation, SmartListsQuery
from schema.tasks import TasksMutation
from schema.webhooks import WebhooksMutation, WebhooksQuery
from schema.workflows import WorkflowsMutation

QUERIES: tuple[type, ...] = (
    Query,
    SmartListsQuery,
    CalendarsQuery,
    AssociationsQuery,
    WebhooksQuery,
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
    WebhooksMutation,
    MergeMutation,
    PaymentsMutation,
    InvoicesMutation,
    ContactChangeMutation,
)
SUBSCRIPTIONS: tuple[type, ...] = (ActivitySubscription,)
ENTITIES: tuple[type, ...] = (Contact, Calendar, Opportunity, Company, CustomObjectRecord)
"""Entity types other subgraphs may extend. Each resolves through `_entities` with an async
`resolve_reference` through a loader; they are the only `__typename`s `_entities` accepts."""

ENTITY_KEY: Final = "id"
"""The key field of every entity in ENTITIES (`@key(fields: "id")`; a test checks it)."""

ExtensionFactory: TypeAlias = type[SchemaExtension] | Callable[[], SchemaExtension]
"""What strawberry builds a fresh extension from for every operation."""

FEDERATION_VERSION: Final = "2.9"
"""Highest version both @apollo/composition and @theguild/federation-composition accept."""


class CompiledExecutionContext(CompiledRoots, FanOutExecutionContext):
    """graphql-core's executor with compiled reads and shared subscription events."""


class QuietCompiledExecutionContext(CompiledRoots, QuietFanOutExecutionContext):
    """The same, with variable errors without suggestions."""


class ContactGraphSchema(strawberry.federation.Schema):
    """Federation schema with a bounded, typed ``_entities`` and quiet error logging."""

    max_entities: int = 500
    parsing: Documents
    """Parsed and validated documents (set by ``build_schema``; the HTTP view parses too)."""
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
        for index, rep in enumerate(representations):
            fields: dict[str, object] = rep if isinstance(rep, dict) else {}
            name = fields.get("__typename")
            if name not in known or name not in self.entity_names:
                raise GraphQLError(
                    f"this subgraph resolves no entity of type {name!r}",
                    extensions={"code": "BAD_USER_INPUT"},
                )
            if not isinstance(fields.get(ENTITY_KEY), str):
                # every entity here is keyed by `id`; strawberry would call resolve_reference
                # without it (a TypeError) or with a number, a list or an object
                raise GraphQLError(
                    f"representation {index} ({name}) needs `{ENTITY_KEY}` as a string",
                    extensions={"code": "BAD_USER_INPUT"},
                )
        return super().entities_resolver(info, representations)

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        """Hooks looked up once per extension class (``schema/extension_runner.py``); a
        websocket operation's live sink gets the runner for its frames' extensions."""
        runner = CachedHooksRunner(execution_context=execution_context, extensions=extensions)
        attach_extensions(runner, execution_context)
        return runner

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


@dataclass(frozen=True)
class Limits:
    """What one request may ask for (README: Limits); ``server/settings.py`` holds the
    defaults, under the same names."""

    max_query_depth: int
    max_aliases: int
    max_query_tokens: int
    max_query_length: int
    max_query_cost: int
    max_variable_values: int
    max_entities: int


def build_schema(
    limits: Limits, *, hide_suggestions: bool, extensions: Sequence[ExtensionFactory] = ()
) -> ContactGraphSchema:
    """The schema with the operator's limits. ``hide_suggestions`` drops every "Did you
    mean ...?" hint (fields, arguments, types, enum values, input fields) from errors.
    ``extensions`` are the server's (observability): they see errors before masking."""
    rules: list[type[ASTValidationRule]] = [
        depth_limit_rule(limits.max_query_depth),
        alias_limit_rule(limits.max_aliases),
    ]
    documents = Documents(
        max_tokens=limits.max_query_tokens,
        max_length=limits.max_query_length,
        hide_suggestions=hide_suggestions,
    )
    costs = CostMemo()  # like `documents`: this schema's, shared by its requests
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
        scalar_overrides=SCALAR_OVERRIDES,  # DateTime and Date refuse years outside 1900-2200
        # subscription events executed once per (document, variables, viewer scope)
        execution_context_class=(
            QuietCompiledExecutionContext if hide_suggestions else CompiledExecutionContext
        ),
        extensions=[
            # factories: strawberry builds fresh extensions per request; `documents` (the
            # parse and validation cache) is this schema's, shared by its requests
            AuthenticationGuard,
            lambda: AddValidationRules(rules),
            # the validation step, in this order: validation's errors, then the cost and
            # the variables' size, then what the variables and literals hold
            lambda: CheckedDocuments(documents),
            lambda: CostLimit(limits.max_query_cost, limits.max_variable_values, costs),
            StorableInputGuard,
            lambda: MaskErrorsWithRequestId(
                should_mask_error=is_unexpected, error_message=MASKED_MESSAGE
            ),
            *extensions,
        ],
    )
    schema.max_entities = limits.max_entities
    schema.parsing = documents
    return schema
