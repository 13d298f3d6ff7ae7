"""The stored form of a smart list's filter reads back into exactly the same filter tree."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from domain.contact import ContactType, DndChannel
from domain.contact_query import (
    ContactFilter,
    CustomFieldMatch,
    DndMatch,
    TextMatch,
    TimeRange,
)
from persistence.contact_filter_json import (
    StoredFilterError,
    filter_from_json,
    filter_to_json,
)

EVERYTHING = ContactFilter(
    all_of=(ContactFilter(name=TextMatch(contains="a")), ContactFilter(archived=True)),
    any_of=(ContactFilter(tags_any=("vip",)), ContactFilter(has_owner=False)),
    not_=ContactFilter(not_=ContactFilter(email=TextMatch(equals="x@y.io"))),
    name=TextMatch(equals="ann lee", contains="nn", starts_with="An"),
    email=TextMatch(contains="@example.org"),
    phone=TextMatch(starts_with="+1415"),
    tags_any=("vip", "gold"),
    tags_all=("vip",),
    tags_none=(),
    owner_ids=("user-1", "user-2"),
    has_owner=True,
    follower_ids=("user-3",),
    dnd=DndMatch(DndChannel.WHATSAPP, enabled=False),
    types=(ContactType.LEAD, ContactType.CUSTOMER),
    created=TimeRange(after=datetime(2026, 1, 1, tzinfo=UTC)),
    updated=TimeRange(
        after=datetime(2026, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=2))),
        before=datetime(2026, 2, 1, 0, 0, 0, 123456, tzinfo=UTC),
    ),
    custom_fields=(
        CustomFieldMatch("score", number_min=80.5, number_max=100.0),
        CustomFieldMatch(
            "birthday", is_set=True, date_from=date(2000, 1, 1), date_to=date(2000, 12, 31)
        ),
        CustomFieldMatch("plan", text=TextMatch(contains="p"), checked=False, option="pro"),
        CustomFieldMatch("gone", is_set=False),
    ),
    archived=False,
    search="acme",
)


def stored(f: ContactFilter) -> Any:
    """What the JSON column holds and hands back."""
    return json.loads(json.dumps(filter_to_json(f)))


def test_the_sample_sets_every_member_of_the_filter() -> None:
    # a member added to ContactFilter later must be added here (and shown by the API)
    default = ContactFilter()
    for f in dataclasses.fields(ContactFilter):
        assert getattr(EVERYTHING, f.name) != getattr(default, f.name), f.name


def test_every_member_round_trips() -> None:
    back = filter_from_json(stored(EVERYTHING))
    assert back == EVERYTHING
    assert hash(back) == hash(EVERYTHING)  # usable as a loader key, like the original
    assert back.updated is not None
    assert back.updated.after is not None
    assert back.updated.after.utcoffset() == timedelta(hours=2)  # the offset is kept


def test_given_empty_values_stay_apart_from_omitted_ones() -> None:
    # tags_none=() means "none of no tags" (always true); None means "no condition"
    assert filter_from_json(stored(ContactFilter(tags_any=()))).tags_any == ()
    assert filter_from_json(stored(ContactFilter())).tags_any is None
    assert filter_from_json(stored(ContactFilter(archived=False))).archived is False


def test_defaults_are_left_out() -> None:
    assert filter_to_json(ContactFilter()) == {}
    assert filter_to_json(ContactFilter(dnd=DndMatch(DndChannel.SMS))) == {
        "dnd": {"channel": "SMS"}
    }
    assert filter_to_json(ContactFilter(custom_fields=(CustomFieldMatch("k", number_min=1),))) == {
        "custom_fields": [{"key": "k", "number_min": 1}]
    }


def test_numbers_read_back_as_floats() -> None:
    back = filter_from_json({"custom_fields": [{"key": "k", "number_min": 3}]})
    assert back.custom_fields[0].number_min == 3.0
    assert isinstance(back.custom_fields[0].number_min, float)


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"colour": "red"}, "unknown members ['colour']"),
        ({"name": {"equal": "x"}}, "filter.name: unknown members"),
        ({"tags_any": "vip"}, "filter.tags_any: expected a list"),
        ({"tags_any": ["vip", 3]}, "filter.tags_any[1]: expected str"),
        ({"types": ["PROSPECT"]}, "filter.types[0]"),
        ({"archived": "yes"}, "filter.archived: expected bool"),
        ({"created": {"after": "yesterday"}}, "filter.created.after"),
        ({"custom_fields": [{"number_min": 1}]}, "filter.custom_fields[0]"),
        ({"custom_fields": [{"key": "k", "number_min": True}]}, "expected a number"),
        ({"dnd": {"channel": None}}, "filter.dnd.channel: a value is required"),
        ({"any_of": [[]]}, "filter.any_of[0]: expected an object"),
        ([], "filter: expected an object"),
    ],
)
def test_a_stored_filter_of_the_wrong_shape_is_refused(data: Any, where: str) -> None:
    with pytest.raises(StoredFilterError, match=where.replace("[", r"\[").replace("]", r"\]")):
        filter_from_json(data)
