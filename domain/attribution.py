"""Contact attribution (help page, Activity tab: "attribution shows where a contact first and
most recently interacted with your business").

Two pure parts, no I/O:

* :func:`classify` -- the *session source* of one interaction, from its UTM data, click ids,
  URL and referrer.
* :class:`ContactAttribution` -- which interaction is a contact's *first* and which its
  *latest*, and how a reset moves them.

Session source rules
--------------------

The first rule that matches wins. utm_source and utm_medium are compared case-insensitively;
utm_* values and click ids missing from the input are read from the url's query string
(``?utm_source=google&gclid=...``). A referrer on the same host as the url is the site's own
navigation and is ignored. *Campaign signals* are any utm_* value, click id (gclid, fbclid,
msclkid) or outside referrer; a bare url is not one.

==  ===============  ===================================================================
 #  source           when
==  ===============  ===================================================================
 1  (explicit)       the caller sent ``sessionSource``: it is kept as given
 2  PAID_SEARCH      a gclid or msclkid; or utm_medium is paidsearch / paid_search /
                     paid-search / sem; or utm_medium is cpc / ppc / paid and the source
                     (utm_source, else the referrer) is a search engine
 3  PAID_SOCIAL      utm_medium is paid_social / paidsocial / paid-social / social_paid /
                     cpm; or utm_medium is cpc / ppc / paid and the source (utm_source,
                     else the referrer; or an fbclid) is a social network
 4  OTHER            utm_medium is email / e-mail / e_mail / newsletter / sms / text
 5  CRM_UI           a team member entered it in the CRM (origin CRM_UI) and it carries no
                     campaign signal
 6  OTHER            a call, email or SMS that carries no campaign signal
 7  ORGANIC_SEARCH   utm_medium is organic; or the source (utm_source, else the referrer)
                     is a search engine
 8  SOCIAL_MEDIA     utm_medium is social / social-media / social_media / social-network /
                     social_network / sm; or the source (utm_source, else the referrer; or
                     an fbclid) is a social network
 9  REFERRAL         utm_medium is referral; or a referrer on another host
10  DIRECT_TRAFFIC   a url and no campaign signal
11  OTHER            anything else: third-party integrations, unknown campaigns
==  ===============  ===================================================================

Search engines: google, bing, yahoo, duckduckgo, baidu, yandex, ecosia, naver, seznam,
startpage, qwant (a host matches when one of its dot-separated labels is the name:
``www.google.co.uk``, ``search.yahoo.com``, ``android-app://com.google.android...``).
Social networks: facebook, instagram, linkedin, tiktok, twitter, x, pinterest, snapchat,
youtube, reddit, threads, whatsapp, and the short hosts fb.com, x.com, t.co, lnkd.in,
pin.it, youtu.be. As utm_source, a value matches when it is a name, a host, or contains the
name as a word (``facebook_ads``, ``google-ads``); the abbreviations fb, ig, tw, li, yt,
adwords, googleads and gads are known too.

First and latest
----------------

* The **first** interaction is the first one *recorded* since the contact was created or its
  attribution last reset. It never moves afterwards -- not even when an interaction that
  happened earlier arrives later (a late webhook): "remains constant unless contact data is
  reset".
* The **latest** interaction is the most recent by ``occurredAt`` among the interactions
  recorded since the reset; on a tie the one recorded later wins. So a late-arriving older
  interaction does not displace a newer latest one.
* A **reset** clears both; the next interaction recorded becomes first and latest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import datetime
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from domain.errors import DomainError, ErrorCode, UserError
from domain.events import FieldChange


class SessionSource(StrEnum):
    """Where a session came from (the help page's list)."""

    CRM_UI = "CRM_UI"
    PAID_SEARCH = "PAID_SEARCH"
    PAID_SOCIAL = "PAID_SOCIAL"
    DIRECT_TRAFFIC = "DIRECT_TRAFFIC"
    ORGANIC_SEARCH = "ORGANIC_SEARCH"
    SOCIAL_MEDIA = "SOCIAL_MEDIA"
    REFERRAL = "REFERRAL"
    OTHER = "OTHER"


MAX_URL = 2048
MAX_PARAMETER = 255
MAX_CLICK_ID = 512
"""gclid values run to ~100 characters; room to spare for the other networks' ids."""

SEARCH_ENGINES = frozenset(
    {
        "google",
        "bing",
        "yahoo",
        "duckduckgo",
        "baidu",
        "yandex",
        "ecosia",
        "naver",
        "seznam",
        "startpage",
        "qwant",
    }
)
SEARCH_ALIASES = frozenset({"adwords", "googleads", "gads", "bingads", "msads"})
SOCIAL_NETWORKS = frozenset(
    {
        "facebook",
        "instagram",
        "linkedin",
        "tiktok",
        "twitter",
        "pinterest",
        "snapchat",
        "youtube",
        "reddit",
        "threads",
        "whatsapp",
    }
)
SOCIAL_ALIASES = frozenset({"fb", "ig", "tw", "li", "yt", "x"})
SOCIAL_HOSTS = frozenset({"fb.com", "x.com", "t.co", "lnkd.in", "pin.it", "youtu.be"})

PAID_SEARCH_MEDIA = frozenset({"paidsearch", "paid_search", "paid-search", "sem"})
PAID_MEDIA = frozenset({"cpc", "ppc", "paid"})
PAID_SOCIAL_MEDIA = frozenset({"paid_social", "paidsocial", "paid-social", "social_paid", "cpm"})
MESSAGE_MEDIA = frozenset({"email", "e-mail", "e_mail", "newsletter", "sms", "text"})
SOCIAL_MEDIA_MEDIA = frozenset(
    {"social", "social-media", "social_media", "social-network", "social_network", "sm"}
)

URL_PARAMETERS = {
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
    "utm_term": "utm_term",
    "utm_content": "utm_content",
    "gclid": "gclid",
    "fbclid": "fbclid",
    "msclkid": "msclkid",
}
"""Query-string parameter -> field of :class:`AttributionData`."""

API_NAMES = {
    "url": "url",
    "referrer": "referrer",
    "utm_source": "utmSource",
    "utm_medium": "utmMedium",
    "utm_campaign": "utmCampaign",
    "utm_term": "utmTerm",
    "utm_content": "utmContent",
    "gclid": "gclid",
    "fbclid": "fbclid",
    "msclkid": "msclkid",
    "campaign_id": "campaignId",
}


@dataclass(frozen=True)
class AttributionData:
    """What an interaction says about where it came from (all optional)."""

    url: str | None = None
    referrer: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    gclid: str | None = None
    fbclid: str | None = None
    msclkid: str | None = None
    campaign_id: str | None = None

    def cleaned(self, *path: str) -> AttributionData:
        """Trimmed (blank is unset), length-checked, with missing utm_* values and click ids
        taken from the url's query string. Raises DomainError listing every bad field."""
        values: dict[str, str | None] = {}
        errors: list[UserError] = []
        for f in fields(self):
            raw = getattr(self, f.name)
            text = raw.strip() if isinstance(raw, str) else None
            limit = _limit(f.name)
            if text and len(text) > limit:
                errors.append(
                    UserError(
                        ErrorCode.TOO_LONG,
                        f"at most {limit} characters are allowed",
                        (*path, API_NAMES[f.name]),
                    )
                )
            values[f.name] = text or None
        if errors:
            raise DomainError(errors)
        data = AttributionData(**values)
        return data.with_url_parameters()

    def with_url_parameters(self) -> AttributionData:
        """Fill utm_* and click ids the caller left out from the url's query string."""
        if not self.url or "?" not in self.url:
            return self
        try:
            query = parse_qs(urlsplit(self.url).query)
        except ValueError:
            return self
        found: dict[str, str] = {}
        for parameter, name in URL_PARAMETERS.items():
            given = query.get(parameter)
            value = given[0].strip()[: _limit(name)] if given else ""
            if value and getattr(self, name) is None:
                found[name] = value
        return replace(self, **found) if found else self

    def to_json(self) -> dict[str, str | None]:
        return {api: getattr(self, name) for name, api in API_NAMES.items()}


def _limit(name: str) -> int:
    if name in ("url", "referrer"):
        return MAX_URL
    if name in ("gclid", "fbclid", "msclkid"):
        return MAX_CLICK_ID
    return MAX_PARAMETER


def host_of(value: str | None) -> str | None:
    """The lower-case host of a URL (with or without a scheme), without ``www.``."""
    if not value:
        return None
    text = value.strip()
    if "://" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")


def _labels(host: str) -> set[str]:
    return set(host.split("."))


def is_search_host(host: str | None) -> bool:
    return bool(host) and bool(_labels(host or "") & SEARCH_ENGINES)


def is_social_host(host: str | None) -> bool:
    if not host:
        return False
    if any(host == h or host.endswith("." + h) for h in SOCIAL_HOSTS):
        return True
    return bool(_labels(host) & SOCIAL_NETWORKS)


def _words(source: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", source) if w}


def is_search_source(source: str | None) -> bool:
    """A utm_source naming a search engine: ``google``, ``google.com``, ``google-ads``."""
    if not source:
        return False
    s = source.strip().lower()
    return s in SEARCH_ALIASES or bool(_words(s) & SEARCH_ENGINES)


def is_social_source(source: str | None) -> bool:
    """A utm_source naming a social network: ``facebook``, ``fb``, ``l.instagram.com``."""
    if not source:
        return False
    s = source.strip().lower()
    if s in SOCIAL_ALIASES or is_social_host(s):
        return True
    return bool(_words(s) & SOCIAL_NETWORKS)


def classify(
    data: AttributionData,
    *,
    explicit: SessionSource | None = None,
    entered_in_crm: bool = False,
    message: bool = False,
) -> SessionSource:
    """The session source of one interaction; the rules are in this module's docstring.

    ``explicit`` is the caller's own ``sessionSource``; ``entered_in_crm`` says a team member
    recorded the interaction in the CRM itself; ``message`` says it is a call, email or SMS.
    """
    if explicit is not None:
        return explicit
    data = data.with_url_parameters()
    medium = (data.utm_medium or "").strip().lower()
    source = data.utm_source
    url_host = host_of(data.url)
    referrer_host = host_of(data.referrer)
    if referrer_host is not None and referrer_host == url_host:
        referrer_host = None  # the site's own navigation
    # the network named by utm_source; the referrer only speaks when there is no utm_source
    search = is_search_source(source) if source else is_search_host(referrer_host)
    social = (is_social_source(source) if source else is_social_host(referrer_host)) or bool(
        data.fbclid
    )

    if data.gclid or data.msclkid or medium in PAID_SEARCH_MEDIA:
        return SessionSource.PAID_SEARCH
    if medium in PAID_MEDIA and search:
        return SessionSource.PAID_SEARCH
    if medium in PAID_SOCIAL_MEDIA or (medium in PAID_MEDIA and social):
        return SessionSource.PAID_SOCIAL
    if medium in MESSAGE_MEDIA:
        return SessionSource.OTHER
    clicks = data.gclid or data.fbclid or data.msclkid
    utm = source or medium or data.utm_campaign or data.utm_term or data.utm_content
    if not (utm or clicks or referrer_host):
        if entered_in_crm:
            return SessionSource.CRM_UI
        if message:
            return SessionSource.OTHER
        return SessionSource.DIRECT_TRAFFIC if data.url else SessionSource.OTHER
    if medium == "organic" or search:
        return SessionSource.ORGANIC_SEARCH
    if medium in SOCIAL_MEDIA_MEDIA or social:
        return SessionSource.SOCIAL_MEDIA
    if medium == "referral" or referrer_host is not None:
        return SessionSource.REFERRAL
    return SessionSource.OTHER


# -- first and latest ------------------------------------------------------------------------

FIRST = "attribution.firstInteraction"
LATEST = "attribution.latestInteraction"


@dataclass
class ContactAttribution:
    """A contact's first and latest interaction (ids), kept as each interaction is recorded.

    ``latest_occurred_at`` is the latest interaction's ``occurredAt``, kept here so the
    comparison needs no second read.
    """

    contact_id: str
    location_id: str
    first_interaction_id: str | None = None
    latest_interaction_id: str | None = None
    latest_occurred_at: datetime | None = None
    reset_at: datetime | None = None

    def record(self, interaction_id: str, occurred_at: datetime) -> list[FieldChange]:
        """A newly recorded interaction: first if there is none yet; latest unless the
        current latest happened later. Returns the moves, as field changes of ids."""
        changes: list[FieldChange] = []
        if self.first_interaction_id is None:
            changes.append(FieldChange(FIRST, None, interaction_id))
            self.first_interaction_id = interaction_id
        if self.latest_occurred_at is None or occurred_at >= self.latest_occurred_at:
            if self.latest_interaction_id != interaction_id:
                changes.append(FieldChange(LATEST, self.latest_interaction_id, interaction_id))
            self.latest_interaction_id = interaction_id
            self.latest_occurred_at = occurred_at
        return changes

    def reset(self, now: datetime) -> list[FieldChange]:
        """Forget first and latest; the next interaction recorded becomes both. Resetting
        an empty attribution changes nothing."""
        if self.first_interaction_id is None and self.latest_interaction_id is None:
            return []
        changes = [
            FieldChange(FIRST, self.first_interaction_id, None),
            FieldChange(LATEST, self.latest_interaction_id, None),
        ]
        self.first_interaction_id = self.latest_interaction_id = None
        self.latest_occurred_at = None
        self.reset_at = now
        return changes

    def absorb(self, other: ContactAttribution, first_at: dict[str, datetime]) -> list[FieldChange]:
        """Take in the attribution of a contact merged into this one (domain/merge.py): the
        first interaction is whichever of the two firsts happened earlier (``first_at``:
        when each happened; this contact's on a tie), the latest whichever latest happened
        later (this contact's on a tie). Returns the moves, as field changes of ids."""
        changes: list[FieldChange] = []
        mine, theirs = self.first_interaction_id, other.first_interaction_id
        if theirs is not None and (
            mine is None
            or (theirs in first_at and mine in first_at and first_at[theirs] < first_at[mine])
        ):
            changes.append(FieldChange(FIRST, mine, theirs))
            self.first_interaction_id = theirs
        if other.latest_occurred_at is not None and (
            self.latest_occurred_at is None or other.latest_occurred_at > self.latest_occurred_at
        ):
            changes.append(
                FieldChange(LATEST, self.latest_interaction_id, other.latest_interaction_id)
            )
            self.latest_interaction_id = other.latest_interaction_id
            self.latest_occurred_at = other.latest_occurred_at
        return changes
