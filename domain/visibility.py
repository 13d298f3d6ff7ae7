"""What an event may show a viewer: the contacts it names that they may not see are left out.

Events are stored whole and redacted as they are read (timeline, audit log, live events
alike), because who may see a contact changes after an event was written. Every JSON key
of a change summary that names a contact is declared in :data:`CONTACT_REFERENCES`, the one
list the rule reads; ``tests/resolvers/test_visibility.py`` fails on a summary key naming a
contact that is not declared here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from domain.events import ContactEvent, FieldChange


@dataclass(frozen=True)
class ContactReference:
    """Where a change summary (its ``before``/``after`` dict) names a contact.

    ``key`` holds a contact id or a list of them. ``describing`` are the keys that say how
    the event's contact relates to that one (a link's labels): withheld with it. ``when``
    (key, value) limits the reference to summaries carrying that value (a link's
    ``objectId`` is a contact's only for ``objectType: CONTACT``); a summary without the
    ``when`` key might name a contact. ``required``: every summary of the field has ``key``,
    so one without it (recorded before it had) names a contact nobody can check, and is
    withheld as a hidden one.
    """

    key: str
    describing: tuple[str, ...] = ()
    when: tuple[str, str] | None = None
    required: bool = False

    def applies(self, summary: dict[str, Any]) -> bool:
        if self.when is None:
            return self.key in summary or self.required
        key, value = self.when
        return summary.get(key, value) == value and (self.key in summary or self.required)


_LINKED_CONTACT = ContactReference(
    "objectId", describing=("labels",), when=("objectType", "CONTACT"), required=True
)

CONTACT_REFERENCES: dict[str, tuple[ContactReference, ...]] = {
    "associations": (_LINKED_CONTACT,),
    "associations.labels": (_LINKED_CONTACT,),
    "appointments": (ContactReference("attendeeContactIds"),),
    # CONTACT_MERGED, on both contacts (domain/merge.py)
    "merge": (
        ContactReference("survivorId", required=True),
        ContactReference("duplicateId", required=True),
    ),
}
"""By `FieldChange.field`: the keys of its summaries that name contacts. Users (owner,
followers, assignees, actors) are not contacts and are not listed."""

MaySee = Callable[[str], bool]


def _summaries(change: FieldChange) -> Iterable[dict[str, Any]]:
    return (s for s in (change.before, change.after) if isinstance(s, dict))


def _named(summary: dict[str, Any], ref: ContactReference) -> list[str]:
    value = summary.get(ref.key)
    if isinstance(value, str):
        return [value]
    return [x for x in value if isinstance(x, str)] if isinstance(value, list) else []


def named_contacts(events: Iterable[ContactEvent]) -> set[str]:
    """Every contact id the events' changes name: what a viewer's sight must be checked on."""
    return {
        contact_id
        for e in events
        for change in e.changes
        for ref in CONTACT_REFERENCES.get(change.field, ())
        for summary in _summaries(change)
        if ref.applies(summary)
        for contact_id in _named(summary, ref)
    }


def _redact_summary(summary: Any, refs: tuple[ContactReference, ...], may_see: MaySee) -> Any:
    """The summary without the contacts ``may_see`` refuses; ``summary`` itself if none."""
    if not isinstance(summary, dict):
        return summary
    out = dict(summary)
    for ref in refs:
        if not ref.applies(summary):
            continue
        value = summary.get(ref.key)
        if isinstance(value, list):
            kept = [x for x in value if isinstance(x, str) and may_see(x)]
            if len(kept) == len(value):
                continue
            out[ref.key] = kept
        elif isinstance(value, str) and may_see(value):
            continue
        else:  # a hidden id, or none where one is required
            out[ref.key] = None
        out.update(dict.fromkeys(ref.describing))
    return summary if out == summary else out


def redact(event: ContactEvent, may_see: MaySee) -> ContactEvent:
    """The event as a viewer who sees only the contacts ``may_see`` accepts may read it.

    A hidden contact's id becomes null (left out of a list), what describes the link to it
    becomes null, and the change says ``redacted``; the event itself stays, so pages,
    counts and cursors are the same for every viewer. Unchanged events are returned as is.
    """
    changes = []
    for change in event.changes:
        refs = CONTACT_REFERENCES.get(change.field, ())
        before = _redact_summary(change.before, refs, may_see)
        after = _redact_summary(change.after, refs, may_see)
        if before is change.before and after is change.after:
            changes.append(change)
        else:
            changes.append(replace(change, before=before, after=after, redacted=True))
    if all(new is old for new, old in zip(changes, event.changes, strict=True)):
        return event
    return replace(event, changes=tuple(changes))
