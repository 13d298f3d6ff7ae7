"""Custom fields (help page: Additional Info): definitions, typed values, and setting them on
a contact."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.contact import Contact
from domain.custom_fields import (
    MAX_LARGE_TEXT,
    MAX_OPTIONS,
    CustomFieldDefinition,
    CustomFieldType,
    CustomValueInput,
    FileRef,
    Money,
    check_value,
    member_for,
    value_to_json,
)
from domain.errors import DomainError, ErrorCode
from domain.events import FieldChange

NOW = datetime(2026, 3, 22, 12, 0, tzinfo=UTC)
PATH = ("values", "0", "value")
COLOURS = ("Red", "Green", "Blue")
CONTRACT = FileRef("3f0c1a52-5d7e-4a4b-9a53-2f1d0c8e7b61")


def definition(
    data_type: CustomFieldType, key: str = "field", options: tuple[str, ...] = ()
) -> CustomFieldDefinition:
    if data_type.has_options and not options:
        options = COLOURS
    return CustomFieldDefinition(
        location_id="loc",
        key=key,
        name=key.title(),
        data_type=data_type,
        created_at=NOW,
        options=options,
    )


def check(d: CustomFieldDefinition, raw: CustomValueInput | None) -> Any:
    return check_value(d, raw, PATH, "US")


def error_of(call: Any) -> tuple[ErrorCode, tuple[str, ...]]:
    with pytest.raises(DomainError) as info:
        call()
    assert len(info.value.errors) == 1
    return info.value.errors[0].code, info.value.errors[0].field


# -- definitions: key ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [("favourite_colour", "favourite_colour"), ("  vip2  ", "vip2"), ("a" * 64, "a" * 64)],
)
def test_valid_key_is_kept_trimmed(raw: str, key: str) -> None:
    assert CustomFieldDefinition.check_key(raw) == key


@pytest.mark.parametrize(
    "raw", ["", "   ", "1st", "_x", "Colour", "fav colour", "fav-colour", "café", "a" * 65]
)
def test_invalid_key_is_refused(raw: str) -> None:
    code, path = error_of(lambda: CustomFieldDefinition.check_key(raw))
    assert (code, path) == (ErrorCode.INVALID_VALUE, ("key",))


# -- definitions: name -----------------------------------------------------------------------


def test_name_is_trimmed() -> None:
    assert CustomFieldDefinition.check_name("  Favourite colour ") == "Favourite colour"


@pytest.mark.parametrize(
    ("raw", "code"),
    [("", ErrorCode.REQUIRED), ("  ", ErrorCode.REQUIRED), ("n" * 256, ErrorCode.TOO_LONG)],
)
def test_bad_name_is_refused(raw: str, code: ErrorCode) -> None:
    assert error_of(lambda: CustomFieldDefinition.check_name(raw)) == (code, ("name",))


def test_rename(refused) -> None:
    d = definition(CustomFieldType.TEXT)

    d.rename("  Nickname ")
    assert d.name == "Nickname"

    with refused(d, ErrorCode.REQUIRED, ("name",)):
        d.rename("   ")


# -- definitions: options --------------------------------------------------------------------


OPTION_TYPES = [CustomFieldType.SINGLE_OPTION, CustomFieldType.MULTIPLE_OPTIONS]
PLAIN_TYPES = [t for t in CustomFieldType if not t.has_options]


@pytest.mark.parametrize("data_type", PLAIN_TYPES)
def test_plain_field_takes_no_options(data_type: CustomFieldType) -> None:
    assert CustomFieldDefinition.check_options(data_type, []) == ()
    assert error_of(lambda: CustomFieldDefinition.check_options(data_type, ["a"])) == (
        ErrorCode.INVALID_VALUE,
        ("options",),
    )


@pytest.mark.parametrize("data_type", OPTION_TYPES)
def test_options_are_trimmed_and_keep_their_order(data_type: CustomFieldType) -> None:
    options = CustomFieldDefinition.check_options(data_type, [" Red", "Green ", "Blue"])
    assert options == ("Red", "Green", "Blue")


@pytest.mark.parametrize("data_type", OPTION_TYPES)
@pytest.mark.parametrize(
    ("options", "code", "path"),
    [
        ([], ErrorCode.REQUIRED, ("options",)),
        (["Red", "  "], ErrorCode.INVALID_VALUE, ("options", "1")),
        (["Red|Green"], ErrorCode.INVALID_VALUE, ("options", "0")),
        (["Red", "Green", " Red "], ErrorCode.DUPLICATE, ("options", "2")),
        (["o" * 256], ErrorCode.TOO_LONG, ("options", "0")),
        ([f"o{i}" for i in range(MAX_OPTIONS + 1)], ErrorCode.LIMIT_EXCEEDED, ("options",)),
    ],
)
def test_bad_options_are_refused(
    data_type: CustomFieldType, options: list[str], code: ErrorCode, path: tuple[str, ...]
) -> None:
    assert error_of(lambda: CustomFieldDefinition.check_options(data_type, options)) == (
        code,
        path,
    )


def test_a_hundred_options_are_allowed() -> None:
    options = [f"o{i}" for i in range(MAX_OPTIONS)]
    assert len(CustomFieldDefinition.check_options(CustomFieldType.SINGLE_OPTION, options)) == 100


def test_options_can_be_added_and_reordered() -> None:
    d = definition(CustomFieldType.SINGLE_OPTION)

    d.replace_options(["Blue", "Red", "Yellow", "Green"])

    assert d.options == ("Blue", "Red", "Yellow", "Green")


def test_options_cannot_be_removed(refused) -> None:
    d = definition(CustomFieldType.MULTIPLE_OPTIONS)

    with refused(d, ErrorCode.INVALID_VALUE, ("options",)) as info:
        d.replace_options(["Red", "Blue", "Yellow"])

    assert "Green" in info.value.errors[0].message
    assert d.options == COLOURS


def test_invalid_replacement_options_change_nothing(refused) -> None:
    d = definition(CustomFieldType.SINGLE_OPTION)

    with refused(d, ErrorCode.DUPLICATE, ("options", "3")):
        d.replace_options([*COLOURS, "Red"])


# -- values: the right member for each type --------------------------------------------------


@pytest.mark.parametrize(
    ("data_type", "raw", "stored"),
    [
        (CustomFieldType.TEXT, CustomValueInput(text="  hello "), "hello"),
        (CustomFieldType.LARGE_TEXT, CustomValueInput(text="x" * 5000), "x" * 5000),
        (CustomFieldType.NUMBER, CustomValueInput(number=3.5), 3.5),
        (CustomFieldType.NUMBER, CustomValueInput(number=0), 0.0),
        (CustomFieldType.MONETARY, CustomValueInput(money=Money(1999, "usd")), Money(1999, "USD")),
        (CustomFieldType.PHONE, CustomValueInput(text="(415) 555-0100"), "+14155550100"),
        (CustomFieldType.EMAIL, CustomValueInput(text=" Jane@Example.COM "), "Jane@example.com"),
        (CustomFieldType.DATE, CustomValueInput(date=date(2024, 2, 29)), date(2024, 2, 29)),
        (CustomFieldType.CHECKBOX, CustomValueInput(checked=True), True),
        (CustomFieldType.CHECKBOX, CustomValueInput(checked=False), False),
        (CustomFieldType.SINGLE_OPTION, CustomValueInput(option="Green"), "Green"),
        (
            CustomFieldType.MULTIPLE_OPTIONS,
            CustomValueInput(options=("Blue", "Red", "Blue")),
            ("Blue", "Red"),
        ),
        (CustomFieldType.FILE_UPLOAD, CustomValueInput(files=(CONTRACT,)), (CONTRACT,)),
    ],
    ids=lambda v: v.value if isinstance(v, CustomFieldType) else None,
)
def test_value_of_the_right_member_is_accepted(
    data_type: CustomFieldType, raw: CustomValueInput, stored: Any
) -> None:
    value = check(definition(data_type), raw)

    assert value == stored
    assert type(value) is type(stored)


WRONG_MEMBER = {
    "text": CustomValueInput(text="42"),
    "number": CustomValueInput(number=42),
    "money": CustomValueInput(money=Money(42, "USD")),
    "date": CustomValueInput(date=date(2024, 1, 1)),
    "checked": CustomValueInput(checked=True),
    "option": CustomValueInput(option="Red"),
    "options": CustomValueInput(options=("Red",)),
    "files": CustomValueInput(files=(CONTRACT,)),
}


@pytest.mark.parametrize(
    ("data_type", "member"),
    [
        pytest.param(t, m, id=f"{t.value}-{m}")
        for t in CustomFieldType
        for m in WRONG_MEMBER
        if m != member_for(t)
    ],
)
def test_value_of_another_member_is_wrong_value_type(
    data_type: CustomFieldType, member: str
) -> None:
    code, path = error_of(lambda: check(definition(data_type), WRONG_MEMBER[member]))
    assert (code, path) == (ErrorCode.WRONG_VALUE_TYPE, PATH)


@pytest.mark.parametrize("data_type", list(CustomFieldType))
def test_two_members_at_once_are_wrong_value_type(data_type: CustomFieldType) -> None:
    right = member_for(data_type)
    other = "number" if right != "number" else "text"
    raw = CustomValueInput(
        **{right: getattr(WRONG_MEMBER[right], right), other: getattr(WRONG_MEMBER[other], other)}
    )

    assert error_of(lambda: check(definition(data_type), raw))[0] is ErrorCode.WRONG_VALUE_TYPE


# -- values: clearing ------------------------------------------------------------------------


@pytest.mark.parametrize("data_type", list(CustomFieldType))
@pytest.mark.parametrize("raw", [None, CustomValueInput()], ids=["none", "empty-input"])
def test_none_or_an_empty_input_clears(
    data_type: CustomFieldType, raw: CustomValueInput | None
) -> None:
    assert check(definition(data_type), raw) is None


@pytest.mark.parametrize("data_type", [CustomFieldType.TEXT, CustomFieldType.LARGE_TEXT])
def test_blank_text_clears(data_type: CustomFieldType) -> None:
    assert check(definition(data_type), CustomValueInput(text="   ")) is None


# -- values: refused -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data_type", "raw", "code"),
    [
        (CustomFieldType.TEXT, CustomValueInput(text="x" * 256), ErrorCode.TOO_LONG),
        (
            CustomFieldType.LARGE_TEXT,
            CustomValueInput(text="x" * (MAX_LARGE_TEXT + 1)),
            ErrorCode.TOO_LONG,
        ),
        (CustomFieldType.NUMBER, CustomValueInput(number=float("nan")), ErrorCode.INVALID_VALUE),
        (CustomFieldType.NUMBER, CustomValueInput(number=float("inf")), ErrorCode.INVALID_VALUE),
        (CustomFieldType.NUMBER, CustomValueInput(number=float("-inf")), ErrorCode.INVALID_VALUE),
        (CustomFieldType.PHONE, CustomValueInput(text="12"), ErrorCode.INVALID_PHONE),
        (CustomFieldType.PHONE, CustomValueInput(text="call me"), ErrorCode.INVALID_PHONE),
        (CustomFieldType.EMAIL, CustomValueInput(text="jane@"), ErrorCode.INVALID_EMAIL),
        (CustomFieldType.EMAIL, CustomValueInput(text="jane"), ErrorCode.INVALID_EMAIL),
        (
            CustomFieldType.SINGLE_OPTION,
            CustomValueInput(option="Purple"),
            ErrorCode.UNKNOWN_OPTION,
        ),
        (CustomFieldType.SINGLE_OPTION, CustomValueInput(option="red"), ErrorCode.UNKNOWN_OPTION),
        (
            CustomFieldType.MULTIPLE_OPTIONS,
            CustomValueInput(options=("Red", "Purple")),
            ErrorCode.UNKNOWN_OPTION,
        ),
    ],
    ids=lambda v: v.value if isinstance(v, CustomFieldType | ErrorCode) else None,
)
def test_invalid_value_is_refused(
    data_type: CustomFieldType, raw: CustomValueInput, code: ErrorCode
) -> None:
    assert error_of(lambda: check(definition(data_type), raw)) == (code, PATH)


@pytest.mark.parametrize("currency", ["US", "USDX", "US1", "$", "", "   ", "dollars"])
def test_invalid_currency_is_refused(currency: str) -> None:
    raw = CustomValueInput(money=Money(100, currency))

    assert error_of(lambda: check(definition(CustomFieldType.MONETARY), raw)) == (
        ErrorCode.INVALID_VALUE,
        PATH,
    )


def test_unknown_option_message_names_the_option_and_the_choices() -> None:
    d = definition(CustomFieldType.MULTIPLE_OPTIONS, key="colours")

    with pytest.raises(DomainError) as info:
        check(d, CustomValueInput(options=("Red", "Purple")))

    message = info.value.errors[0].message
    assert "Purple" in message
    assert all(option in message for option in COLOURS)


# -- values as JSON for the audit log ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "as_json"),
    [
        (None, None),
        ("hello", "hello"),
        (3.5, 3.5),
        (True, True),
        (Money(1999, "EUR"), {"amount": 1999, "currency": "EUR"}),
        (date(2024, 2, 29), "2024-02-29"),
        (("Red", "Blue"), ["Red", "Blue"]),
        ((CONTRACT,), [{"documentId": CONTRACT.document_id}]),
    ],
)
def test_value_to_json(value: Any, as_json: Any) -> None:
    assert value_to_json(value) == as_json


# -- setting values on a contact --------------------------------------------------------------


def contact_check(d: CustomFieldDefinition, raw: Any, path: tuple[str, ...]) -> Any:
    return check_value(d, raw, path, "US")


def test_set_value_reports_the_change_under_the_key(contact: Contact) -> None:
    budget = definition(CustomFieldType.MONETARY, key="budget")

    changes = contact.set_custom_values(
        [(budget, CustomValueInput(money=Money(50_000, "usd")))], contact_check
    )

    assert contact.custom_values == {budget.id: Money(50_000, "USD")}
    assert changes == [
        FieldChange("customFields.budget", None, {"amount": 50_000, "currency": "USD"})
    ]


def test_clearing_a_value_removes_it(contact: Contact) -> None:
    colour = definition(CustomFieldType.SINGLE_OPTION, key="colour")
    nickname = definition(CustomFieldType.TEXT, key="nickname")
    contact.set_custom_values(
        [(colour, CustomValueInput(option="Red")), (nickname, CustomValueInput(text="Ada"))],
        contact_check,
    )

    changes = contact.set_custom_values([(colour, None)], contact_check)

    assert contact.custom_values == {nickname.id: "Ada"}
    assert changes == [FieldChange("customFields.colour", "Red", None)]


def test_setting_the_same_value_reports_nothing(contact: Contact) -> None:
    tags = definition(CustomFieldType.MULTIPLE_OPTIONS, key="interests")
    contact.set_custom_values([(tags, CustomValueInput(options=("Red", "Blue")))], contact_check)
    before = contact.snapshot()

    changes = contact.set_custom_values(
        [(tags, CustomValueInput(options=("Red", "Blue", "Red")))], contact_check
    )

    assert changes == []
    assert contact == before


def test_clearing_an_unset_value_reports_nothing(contact: Contact) -> None:
    nickname = definition(CustomFieldType.TEXT, key="nickname")

    assert contact.set_custom_values([(nickname, CustomValueInput())], contact_check) == []
    assert contact.custom_values == {}


def test_one_bad_value_sets_none(contact: Contact, refused) -> None:
    nickname = definition(CustomFieldType.TEXT, key="nickname")
    score = definition(CustomFieldType.NUMBER, key="score")
    contact.set_custom_values([(nickname, CustomValueInput(text="Ada"))], contact_check)

    with refused(contact, ErrorCode.WRONG_VALUE_TYPE, ("values", "1", "value")):
        contact.set_custom_values(
            [(nickname, CustomValueInput(text="Grace")), (score, CustomValueInput(text="ten"))],
            contact_check,
        )

    assert contact.custom_values == {nickname.id: "Ada"}
