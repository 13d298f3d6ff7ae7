"""What the resolvers report to whoever watches the service.

A protocol the server implements (``server/metrics.py``) and hands down in its runtime, so
the resolvers never import the server; :class:`NoObserver` when nobody watches."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class LiveObserver(Protocol):
    def delivered(self, occurred_at: datetime) -> None:
        """A live event (from the broker, not a replay) was sent to a subscriber."""

    def gap(self) -> None:
        """The broker may have lost events: a subscription replays from the database."""


class NoObserver:
    def delivered(self, occurred_at: datetime) -> None:
        return None

    def gap(self) -> None:
        return None
