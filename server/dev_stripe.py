"""localstripe, the fake Stripe server, for development and tests only.

``python -m server.dev_stripe --port N --data-dir D`` serves localstripe's aiohttp app on
127.0.0.1 only (its own launcher binds every interface), keeps its pickled store in ``D``
(its own writes a fixed file in /tmp), and first applies the shims below, each closing a
gap between localstripe 1.15 and the Stripe API our gateway speaks (the README's "Payments:
what localstripe lacks" lists them and the gaps left open). :class:`LocalStripe` starts
that process, waits until it answers, and stops it: ``contact-graph run`` and the tests use
it. localstripe is a development dependency: nothing on a production path imports this
module, and only :func:`main` (the subprocess) imports localstripe.
"""

from __future__ import annotations

import argparse
import contextlib
import pickle
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

DEV_API_KEY = "sk_test_contact_graph"
"""The key the SDK sends to localstripe (it accepts any ``sk_...``)."""
DEV_WEBHOOK_SECRET = "whsec_contact_graph_development"
"""What localstripe signs the webhooks it delivers with, in development."""
STORE_FILE = "localstripe.pickle"
LOG_FILE = "localstripe.log"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class LocalStripe:
    """One localstripe process on 127.0.0.1, its data and log in ``data_dir``."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        idempotency: bool = False,
        persist: bool = True,
    ) -> None:
        """``idempotency``: honour ``Idempotency-Key`` as Stripe does. Off by default, so
        the tests of our own exactly-once guarantees run against a server that would
        charge twice. ``persist=False`` keeps the objects in memory only: localstripe
        pickles its whole store on every write, which slows down as a test session's
        objects pile up (~0.2 s a charge after 500)."""
        self.data_dir = data_dir
        self.port = port or free_port()
        self.idempotency = idempotency
        self.persist = persist
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The API base for ``StripeClient(base_addresses={"api": url})``."""
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        """Start it and return once it answers API calls; raise if it exits or times out."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.data_dir / LOG_FILE
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "server.dev_stripe",
                    "--port",
                    str(self.port),
                    "--data-dir",
                    str(self.data_dir),
                    *(["--idempotency"] if self.idempotency else []),
                    *([] if self.persist else ["--in-memory"]),
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"localstripe exited: {log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"localstripe not answering on {self.url} after {timeout}s")
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            answer = httpx.get(
                f"{self.url}/v1/customers",
                headers={"Authorization": f"Bearer {DEV_API_KEY}"},
                timeout=1,
            )
        except httpx.HTTPError:
            return False
        return answer.status_code == 200

    def register_webhook(
        self,
        url: str,
        secret: str,
        name: str = "contact-graph",
        events: list[str] | None = None,
    ) -> None:
        """Have localstripe POST the events it makes (all, or those of ``events``' types),
        signed with ``secret`` as Stripe signs (``Stripe-Signature: t=...,v1=...``), to
        ``url``, a second after each. In its memory only: register again after a start;
        registering ``name`` again replaces it."""
        body: dict[str, Any] = {"url": url, "secret": secret}
        if events is not None:
            body["events"] = events
        httpx.post(f"{self.url}/_config/webhooks/{name}", json=body).raise_for_status()

    def flush(self) -> None:
        """Forget every object (``DELETE /_config/data``)."""
        httpx.delete(f"{self.url}/_config/data").raise_for_status()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> LocalStripe:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- inside the localstripe process -------------------------------------------------------


def _wrap_init(cls: Any, before: Callable[[dict[str, Any]], Callable[[Any], None]]) -> None:
    """Replace ``cls.__init__``: ``before(kwargs)`` takes out what localstripe would refuse
    and returns what to do with the new object once the original ``__init__`` made it."""
    original = cls.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        after = before(kwargs)
        original(self, *args, **kwargs)
        after(self)

    cls.__init__ = init


def apply_shims(data_dir: Path | None) -> None:
    """Point localstripe's store at ``data_dir`` (None: memory only) and close the gaps the
    README lists."""
    from localstripe import resources as ls

    path = (data_dir or Path()) / STORE_FILE

    def try_load_from_disk(store: Any) -> None:
        if data_dir is None:
            return
        with contextlib.suppress(FileNotFoundError):
            with path.open("rb") as f:
                old = pickle.load(f)
            store.clear()
            store.update(old)

    def dump_to_disk(store: Any) -> None:
        if data_dir is None:
            return
        partial = path.with_suffix(".partial")
        with partial.open("wb") as f:
            pickle.dump(store, f, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)  # a crash mid-write never leaves a truncated store

    ls.Store.try_load_from_disk = try_load_from_disk
    ls.Store.dump_to_disk = dump_to_disk

    # PaymentIntent: `description` (kept), and API 2026's `allowed_payment_method_types`
    # (its name for `payment_method_types`).
    def payment_intent_params(kwargs: dict[str, Any]) -> Callable[[Any], None]:
        description = kwargs.pop("description", None)
        if "allowed_payment_method_types" in kwargs:
            kwargs["payment_method_types"] = kwargs.pop("allowed_payment_method_types")

        def after(intent: Any) -> None:
            intent.description = description

        return after

    _wrap_init(ls.PaymentIntent, payment_intent_params)

    # GET /v1/payment_intents?customer=...: localstripe refuses every filter.
    def list_payment_intents(
        cls: Any,
        /,
        url: str,
        customer: str | None = None,
        limit: Any = None,
        starting_after: str | None = None,
        **kwargs: Any,
    ) -> Any:
        li = ls.StripeObject._api_list_all.__func__(
            cls, url, limit=limit, starting_after=starting_after, **kwargs
        )
        if customer is not None:
            li._list = [pi for pi in li._list if pi.customer == customer]
        return li

    ls.PaymentIntent._api_list_all = classmethod(list_payment_intents)

    # A declined confirmation: Stripe's card error names the PaymentIntent it failed.
    def report_failure(intent: Any) -> None:
        try:
            original_report_failure(intent)
        except ls.UserError as exc:
            exc.body["error"]["type"] = "card_error"
            exc.body["error"]["payment_intent"] = intent._export()
            raise

    original_report_failure = ls.PaymentIntent._report_failure
    ls.PaymentIntent._report_failure = report_failure

    # Subscription: `default_payment_method` pays its first invoice (localstripe pays with
    # the customer's default only); more than one item (localstripe: 500 Not implemented);
    # a future `trial_end` is `trialing` until then, not `incomplete`; items carry
    # `current_period_start/end` (where API 2025+ has them).
    original_subscription_init = ls.Subscription.__init__
    original_create_invoice = ls.Subscription._create_invoice

    def create_invoice(subscription: Any) -> None:
        if not getattr(subscription, "_invoice_deferred", False):
            original_create_invoice(subscription)

    def subscription_init(self: Any, *args: Any, **kwargs: Any) -> None:
        method = kwargs.pop("default_payment_method", None)
        items = kwargs.get("items")
        more: list[Any] = []
        if isinstance(items, list) and len(items) > 1:
            kwargs["items"], more = items[:1], items[1:]
            for item in more:  # 404 for an unknown plan, before anything is made
                ls.Plan._api_retrieve(item.get("plan") if isinstance(item, dict) else "")
        customer = None
        if method is not None and isinstance(kwargs.get("customer"), str):
            ls.PaymentMethod._api_retrieve(method)  # 404 for an unknown one
            customer = ls.Customer._api_retrieve(kwargs["customer"])
        saved = customer.invoice_settings.get("default_payment_method") if customer else None
        if customer is not None:
            customer.invoice_settings["default_payment_method"] = method
        try:
            self._invoice_deferred = bool(more)  # invoiced once every item is there
            original_subscription_init(self, *args, **kwargs)
            self._invoice_deferred = False
            for item in more:
                self.items._list.append(
                    ls.SubscriptionItem(
                        subscription=self.id,
                        plan=item["plan"],
                        quantity=item.get("quantity") or 1,
                        metadata=item.get("metadata"),
                    )
                )
            if more and self.trial_end is None and self.trial_period_days is None:
                self._create_invoice()
        finally:
            if customer is not None:
                customer.invoice_settings["default_payment_method"] = saved
        self.default_payment_method = method
        if self.trial_end and self.trial_end > time.time():
            self.status = "trialing"
            self.trial_start = self.start_date

    ls.Subscription.__init__ = subscription_init
    ls.Subscription._create_invoice = create_invoice

    def current_period(item: Any) -> dict[str, int]:
        period: dict[str, int] = original_current_period(item)
        if item._subscription:
            subscription = ls.Subscription._api_retrieve(item._subscription)
            if subscription.status == "trialing":
                return {"start": subscription.start_date, "end": subscription.trial_end}
        return period

    original_current_period = ls.SubscriptionItem._current_period
    ls.SubscriptionItem._current_period = current_period
    ls.SubscriptionItem.current_period_start = property(lambda i: i._current_period()["start"])
    ls.SubscriptionItem.current_period_end = property(lambda i: i._current_period()["end"])


def idempotency_middleware() -> Any:
    """Stripe's idempotent requests, which localstripe ignores: a POST repeating an
    ``Idempotency-Key`` gets the first answer again (``Idempotent-Replayed: true``), a
    concurrent one waits for it, and one with other parameters is refused (400). Answers
    are kept in memory, for the process's life; 409s and 5xx are not kept."""
    import asyncio
    import hashlib

    from aiohttp import web
    from localstripe.errors import UserError

    answers: dict[str, tuple[str, int, bytes]] = {}
    locks: dict[str, asyncio.Lock] = {}

    @web.middleware
    async def idempotency(request: web.Request, handler: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        scope = f"{request.path} {key}"
        digest = hashlib.sha256(await request.read()).hexdigest()
        async with locks.setdefault(scope, asyncio.Lock()):
            if scope in answers:
                first, status, body = answers[scope]
                if first != digest:
                    refusal = UserError(
                        400,
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with.",
                    )
                    refusal.body["error"]["type"] = "idempotency_error"
                    raise refusal
                return web.Response(
                    body=body,
                    status=status,
                    content_type="application/json",
                    headers={"Idempotent-Replayed": "true"},
                )
            try:
                response = await handler(request)
            except UserError as exc:
                response = exc.to_response()
            kept = response.status < 500 and response.status != 409
            if isinstance(response, web.Response) and isinstance(response.body, bytes) and kept:
                answers[scope] = (digest, response.status, response.body)
            return response

    return idempotency


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m server.dev_stripe", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--in-memory", action="store_true", help="keep the objects in memory only")
    parser.add_argument(
        "--idempotency",
        action="store_true",
        help="honour Idempotency-Key as Stripe does (localstripe ignores it)",
    )
    args = parser.parse_args(argv)

    import logging

    from aiohttp import web
    from localstripe.resources import store
    from localstripe.server import app

    args.data_dir.mkdir(parents=True, exist_ok=True)
    apply_shims(None if args.in_memory else args.data_dir)
    if args.idempotency:
        app.middlewares.append(idempotency_middleware())  # innermost: sees localstripe's errors
    store.try_load_from_disk()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    web.run_app(app, host=HOST, port=args.port, print=None)


if __name__ == "__main__":
    main()
