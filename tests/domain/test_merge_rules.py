"""The merge's pure rules (domain/merge.py, ContactAttribution.absorb), without I/O."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import NOW, new_contact

from domain.attribution import ContactAttribution
from domain.contact import Contact, EmailLabel, PhoneLabel
from domain.errors import DomainError, ErrorCode
from domain.events import ContactEvent, EventKind, FieldChange
from domain.merge import MERGE_FIELD, absorb
from domain.visibility import redact


def phones(c: Contact, *numbers: str, label: PhoneLabel | None = None) -> None:
    for n in numbers:
        c.add_phone(n, label, False, "US")


def test_caps_refuse_and_leave_the_survivor_as_it_was() -> None:
    survivor, duplicate = new_contact(), new_contact()
    phones(survivor, *(f"+1415555{n:04d}" for n in range(6)))
    phones(duplicate, *(f"+1415555{n:04d}" for n in range(3, 9)))  # 3 shared: 9 in all
    survivor.add_tags([f"t{n}" for n in range(60)])
    duplicate.add_tags([f"t{n}" for n in range(30, 90)])  # 90 in all
    before = survivor.snapshot()
    changes, dropped = absorb(survivor, duplicate, {}, NOW.date())
    assert len(survivor.phones.items) == 9
    assert len(survivor.tags) == 90
    assert dropped == []
    assert changes
    survivor, duplicate = before, new_contact()
    phones(duplicate, *(f"+1416555{n:04d}" for n in range(6)))  # 12 in all
    duplicate.add_tags([f"u{n}" for n in range(50)])  # 110 in all
    with pytest.raises(DomainError) as refused:
        absorb(survivor, duplicate, {}, NOW.date())
    assert [(e.code, e.field) for e in refused.value.errors] == [
        (ErrorCode.LIMIT_EXCEEDED, ("duplicateId", "phones")),
        (ErrorCode.LIMIT_EXCEEDED, ("duplicateId", "tags")),
    ]
    assert survivor == before


def test_labels_stay_unique_and_the_survivors_primary_stays() -> None:
    survivor, duplicate = new_contact(), new_contact()
    survivor.add_email("a@example.org", EmailLabel.WORK, True)
    duplicate.add_email("b@example.org", EmailLabel.WORK, True)
    duplicate.add_email("A@EXAMPLE.ORG", EmailLabel.HOME, False)
    absorb(survivor, duplicate, {}, NOW.date())
    assert [(e.value, e.label, e.is_primary) for e in survivor.emails.items] == [
        ("a@example.org", "WORK", True),
        ("b@example.org", None, False),
    ]


def test_a_survivor_without_numbers_takes_the_duplicates_primary() -> None:
    survivor, duplicate = new_contact(), new_contact()
    phones(duplicate, "+14155550100", "+14155550101")
    duplicate.phones.set_primary(duplicate.phones.items[1].id)
    absorb(survivor, duplicate, {}, NOW.date())
    assert [p.is_primary for p in survivor.phones.items] == [False, True]


def attribution(first: str | None, latest: str | None, at: int | None) -> ContactAttribution:
    return ContactAttribution(
        "c", "loc", first, latest, NOW + timedelta(days=at) if at is not None else None
    )


def test_attribution_keeps_the_earlier_first_and_the_later_latest() -> None:
    times = {"s1": NOW + timedelta(days=5), "d1": NOW + timedelta(days=1)}
    mine = attribution("s1", "s9", 9)
    moves = mine.absorb(attribution("d1", "d2", 2), times)
    assert (mine.first_interaction_id, mine.latest_interaction_id) == ("d1", "s9")
    assert [m.field for m in moves] == ["attribution.firstInteraction"]
    # on a tie the survivor's stays; an empty one takes the other's
    tie = {"s1": NOW, "d1": NOW}
    mine = attribution("s1", "s1", 0)
    assert mine.absorb(attribution("d1", "d1", 0), tie) == []
    empty = attribution(None, None, None)
    empty.absorb(attribution("d1", "d2", 2), times)
    assert (empty.first_interaction_id, empty.latest_interaction_id) == ("d1", "d2")


def test_a_merge_event_withholds_the_contact_the_viewer_may_not_see() -> None:
    summary = {"survivorId": "seen", "duplicateId": "hidden"}
    event = ContactEvent(
        EventKind.CONTACT_MERGED,
        "seen",
        "loc",
        "u",
        NOW,
        (FieldChange(MERGE_FIELD, None, summary),),
    )
    seen = redact(event, lambda cid: cid == "seen")
    assert seen.changes[0].after == {"survivorId": "seen", "duplicateId": None}
    assert seen.redacted
    assert redact(event, lambda cid: True) is event
