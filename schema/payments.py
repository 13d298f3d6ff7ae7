"""Payments tab: `Contact.paymentMethods`, `payments` and `subscriptions`, their writes
(cards, charge now, subscriptions) and their timeline items. Invoices: schema/invoices.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self

import strawberry

from domain import payments as p
from domain import subscriptions as s
from domain.errors import ErrorCode
from domain.events import ContactEvent, EventKind
from persistence.tab_pages import PageRequest
from resolvers import payments as r
from resolvers.common import Info, Outcome, page_request
from schema.activity import ActivityAction, ContactActivity, register_activity
from schema.common import AfterArg, Connection, FirstArg, InputArg, SortDirection, UserError
from schema.custom_fields import Money
from schema.enums import graphql_enum
from schema.scalars import BigInt
from schema.user import User

graphql_enum(
    p.PaymentStatus,
    "Where a charge stands.",
    {
        p.PaymentStatus.PENDING: "Stored; the payment provider's answer is not known yet "
        "(a retry with the same idempotency key, or the provider's webhook, settles it).",
        p.PaymentStatus.SUCCEEDED: "The money was taken.",
        p.PaymentStatus.REQUIRES_ACTION: "The card holder must authenticate (3-D Secure): "
        "finish it on the client with the charge's `clientSecret`.",
        p.PaymentStatus.PROCESSING: "The provider is still processing it.",
        p.PaymentStatus.FAILED: "Declined or failed; `failureCode` says why.",
        p.PaymentStatus.CANCELED: "Cancelled before it was taken.",
    },
    name="ContactPaymentStatus",
)
graphql_enum(
    p.PaymentSortField,
    "What a contact's payments sort by.",
    {
        p.PaymentSortField.CREATED_AT: "When the charge was asked for.",
        p.PaymentSortField.AMOUNT: "The amount (in minor units, whatever the currency).",
    },
    name="ContactPaymentSortField",
)
graphql_enum(
    p.PaymentMethodSortField,
    "What a contact's saved cards sort by.",
    {p.PaymentMethodSortField.CREATED_AT: "When the card was saved."},
    name="ContactPaymentMethodSortField",
)
graphql_enum(
    s.SubscriptionStatus,
    "Where a subscription stands.",
    {
        s.SubscriptionStatus.PENDING: "Stored; the payment provider not yet asked (or its "
        "answer lost).",
        s.SubscriptionStatus.SCHEDULED: "Billing starts on the bill start date.",
        s.SubscriptionStatus.ACTIVE: "Billing.",
        s.SubscriptionStatus.PAST_DUE: "The last bill failed; the provider retries it.",
        s.SubscriptionStatus.INCOMPLETE: "The first bill needs the card holder's action.",
        s.SubscriptionStatus.CANCELED: "Cancelled: no more bills.",
    },
    name="ContactSubscriptionStatus",
)
graphql_enum(
    s.SubscriptionSortField,
    "What a contact's subscriptions sort by.",
    {s.SubscriptionSortField.CREATED_AT: "When the subscription was scheduled."},
    name="ContactSubscriptionSortField",
)
graphql_enum(
    s.BillingInterval,
    "How often a recurring product bills.",
    {
        s.BillingInterval.DAY: "Every day.",
        s.BillingInterval.WEEK: "Every week.",
        s.BillingInterval.MONTH: "Every month.",
        s.BillingInterval.YEAR: "Every year.",
    },
)


def money(amount: int, currency: str) -> Money:
    return Money(amount=BigInt(amount), currency=currency)


def _user(user_id: str | None) -> User | None:
    return User(id=strawberry.ID(user_id)) if user_id else None


# -- types ----------------------------------------------------------------------------------


@strawberry.type(
    description="A card on file: what may be shown of it (the number never reaches this "
    "server: the client collects it with the payment provider's own elements)."
)
class ContactPaymentMethod:
    id: strawberry.ID = strawberry.field(description="The saved card's id.")
    contact_id: strawberry.ID = strawberry.field(description="The contact it belongs to.")
    brand: str = strawberry.field(description="The card network, e.g. visa.")
    last4: str = strawberry.field(description="The last four digits.")
    exp_month: int = strawberry.field(description="Expiry month, 1-12.")
    exp_year: int = strawberry.field(description="Expiry year, e.g. 2030.")
    label: str | None = strawberry.field(description="The team's name for it, if given.")
    provider_id: str = strawberry.field(description="The payment provider's id of the card.")
    added_by: User | None = strawberry.field(description="Who saved it.")
    created_at: datetime = strawberry.field(description="When it was saved.")

    @classmethod
    def from_domain(cls, c: p.PaymentMethod) -> ContactPaymentMethod:
        return cls(
            id=strawberry.ID(c.id),
            contact_id=strawberry.ID(c.contact_id),
            brand=c.brand,
            last4=c.last4,
            exp_month=c.exp_month,
            exp_year=c.exp_year,
            label=c.label,
            provider_id=c.provider_id,
            added_by=_user(c.created_by),
            created_at=c.created_at,
        )


@strawberry.type(description="A charge of the contact (a row of the Payments tab).")
class ContactPayment:
    id: strawberry.ID = strawberry.field(description="The payment's id.")
    contact_id: strawberry.ID = strawberry.field(description="The contact charged.")
    amount: Money = strawberry.field(description="How much.")
    description: str = strawberry.field(description="What for.")
    status: p.PaymentStatus = strawberry.field(description="Where it stands.")
    payment_method_id: strawberry.ID | None = strawberry.field(
        description="The saved card charged (null once that card was deleted)."
    )
    card: str | None = strawberry.field(
        description='The card as it was when charged, e.g. "Visa •••• 4242".'
    )
    failure_code: str | None = strawberry.field(
        description="Why it failed: the provider's decline code (e.g. insufficient_funds)."
    )
    failure_message: str | None = strawberry.field(description="The provider's explanation.")
    invoice_id: strawberry.ID | None = strawberry.field(description="The invoice it paid.")
    idempotency_key: str = strawberry.field(
        description="The key that makes retries of this charge the same charge."
    )
    charged_by: User | None = strawberry.field(description="Who charged it.")
    created_at: datetime = strawberry.field(description="When it was asked for.")
    updated_at: datetime = strawberry.field(description="When its status last changed.")

    @classmethod
    def from_domain(cls, x: p.Payment) -> ContactPayment:
        return cls(
            id=strawberry.ID(x.id),
            contact_id=strawberry.ID(x.contact_id),
            amount=money(x.amount, x.currency),
            description=x.description,
            status=x.status,
            payment_method_id=strawberry.ID(x.payment_method_id) if x.payment_method_id else None,
            card=x.card,
            failure_code=x.failure_code,
            failure_message=x.failure_message,
            invoice_id=strawberry.ID(x.invoice_id) if x.invoice_id else None,
            idempotency_key=x.idempotency_key,
            charged_by=_user(x.created_by),
            created_at=x.created_at,
            updated_at=x.updated_at,
        )


@strawberry.type(description="A recurring product of a subscription.")
class ContactSubscriptionItem:
    name: str = strawberry.field(description="The product.")
    amount: Money = strawberry.field(description="Its price per interval.")
    interval: s.BillingInterval = strawberry.field(description="How often it bills.")
    quantity: int = strawberry.field(description="How many.")


@strawberry.type(description="A subscription of the contact.")
class ContactSubscription:
    id: strawberry.ID = strawberry.field(description="The subscription's id.")
    contact_id: strawberry.ID = strawberry.field(description="The contact billed.")
    status: s.SubscriptionStatus = strawberry.field(description="Where it stands.")
    items: list[ContactSubscriptionItem] = strawberry.field(description="What it bills.")
    payment_method_id: strawberry.ID = strawberry.field(description="The saved card billed.")
    bill_start_date: date | None = strawberry.field(
        description="The first bill's date; null: billing started when it was scheduled."
    )
    next_bill_at: datetime | None = strawberry.field(
        description="When the next bill is due (null once cancelled)."
    )
    canceled_at: datetime | None = strawberry.field(description="When it was cancelled.")
    created_by: User | None = strawberry.field(description="Who scheduled it.")
    created_at: datetime = strawberry.field(description="When it was scheduled.")

    @classmethod
    def from_domain(cls, x: s.Subscription) -> ContactSubscription:
        return cls(
            id=strawberry.ID(x.id),
            contact_id=strawberry.ID(x.contact_id),
            status=x.status,
            items=[
                ContactSubscriptionItem(
                    name=i.name,
                    amount=money(i.amount, x.currency),
                    interval=i.interval,
                    quantity=i.quantity,
                )
                for i in x.items
            ],
            payment_method_id=strawberry.ID(x.payment_method_id),
            bill_start_date=x.bill_start,
            next_bill_at=x.next_bill_at,
            canceled_at=x.canceled_at,
            created_by=_user(x.created_by),
            created_at=x.created_at,
        )


# -- the timeline ---------------------------------------------------------------------------


@strawberry.type(description="A card was saved, relabelled or deleted.")
class ContactPaymentMethodActivity(ContactActivity):
    action: ActivityAction = strawberry.field(description="ADDED, UPDATED or DELETED.")
    payment_method_id: strawberry.ID = strawberry.field(description="The saved card.")
    card: str | None = strawberry.field(description='The card, e.g. "Visa •••• 4242".')
    label: str | None = strawberry.field(description="Its label after the change.")


@strawberry.type(
    description="A charge succeeded, failed or waits for authentication (a purchase on the "
    "timeline)."
)
class ContactPaymentActivity(ContactActivity):
    payment_id: strawberry.ID = strawberry.field(description="The payment.")
    payment_status: p.PaymentStatus = strawberry.field(description="Its status after the change.")
    amount: Money = strawberry.field(description="How much.")
    description: str = strawberry.field(description="What for.")
    card: str | None = strawberry.field(description="The card charged.")
    failure_code: str | None = strawberry.field(description="The decline code, if it failed.")


@strawberry.type(description="A subscription was scheduled, changed status or was cancelled.")
class ContactSubscriptionActivity(ContactActivity):
    subscription_id: strawberry.ID = strawberry.field(description="The subscription.")
    subscription_status: s.SubscriptionStatus = strawberry.field(
        description="Its status after the change."
    )
    previous_subscription_status: s.SubscriptionStatus | None = strawberry.field(
        description="Its status before; null when it was scheduled."
    )


_CARD_ACTIONS = {
    EventKind.PAYMENT_METHOD_ADDED: ActivityAction.ADDED,
    EventKind.PAYMENT_METHOD_UPDATED: ActivityAction.UPDATED,
    EventKind.PAYMENT_METHOD_REMOVED: ActivityAction.DELETED,
}
_PAYMENT_KINDS = (
    EventKind.PAYMENT_SUCCEEDED,
    EventKind.PAYMENT_FAILED,
    EventKind.PAYMENT_ACTION_REQUIRED,
)
_SUBSCRIPTION_KINDS = (
    EventKind.SUBSCRIPTION_CREATED,
    EventKind.SUBSCRIPTION_UPDATED,
    EventKind.SUBSCRIPTION_CANCELED,
)


def _card_activity(e: ContactEvent, base: dict[str, Any]) -> ContactPaymentMethodActivity:
    """Card events carry {id, card, label} before and/or after (domain/payments.py)."""
    now = e.changes[0].after or e.changes[0].before
    return ContactPaymentMethodActivity(
        **base,
        action=_CARD_ACTIONS[e.kind],
        payment_method_id=strawberry.ID(now["id"]),
        card=now["card"],
        label=now["label"],
    )


def _payment_activity(e: ContactEvent, base: dict[str, Any]) -> ContactPaymentActivity:
    """Payment events carry the payment's summary after the change (domain/payments.py)."""
    now = e.changes[0].after
    return ContactPaymentActivity(
        **base,
        payment_id=strawberry.ID(now["id"]),
        payment_status=p.PaymentStatus(now["status"]),
        amount=money(now["amount"], now["currency"]),
        description=now["description"],
        card=now["card"],
        failure_code=now["failureCode"],
    )


def _subscription_activity(e: ContactEvent, base: dict[str, Any]) -> ContactSubscriptionActivity:
    before, after = e.changes[0].before, e.changes[0].after
    return ContactSubscriptionActivity(
        **base,
        subscription_id=strawberry.ID(after["id"]),
        subscription_status=s.SubscriptionStatus(after["status"]),
        previous_subscription_status=s.SubscriptionStatus(before["status"]) if before else None,
    )


register_activity(_CARD_ACTIONS, ContactPaymentMethodActivity, _card_activity)
register_activity(_PAYMENT_KINDS, ContactPaymentActivity, _payment_activity)
register_activity(_SUBSCRIPTION_KINDS, ContactSubscriptionActivity, _subscription_activity)


# -- lists ----------------------------------------------------------------------------------


@strawberry.type(description="A page of a contact's saved cards.")
class ContactPaymentMethodConnection(Connection[ContactPaymentMethod]):
    pass


@strawberry.type(description="A page of a contact's payments.")
class ContactPaymentConnection(Connection[ContactPayment]):
    pass


@strawberry.type(description="A page of a contact's subscriptions.")
class ContactSubscriptionConnection(Connection[ContactSubscription]):
    pass


@strawberry.input(description="Which payments to list. Every member given must hold.")
class ContactPaymentFilter:
    statuses: list[p.PaymentStatus] | None = strawberry.field(
        default=None, description="In one of these statuses (an empty list matches none)."
    )

    def to_domain(self) -> p.PaymentFilter:
        return p.PaymentFilter(None if self.statuses is None else tuple(self.statuses))


@strawberry.input(description="Which subscriptions to list. Every member given must hold.")
class ContactSubscriptionFilter:
    statuses: list[s.SubscriptionStatus] | None = strawberry.field(
        default=None, description="In one of these statuses (an empty list matches none)."
    )

    def to_domain(self) -> s.SubscriptionFilter:
        return s.SubscriptionFilter(None if self.statuses is None else tuple(self.statuses))


@strawberry.input(description="How to sort payments; default newest first.")
class ContactPaymentOrderBy:
    field: p.PaymentSortField = strawberry.field(
        default=p.PaymentSortField.CREATED_AT, description="When, or how much."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Which way."
    )


@strawberry.input(description="How to sort saved cards; default newest first.")
class ContactPaymentMethodOrderBy:
    field: p.PaymentMethodSortField = strawberry.field(
        default=p.PaymentMethodSortField.CREATED_AT, description="When it was saved."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Which way."
    )


@strawberry.input(description="How to sort subscriptions; default newest first.")
class ContactSubscriptionOrderBy:
    field: s.SubscriptionSortField = strawberry.field(
        default=s.SubscriptionSortField.CREATED_AT, description="When it was scheduled."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Which way."
    )


def list_request(
    first: int | None, after: str | None, order: Any, list_filter: object
) -> PageRequest:
    """One of the tab's lists' arguments, checked (the four lists differ only in their
    types)."""
    return page_request(
        first,
        after,
        order.field.value.lower(),
        order.direction == SortDirection.DESC,
        list_filter,
    )


def payment_methods_request(
    first: int | None, after: str | None, order_by: ContactPaymentMethodOrderBy | None
) -> PageRequest:
    """`Contact.paymentMethods`' arguments (the resolver and the compiled reads read them
    through this)."""
    return list_request(first, after, order_by or ContactPaymentMethodOrderBy(), None)


def payments_request(
    first: int | None,
    after: str | None,
    filter: ContactPaymentFilter | None,
    order_by: ContactPaymentOrderBy | None,
) -> PageRequest:
    """`Contact.payments`' arguments (the resolver and the compiled reads read them
    through this)."""
    return list_request(
        first,
        after,
        order_by or ContactPaymentOrderBy(),
        (filter or ContactPaymentFilter()).to_domain(),
    )


def subscriptions_request(
    first: int | None,
    after: str | None,
    filter: ContactSubscriptionFilter | None,
    order_by: ContactSubscriptionOrderBy | None,
) -> PageRequest:
    """`Contact.subscriptions`' arguments (the resolver and the compiled reads read them
    through this)."""
    return list_request(
        first,
        after,
        order_by or ContactSubscriptionOrderBy(),
        (filter or ContactSubscriptionFilter()).to_domain(),
    )


async def list_page(
    info: Info, name: str, contact_id: str, request: PageRequest, convert: Any, connection: Any
) -> Any:
    """One of the tab's lists as a connection."""
    items, cursors, has_next = await r.page(info, name, contact_id, request)

    async def count() -> int:
        return await r.count(info, name, contact_id, request.filter)

    return connection.build([convert(x) for x in items], cursors, has_next, request.after, count)


@strawberry.type
class ContactPaymentsFields:
    """`Contact.paymentMethods`, `payments`, `subscriptions`; mixed into Contact."""

    id: strawberry.ID

    @strawberry.field(description="The contact's saved cards, newest first.")
    async def payment_methods(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        order_by: Annotated[
            ContactPaymentMethodOrderBy | None,
            strawberry.argument(description="Sort; default newest first."),
        ] = None,
    ) -> ContactPaymentMethodConnection:
        return await list_page(  # type: ignore[no-any-return]
            info,
            "payment_methods",
            str(self.id),
            payment_methods_request(first, after, order_by),
            ContactPaymentMethod.from_domain,
            ContactPaymentMethodConnection,
        )

    @strawberry.field(description="The contact's charges, newest first.")
    async def payments(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactPaymentFilter | None,
            strawberry.argument(description="Which payments; all of them if omitted."),
        ] = None,
        order_by: Annotated[
            ContactPaymentOrderBy | None,
            strawberry.argument(description="Sort; default newest first."),
        ] = None,
    ) -> ContactPaymentConnection:
        return await list_page(  # type: ignore[no-any-return]
            info,
            "payments",
            str(self.id),
            payments_request(first, after, filter, order_by),
            ContactPayment.from_domain,
            ContactPaymentConnection,
        )

    @strawberry.field(description="The contact's subscriptions, newest first.")
    async def subscriptions(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactSubscriptionFilter | None,
            strawberry.argument(description="Which subscriptions; all of them if omitted."),
        ] = None,
        order_by: Annotated[
            ContactSubscriptionOrderBy | None,
            strawberry.argument(description="Sort; default newest first."),
        ] = None,
    ) -> ContactSubscriptionConnection:
        return await list_page(  # type: ignore[no-any-return]
            info,
            "subscriptions",
            str(self.id),
            subscriptions_request(first, after, filter, order_by),
            ContactSubscription.from_domain,
            ContactSubscriptionConnection,
        )


# -- writes ---------------------------------------------------------------------------------


@strawberry.input(description="Save a card on a contact.")
class ContactPaymentMethodAddInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    payment_method: str = strawberry.field(
        description="The payment provider's id of the payment method the client collected "
        "(Stripe: pm_...); it is attached to the contact's customer there."
    )
    label: str | None = strawberry.field(default=None, description="A name for it.")


@strawberry.input(description="Change a saved card's label.")
class ContactPaymentMethodUpdateInput:
    payment_method_id: strawberry.ID = strawberry.field(description="The saved card.")
    label: str | None = strawberry.field(description="The new label; null or blank clears it.")


@strawberry.input(description="Delete a saved card (detached at the payment provider).")
class ContactPaymentMethodDeleteInput:
    payment_method_id: strawberry.ID = strawberry.field(description="The saved card.")


@strawberry.input(description="Charge now: an amount and a description to a card.")
class ContactChargeInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    amount: BigInt = strawberry.field(description="Minor units, more than zero.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. USD.")
    description: str = strawberry.field(description="What it is for; not empty.")
    payment_method_id: strawberry.ID | None = strawberry.field(
        default=None, description="A saved card of the contact; or give `newPaymentMethod`."
    )
    new_payment_method: str | None = strawberry.field(
        default=None,
        description="A payment method the client just collected (Stripe: pm_...): saved on "
        "the contact, then charged.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Makes retries safe: the same key is always the same charge. Without "
        "one, the same command within 24 hours is the same charge.",
    )

    def to_domain(self) -> p.ChargeCommand:
        return p.ChargeCommand(
            contact_id=str(self.contact_id),
            amount=self.amount,
            currency=self.currency,
            description=self.description,
            payment_method_id=str(self.payment_method_id) if self.payment_method_id else None,
            new_payment_method=self.new_payment_method,
            idempotency_key=self.idempotency_key,
        )


@strawberry.input(description="A recurring product to bill.")
class ContactSubscriptionItemInput:
    name: str = strawberry.field(description="The product.")
    amount: BigInt = strawberry.field(description="Its price per interval, in minor units.")
    interval: s.BillingInterval = strawberry.field(description="How often it bills.")
    quantity: int = strawberry.field(default=1, description="How many (1 to 10,000).")


@strawberry.input(description="Schedule a subscription.")
class ContactSubscriptionCreateInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    currency: str = strawberry.field(description="ISO 4217 code of every item's price.")
    items: list[ContactSubscriptionItemInput] = strawberry.field(
        description="The recurring products (1 to 20)."
    )
    payment_method_id: strawberry.ID = strawberry.field(description="The saved card to bill.")
    bill_start_date: date | None = strawberry.field(
        default=None, description="The first bill's date (today or later); omitted: now."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Makes retries safe: the same key is the same subscription."
    )

    def to_domain(self) -> s.SubscribeCommand:
        return s.SubscribeCommand(
            contact_id=str(self.contact_id),
            currency=self.currency,
            items=tuple(
                s.SubscriptionItem(i.name, i.amount, i.interval, i.quantity) for i in self.items
            ),
            payment_method_id=str(self.payment_method_id),
            bill_start=self.bill_start_date,
            idempotency_key=self.idempotency_key,
        )


@strawberry.input(description="Cancel a subscription now.")
class ContactSubscriptionCancelInput:
    subscription_id: strawberry.ID = strawberry.field(description="The subscription.")


@strawberry.interface(description="What every saved-card mutation returns.")
class ContactPaymentMethodMutationPayload:
    payment_method: ContactPaymentMethod | None = strawberry.field(
        description="The card after the change (as it was, for a delete); null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[p.PaymentMethod]) -> Self:
        v = outcome.value
        return cls(
            payment_method=ContactPaymentMethod.from_domain(v) if v else None,
            user_errors=UserError.all_of(outcome.errors),
        )


@strawberry.type(description="Result of contactPaymentMethodAdd.")
class ContactPaymentMethodAddPayload(ContactPaymentMethodMutationPayload):
    pass


@strawberry.type(description="Result of contactPaymentMethodUpdate.")
class ContactPaymentMethodUpdatePayload(ContactPaymentMethodMutationPayload):
    pass


@strawberry.type(description="Result of contactPaymentMethodDelete.")
class ContactPaymentMethodDeletePayload(ContactPaymentMethodMutationPayload):
    pass


@strawberry.type(
    description="Result of a charge (contactCharge, contactInvoicePay). A declined card is a "
    "FAILED payment, recorded, with a CARD_DECLINED user error and the other saved cards."
)
class ContactChargePayload:
    payment: ContactPayment | None = strawberry.field(
        description="The payment (FAILED when declined); null when the input was refused."
    )
    client_secret: str | None = strawberry.field(
        description="When the payment REQUIRES_ACTION: the secret the client passes to the "
        "provider's elements to authenticate the card holder."
    )
    decline_code: str | None = strawberry.field(
        description="The provider's decline code when the card was declined."
    )
    other_payment_methods: list[ContactPaymentMethod] = strawberry.field(
        description="After a decline: the contact's other saved cards, to try instead."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the charge was refused or declined; empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[p.Charge]) -> Self:
        charge, errors = outcome.value, UserError.all_of(outcome.errors)
        if charge is None:
            return cls(
                payment=None,
                client_secret=None,
                decline_code=None,
                other_payment_methods=[],
                user_errors=errors,
            )
        pay = charge.payment
        if pay.status is p.PaymentStatus.FAILED:
            errors.append(
                UserError(
                    field=["input", "paymentMethodId"],
                    message=f"the card was declined ({pay.failure_code or 'declined'}): "
                    f"{pay.failure_message or 'try another card'}",
                    code=ErrorCode.CARD_DECLINED,
                )
            )
        return cls(
            payment=ContactPayment.from_domain(pay),
            client_secret=pay.client_secret,
            decline_code=pay.failure_code if pay.status is p.PaymentStatus.FAILED else None,
            other_payment_methods=[ContactPaymentMethod.from_domain(c) for c in charge.other_cards],
            user_errors=errors,
        )


@strawberry.interface(description="What every subscription mutation returns.")
class ContactSubscriptionMutationPayload:
    subscription: ContactSubscription | None = strawberry.field(
        description="The subscription after the change; null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[s.Subscription]) -> Self:
        v = outcome.value
        return cls(
            subscription=ContactSubscription.from_domain(v) if v else None,
            user_errors=UserError.all_of(outcome.errors),
        )


@strawberry.type(description="Result of contactSubscriptionCreate.")
class ContactSubscriptionCreatePayload(ContactSubscriptionMutationPayload):
    pass


@strawberry.type(description="Result of contactSubscriptionCancel.")
class ContactSubscriptionCancelPayload(ContactSubscriptionMutationPayload):
    pass


@strawberry.type
class PaymentsMutation:
    @strawberry.mutation(
        description="Save a card on a contact (attached to its customer at the payment "
        "provider, created on first use); a declined card is CARD_DECLINED and not saved; "
        "the same payment method again returns the saved card."
    )
    async def contact_payment_method_add(
        self, info: Info, input: InputArg[ContactPaymentMethodAddInput]
    ) -> ContactPaymentMethodAddPayload:
        return ContactPaymentMethodAddPayload.from_outcome(
            await r.add_card(info, str(input.contact_id), input.payment_method, input.label)
        )

    @strawberry.mutation(description="Change a saved card's label.")
    async def contact_payment_method_update(
        self, info: Info, input: InputArg[ContactPaymentMethodUpdateInput]
    ) -> ContactPaymentMethodUpdatePayload:
        return ContactPaymentMethodUpdatePayload.from_outcome(
            await r.label_card(info, str(input.payment_method_id), input.label)
        )

    @strawberry.mutation(
        description="Delete a saved card; IN_USE while a subscription bills it; NOT_FOUND "
        "once it is gone."
    )
    async def contact_payment_method_delete(
        self, info: Info, input: InputArg[ContactPaymentMethodDeleteInput]
    ) -> ContactPaymentMethodDeletePayload:
        return ContactPaymentMethodDeletePayload.from_outcome(
            await r.remove_card(info, str(input.payment_method_id))
        )

    @strawberry.mutation(
        description="Charge now (admins, and users whose token allows charging). The same "
        "idempotency key is always the same payment: retries never charge twice."
    )
    async def contact_charge(
        self, info: Info, input: InputArg[ContactChargeInput]
    ) -> ContactChargePayload:
        return ContactChargePayload.from_outcome(await r.charge(info, input.to_domain()))

    @strawberry.mutation(
        description="Schedule a subscription billing recurring products to a saved card."
    )
    async def contact_subscription_create(
        self, info: Info, input: InputArg[ContactSubscriptionCreateInput]
    ) -> ContactSubscriptionCreatePayload:
        return ContactSubscriptionCreatePayload.from_outcome(
            await r.subscribe(info, input.to_domain())
        )

    @strawberry.mutation(description="Cancel a subscription now; a cancelled one stays so.")
    async def contact_subscription_cancel(
        self, info: Info, input: InputArg[ContactSubscriptionCancelInput]
    ) -> ContactSubscriptionCancelPayload:
        return ContactSubscriptionCancelPayload.from_outcome(
            await r.cancel_subscription(info, str(input.subscription_id))
        )
