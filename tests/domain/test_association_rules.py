"""Association rules without I/O: labels read from both sides, 10 labels per link, the
records' own checks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from support import Refused

from domain.associations import (
    MAX_LABELS_PER_LINK,
    AssociationLabel,
    AssociationLink,
    AssociationObjectType,
    NewAssociationLabel,
    NewCustomObjectRecord,
    NewOpportunity,
    Opportunity,
    OpportunityPatch,
    check_domain,
    check_properties,
)
from domain.custom_fields import Money
from domain.errors import DomainError, ErrorCode

NOW = datetime(2026, 3, 22, 12, 0, tzinfo=UTC)
T = AssociationObjectType


def new_label(name: str, object_type: T = T.CONTACT, **kw: Any) -> AssociationLabel:
    return AssociationLabel.create("loc", NewAssociationLabel(name, object_type, **kw), NOW)


def contact_link() -> AssociationLink:
    return AssociationLink("loc", "ann", T.CONTACT, "bob", NOW)


def test_a_contact_link_has_a_side_on_each_contact() -> None:
    link = contact_link()
    forward, backward = link.sides()
    assert (forward.contact_id, forward.object_id, forward.reverse) == ("ann", "bob", False)
    assert (backward.contact_id, backward.object_id, backward.reverse) == ("bob", "ann", True)
    assert forward.id != backward.id
    assert forward.link_id == backward.link_id == link.id
    company = AssociationLink("loc", "ann", T.COMPANY, "acme", NOW)
    assert [s.contact_id for s in company.sides()] == ["ann"]


def test_labels_read_by_their_inverse_name_from_the_other_side() -> None:
    parent = new_label("Parent", inverse_name="Child")
    spouse = new_label("Spouse")
    link = contact_link()
    forward, backward = link.sides()
    assert link.add_labels([parent, spouse], reverse=False)
    assert forward.label_names(link.labels) == ["Parent", "Spouse"]
    assert backward.label_names(link.labels) == ["Child", "Spouse"]
    # applied from the second contact's side, the same label reads the other way round
    assert link.set_labels([parent, spouse], reverse=True)
    assert forward.label_names(link.labels) == ["Child", "Spouse"]
    assert backward.label_names(link.labels) == ["Parent", "Spouse"]
    # a symmetric label is one label whichever side applies it
    assert not link.add_labels([spouse], reverse=False)
    assert link.remove_labels([parent.id])
    assert forward.label_names(link.labels) == ["Spouse"]
    assert not link.remove_labels(["not-there"])


def test_at_most_ten_labels_per_link(refused: Refused) -> None:
    labels = [new_label(f"L{i}", T.COMPANY) for i in range(MAX_LABELS_PER_LINK + 1)]
    link = AssociationLink("loc", "ann", T.COMPANY, "acme", NOW)
    with refused(link, ErrorCode.LIMIT_EXCEEDED, ("labelIds",)):
        link.add_labels(labels, reverse=False)
    assert link.add_labels([*labels[:10], labels[3]], reverse=False)
    assert len(link.labels) == 10
    with refused(link, ErrorCode.LIMIT_EXCEEDED, ("labelIds",)):
        link.add_labels([labels[10]], reverse=False)
    # an asymmetric label applied from both sides counts twice
    parent = new_label("Parent", inverse_name="Child")
    pair = contact_link()
    pair.add_labels([parent], reverse=False)
    pair.add_labels([parent], reverse=True)
    assert len(pair.labels) == 2


def test_labels_fit_one_type_of_record(refused: Refused) -> None:
    pets = new_label("Owner", T.CUSTOM_OBJECT, object_key="pets")
    cars = AssociationLink("loc", "ann", T.CUSTOM_OBJECT, "car-1", NOW, object_key="cars")
    with refused(cars, ErrorCode.INVALID_VALUE, ("labelIds", "1")):
        cars.add_labels([new_label("Driver", T.CUSTOM_OBJECT, object_key="cars"), pets], False)
    company = AssociationLink("loc", "ann", T.COMPANY, "acme", NOW)
    with refused(company, ErrorCode.INVALID_VALUE, ("labelIds", "0")):
        company.set_labels([new_label("Friend")], reverse=False)


@pytest.mark.parametrize(
    ("new", "code", "field"),
    [
        (NewAssociationLabel(" ", T.CONTACT), ErrorCode.REQUIRED, ("name",)),
        (
            NewAssociationLabel("Boss", T.COMPANY, None, "Report"),
            ErrorCode.INVALID_VALUE,
            ("inverseName",),
        ),
        (NewAssociationLabel("Owner", T.CUSTOM_OBJECT), ErrorCode.REQUIRED, ("customObjectKey",)),
        (
            NewAssociationLabel("Owner", T.COMPANY, "pets"),
            ErrorCode.INVALID_VALUE,
            ("customObjectKey",),
        ),
        (
            NewAssociationLabel("Owner", T.CUSTOM_OBJECT, "9pets"),
            ErrorCode.INVALID_VALUE,
            ("customObjectKey",),
        ),
    ],
)
def test_label_definitions(
    new: NewAssociationLabel, code: ErrorCode, field: tuple[str, ...]
) -> None:
    with pytest.raises(DomainError) as info:
        AssociationLabel.create("loc", new, NOW)
    assert [(e.code, e.field) for e in info.value.errors] == [(code, field)]


def test_an_inverse_equal_to_the_name_is_symmetric_and_symmetry_is_fixed(
    refused: Refused,
) -> None:
    spouse = new_label("Spouse", inverse_name=" spouse ")
    assert spouse.symmetric
    parent = new_label("Parent", inverse_name="Child")
    parent.rename("Mother", "Son")
    assert (parent.name, parent.inverse_name) == ("Mother", "Son")
    with refused(parent, ErrorCode.INVALID_VALUE, ("inverseName",)):
        parent.rename("Mother", None)
    with refused(spouse, ErrorCode.INVALID_VALUE, ("inverseName",)):
        spouse.rename("Spouse", "Wife")


def test_opportunities_check_and_record_what_changed(refused: Refused) -> None:
    opportunity = Opportunity.create(
        "loc", NewOpportunity(" Renewal ", "sales", "new", value=Money(500, "usd")), NOW
    )
    assert opportunity.name == "Renewal"
    assert opportunity.value == Money(500, "USD")
    with refused(opportunity, ErrorCode.INVALID_VALUE, ("monetaryValue", "amount")):
        opportunity.update(OpportunityPatch(value=Money(-1, "USD")), NOW)
    with refused(opportunity, ErrorCode.REQUIRED, ("status",)):
        opportunity.update(OpportunityPatch(status=None), NOW)
    assert opportunity.update(OpportunityPatch(stage="new"), NOW) == []
    (change,) = opportunity.update(OpportunityPatch(stage="won", value=None), NOW)
    assert change.before == {
        "id": opportunity.id,
        "stage": "new",
        "monetaryValue": {"amount": 500, "currency": "USD"},
    }
    assert change.after == {"id": opportunity.id, "stage": "won", "monetaryValue": None}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("acme.com", "acme.com"),
        ("https://www.Acme.co.uk/about?x=1", "acme.co.uk"),
        ("  sub.example.org.  ", "sub.example.org"),
        (None, None),
        ("", None),
    ],
)
def test_company_domains(raw: str | None, expected: str | None) -> None:
    assert check_domain(raw, "domain") == expected


@pytest.mark.parametrize("raw", ["acme", "not a domain", "http://", "-acme.com", "acme.c"])
def test_not_company_domains(raw: str) -> None:
    with pytest.raises(DomainError) as info:
        check_domain(raw, "domain")
    assert info.value.errors[0].code is ErrorCode.INVALID_VALUE


def test_custom_object_properties_are_scalars() -> None:
    assert check_properties({"a": "x", "b": 1, "c": 1.5, "d": True, "e": None}) == {
        "a": "x",
        "b": 1,
        "c": 1.5,
        "d": True,
        "e": None,
    }
    for bad, code, field in (
        ([1], ErrorCode.WRONG_VALUE_TYPE, ("properties",)),
        ({"tags": ["a"]}, ErrorCode.WRONG_VALUE_TYPE, ("properties", "tags")),
        ({"nested": {"a": 1}}, ErrorCode.WRONG_VALUE_TYPE, ("properties", "nested")),
        ({"bad key": 1}, ErrorCode.INVALID_VALUE, ("properties", "bad key")),
        ({"n": float("nan")}, ErrorCode.INVALID_VALUE, ("properties", "n")),
        ({f"k{i}": i for i in range(101)}, ErrorCode.LIMIT_EXCEEDED, ("properties",)),
    ):
        with pytest.raises(DomainError) as info:
            check_properties(bad, "properties")
        assert [(e.code, e.field) for e in info.value.errors] == [(code, field)], bad
    assert NewCustomObjectRecord("pets", "Rex").properties == {}
