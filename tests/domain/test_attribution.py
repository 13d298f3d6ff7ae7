"""Session source classification (one test per rule, in rule order) and the first/latest
attribution rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.attribution import (
    FIRST,
    LATEST,
    AttributionData,
    ContactAttribution,
    SessionSource,
    classify,
    host_of,
)
from domain.errors import DomainError, ErrorCode
from domain.events import FieldChange

S = SessionSource
SITE = "https://shop.example.com/pricing"


def source(**data: str) -> SessionSource:
    return classify(AttributionData(**data))


# -- rule 1: an explicit session source wins ---------------------------------------------------


def test_rule_1_explicit_source_wins_over_every_signal() -> None:
    data = AttributionData(url=SITE, gclid="abc", utm_medium="cpc", utm_source="google")
    assert classify(data, explicit=S.REFERRAL) is S.REFERRAL
    assert classify(AttributionData(), explicit=S.PAID_SOCIAL, message=True) is S.PAID_SOCIAL


# -- rule 2: paid search -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"url": SITE, "gclid": "Cj0KCQ"},
        {"url": SITE, "msclkid": "9f1e"},
        {"gclid": "Cj0KCQ", "utm_source": "facebook", "utm_medium": "social"},
        {"utm_medium": "paidsearch"},
        {"utm_medium": "SEM", "utm_source": "newsletter"},
        {"utm_source": "google", "utm_medium": "cpc"},
        {"utm_source": "Bing", "utm_medium": "PPC"},
        {"utm_source": "google-ads", "utm_medium": "paid"},
        {"utm_source": "adwords", "utm_medium": "cpc"},
        {"referrer": "https://www.google.com/", "utm_medium": "cpc", "url": SITE},
        {"url": SITE + "?utm_source=duckduckgo&utm_medium=cpc"},
        {"url": SITE + "?gclid=Cj0KCQ"},
    ],
)
def test_rule_2_paid_search(data: dict[str, str]) -> None:
    assert source(**data) is S.PAID_SEARCH


def test_rule_2_paid_medium_from_an_unknown_source_is_not_paid_search() -> None:
    assert source(utm_source="partner-network", utm_medium="cpc") is S.OTHER


# -- rule 3: paid social -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"utm_medium": "paid_social"},
        {"utm_medium": "paidsocial", "utm_source": "newsletter"},
        {"utm_medium": "cpm"},
        {"utm_source": "facebook", "utm_medium": "cpc"},
        {"utm_source": "ig", "utm_medium": "paid"},
        {"utm_source": "LinkedIn", "utm_medium": "ppc"},
        {"utm_source": "tiktok", "utm_medium": "cpc"},
        {"utm_source": "x", "utm_medium": "cpc"},
        {"utm_source": "facebook_ads", "utm_medium": "cpc"},
        {"url": SITE, "fbclid": "IwAR0", "utm_medium": "cpc"},
        {"referrer": "https://l.facebook.com/", "utm_medium": "paid", "url": SITE},
    ],
)
def test_rule_3_paid_social(data: dict[str, str]) -> None:
    assert source(**data) is S.PAID_SOCIAL


# -- rule 4: messages by utm_medium ------------------------------------------------------------


@pytest.mark.parametrize("medium", ["email", "E-mail", "newsletter", "sms", "text"])
def test_rule_4_email_and_sms_media_are_other(medium: str) -> None:
    assert source(url=SITE, utm_source="mailchimp", utm_medium=medium) is S.OTHER
    # even from a social network's referrer: the medium says it was a message
    assert source(url=SITE, utm_medium=medium, referrer="https://facebook.com") is S.OTHER


# -- rule 5: entered in the CRM ----------------------------------------------------------------


def test_rule_5_entered_in_the_crm_without_campaign_signals_is_crm_ui() -> None:
    assert classify(AttributionData(), entered_in_crm=True) is S.CRM_UI
    assert classify(AttributionData(), entered_in_crm=True, message=True) is S.CRM_UI
    # a bare url is not a campaign signal: a visit a team member logs stays CRM UI
    assert classify(AttributionData(url=SITE), entered_in_crm=True) is S.CRM_UI


def test_rule_5_campaign_signals_outrank_the_crm_origin() -> None:
    data = AttributionData(utm_source="google", utm_medium="organic")
    assert classify(data, entered_in_crm=True) is S.ORGANIC_SEARCH


# -- rule 6: calls, emails and SMS without campaign signals ------------------------------------


def test_rule_6_messages_without_campaign_signals_are_other() -> None:
    assert classify(AttributionData(), message=True) is S.OTHER
    assert classify(AttributionData(url=SITE), message=True) is S.OTHER


def test_rule_6_a_call_from_a_search_result_keeps_its_source() -> None:
    data = AttributionData(url=SITE, referrer="https://www.google.com/")
    assert classify(data, message=True) is S.ORGANIC_SEARCH


# -- rule 7: organic search --------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"url": SITE, "referrer": "https://www.google.com/"},
        {"url": SITE, "referrer": "https://www.google.co.uk/search?q=shoes"},
        {"url": SITE, "referrer": "https://duckduckgo.com/"},
        {"url": SITE, "referrer": "https://search.yahoo.com/search"},
        {"url": SITE, "referrer": "bing.com"},
        {"url": SITE, "referrer": "android-app://com.google.android.googlequicksearchbox/"},
        {"url": SITE, "referrer": "https://www.ecosia.org/"},
        {"utm_source": "google", "utm_medium": "organic"},
        {"utm_medium": "organic"},
        {"utm_source": "yandex"},
    ],
)
def test_rule_7_organic_search(data: dict[str, str]) -> None:
    assert source(**data) is S.ORGANIC_SEARCH


def test_rule_7_utm_source_outranks_the_referrer() -> None:
    # a partner's tagged link that happened to be reached from Google: utm_source speaks,
    # so it is not search; the outside referrer still makes it a referral
    data = {"url": SITE, "referrer": "https://google.com", "utm_source": "partner"}
    assert source(**data) is S.REFERRAL


# -- rule 8: social media ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"url": SITE, "referrer": "https://www.facebook.com/"},
        {"url": SITE, "referrer": "https://l.instagram.com/?u=x"},
        {"url": SITE, "referrer": "https://t.co/abc"},
        {"url": SITE, "referrer": "https://x.com/someone"},
        {"url": SITE, "referrer": "https://lnkd.in/abc"},
        {"url": SITE, "referrer": "https://www.pinterest.co.uk/pin/1"},
        {"url": SITE, "fbclid": "IwAR0"},
        {"url": SITE + "?fbclid=IwAR0"},
        {"utm_source": "facebook", "utm_medium": "social"},
        {"utm_medium": "social-media"},
        {"utm_source": "snapchat"},
    ],
)
def test_rule_8_social_media(data: dict[str, str]) -> None:
    assert source(**data) is S.SOCIAL_MEDIA


# -- rule 9: referral --------------------------------------------------------------------------


def test_rule_9_an_outside_referrer_is_a_referral() -> None:
    assert source(url=SITE, referrer="https://blog.partner.org/review") is S.REFERRAL
    assert source(utm_source="partner", utm_medium="referral") is S.REFERRAL


def test_rule_9_the_sites_own_pages_are_not_a_referral() -> None:
    assert source(url=SITE, referrer="https://www.shop.example.com/") is S.DIRECT_TRAFFIC


# -- rule 10: direct traffic -------------------------------------------------------------------


def test_rule_10_a_url_without_signals_is_direct_traffic() -> None:
    assert source(url=SITE) is S.DIRECT_TRAFFIC
    assert source(url=SITE + "?page=2") is S.DIRECT_TRAFFIC


def test_rule_10_a_url_with_an_unknown_campaign_is_not_direct() -> None:
    assert source(url=SITE, utm_campaign="spring") is S.OTHER


# -- rule 11: anything else --------------------------------------------------------------------


def test_rule_11_anything_else_is_other() -> None:
    assert source() is S.OTHER  # a third-party integration telling us nothing
    assert source(campaign_id="123") is S.OTHER
    assert source(utm_source="zapier") is S.OTHER


# -- the input's cleaning ----------------------------------------------------------------------


def test_cleaning_trims_reads_the_url_and_keeps_given_values() -> None:
    data = AttributionData(
        url=f"  {SITE}?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=G1  ",
        utm_campaign="given",
        referrer="   ",
    ).cleaned("attribution")
    assert data.url == f"{SITE}?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=G1"
    assert (data.utm_source, data.utm_medium, data.gclid) == ("google", "cpc", "G1")
    assert data.utm_campaign == "given"  # what the sender gave wins over the url
    assert data.referrer is None


def test_cleaning_refuses_overlong_values_with_their_paths() -> None:
    data = AttributionData(url="https://x.org/" + "a" * 2048, utm_source="s" * 256)
    with pytest.raises(DomainError) as caught:
        data.cleaned("attribution")
    assert sorted((e.code, e.field) for e in caught.value.errors) == [
        (ErrorCode.TOO_LONG, ("attribution", "url")),
        (ErrorCode.TOO_LONG, ("attribution", "utmSource")),
    ]


def test_host_of_copes_with_schemes_ports_and_garbage() -> None:
    assert host_of("https://WWW.Google.com:443/x") == "google.com"
    assert host_of("google.com/search") == "google.com"
    assert host_of("") is None
    assert host_of("http://[::1") is None


# -- first and latest --------------------------------------------------------------------------

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def fresh() -> ContactAttribution:
    return ContactAttribution(contact_id="c", location_id="loc")


def test_the_first_interaction_becomes_first_and_latest() -> None:
    a = fresh()
    assert a.record("i1", T0) == [FieldChange(FIRST, None, "i1"), FieldChange(LATEST, None, "i1")]
    assert (a.first_interaction_id, a.latest_interaction_id) == ("i1", "i1")


def test_first_stays_and_latest_follows_newer_interactions() -> None:
    a = fresh()
    a.record("i1", T0)
    assert a.record("i2", T0 + timedelta(hours=1)) == [FieldChange(LATEST, "i1", "i2")]
    assert a.record("i3", T0 + timedelta(hours=2)) == [FieldChange(LATEST, "i2", "i3")]
    assert (a.first_interaction_id, a.latest_interaction_id) == ("i1", "i3")


def test_a_late_older_interaction_moves_neither_first_nor_latest() -> None:
    a = fresh()
    a.record("i1", T0)
    a.record("i2", T0 + timedelta(hours=2))
    assert a.record("old", T0 - timedelta(days=3)) == []
    assert (a.first_interaction_id, a.latest_interaction_id) == ("i1", "i2")
    assert a.latest_occurred_at == T0 + timedelta(hours=2)


def test_on_a_tie_the_later_recorded_interaction_is_latest() -> None:
    a = fresh()
    a.record("i1", T0)
    assert a.record("i2", T0) == [FieldChange(LATEST, "i1", "i2")]


def test_reset_clears_both_and_the_next_interaction_is_first() -> None:
    a = fresh()
    a.record("i1", T0)
    a.record("i2", T0 + timedelta(hours=1))
    now = T0 + timedelta(days=1)
    assert a.reset(now) == [FieldChange(FIRST, "i1", None), FieldChange(LATEST, "i2", None)]
    assert (a.first_interaction_id, a.latest_interaction_id, a.reset_at) == (None, None, now)
    # even an interaction that happened long before the reset starts the new attribution
    a.record("i3", T0 - timedelta(days=5))
    assert (a.first_interaction_id, a.latest_interaction_id) == ("i3", "i3")


def test_resetting_an_empty_attribution_changes_nothing() -> None:
    a = fresh()
    assert a.reset(T0) == []
    assert a.reset_at is None
