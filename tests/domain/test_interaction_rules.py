"""Checking a reported interaction before anything is written: details per kind, times,
limits, and the summary the event carries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from domain import interactions as d
from domain.attribution import AttributionData, SessionSource
from domain.errors import DomainError, ErrorCode
from domain.viewer import Viewer

NOW = datetime(2026, 3, 22, 12, 0, tzinfo=UTC)
VIEWER = Viewer("user-1", "loc")


def command(kind: d.InteractionKind, details: dict[str, Any], **kw: Any) -> d.RecordInteraction:
    values: dict[str, Any] = {
        "contact_id": "c1",
        "external_id": "evt-1",
        "occurred_at": NOW - timedelta(minutes=5),
    }
    values.update(kw)
    return d.RecordInteraction(kind=kind, details=details, **values)


def errors(cmd: d.RecordInteraction) -> list[tuple[ErrorCode, tuple[str, ...]]]:
    with pytest.raises(DomainError) as caught:
        d.build_interaction(cmd, VIEWER, NOW)
    return [(e.code, e.field) for e in caught.value.errors]


def test_a_call_is_built_with_its_details_and_classified() -> None:
    call = d.Call(d.Direction.INBOUND, d.CallOutcome.ANSWERED, 95)
    built = d.build_interaction(command(d.InteractionKind.CALL, {"call": call}), VIEWER, NOW)
    assert built.details == call
    assert built.session_source is SessionSource.OTHER
    assert (built.location_id, built.recorded_by, built.recorded_at) == ("loc", "user-1", NOW)


def test_occurred_at_is_stored_in_utc() -> None:
    paris = timezone(timedelta(hours=2))
    visit = d.WebsiteVisit("https://example.com")
    cmd = command(
        d.InteractionKind.WEBSITE_VISIT,
        {"websiteVisit": visit},
        occurred_at=datetime(2026, 3, 22, 13, 0, tzinfo=paris),
    )
    assert d.build_interaction(cmd, VIEWER, NOW).occurred_at == datetime(
        2026, 3, 22, 11, 0, tzinfo=UTC
    )


def test_details_of_another_kind_are_refused_and_the_missing_ones_required() -> None:
    visit = d.WebsiteVisit("https://example.com")
    assert errors(command(d.InteractionKind.CALL, {"websiteVisit": visit})) == [
        (ErrorCode.WRONG_VALUE_TYPE, ("websiteVisit",)),
        (ErrorCode.REQUIRED, ("call",)),
    ]


def test_extra_details_besides_the_matching_ones_are_refused() -> None:
    call = d.Call(d.Direction.OUTBOUND, d.CallOutcome.BUSY)
    sms = d.SmsMessage(d.Direction.OUTBOUND, "hi")
    assert errors(command(d.InteractionKind.CALL, {"call": call, "sms": sms})) == [
        (ErrorCode.WRONG_VALUE_TYPE, ("sms",)),
    ]


def test_no_details_at_all_is_required() -> None:
    assert errors(command(d.InteractionKind.PURCHASE, {})) == [(ErrorCode.REQUIRED, ("purchase",))]


def test_every_problem_is_reported_at_once() -> None:
    cmd = command(
        d.InteractionKind.PURCHASE,
        {"purchase": d.Purchase(-5, "dollars")},
        external_id="  ",
        occurred_at=datetime(2026, 3, 22, 12, 0),  # no zone
        attribution=AttributionData(utm_source="s" * 300),
    )
    assert sorted(errors(cmd)) == sorted(
        [
            (ErrorCode.REQUIRED, ("externalId",)),
            (ErrorCode.INVALID_VALUE, ("occurredAt",)),
            (ErrorCode.INVALID_VALUE, ("purchase", "amount")),
            (ErrorCode.INVALID_VALUE, ("purchase", "currency")),
            (ErrorCode.TOO_LONG, ("attribution", "utmSource")),
        ]
    )


def test_an_interaction_far_in_the_future_is_refused_small_drift_is_not() -> None:
    visit = {"websiteVisit": d.WebsiteVisit("https://example.com")}
    kind = d.InteractionKind.WEBSITE_VISIT
    assert errors(command(kind, visit, occurred_at=NOW + timedelta(hours=1))) == [
        (ErrorCode.INVALID_VALUE, ("occurredAt",))
    ]
    drifted = command(kind, visit, occurred_at=NOW + timedelta(minutes=10))
    assert d.build_interaction(drifted, VIEWER, NOW).occurred_at == NOW + timedelta(minutes=10)


@pytest.mark.parametrize(
    ("kind", "field", "details", "path"),
    [
        ("WEBSITE_VISIT", "websiteVisit", d.WebsiteVisit("  "), ("websiteVisit", "pageUrl")),
        ("FORM_SUBMISSION", "formSubmission", d.FormSubmission(""), ("formSubmission", "formId")),
        (
            "SURVEY_SUBMISSION",
            "surveySubmission",
            d.SurveySubmission(" "),
            ("surveySubmission", "surveyId"),
        ),
    ],
)
def test_required_detail_values(kind: str, field: str, details: Any, path: tuple[str, ...]) -> None:
    cmd = command(d.InteractionKind(kind), {field: details})
    assert errors(cmd) == [(ErrorCode.REQUIRED, path)]


def test_limits_of_details() -> None:
    long_call = d.Call(d.Direction.INBOUND, d.CallOutcome.ANSWERED, d.MAX_CALL_SECONDS + 1)
    assert errors(command(d.InteractionKind.CALL, {"call": long_call})) == [
        (ErrorCode.INVALID_VALUE, ("call", "durationSeconds"))
    ]
    mail = d.EmailMessage(d.Direction.INBOUND, "s" * (d.MAX_SUBJECT + 1))
    assert errors(command(d.InteractionKind.EMAIL, {"email": mail})) == [
        (ErrorCode.TOO_LONG, ("email", "subject"))
    ]


def test_an_sms_excerpt_is_collapsed_and_cut() -> None:
    sms = d.SmsMessage(d.Direction.INBOUND, "  hello \n  there  " + "x" * 400)
    built = d.build_interaction(command(d.InteractionKind.SMS, {"sms": sms}), VIEWER, NOW)
    assert isinstance(built.details, d.SmsMessage)
    excerpt = built.details.excerpt or ""
    assert excerpt.startswith("hello there x")
    assert len(excerpt) == d.EXCERPT_LENGTH
    assert excerpt.endswith("…")


def test_currency_is_upper_cased() -> None:
    purchase = d.Purchase(1999, " usd ", description="Annual plan")
    cmd = command(d.InteractionKind.PURCHASE, {"purchase": purchase})
    assert d.build_interaction(cmd, VIEWER, NOW).details == d.Purchase(
        1999, "USD", description="Annual plan"
    )


def test_the_summary_carries_details_and_attribution_in_api_names() -> None:
    cmd = command(
        d.InteractionKind.FORM_SUBMISSION,
        {"formSubmission": d.FormSubmission("f-1", "Contact us")},
        attribution=AttributionData(url="https://example.com/?utm_source=google&utm_medium=cpc"),
    )
    built = d.build_interaction(cmd, VIEWER, NOW)
    summary = built.summary()
    assert summary["id"] == built.id
    assert summary["kind"] == "FORM_SUBMISSION"
    assert summary["occurredAt"] == "2026-03-22T11:55:00+00:00"
    assert summary["details"] == {"formId": "f-1", "formName": "Contact us"}
    assert summary["attribution"]["utmSource"] == "google"
    assert summary["attribution"]["sessionSource"] == "PAID_SEARCH"


@pytest.mark.parametrize("kind", list(d.InteractionKind))
def test_details_survive_the_json_round_trip(kind: d.InteractionKind) -> None:
    samples: dict[d.InteractionKind, Any] = {
        d.InteractionKind.WEBSITE_VISIT: d.WebsiteVisit("https://e.com", "Home"),
        d.InteractionKind.FORM_SUBMISSION: d.FormSubmission("f", "F"),
        d.InteractionKind.SURVEY_SUBMISSION: d.SurveySubmission("s", "S"),
        d.InteractionKind.CALL: d.Call(d.Direction.OUTBOUND, d.CallOutcome.VOICEMAIL, 12),
        d.InteractionKind.EMAIL: d.EmailMessage(d.Direction.INBOUND, "Re: quote"),
        d.InteractionKind.SMS: d.SmsMessage(d.Direction.OUTBOUND, "See you"),
        d.InteractionKind.PURCHASE: d.Purchase(500, "EUR", "p1", "Mug", "Blue mug"),
    }
    details = samples[kind]
    assert d.details_from_json(kind, details.to_json()) == details
