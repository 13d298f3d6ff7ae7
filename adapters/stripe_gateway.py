"""The PaymentGateway port on Stripe, through the official SDK's async calls.

Our idempotency key goes to Stripe as its ``Idempotency-Key`` on every create (the SDK
would otherwise send a random one, and a retry of ours would charge twice) and into the
object's metadata, where :meth:`StripeGateway.find_charge` looks for it when an answer
was lost. Stripe's refusals become the port's exceptions; network and server failures
propagate as the SDK raises them (``stripe.APIConnectionError``, ``stripe.APIError``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import stripe

from domain.ports import (
    CardDeclined,
    GatewayCard,
    GatewayCharge,
    GatewayEvent,
    GatewayPlanItem,
    GatewayRefused,
    GatewayStatus,
    GatewaySubscription,
    InvalidWebhook,
)

IDEMPOTENCY_METADATA = "idempotency_key"
"""The metadata entry every object we create carries our key in."""
PAGE = 100

_STATUSES = {
    "succeeded": GatewayStatus.SUCCEEDED,
    "requires_action": GatewayStatus.REQUIRES_ACTION,
    "processing": GatewayStatus.PROCESSING,
    # not final yet either (we never capture by hand, nor create without confirming):
    "requires_capture": GatewayStatus.PROCESSING,
    "requires_confirmation": GatewayStatus.PROCESSING,
    "requires_payment_method": GatewayStatus.FAILED,
    "canceled": GatewayStatus.CANCELED,
}


def _get(obj: stripe.StripeObject | None, name: str) -> Any:
    """``obj.name``, or None where the key is absent: Stripe leaves the unset fields of its
    error objects out, and a StripeObject raises AttributeError for a missing one."""
    return obj[name] if obj is not None and name in obj else None


def _message(exc: stripe.StripeError, fallback: str) -> str:
    return exc.user_message or fallback


def _decline_code(exc: stripe.StripeError) -> str:
    return _get(exc.error, "decline_code") or exc.code or "card_declined"


def _charge(intent: stripe.PaymentIntent) -> GatewayCharge:
    status = _STATUSES.get(intent.status, GatewayStatus.PROCESSING)
    error = _get(intent, "last_payment_error") if status is GatewayStatus.FAILED else None
    return GatewayCharge(
        id=intent.id,
        status=status,
        amount=intent.amount,
        currency=intent.currency,
        client_secret=intent.client_secret if status is GatewayStatus.REQUIRES_ACTION else None,
        decline_code=_get(error, "decline_code") or _get(error, "code"),
        message=_get(error, "message"),
    )


def _subscription(subscription: stripe.Subscription) -> GatewaySubscription:
    # Since API 2025-03-31 the billing period is on the items, not the subscription.
    ends = [item.current_period_end for item in subscription["items"].data]
    return GatewaySubscription(
        id=subscription.id,
        status=subscription.status,
        current_period_end=datetime.fromtimestamp(min(ends), UTC) if ends else None,
    )


class HTTPXClient(stripe.HTTPXClient):
    """The SDK's async httpx client, sending the encoded body as ``content=``: stripe 16
    passes it as ``data=``, which httpx 0.28 deprecates (a DeprecationWarning a request,
    an error where warnings are)."""

    def _get_request_args_kwargs(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any
    ) -> list[Any]:
        args, kwargs = super()._get_request_args_kwargs(method, url, headers, post_data)
        kwargs.pop("data", None)
        if post_data:
            kwargs["content"] = post_data
        return [args, kwargs]


class StripeGateway:
    """Stripe (or localstripe, with ``api_base``), one async HTTP client for every call."""

    def __init__(
        self,
        api_key: str,
        webhook_secret: str | None,
        *,
        api_base: str | None = None,
        webhook_tolerance_seconds: int = 300,
        timeout_seconds: float = 30.0,
        max_network_retries: int = 2,
    ) -> None:
        self._http = HTTPXClient(timeout=timeout_seconds)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http,
            max_network_retries=max_network_retries,  # safe: each retry repeats our key
        )
        self._webhook_secret = webhook_secret
        self._tolerance = webhook_tolerance_seconds

    async def start(self) -> None:
        """Nothing to open: the HTTP client connects on first use."""

    async def stop(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]

    async def create_customer(
        self, *, name: str, email: str | None, metadata: Mapping[str, str], idempotency_key: str
    ) -> str:
        params: stripe.params.CustomerCreateParams = {
            "name": name,
            "metadata": {**metadata, IDEMPOTENCY_METADATA: idempotency_key},
        }
        if email is not None:
            params["email"] = email
        try:
            customer = await self._client.v1.customers.create_async(
                params, {"idempotency_key": idempotency_key}
            )
        except stripe.InvalidRequestError as exc:
            raise GatewayRefused(_message(exc, "the customer was refused")) from exc
        return customer.id

    async def attach_card(self, customer_id: str, payment_method_id: str) -> GatewayCard:
        try:
            method = await self._client.v1.payment_methods.attach_async(
                payment_method_id, {"customer": customer_id}
            )
        except stripe.CardError as exc:
            raise CardDeclined(_decline_code(exc), _message(exc, "the card was declined")) from exc
        except stripe.InvalidRequestError as exc:
            raise GatewayRefused(_message(exc, "the payment method was refused")) from exc
        card = method.card
        if card is None:
            await self.detach_card(method.id)
            raise GatewayRefused("the payment method is not a card")
        return GatewayCard(method.id, card.brand, card.last4, card.exp_month, card.exp_year)

    async def detach_card(self, payment_method_id: str) -> None:
        methods = self._client.v1.payment_methods
        try:
            await methods.detach_async(payment_method_id)
        except stripe.InvalidRequestError:
            # Gone, or attached to no one: what detaching wants. Anything else is raised.
            try:
                method = await methods.retrieve_async(payment_method_id)
            except stripe.InvalidRequestError as missing:
                if missing.http_status == 404:
                    return
                raise
            if method.customer is not None:
                raise

    async def charge(
        self,
        *,
        customer_id: str,
        payment_method_id: str,
        amount: int,
        currency: str,
        description: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> GatewayCharge:
        params: stripe.params.PaymentIntentCreateParams = {
            "amount": amount,
            "currency": currency,
            "customer": customer_id,
            "payment_method": payment_method_id,
            "confirm": True,
            # Cards only: no redirect-based method, so no return_url. Confirmed on-session,
            # so a card that needs 3-D Secure answers requires_action with its secret.
            "allowed_payment_method_types": ["card"],
            "description": description,
            "metadata": {**metadata, IDEMPOTENCY_METADATA: idempotency_key},
        }
        try:
            intent = await self._client.v1.payment_intents.create_async(
                params, {"idempotency_key": idempotency_key}
            )
        except stripe.CardError as exc:
            return await self._declined(exc, customer_id, idempotency_key, amount, currency)
        except stripe.InvalidRequestError as exc:
            raise GatewayRefused(_message(exc, "the charge was refused")) from exc
        return _charge(intent)

    async def _declined(
        self, exc: stripe.CardError, customer_id: str, key: str, amount: int, currency: str
    ) -> GatewayCharge:
        """The FAILED charge a card error on confirmation stands for: Stripe's error names
        the PaymentIntent; should it not, the intent is found by our key."""
        code, message = _decline_code(exc), _message(exc, "the card was declined")
        intent = _get(exc.error, "payment_intent")
        found = _charge(intent) if intent is not None else await self.find_charge(customer_id, key)
        return GatewayCharge(
            id=found.id if found else _get(exc.error, "charge") or "",
            status=GatewayStatus.FAILED,
            amount=found.amount if found else amount,
            currency=found.currency if found else currency,
            decline_code=code,
            message=message,
        )

    async def find_charge(self, customer_id: str, idempotency_key: str) -> GatewayCharge | None:
        params: stripe.params.PaymentIntentListParams = {"customer": customer_id, "limit": PAGE}
        while True:
            page = await self._client.v1.payment_intents.list_async(params)
            for intent in page.data:
                tags = intent.metadata  # a StripeObject: no .get
                if IDEMPOTENCY_METADATA in tags and tags[IDEMPOTENCY_METADATA] == idempotency_key:
                    return _charge(intent)
            if not page.has_more or not page.data:
                return None
            params["starting_after"] = page.data[-1].id

    async def subscribe(
        self,
        *,
        customer_id: str,
        payment_method_id: str,
        items: Sequence[GatewayPlanItem],
        start: datetime | None,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> GatewaySubscription:
        tagged = {**metadata, IDEMPOTENCY_METADATA: idempotency_key}
        try:
            # A Plan per item, its Product inline: what localstripe has of Prices.
            plans = [
                await self._client.v1.plans.create_async(
                    {
                        "amount": item.amount,
                        "currency": item.currency,
                        "interval": item.interval,
                        "product": {"name": item.name, "metadata": tagged},
                        "metadata": tagged,
                    },
                    {"idempotency_key": f"{idempotency_key}:plan:{n}"},
                )
                for n, item in enumerate(items)
            ]
            params: stripe.params.SubscriptionCreateParams = {
                "customer": customer_id,
                "default_payment_method": payment_method_id,
                "items": [
                    {"plan": plan.id, "quantity": item.quantity}
                    for plan, item in zip(plans, items, strict=True)
                ],
                "metadata": tagged,
            }
            if start is not None and start.timestamp() > time.time():
                # Nothing is billed before the start: a trial until then, the first
                # invoice on the day (Stripe's documented way to start billing later).
                params["trial_end"] = int(start.timestamp())
            subscription = await self._client.v1.subscriptions.create_async(
                params, {"idempotency_key": f"{idempotency_key}:subscription"}
            )
        except stripe.CardError as exc:
            raise CardDeclined(_decline_code(exc), _message(exc, "the card was declined")) from exc
        except stripe.InvalidRequestError as exc:
            raise GatewayRefused(_message(exc, "the subscription was refused")) from exc
        return _subscription(subscription)

    async def cancel_subscription(self, subscription_id: str) -> GatewaySubscription:
        subscriptions = self._client.v1.subscriptions
        try:
            return _subscription(await subscriptions.cancel_async(subscription_id))
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                raise GatewayRefused(_message(exc, "no such subscription")) from exc
            # Stripe refuses to cancel a canceled subscription: that is the state we want.
            current = await subscriptions.retrieve_async(subscription_id)
            if current.status != "canceled":
                raise GatewayRefused(_message(exc, "the cancellation was refused")) from exc
            return _subscription(current)

    def verify_webhook(self, payload: bytes, signature: str | None) -> GatewayEvent:
        if not signature or not self._webhook_secret:
            raise InvalidWebhook("no signature" if self._webhook_secret else "no webhook secret")
        try:
            event: Any = json.loads(payload)
        except ValueError as exc:
            raise InvalidWebhook("not JSON") from exc
        data = event.get("data") if isinstance(event, dict) else None
        obj = data.get("object") if isinstance(data, dict) else None
        if not (isinstance(obj, dict) and isinstance(event.get("id"), str)):
            raise InvalidWebhook("not an event")  # checked first: the SDK assumes a dict
        try:
            stripe.Webhook.construct_event(
                payload, signature, self._webhook_secret, self._tolerance
            )
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise InvalidWebhook(str(exc)) from exc
        return GatewayEvent(id=event["id"], type=str(event.get("type")), object=obj)
