"""Phones and emails (help page: Managing multiple phone numbers / email addresses).

Both lists follow the same rules -- at most 11 (1 primary + 10 additional), one number or
address per label, exactly one primary, the primary not deletable while others exist -- so
most tests run once for phones and once for emails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from domain.contact import (
    KEEP,
    MAX_EMAILS,
    MAX_PHONES,
    Contact,
    ContactPoint,
    ContactPoints,
    EmailLabel,
    PhoneLabel,
)
from domain.errors import ErrorCode
from domain.events import FieldChange


@dataclass(frozen=True)
class Kind:
    """Adds the i-th distinct phone or email to a contact, as a user would type it."""

    name: str
    labels: tuple[Any, ...]

    @property
    def plural(self) -> str:
        return f"{self.name}s"

    @property
    def value_field(self) -> str:
        """What the API's input calls the number or address."""
        return "number" if self.name == "phone" else "address"

    @property
    def id_field(self) -> str:
        """What the API's input calls the id of an existing number or address."""
        return f"{self.name}Id"

    def points(self, contact: Contact) -> ContactPoints[Any]:
        return contact.phones if self.name == "phone" else contact.emails

    def raw(self, i: int) -> str:
        return f"(415) 555-01{i:02d}" if self.name == "phone" else f"Person{i}@Example.com"

    def stored(self, i: int) -> str:
        return f"+141555501{i:02d}" if self.name == "phone" else f"Person{i}@example.com"

    def add(
        self, contact: Contact, i: int, label: Any = None, primary: bool = False
    ) -> tuple[ContactPoint, list[FieldChange]]:
        if self.name == "phone":
            return contact.add_phone(self.raw(i), label, primary, "US")
        return contact.add_email(self.raw(i), label, primary)


PHONES = Kind("phone", tuple(PhoneLabel))
EMAILS = Kind("email", tuple(EmailLabel))


@pytest.fixture(params=[PHONES, EMAILS], ids=["phone", "email"])
def kind(request: pytest.FixtureRequest) -> Kind:
    return request.param  # type: ignore[no-any-return]


def as_json(value: str, label: str | None, primary: bool) -> dict[str, Any]:
    return {"value": value, "label": label, "primary": primary}


def primaries(points: ContactPoints[Any]) -> list[str]:
    return [p.value for p in points.items if p.is_primary]


# -- the primary -----------------------------------------------------------------------------


def test_first_one_becomes_primary_automatically(contact: Contact, kind: Kind) -> None:
    point, changes = kind.add(contact, 0, primary=False)

    assert point.is_primary
    assert kind.points(contact).primary is point
    assert changes == [FieldChange(kind.plural, None, as_json(kind.stored(0), None, True))]


def test_later_one_is_additional_unless_asked_to_be_primary(contact: Contact, kind: Kind) -> None:
    first, _ = kind.add(contact, 0)
    second, changes = kind.add(contact, 1)

    assert not second.is_primary
    assert kind.points(contact).primary is first
    assert changes == [FieldChange(kind.plural, None, as_json(kind.stored(1), None, False))]


def test_adding_a_primary_demotes_the_old_one(contact: Contact, kind: Kind) -> None:
    first, _ = kind.add(contact, 0)
    kind.add(contact, 1)
    third, changes = kind.add(contact, 2, primary=True)

    assert third.is_primary
    assert not first.is_primary
    assert primaries(kind.points(contact)) == [kind.stored(2)]
    assert changes == [
        FieldChange(kind.plural, None, as_json(kind.stored(2), None, True)),
        FieldChange(f"{kind.plural}.primary", kind.stored(0), kind.stored(2)),
    ]


def test_set_primary_moves_the_primary(contact: Contact, kind: Kind) -> None:
    first, _ = kind.add(contact, 0)
    second, _ = kind.add(contact, 1)

    changes = kind.points(contact).set_primary(second.id)

    assert second.is_primary
    assert not first.is_primary
    assert primaries(kind.points(contact)) == [kind.stored(1)]
    assert changes == [FieldChange(f"{kind.plural}.primary", kind.stored(0), kind.stored(1))]


def test_set_primary_on_the_primary_changes_nothing(contact: Contact, kind: Kind) -> None:
    first, _ = kind.add(contact, 0)
    kind.add(contact, 1)
    before = contact.snapshot()

    assert kind.points(contact).set_primary(first.id) == []
    assert contact == before


# -- the limit -------------------------------------------------------------------------------


def test_twelfth_is_refused_and_eleven_remain(contact: Contact, kind: Kind, refused) -> None:
    for i in range(11):
        kind.add(contact, i)
    assert len(kind.points(contact).items) == 11 == (MAX_PHONES if kind is PHONES else MAX_EMAILS)

    with refused(contact, ErrorCode.LIMIT_EXCEEDED, ()):
        kind.add(contact, 11, primary=True)

    assert len(kind.points(contact).items) == 11
    assert primaries(kind.points(contact)) == [kind.stored(0)]


def test_adding_one_it_has_is_no_change_even_at_the_limit(contact: Contact, kind: Kind) -> None:
    """A repeated add names a state that holds: the existing item comes back as it is (its
    label and primary flag too), nothing changes, nothing is reported for the audit log."""
    points = [kind.add(contact, i, label=kind.labels[0] if i == 3 else None)[0] for i in range(11)]
    before = contact.snapshot()

    again, changes = kind.add(contact, 3, label=kind.labels[1], primary=True)

    assert (again, changes) == (points[3], [])
    assert contact == before


def test_removing_one_makes_room_again(contact: Contact, kind: Kind) -> None:
    points = [kind.add(contact, i)[0] for i in range(11)]
    kind.points(contact).remove(points[5].id)

    point, _ = kind.add(contact, 11)

    assert len(kind.points(contact).items) == 11
    assert point in kind.points(contact).items


# -- labels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "label"),
    [pytest.param(PHONES, label, id=f"phone-{label}") for label in PhoneLabel]
    + [pytest.param(EMAILS, label, id=f"email-{label}") for label in EmailLabel],
)
def test_label_can_be_on_one_only(contact: Contact, kind: Kind, label: Any, refused) -> None:
    kind.add(contact, 0, label=label)

    with refused(contact, ErrorCode.LABEL_TAKEN, ("label",)):
        kind.add(contact, 1, label=label)

    assert len(kind.points(contact).items) == 1


def test_help_page_phone_labels() -> None:
    assert {label.value for label in PhoneLabel} == {"HOME", "LANDLINE", "MOBILE", "WORK"}


def test_every_label_once_and_unlabelled_ones_coexist(contact: Contact, kind: Kind) -> None:
    for i, label in enumerate(kind.labels):
        kind.add(contact, i, label=label)
    n = len(kind.labels)
    kind.add(contact, n)
    kind.add(contact, n + 1)

    labels = [p.label for p in kind.points(contact).items]
    assert labels == [label.value for label in kind.labels] + [None, None]


# -- removing --------------------------------------------------------------------------------


def test_primary_cannot_be_removed_while_others_exist(
    contact: Contact, kind: Kind, refused
) -> None:
    first, _ = kind.add(contact, 0)
    kind.add(contact, 1)

    with refused(contact, ErrorCode.PRIMARY_NOT_DELETABLE, (kind.id_field,)):
        kind.points(contact).remove(first.id)

    assert first in kind.points(contact).items
    assert first.is_primary


def test_primary_can_be_removed_once_another_is_primary(contact: Contact, kind: Kind) -> None:
    first, _ = kind.add(contact, 0)
    second, _ = kind.add(contact, 1)
    points = kind.points(contact)

    points.set_primary(second.id)
    changes = points.remove(first.id)

    assert points.items == [second]
    assert points.primary is second
    assert changes == [FieldChange(kind.plural, as_json(kind.stored(0), None, False), None)]


def test_only_one_can_be_removed(contact: Contact, kind: Kind) -> None:
    only, _ = kind.add(contact, 0, label=kind.labels[0])

    changes = kind.points(contact).remove(only.id)

    assert kind.points(contact).items == []
    assert kind.points(contact).primary is None
    assert changes == [
        FieldChange(kind.plural, as_json(kind.stored(0), kind.labels[0].value, True), None)
    ]


def test_removing_an_additional_one_keeps_the_primary(contact: Contact, kind: Kind) -> None:
    first, _ = kind.add(contact, 0)
    second, _ = kind.add(contact, 1)
    third, _ = kind.add(contact, 2)

    kind.points(contact).remove(second.id)

    assert kind.points(contact).items == [first, third]
    assert kind.points(contact).primary is first


def test_a_removed_label_is_free_again(contact: Contact, kind: Kind) -> None:
    kind.add(contact, 0)
    labelled, _ = kind.add(contact, 1, label=kind.labels[0])
    kind.points(contact).remove(labelled.id)

    point, _ = kind.add(contact, 2, label=kind.labels[0])

    assert point.label == kind.labels[0].value


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda points: points.remove("nope"), id="remove"),
        pytest.param(lambda points: points.set_primary("nope"), id="set_primary"),
        pytest.param(lambda points: points.update("nope", None, KEEP), id="update"),
    ],
)
def test_unknown_id_is_not_found(contact: Contact, kind: Kind, call: Any, refused) -> None:
    kind.add(contact, 0)

    with refused(contact, ErrorCode.NOT_FOUND, (kind.id_field,)):
        call(kind.points(contact))


# -- updating --------------------------------------------------------------------------------


def test_update_changes_value_and_label_and_keeps_id_and_primary(
    contact: Contact, kind: Kind
) -> None:
    point, _ = kind.add(contact, 0)

    changes = kind.points(contact).update(point.id, kind.stored(7), kind.labels[1])

    assert kind.points(contact).items == [point]
    assert (point.value, point.label, point.is_primary) == (
        kind.stored(7),
        kind.labels[1].value,
        True,
    )
    assert changes == [
        FieldChange(
            kind.plural,
            as_json(kind.stored(0), None, True),
            as_json(kind.stored(7), kind.labels[1].value, True),
        )
    ]


def test_update_with_keep_leaves_the_label(contact: Contact, kind: Kind) -> None:
    point, _ = kind.add(contact, 0, label=kind.labels[0])

    kind.points(contact).update(point.id, kind.stored(3), KEEP)

    assert point.label == kind.labels[0].value
    assert point.value == kind.stored(3)


def test_update_with_none_label_clears_it(contact: Contact, kind: Kind) -> None:
    point, _ = kind.add(contact, 0, label=kind.labels[0])

    kind.points(contact).update(point.id, None, None)

    assert point.label is None
    assert point.value == kind.stored(0)


def test_update_may_keep_its_own_label(contact: Contact, kind: Kind) -> None:
    point, _ = kind.add(contact, 0, label=kind.labels[0])

    kind.points(contact).update(point.id, kind.stored(1), kind.labels[0])

    assert (point.value, point.label) == (kind.stored(1), kind.labels[0].value)


def test_update_to_a_label_taken_by_another_is_refused(
    contact: Contact, kind: Kind, refused
) -> None:
    kind.add(contact, 0, label=kind.labels[0])
    other, _ = kind.add(contact, 1, label=kind.labels[1])

    with refused(contact, ErrorCode.LABEL_TAKEN, ("label",)):
        kind.points(contact).update(other.id, None, kind.labels[0])


def test_update_to_a_value_another_has_is_refused(contact: Contact, kind: Kind, refused) -> None:
    kind.add(contact, 0)
    other, _ = kind.add(contact, 1)

    with refused(contact, ErrorCode.DUPLICATE, (kind.value_field,)):
        kind.points(contact).update(other.id, kind.stored(0), KEEP)


def test_update_that_changes_nothing_reports_nothing(contact: Contact, kind: Kind) -> None:
    point, _ = kind.add(contact, 0, label=kind.labels[0])
    before = contact.snapshot()

    assert kind.points(contact).update(point.id, kind.stored(0), kind.labels[0]) == []
    assert kind.points(contact).update(point.id, None, KEEP) == []
    assert contact == before


# -- phones: normalisation and duplicates ----------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+1 415-555-0100", "US", "+14155550100"),
        ("(415) 555-0100", "US", "+14155550100"),
        ("415.555.0100", "US", "+14155550100"),
        ("  4155550100  ", "US", "+14155550100"),
        ("+14155550100", "GB", "+14155550100"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+44 20 7946 0958", "US", "+442079460958"),
    ],
)
def test_phone_is_stored_in_e164(contact: Contact, raw: str, region: str, e164: str) -> None:
    point, _ = contact.add_phone(raw, None, False, region)

    assert point.value == e164
    assert [p.value for p in contact.phones.items] == [e164]


@pytest.mark.parametrize("raw", ["", "   ", "12", "not a number", "+1 415 555", "555-0100-99999"])
def test_invalid_phone_is_refused(contact: Contact, raw: str, refused) -> None:
    with refused(contact, ErrorCode.INVALID_PHONE, ("number",)):
        contact.add_phone(raw, PhoneLabel.MOBILE, True, "US")


def test_same_number_in_another_format_is_the_same_number(contact: Contact) -> None:
    first, _ = contact.add_phone("+1 415-555-0100", PhoneLabel.MOBILE, False, "US")
    before = contact.snapshot()

    assert contact.add_phone("(415) 555-0100", PhoneLabel.WORK, True, "US") == (first, [])
    assert contact == before
    assert [(p.value, p.label) for p in contact.phones.items] == [("+14155550100", "MOBILE")]


def test_error_path_follows_the_input(contact: Contact, refused) -> None:
    contact.add_phone("+1 415-555-0100", PhoneLabel.MOBILE, False, "US")

    with refused(contact, ErrorCode.LABEL_TAKEN, ("phones", "3", "label")):
        contact.add_phone("4155550101", PhoneLabel.MOBILE, False, "US", ("phones", "3"))


def test_error_paths_name_the_input_fields_inside_an_item(contact: Contact, refused) -> None:
    contact.add_email("jane@example.com", EmailLabel.WORK, False)

    with refused(contact, ErrorCode.INVALID_EMAIL, ("emails", "1", "address")):
        contact.add_email("nope@", None, False, ("emails", "1"))
    with refused(contact, ErrorCode.LABEL_TAKEN, ("emails", "2", "label")):
        contact.add_email("john@example.com", EmailLabel.WORK, False, ("emails", "2"))
    with refused(contact, ErrorCode.INVALID_PHONE, ("phones", "0", "number")):
        contact.add_phone("12", None, False, "US", ("phones", "0"))


def test_input_field_names_follow_the_kind(contact: Contact) -> None:
    """Lists built from stored rows (kind and limit only) name the same fields as a new
    contact's."""
    phones: ContactPoints[PhoneLabel] = ContactPoints("phone", MAX_PHONES)
    emails: ContactPoints[EmailLabel] = ContactPoints("email", MAX_EMAILS)

    assert (phones.value_field, phones.id_field) == ("number", "phoneId")
    assert (emails.value_field, emails.id_field) == ("address", "emailId")
    assert (contact.phones, contact.emails) == (phones, emails)


# -- emails: normalisation and duplicates ----------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("jane@example.com", "jane@example.com"),
        ("  jane@example.com  ", "jane@example.com"),
        ("Jane.Doe@Example.COM", "Jane.Doe@example.com"),
    ],
)
def test_email_is_stored_normalised(contact: Contact, raw: str, stored: str) -> None:
    point, _ = contact.add_email(raw, None, False)

    assert point.value == stored


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "jane", "jane@", "@example.com", "jane@@example.com", "jane doe@example.com"],
)
def test_invalid_email_is_refused(contact: Contact, raw: str, refused) -> None:
    with refused(contact, ErrorCode.INVALID_EMAIL, ("address",)):
        contact.add_email(raw, EmailLabel.WORK, True)


@pytest.mark.parametrize("again", ["JANE@EXAMPLE.COM", "Jane@example.com", " jane@Example.com "])
def test_emails_are_compared_case_insensitively(contact: Contact, again: str) -> None:
    first, _ = contact.add_email("jane@example.com", None, False)
    before = contact.snapshot()

    assert contact.add_email(again, EmailLabel.WORK, True) == (first, [])
    assert contact == before


def test_update_to_a_case_variant_of_another_email_is_refused(contact: Contact, refused) -> None:
    contact.add_email("jane@example.com", None, False)
    other, _ = contact.add_email("john@example.com", None, False)

    with refused(contact, ErrorCode.DUPLICATE, ("address",)):
        contact.emails.update(other.id, "JANE@example.com", KEEP)


def test_an_email_may_change_its_own_case(contact: Contact) -> None:
    point, _ = contact.add_email("jane@example.com", None, False)

    contact.emails.update(point.id, "Jane@example.com", KEEP)

    assert point.value == "Jane@example.com"


def test_phones_and_emails_are_separate_lists(contact: Contact) -> None:
    phone, _ = contact.add_phone("(415) 555-0100", PhoneLabel.WORK, False, "US")
    email, _ = contact.add_email("jane@example.com", EmailLabel.WORK, False)

    assert contact.phones.items == [phone]
    assert contact.emails.items == [email]
    assert phone.is_primary
    assert email.is_primary
