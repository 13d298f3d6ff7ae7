"""The activity timeline: every event of a contact, newest first, filtered by kind and time.

The timeline, the audit log and live subscriptions are three views of the one event log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.events import EventKind


@dataclass(frozen=True)
class ActivityFilter:
    """``kinds``: only these; ``since`` inclusive, ``until`` exclusive (occurrence time)."""

    kinds: tuple[EventKind, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None
