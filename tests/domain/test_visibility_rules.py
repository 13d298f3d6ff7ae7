"""The one rule for contacts an event names that the viewer may not see (domain/visibility.py)."""

from __future__ import annotations

from typing import Any

from support import NOW

from domain.events import ContactEvent, EventKind, FieldChange
from domain.visibility import named_contacts, redact

SEEN, HIDDEN = "contact-seen", "contact-hidden"


def event(kind: EventKind, field: str, before: Any, after: Any) -> ContactEvent:
    return ContactEvent(kind, "c1", "loc", "user-1", NOW, (FieldChange(field, before, after),))


def may_see(contact_id: str) -> bool:
    return contact_id == SEEN


def link(object_id: str | None, object_type: str = "CONTACT") -> dict[str, Any]:
    return {"id": "side-1", "objectType": object_type, "objectId": object_id, "labels": ["Mentor"]}


def test_a_hidden_linked_contact_is_null_and_its_labels_withheld() -> None:
    for kind, field in (
        (EventKind.ASSOCIATION_ADDED, "associations"),
        (EventKind.ASSOCIATION_LABELS_CHANGED, "associations.labels"),
    ):
        e = event(kind, field, None, link(HIDDEN))
        out = redact(e, may_see)
        assert out.changes[0].after == {
            "id": "side-1",
            "objectType": "CONTACT",
            "objectId": None,
            "labels": None,
        }
        assert out.redacted
        assert out.changes[0].redacted
        assert (out.id, out.kind, out.sequence) == (e.id, e.kind, e.sequence)
        assert not e.redacted  # the stored event is untouched


def test_visible_contacts_and_other_records_are_left_as_they_are() -> None:
    for summary in (link(SEEN), link("company-1", "COMPANY"), link("opp-1", "OPPORTUNITY")):
        e = event(EventKind.ASSOCIATION_REMOVED, "associations", summary, None)
        assert redact(e, may_see) is e
    untouched = event(EventKind.NOTE_ADDED, "notes", None, {"id": "n1", "body": HIDDEN})
    assert redact(untouched, may_see) is untouched  # free text is not a reference


def test_hidden_guests_are_left_out_of_the_list_before_and_after() -> None:
    e = event(
        EventKind.APPOINTMENT_UPDATED,
        "appointments",
        {"id": "a1", "attendeeContactIds": [HIDDEN, SEEN]},
        {"id": "a1", "attendeeContactIds": [SEEN]},
    )
    out = redact(e, may_see)
    change = out.changes[0]
    assert change.before == {"id": "a1", "attendeeContactIds": [SEEN]}
    assert change.after == {"id": "a1", "attendeeContactIds": [SEEN]}
    assert change.redacted
    edit = event(EventKind.APPOINTMENT_UPDATED, "appointments", {"id": "a1", "title": "x"}, None)
    assert redact(edit, may_see) is edit  # a change without guests names no contact


def test_a_relabelling_that_does_not_name_its_record_is_withheld() -> None:
    """Relabellings recorded before they named the linked record: nobody can check it."""
    legacy = {"id": "side-1", "labels": ["Mentor"]}
    e = event(EventKind.ASSOCIATION_LABELS_CHANGED, "associations.labels", legacy, legacy)
    out = redact(e, lambda _: True)
    assert (
        out.changes[0].before
        == out.changes[0].after
        == {
            "id": "side-1",
            "labels": None,
            "objectId": None,
        }
    )
    assert out.redacted


def test_named_contacts_are_what_must_be_checked() -> None:
    events = [
        event(EventKind.ASSOCIATION_ADDED, "associations", None, link(HIDDEN)),
        event(EventKind.ASSOCIATION_ADDED, "associations", None, link("co-1", "COMPANY")),
        event(
            EventKind.APPOINTMENT_BOOKED,
            "appointments",
            None,
            {"id": "a1", "attendeeContactIds": [SEEN, "contact-3"]},
        ),
        event(EventKind.NOTE_ADDED, "notes", None, {"id": "n1", "body": "contact-4"}),
    ]
    assert named_contacts(events) == {HIDDEN, SEEN, "contact-3"}
