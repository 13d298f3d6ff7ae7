"""The activity timeline: every event of a contact, newest first, filtered by kind and time.

The timeline, the audit log and live subscriptions are three views of the one event log.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.events import EventKind
from domain.values import TimeRange


class EventSortField(StrEnum):
    """What the timeline and the audit log sort by."""

    OCCURRED_AT = "OCCURRED_AT"
    """When it happened, in the exact order events were recorded."""


@dataclass(frozen=True)
class ActivityFilter:
    """``kinds``: only these (an empty tuple matches nothing); ``occurred``: ``occurred_at``
    in that range. Hashable: it is part of a loader key."""

    kinds: tuple[EventKind, ...] | None = None
    occurred: TimeRange | None = None
