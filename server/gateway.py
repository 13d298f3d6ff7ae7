"""The payment gateway this deployment uses: Stripe when a key is configured, else none."""

from __future__ import annotations

from adapters.stripe_gateway import StripeGateway
from server.settings import Settings


def payment_gateway_for(settings: Settings) -> StripeGateway | None:
    """The configured gateway (close it with ``stop()``), or None without a Stripe key:
    payments are then unconfigured and every payment mutation is refused. ``contact-graph
    run`` fills the key in with localstripe's (``server/dev_stripe.py``)."""
    if settings.stripe_api_key is None:
        return None
    secret = settings.stripe_webhook_secret
    return StripeGateway(
        settings.stripe_api_key.get_secret_value(),
        secret.get_secret_value() if secret else None,
        api_base=settings.stripe_api_base,
        webhook_tolerance_seconds=settings.stripe_webhook_tolerance_seconds,
    )
