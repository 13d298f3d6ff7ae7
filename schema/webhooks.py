"""Webhooks: `WebhookEndpoint` with its deliveries and their attempts, `webhookEndpoints` /
`webhookEndpoint`, and webhookEndpointCreate|Update|Delete, webhookEndpointSecretRotate and
webhookDeliveryRetry. Admins who see every contact only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

import strawberry

from domain import webhooks as w
from domain.events import EventKind
from domain.webhook_bodies import webhook_type
from resolvers import webhooks as r
from resolvers.common import Info, Outcome, page_request
from schema.common import AfterArg, Connection, FirstArg, InputArg, SortDirection, UserError
from schema.enums import graphql_enum

UNSET: Any = strawberry.UNSET
_ADMINS = "Admins who see every contact only (FORBIDDEN otherwise)."

graphql_enum(
    w.DeliveryStatus,
    "Where a delivery stands.",
    {
        w.DeliveryStatus.PENDING: "Not sent yet, or failed and waiting for its next attempt "
        "(`nextAttemptAt`).",
        w.DeliveryStatus.DELIVERED: "The endpoint answered 2xx.",
        w.DeliveryStatus.FAILED: "Every attempt failed for the whole retry window; the "
        "endpoint was disabled. webhookDeliveryRetry sends it again.",
    },
    name="WebhookDeliveryStatus",
)


graphql_enum(
    w.WebhookEndpointSortField,
    "What webhook endpoints sort by; ties are broken by id.",
    {
        w.WebhookEndpointSortField.CREATED_AT: "When the endpoint was created.",
        w.WebhookEndpointSortField.URL: "Its URL, character by character.",
    },
)
graphql_enum(
    w.WebhookDeliverySortField,
    "What deliveries sort by; ties are broken by id.",
    {
        w.WebhookDeliverySortField.CREATED_AT: "When the event was picked up for the endpoint.",
        w.WebhookDeliverySortField.UPDATED_AT: "When its status last changed.",
    },
)


@strawberry.input(description="How to sort webhook endpoints; default oldest first.")
class WebhookEndpointOrderBy:
    field: w.WebhookEndpointSortField = strawberry.field(
        default=w.WebhookEndpointSortField.CREATED_AT, description="Creation time (default)."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.ASC, description="Which way; default ascending."
    )


@strawberry.input(description="Which webhook endpoints to list. Every member given must hold.")
class WebhookEndpointFilter:
    enabled: bool | None = strawberry.field(
        default=None, description="Only enabled (true) or disabled (false) ones; all if omitted."
    )


@strawberry.input(description="How to sort deliveries; default newest first.")
class WebhookDeliveryOrderBy:
    field: w.WebhookDeliverySortField = strawberry.field(
        default=w.WebhookDeliverySortField.CREATED_AT, description="Pick-up time (default)."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Which way; default descending."
    )


@strawberry.type(description="One request of a delivery and how it went.")
class WebhookAttempt:
    at: datetime = strawberry.field(description="When the request was sent.")
    status_code: int | None = strawberry.field(
        description="The HTTP status the endpoint answered; null when no answer came "
        "(refused address, connection error, timeout)."
    )
    duration_ms: int = strawberry.field(description="How long the request took, in ms.")
    error: str | None = strawberry.field(
        description="What went wrong (`HTTP 500`, `timed out ...`, `refused: ...`); null on a 2xx."
    )

    @classmethod
    def from_domain(cls, a: w.WebhookAttempt) -> WebhookAttempt:
        return cls(at=a.at, status_code=a.status_code, duration_ms=a.duration_ms, error=a.error)


@strawberry.type(description="One event sent to one endpoint, with its attempts.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="The delivery's id.")
    event_id: strawberry.ID = strawberry.field(
        description="The event's id: the `webhook-id` header, the same on every attempt "
        "(receivers deduplicate on it)."
    )
    event_kind: EventKind = strawberry.field(description="What happened.")
    type: str = strawberry.field(description="The body's `type`, e.g. `note.added`.")
    contact_id: strawberry.ID = strawberry.field(description="The contact it happened to.")
    status: w.DeliveryStatus = strawberry.field(description="Where the delivery stands.")
    attempt_count: int = strawberry.field(description="Requests sent so far, in all.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is sent next (a PENDING one; it may wait for the contact's "
        "earlier events); null once DELIVERED or FAILED."
    )
    created_at: datetime = strawberry.field(description="When the event was picked up.")
    updated_at: datetime = strawberry.field(description="When its status last changed.")

    @strawberry.field(description="Its 20 latest attempts, newest first.")
    async def attempts(self, info: Info) -> list[WebhookAttempt]:
        return [WebhookAttempt.from_domain(a) for a in await r.attempts(info, str(self.id))]

    @classmethod
    def from_domain(cls, d: w.WebhookDelivery) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(d.id),
            event_id=strawberry.ID(d.event_id),
            event_kind=EventKind(d.event_kind),
            type=webhook_type(d.event_kind).name,
            contact_id=strawberry.ID(d.contact_id),
            status=d.status,
            attempt_count=d.attempts,
            next_attempt_at=d.next_attempt_at if d.status is w.DeliveryStatus.PENDING else None,
            created_at=d.created_at,
            updated_at=d.updated_at,
        )


@strawberry.type(description="A page of an endpoint's deliveries, newest first.")
class WebhookDeliveryConnection(Connection[WebhookDelivery]):
    pass


@strawberry.input(description="Which deliveries to list. Every member given must hold.")
class WebhookDeliveryFilter:
    statuses: list[w.DeliveryStatus] | None = strawberry.field(
        default=None, description="Only these statuses; all when omitted; [] matches none."
    )

    def key(self) -> tuple[w.DeliveryStatus, ...] | None:
        return None if self.statuses is None else tuple(dict.fromkeys(self.statuses))


@strawberry.type(
    description="Where the location's events are POSTed, signed as Standard Webhooks says "
    "(README: Webhooks). Its secret is shown only by webhookEndpointCreate and "
    "webhookEndpointSecretRotate."
)
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="The endpoint's id.")
    url: str = strawberry.field(description="Where deliveries are POSTed (https).")
    event_kinds: list[EventKind] | None = strawberry.field(
        description="The kinds of event it receives; null: every kind, those added later too."
    )
    enabled: bool = strawberry.field(
        description="Whether events are delivered to it; events committed while it is "
        "disabled are not."
    )
    disabled_reason: str | None = strawberry.field(
        description="Why the worker disabled it (its deliveries kept failing); null when "
        "enabled or disabled by an admin."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When its settings last changed.")

    @strawberry.field(description="Its deliveries as a cursor connection; default newest first.")
    async def deliveries(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            WebhookDeliveryFilter | None,
            strawberry.argument(description="Which deliveries; all of them if omitted."),
        ] = None,
        order_by: Annotated[
            WebhookDeliveryOrderBy | None,
            strawberry.argument(description="Sort; default newest first."),
        ] = None,
    ) -> WebhookDeliveryConnection:
        statuses = (filter or WebhookDeliveryFilter()).key()
        order = order_by or WebhookDeliveryOrderBy()
        descending = order.direction == SortDirection.DESC
        request = page_request(first, after, order.field.value.lower(), descending, statuses)
        found, cursors, has_next = await r.deliveries(info, str(self.id), request)

        async def count() -> int:
            return await r.delivery_count(info, str(self.id), statuses)

        nodes = [WebhookDelivery.from_domain(d) for d in found]
        conn = WebhookDeliveryConnection.build(nodes, cursors, has_next, after, count)
        return conn  # type: ignore[return-value]

    @classmethod
    def from_domain(cls, e: w.WebhookEndpoint) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(e.id),
            url=e.url,
            event_kinds=None if e.event_kinds is None else list(e.event_kinds),
            enabled=e.enabled,
            disabled_reason=e.disabled_reason,
            created_at=e.created_at,
            updated_at=e.updated_at,
        )


@strawberry.type(description="A page of the location's webhook endpoints, oldest first.")
class WebhookEndpointConnection(Connection[WebhookEndpoint]):
    pass


# -- inputs and payloads -----------------------------------------------------------------------


def _kinds(value: list[EventKind] | None) -> Any:
    return w.KEEP if value is UNSET else (None if value is None else [k.value for k in value])


@strawberry.input(description="A new webhook endpoint.")
class WebhookEndpointCreateInput:
    url: str = strawberry.field(
        description="An https URL (http only where a development setting allows it), at "
        "most 2048 characters, no user or password; a host that is or resolves to a "
        "private, loopback or link-local address gets no request."
    )
    event_kinds: list[EventKind] | None = strawberry.field(
        default=None, description="The kinds it receives (at least one); null: every kind."
    )
    enabled: bool = strawberry.field(default=True, description="Deliver to it from now on.")

    def to_domain(self) -> w.EndpointPatch:
        return w.EndpointPatch(
            url=self.url, event_kinds=_kinds(self.event_kinds), enabled=self.enabled
        )


@strawberry.input(description="What to change on an endpoint; omitted members stay.")
class WebhookEndpointUpdateInput:
    id: strawberry.ID = strawberry.field(description="The endpoint.")
    url: str | None = strawberry.field(default=UNSET, description="As on create; not null.")
    event_kinds: list[EventKind] | None = strawberry.field(
        default=UNSET, description="The kinds it receives; null: every kind."
    )
    enabled: bool | None = strawberry.field(
        default=UNSET,
        description="true resumes deliveries (also those pending when the worker disabled "
        "it) and clears `disabledReason`; false stops them.",
    )

    def to_domain(self) -> w.EndpointPatch:
        return w.EndpointPatch(
            url=w.KEEP if self.url is UNSET else (self.url or ""),
            event_kinds=_kinds(self.event_kinds),
            enabled=w.KEEP if self.enabled in (UNSET, None) else self.enabled,
        )


@strawberry.input(description="Which endpoint to delete.")
class WebhookEndpointDeleteInput:
    id: strawberry.ID = strawberry.field(description="The endpoint.")


@strawberry.input(description="Which endpoint gets a new secret.")
class WebhookEndpointSecretRotateInput:
    id: strawberry.ID = strawberry.field(description="The endpoint.")


@strawberry.input(description="Which delivery to send again.")
class WebhookDeliveryRetryInput:
    id: strawberry.ID = strawberry.field(description="The delivery.")


@strawberry.interface(description="What every webhook endpoint mutation returns.")
class WebhookEndpointMutationPayload:
    webhook_endpoint: WebhookEndpoint | None = strawberry.field(
        description="The endpoint after the change (as it was, for a delete); null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[w.WebhookEndpoint]) -> Self:
        return cls(
            webhook_endpoint=WebhookEndpoint.from_domain(outcome.value) if outcome.value else None,
            user_errors=UserError.all_of(outcome.errors),
        )


@strawberry.type(description="Result of webhookEndpointUpdate.")
class WebhookEndpointUpdatePayload(WebhookEndpointMutationPayload):
    pass


@strawberry.type(description="Result of webhookEndpointDelete.")
class WebhookEndpointDeletePayload(WebhookEndpointMutationPayload):
    pass


@strawberry.type(description="An endpoint with its signing secret, shown this once.")
class WebhookEndpointSecretPayload(WebhookEndpointMutationPayload):
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (`whsec_` + base64): keep it now, it is never shown "
        "again. Verify deliveries with it (any Standard Webhooks library). Null on error.",
    )

    @classmethod
    def with_secret(cls, outcome: Outcome[w.WebhookEndpoint]) -> Self:
        made = cls.from_outcome(outcome)
        made.secret = outcome.value.secret if outcome.value else None
        return made


@strawberry.type(description="Result of webhookEndpointCreate.")
class WebhookEndpointCreatePayload(WebhookEndpointSecretPayload):
    pass


@strawberry.type(description="Result of webhookEndpointSecretRotate.")
class WebhookEndpointSecretRotatePayload(WebhookEndpointSecretPayload):
    pass


@strawberry.type(description="Result of webhookDeliveryRetry.")
class WebhookDeliveryRetryPayload:
    webhook_delivery: WebhookDelivery | None = strawberry.field(
        description="The delivery, due now; null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


@strawberry.type
class WebhooksQuery:
    @strawberry.field(
        description=f"The location's webhook endpoints; default oldest first. {_ADMINS}"
    )
    async def webhook_endpoints(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            WebhookEndpointFilter | None,
            strawberry.argument(description="Which endpoints; all of them if omitted."),
        ] = None,
        order_by: Annotated[
            WebhookEndpointOrderBy | None,
            strawberry.argument(description="Sort; default oldest first."),
        ] = None,
    ) -> WebhookEndpointConnection:
        order = order_by or WebhookEndpointOrderBy()
        enabled = (filter or WebhookEndpointFilter()).enabled
        descending = order.direction == SortDirection.DESC
        request = page_request(first, after, order.field.value.lower(), descending, enabled)
        found, cursors, has_next, count = await r.endpoint_page(info, request)
        nodes = [WebhookEndpoint.from_domain(e) for e in found]
        conn = WebhookEndpointConnection.build(nodes, cursors, has_next, after, count)
        return conn  # type: ignore[return-value]

    @strawberry.field(description=f"One webhook endpoint; null if there is none. {_ADMINS}")
    async def webhook_endpoint(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint's id.")],
    ) -> WebhookEndpoint | None:
        found = await r.endpoint(info, str(id))
        return None if found is None else WebhookEndpoint.from_domain(found)


@strawberry.type
class WebhooksMutation:
    @strawberry.mutation(
        description="Register a webhook endpoint; every call creates one (at most 20 per "
        "location), which receives the events committed from then on. The payload shows "
        f"its signing secret, this once. {_ADMINS}"
    )
    async def webhook_endpoint_create(
        self, info: Info, input: InputArg[WebhookEndpointCreateInput]
    ) -> WebhookEndpointCreatePayload:
        return WebhookEndpointCreatePayload.with_secret(await r.create(info, input.to_domain()))

    @strawberry.mutation(
        description=f"Change an endpoint; settings it already has write nothing. {_ADMINS}"
    )
    async def webhook_endpoint_update(
        self, info: Info, input: InputArg[WebhookEndpointUpdateInput]
    ) -> WebhookEndpointUpdatePayload:
        outcome = await r.update(info, str(input.id), input.to_domain())
        return WebhookEndpointUpdatePayload.from_outcome(outcome)

    @strawberry.mutation(
        description="Give an endpoint a new signing secret, shown in this payload once; "
        f"the old one signs nothing from now on. {_ADMINS}"
    )
    async def webhook_endpoint_secret_rotate(
        self, info: Info, input: InputArg[WebhookEndpointSecretRotateInput]
    ) -> WebhookEndpointSecretRotatePayload:
        outcome = await r.rotate_secret(info, str(input.id))
        return WebhookEndpointSecretRotatePayload.with_secret(outcome)

    @strawberry.mutation(
        description=f"Delete an endpoint with its deliveries; NOT_FOUND once it is gone. {_ADMINS}"
    )
    async def webhook_endpoint_delete(
        self, info: Info, input: InputArg[WebhookEndpointDeleteInput]
    ) -> WebhookEndpointDeletePayload:
        return WebhookEndpointDeletePayload.from_outcome(await r.delete(info, str(input.id)))

    @strawberry.mutation(
        description="Send a delivery again, whatever its status: due now, with a fresh retry "
        "window (it still waits for the contact's earlier pending events). One already due "
        f"and waiting is returned as it is. {_ADMINS}"
    )
    async def webhook_delivery_retry(
        self, info: Info, input: InputArg[WebhookDeliveryRetryInput]
    ) -> WebhookDeliveryRetryPayload:
        outcome = await r.redeliver(info, str(input.id))
        return WebhookDeliveryRetryPayload(
            webhook_delivery=WebhookDelivery.from_domain(outcome.value) if outcome.value else None,
            user_errors=UserError.all_of(outcome.errors),
        )
