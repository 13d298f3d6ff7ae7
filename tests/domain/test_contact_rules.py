"""The contact's other rules: profile (Contact/General Info), tags, owner, followers,
Do-Not-Disturb, archive/restore -- and the FieldChange list each change reports for the
audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.contact import (
    MAX_FOLLOWERS,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    Address,
    Contact,
    ContactType,
    DndChannel,
    DndSetting,
)
from domain.errors import ErrorCode
from domain.events import FieldChange

NOW = datetime(2026, 3, 22, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
LATER = NOW + timedelta(hours=1)
CHANNELS = [c for c in DndChannel if c is not DndChannel.ALL]


def address_json(**members: str | None) -> dict[str, str | None]:
    base: dict[str, str | None] = dict.fromkeys(
        ("line1", "line2", "city", "state", "postalCode", "country")
    )
    return {**base, **members}


# -- profile ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "stored", "api_field", "before_json", "after_json"),
    [
        ("first_name", "Ada", "Ada", "firstName", None, "Ada"),
        ("last_name", "Lovelace", "Lovelace", "lastName", None, "Lovelace"),
        ("source", "Facebook Lead Ads", "Facebook Lead Ads", "source", None, "Facebook Lead Ads"),
        ("business_name", "Acme Inc.", "Acme Inc.", "businessName", None, "Acme Inc."),
        ("time_zone", "Europe/Paris", "Europe/Paris", "timeZone", None, "Europe/Paris"),
        ("date_of_birth", date(1990, 5, 17), date(1990, 5, 17), "dateOfBirth", None, "1990-05-17"),
        ("website", "acme.com", "https://acme.com", "website", None, "https://acme.com"),
        ("contact_type", ContactType.CUSTOMER, ContactType.CUSTOMER, "type", "LEAD", "CUSTOMER"),
    ],
)
def test_profile_field_is_set_and_reported_under_its_api_name(
    contact: Contact,
    name: str,
    value: Any,
    stored: Any,
    api_field: str,
    before_json: Any,
    after_json: Any,
) -> None:
    changes = contact.update_profile({name: value}, TODAY)

    assert getattr(contact.profile, name) == stored
    assert changes == [FieldChange(api_field, before_json, after_json)]


def test_new_contact_is_a_lead_with_an_empty_profile(contact: Contact) -> None:
    assert contact.profile.contact_type is ContactType.LEAD
    assert contact.profile.first_name is None
    assert contact.profile.address == Address()
    assert contact.full_name is None


def test_patch_changes_only_the_given_keys(contact: Contact) -> None:
    contact.update_profile({"first_name": "Ada", "last_name": "Byron", "source": "Referral"}, TODAY)

    changes = contact.update_profile({"last_name": "Lovelace"}, TODAY)

    assert contact.profile.first_name == "Ada"
    assert contact.profile.last_name == "Lovelace"
    assert contact.profile.source == "Referral"
    assert changes == [FieldChange("lastName", "Byron", "Lovelace")]


def test_patch_with_the_current_values_reports_nothing(contact: Contact) -> None:
    contact.update_profile({"first_name": "Ada", "website": "acme.com"}, TODAY)
    before = contact.snapshot()

    changes = contact.update_profile({"first_name": " Ada ", "website": "https://acme.com"}, TODAY)

    assert changes == []
    assert contact == before


def test_none_clears_a_field(contact: Contact) -> None:
    contact.update_profile({"first_name": "Ada", "last_name": "Lovelace"}, TODAY)

    changes = contact.update_profile({"first_name": None}, TODAY)

    assert contact.profile.first_name is None
    assert contact.full_name == "Lovelace"
    assert changes == [FieldChange("firstName", "Ada", None)]


@pytest.mark.parametrize(
    "name", ["first_name", "last_name", "source", "business_name", "website", "time_zone"]
)
@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_blank_string_becomes_none(contact: Contact, name: str, blank: str) -> None:
    initial = {"website": "acme.com", "time_zone": "Europe/Paris"}.get(name, "something")
    contact.update_profile({name: initial}, TODAY)

    contact.update_profile({name: blank}, TODAY)

    assert getattr(contact.profile, name) is None


def test_text_is_trimmed(contact: Contact) -> None:
    contact.update_profile({"first_name": "  Ada ", "business_name": "\tAcme  "}, TODAY)

    assert contact.profile.first_name == "Ada"
    assert contact.profile.business_name == "Acme"
    assert contact.full_name == "Ada"


@pytest.mark.parametrize(
    ("name", "api_field"),
    [("first_name", "firstName"), ("last_name", "lastName"), ("business_name", "businessName")],
)
def test_text_longer_than_255_is_refused(
    contact: Contact, name: str, api_field: str, refused
) -> None:
    contact.update_profile({name: "x" * 255}, TODAY)
    assert getattr(contact.profile, name) == "x" * 255

    with refused(contact, ErrorCode.TOO_LONG, (api_field,)):
        contact.update_profile({name: "y" * 256}, TODAY)


def test_future_date_of_birth_is_refused(contact: Contact, refused) -> None:
    with refused(contact, ErrorCode.INVALID_VALUE, ("dateOfBirth",)):
        contact.update_profile({"date_of_birth": TODAY + timedelta(days=1)}, TODAY)


def test_date_of_birth_today_is_accepted(contact: Contact) -> None:
    contact.update_profile({"date_of_birth": TODAY}, TODAY)

    assert contact.profile.date_of_birth == TODAY


@pytest.mark.parametrize("zone", ["America/New_York", "UTC", "Asia/Kolkata"])
def test_iana_time_zone_is_accepted(contact: Contact, zone: str) -> None:
    contact.update_profile({"time_zone": zone}, TODAY)

    assert contact.profile.time_zone == zone


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Paris", "+02:00", "GMT+25"])
def test_unknown_time_zone_is_refused(contact: Contact, zone: str, refused) -> None:
    with refused(contact, ErrorCode.INVALID_VALUE, ("timeZone",)):
        contact.update_profile({"time_zone": zone}, TODAY)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("acme.com", "https://acme.com"),
        ("www.acme.com/about", "https://www.acme.com/about"),
        ("http://acme.com", "http://acme.com"),
        ("https://acme.com", "https://acme.com"),
        ("HTTPS://Acme.com", "HTTPS://Acme.com"),
        ("  acme.com  ", "https://acme.com"),
        ("acme.com/go?to=https://shop.acme.com", "https://acme.com/go?to=https://shop.acme.com"),
    ],
)
def test_website_gets_a_scheme(contact: Contact, raw: str, stored: str) -> None:
    contact.update_profile({"website": raw}, TODAY)

    assert contact.profile.website == stored


@pytest.mark.parametrize(
    "raw", ["ftp://acme.com", "javascript://alert.js", "not a website", "localhost", "https://"]
)
def test_non_web_address_is_refused(contact: Contact, raw: str, refused) -> None:
    with refused(contact, ErrorCode.INVALID_VALUE, ("website",)):
        contact.update_profile({"website": raw}, TODAY)


@pytest.mark.parametrize(("raw", "code"), [("us", "US"), (" gb ", "GB"), ("FR", "FR")])
def test_country_is_an_upper_case_iso_code(contact: Contact, raw: str, code: str) -> None:
    contact.update_profile({"address": {"country": raw}}, TODAY)

    assert contact.profile.address.country == code


@pytest.mark.parametrize("raw", ["USA", "XX", "United States", "U", "1"])
def test_unknown_country_is_refused(contact: Contact, raw: str, refused) -> None:
    with refused(contact, ErrorCode.INVALID_VALUE, ("address", "country")):
        contact.update_profile({"address": {"country": raw}}, TODAY)


def test_partial_address_keeps_the_other_members(contact: Contact) -> None:
    contact.update_profile(
        {"address": Address(line1="742 Evergreen Terrace", city="Springfield", country="US")},
        TODAY,
    )

    changes = contact.update_profile({"address": {"city": "Shelbyville"}}, TODAY)

    assert contact.profile.address == Address(
        line1="742 Evergreen Terrace", city="Shelbyville", country="US"
    )
    assert changes == [
        FieldChange(
            "address",
            address_json(line1="742 Evergreen Terrace", city="Springfield", country="US"),
            address_json(line1="742 Evergreen Terrace", city="Shelbyville", country="US"),
        )
    ]


def test_address_members_are_trimmed_and_blank_ones_cleared(contact: Contact) -> None:
    contact.update_profile({"address": Address(city="Paris", postal_code="75001")}, TODAY)

    contact.update_profile({"address": {"city": "  Lyon ", "postal_code": "   "}}, TODAY)

    assert contact.profile.address == Address(city="Lyon")


def test_address_none_clears_every_member(contact: Contact) -> None:
    contact.update_profile({"address": Address(line1="1 Main St", country="US")}, TODAY)

    contact.update_profile({"address": None}, TODAY)

    assert contact.profile.address == Address()


def test_too_long_address_member_is_refused(contact: Contact, refused) -> None:
    with refused(contact, ErrorCode.TOO_LONG, ("address", "postalCode")):
        contact.update_profile({"address": {"postal_code": "9" * 256}}, TODAY)


def test_one_bad_key_refuses_the_whole_patch(contact: Contact, refused) -> None:
    contact.update_profile({"first_name": "Ada"}, TODAY)

    with refused(contact, ErrorCode.INVALID_VALUE, ("timeZone",)):
        contact.update_profile(
            {"first_name": "Grace", "last_name": "Hopper", "time_zone": "Nowhere/Land"}, TODAY
        )

    assert contact.profile.first_name == "Ada"


def test_contact_type_is_required(contact: Contact, refused) -> None:
    with refused(contact, ErrorCode.REQUIRED, ("type",)):
        contact.update_profile({"contact_type": None}, TODAY)


def test_unknown_profile_key_is_a_programming_error(contact: Contact) -> None:
    with pytest.raises(ValueError, match="not profile fields"):
        contact.update_profile({"nickname": "Ada"}, TODAY)


@pytest.mark.parametrize(
    ("first", "last", "full"),
    [("Ada", "Lovelace", "Ada Lovelace"), ("Ada", None, "Ada"), (None, "Lovelace", "Lovelace")],
)
def test_full_name(contact: Contact, first: str | None, last: str | None, full: str) -> None:
    contact.update_profile({"first_name": first, "last_name": last}, TODAY)

    assert contact.full_name == full


# -- tags ------------------------------------------------------------------------------------


def test_tags_are_trimmed_lower_cased_and_deduplicated(contact: Contact) -> None:
    changes = contact.add_tags(["  VIP ", "vip", "Newsletter", "NEWSLETTER "])

    assert contact.tags == ["vip", "newsletter"]
    assert changes == [FieldChange("tags", [], ["vip", "newsletter"])]


def test_new_tags_are_appended_and_existing_ones_skipped(contact: Contact) -> None:
    contact.add_tags(["vip"])

    changes = contact.add_tags(["Lead", "VIP"])

    assert contact.tags == ["vip", "lead"]
    assert changes == [FieldChange("tags", ["vip"], ["vip", "lead"])]


def test_adding_only_existing_tags_reports_nothing(contact: Contact) -> None:
    contact.add_tags(["vip", "lead"])
    before = contact.snapshot()

    assert contact.add_tags([" Lead", "VIP"]) == []
    assert contact == before


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_tag_is_refused(contact: Contact, blank: str, refused) -> None:
    with refused(contact, ErrorCode.REQUIRED, ("tags", "1")):
        contact.add_tags(["vip", blank])


def test_tag_longer_than_the_limit_is_refused(contact: Contact, refused) -> None:
    contact.add_tags(["a" * MAX_TAG_LENGTH])

    with refused(contact, ErrorCode.TOO_LONG, ("tags", "0")):
        contact.add_tags(["b" * (MAX_TAG_LENGTH + 1)])


def test_tag_count_is_capped(contact: Contact, refused) -> None:
    contact.add_tags([f"tag{i}" for i in range(MAX_TAGS)])
    assert len(contact.tags) == MAX_TAGS

    with refused(contact, ErrorCode.LIMIT_EXCEEDED, ("tags",)):
        contact.add_tags(["one-too-many"])


def test_remove_tags_leaves_the_others(contact: Contact) -> None:
    contact.add_tags(["vip", "lead", "newsletter"])

    changes = contact.remove_tags([" LEAD "])

    assert contact.tags == ["vip", "newsletter"]
    assert changes == [FieldChange("tags", ["vip", "lead", "newsletter"], ["vip", "newsletter"])]


def test_removing_absent_tags_reports_nothing(contact: Contact) -> None:
    contact.add_tags(["vip"])
    before = contact.snapshot()

    assert contact.remove_tags(["lead"]) == []
    assert contact == before


# -- owner -----------------------------------------------------------------------------------


def test_owner_is_set_changed_and_cleared(contact: Contact) -> None:
    assert contact.set_owner("u1") == [FieldChange("owner", None, "u1")]
    assert contact.set_owner("u2") == [FieldChange("owner", "u1", "u2")]
    assert contact.set_owner(None) == [FieldChange("owner", "u2", None)]
    assert contact.owner_id is None


def test_setting_the_same_owner_reports_nothing(contact: Contact) -> None:
    contact.set_owner("u1")

    assert contact.set_owner("u1") == []
    assert contact.owner_id == "u1"


# -- followers -------------------------------------------------------------------------------


def test_up_to_ten_followers(contact: Contact) -> None:
    ids = [f"u{i}" for i in range(MAX_FOLLOWERS)]

    changes = contact.add_followers(ids)

    assert MAX_FOLLOWERS == 10
    assert contact.follower_ids == ids
    assert changes == [FieldChange("followers", [], ids)]


def test_eleventh_follower_is_refused(contact: Contact, refused) -> None:
    contact.add_followers([f"u{i}" for i in range(10)])

    with refused(contact, ErrorCode.LIMIT_EXCEEDED, ("userIds",)):
        contact.add_followers(["u10"])

    assert len(contact.follower_ids) == 10


def test_a_batch_that_would_pass_the_limit_is_refused_whole(contact: Contact, refused) -> None:
    contact.add_followers([f"u{i}" for i in range(8)])

    with refused(contact, ErrorCode.LIMIT_EXCEEDED, ("userIds",)):
        contact.add_followers(["a", "b", "c"])

    assert len(contact.follower_ids) == 8


def test_adding_an_existing_follower_is_a_no_op(contact: Contact) -> None:
    contact.add_followers(["u1", "u2"])
    before = contact.snapshot()

    assert contact.add_followers(["u2", "u1"]) == []
    assert contact == before


def test_existing_followers_do_not_count_twice_against_the_limit(contact: Contact) -> None:
    contact.add_followers([f"u{i}" for i in range(9)])

    changes = contact.add_followers(["u0", "u3", "new", "new"])

    assert contact.follower_ids == [*(f"u{i}" for i in range(9)), "new"]
    assert len(changes) == 1


def test_remove_followers_leaves_the_others(contact: Contact) -> None:
    contact.add_followers(["u1", "u2", "u3"])

    changes = contact.remove_followers(["u2", "stranger"])

    assert contact.follower_ids == ["u1", "u3"]
    assert changes == [FieldChange("followers", ["u1", "u2", "u3"], ["u1", "u3"])]


def test_removing_a_non_follower_reports_nothing(contact: Contact) -> None:
    contact.add_followers(["u1"])

    assert contact.remove_followers(["u9"]) == []
    assert contact.follower_ids == ["u1"]


# -- Do-Not-Disturb --------------------------------------------------------------------------


def test_help_page_dnd_channels() -> None:
    assert {c.value for c in CHANNELS} == {"SMS", "CALL", "EMAIL", "FACEBOOK", "GMB", "WHATSAPP"}


def test_new_contact_has_no_channel_blocked(contact: Contact) -> None:
    assert not any(contact.dnd_enabled(c) for c in DndChannel)


def test_dnd_on_one_channel_blocks_only_that_channel(contact: Contact) -> None:
    changes = contact.set_dnd({DndChannel.SMS: True}, "u1", NOW)

    assert changes == [FieldChange("dnd.SMS", False, True)]
    assert contact.dnd[DndChannel.SMS] == DndSetting(DndChannel.SMS, True, "u1", NOW)
    assert [c for c in CHANNELS if contact.dnd_enabled(c)] == [DndChannel.SMS]


@pytest.mark.parametrize("channel", CHANNELS)
def test_dnd_all_blocks_every_channel(contact: Contact, channel: DndChannel) -> None:
    contact.set_dnd({DndChannel.ALL: True}, "u1", NOW)

    assert contact.dnd_enabled(channel)


def test_turning_all_off_keeps_channels_switched_on_by_themselves(contact: Contact) -> None:
    contact.set_dnd({DndChannel.ALL: True, DndChannel.EMAIL: True}, "u1", NOW)

    changes = contact.set_dnd({DndChannel.ALL: False}, "u2", LATER)

    assert changes == [FieldChange("dnd.ALL", True, False)]
    assert [c for c in CHANNELS if contact.dnd_enabled(c)] == [DndChannel.EMAIL]
    assert contact.dnd[DndChannel.ALL] == DndSetting(DndChannel.ALL, False, "u2", LATER)


def test_setting_dnd_to_its_current_value_reports_nothing(contact: Contact) -> None:
    contact.set_dnd({DndChannel.CALL: True}, "u1", NOW)
    before = contact.snapshot()

    assert contact.set_dnd({DndChannel.CALL: True}, "u2", LATER) == []
    assert contact == before


def test_switching_off_a_channel_never_switched_on_changes_nothing(contact: Contact) -> None:
    before = contact.snapshot()

    assert contact.set_dnd({DndChannel.GMB: False}, "u1", NOW) == []
    assert contact == before


def test_dnd_reports_each_channel_that_changed(contact: Contact) -> None:
    contact.set_dnd({DndChannel.SMS: True}, "u1", NOW)

    changes = contact.set_dnd(
        {DndChannel.SMS: True, DndChannel.WHATSAPP: True, DndChannel.FACEBOOK: False}, "u2", LATER
    )

    assert changes == [FieldChange("dnd.WHATSAPP", False, True)]
    assert contact.dnd[DndChannel.SMS].changed_by == "u1"


# -- archive and restore ---------------------------------------------------------------------


def test_archive_then_restore(contact: Contact) -> None:
    assert contact.archive(NOW) == [FieldChange("archivedAt", None, NOW.isoformat())]
    assert contact.is_archived
    assert contact.archived_at == NOW

    assert contact.restore() == [FieldChange("archivedAt", NOW.isoformat(), None)]
    assert not contact.is_archived
    assert contact.archived_at is None


def test_archiving_twice_keeps_the_first_time(contact: Contact) -> None:
    contact.archive(NOW)

    assert contact.archive(LATER) == []
    assert contact.archived_at == NOW


def test_restoring_an_active_contact_reports_nothing(contact: Contact) -> None:
    before = contact.snapshot()

    assert contact.restore() == []
    assert contact == before


def test_snapshot_is_independent_of_later_changes(contact: Contact) -> None:
    contact.add_tags(["vip"])
    contact.add_phone("(415) 555-0100", None, False, "US")
    snapshot = contact.snapshot()

    contact.add_tags(["lead"])
    contact.phones.items[0].label = "HOME"

    assert snapshot.tags == ["vip"]
    assert snapshot.phones.items[0].label is None
    assert snapshot != contact
