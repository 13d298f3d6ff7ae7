"""Interactions and attribution (Activity tab): `Contact.interactions`,
`Contact.attribution`, `contactInteractionRecord` and `contactAttributionReset`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry

from domain import attribution as a
from domain import interactions as d
from domain.events import ContactEvent, EventKind
from resolvers import interactions as r
from resolvers.common import Info, Outcome
from schema.activity import ContactActivity, register_activity
from schema.common import (
    AfterArg,
    Connection,
    DateTimeRange,
    FirstArg,
    InputArg,
    SortDirection,
    UserError,
    tab_request,
    time_range,
)
from schema.enums import graphql_enum
from schema.scalars import BigInt
from schema.user import User

if TYPE_CHECKING:
    from schema.contact import Contact

graphql_enum(
    d.InteractionKind,
    "What kind of outside interaction: a website visit, a form or survey "
    "submission, a call, an email, an SMS or a purchase.",
    {
        d.InteractionKind.WEBSITE_VISIT: "A visit to a page of the website.",
        d.InteractionKind.FORM_SUBMISSION: "A form was submitted.",
        d.InteractionKind.SURVEY_SUBMISSION: "A survey was submitted.",
        d.InteractionKind.CALL: "A phone call.",
        d.InteractionKind.EMAIL: "An email.",
        d.InteractionKind.SMS: "A text message.",
        d.InteractionKind.PURCHASE: "A purchase.",
    },
    name="ContactInteractionKind",
)
graphql_enum(
    d.InteractionOrigin,
    "Who reported an interaction: INTEGRATION (an outside system; the default) "
    "or CRM_UI (a team member logged it in the CRM).",
    {
        d.InteractionOrigin.INTEGRATION: "An outside system reported it (the default).",
        d.InteractionOrigin.CRM_UI: "A team member logged it in the CRM.",
    },
    name="ContactInteractionOrigin",
)
graphql_enum(
    d.Direction,
    "INBOUND (from the contact) or OUTBOUND (to the contact).",
    {
        d.Direction.INBOUND: "From the contact.",
        d.Direction.OUTBOUND: "To the contact.",
    },
    name="ContactInteractionDirection",
)
graphql_enum(
    d.CallOutcome,
    "How a call ended: ANSWERED, MISSED, VOICEMAIL, BUSY or FAILED.",
    {
        d.CallOutcome.ANSWERED: "Someone answered.",
        d.CallOutcome.MISSED: "Nobody answered.",
        d.CallOutcome.VOICEMAIL: "It went to voicemail.",
        d.CallOutcome.BUSY: "The line was busy.",
        d.CallOutcome.FAILED: "The call did not go through.",
    },
    name="ContactCallOutcome",
)
graphql_enum(
    a.SessionSource,
    "Where an interaction's session came from: CRM_UI, PAID_SEARCH, "
    "PAID_SOCIAL, DIRECT_TRAFFIC, ORGANIC_SEARCH, SOCIAL_MEDIA, REFERRAL or OTHER (SMS, "
    "email, calls, third-party integrations). Classified from the UTM data, click ids, url "
    "and referrer unless the sender gave it; the rules are in the README.",
    {
        a.SessionSource.CRM_UI: "A team member entered it in the CRM, with no campaign signal.",
        a.SessionSource.PAID_SEARCH: "A paid search ad (gclid, msclkid, or a paid medium "
        "from a search engine).",
        a.SessionSource.PAID_SOCIAL: "A paid social ad (a paid-social medium, or a paid "
        "medium from a social network).",
        a.SessionSource.DIRECT_TRAFFIC: "A url with no campaign signal: typed in or bookmarked.",
        a.SessionSource.ORGANIC_SEARCH: "An unpaid search result (utm_medium organic or a "
        "search engine).",
        a.SessionSource.SOCIAL_MEDIA: "An unpaid social network link (or an fbclid).",
        a.SessionSource.REFERRAL: "A link on another site (utm_medium referral or an outside "
        "referrer).",
        a.SessionSource.OTHER: "Anything else: SMS, email, calls, third-party integrations.",
    },
    name="ContactSessionSource",
)
graphql_enum(
    d.InteractionSortField,
    "What a contact's interactions sort by.",
    {
        d.InteractionSortField.OCCURRED_AT: "When the interaction happened.",
        d.InteractionSortField.RECORDED_AT: "When it was recorded here.",
    },
    name="ContactInteractionSortField",
)


# -- details -----------------------------------------------------------------------------------


@strawberry.type(description="A visit to a page of the business's website.")
class ContactInteractionWebsiteVisit:
    page_url: str = strawberry.field(description="The page visited.")
    page_title: str | None = strawberry.field(description="Its title.")


@strawberry.type(description="A form the contact submitted.")
class ContactInteractionFormSubmission:
    form_id: str = strawberry.field(description="The form's id in the forms system.")
    form_name: str | None = strawberry.field(description="The form's name.")


@strawberry.type(description="A survey the contact submitted.")
class ContactInteractionSurveySubmission:
    survey_id: str = strawberry.field(description="The survey's id in the surveys system.")
    survey_name: str | None = strawberry.field(description="The survey's name.")


@strawberry.type(description="A phone call with the contact.")
class ContactInteractionCall:
    direction: d.Direction = strawberry.field(description="Who called whom.")
    duration_seconds: int = strawberry.field(description="How long it lasted, in seconds.")
    outcome: d.CallOutcome = strawberry.field(description="How it ended.")


@strawberry.type(description="An email exchanged with the contact.")
class ContactInteractionEmail:
    direction: d.Direction = strawberry.field(description="Received from, or sent to them.")
    subject: str | None = strawberry.field(description="The subject line.")


@strawberry.type(description="An SMS exchanged with the contact.")
class ContactInteractionSms:
    direction: d.Direction = strawberry.field(description="Received from, or sent to them.")
    excerpt: str | None = strawberry.field(
        description=f"The text, cut to {d.EXCERPT_LENGTH} characters."
    )


@strawberry.type(description="A purchase the contact made.")
class ContactInteractionPurchase:
    amount: BigInt = strawberry.field(description="Minor units of `currency`, e.g. 1999 for 19.99.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. USD.")
    product_id: str | None = strawberry.field(description="The product's id, if known.")
    product_name: str | None = strawberry.field(description="The product's name.")
    description: str | None = strawberry.field(description="What was bought.")


def _details(i: d.Interaction) -> dict[str, Any]:
    x = i.details
    if isinstance(x, d.WebsiteVisit):
        return {"website_visit": ContactInteractionWebsiteVisit(**vars(x))}
    if isinstance(x, d.FormSubmission):
        return {"form_submission": ContactInteractionFormSubmission(**vars(x))}
    if isinstance(x, d.SurveySubmission):
        return {"survey_submission": ContactInteractionSurveySubmission(**vars(x))}
    if isinstance(x, d.Call):
        return {"call": ContactInteractionCall(**vars(x))}
    if isinstance(x, d.EmailMessage):
        return {"email": ContactInteractionEmail(**vars(x))}
    if isinstance(x, d.SmsMessage):
        return {"sms": ContactInteractionSms(**vars(x))}
    return {"purchase": ContactInteractionPurchase(**vars(x))}


# -- the interaction and the attribution ----------------------------------------------------------


@strawberry.type(
    description="An outside interaction with a contact (website visit, form or survey "
    "submission, call, email, SMS, purchase), with where it came from. Exactly one of the "
    "detail fields is set: the one matching `kind`."
)
class ContactInteraction:
    id: strawberry.ID = strawberry.field(description="The interaction's id.")
    contact_id: strawberry.ID = strawberry.field(description="The contact it belongs to.")
    external_id: str = strawberry.field(
        description="The sender's event id; unique per location (recording is idempotent)."
    )
    kind: d.InteractionKind = strawberry.field(description="What kind of interaction.")
    origin: d.InteractionOrigin = strawberry.field(description="Who reported it.")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    recorded_at: datetime = strawberry.field(description="When it was recorded here.")
    recorded_by: User | None = strawberry.field(
        description="The user (or integration's user) whose token recorded it."
    )
    website_visit: ContactInteractionWebsiteVisit | None = strawberry.field(
        default=None, description="Set when `kind` is WEBSITE_VISIT."
    )
    form_submission: ContactInteractionFormSubmission | None = strawberry.field(
        default=None, description="Set when `kind` is FORM_SUBMISSION."
    )
    survey_submission: ContactInteractionSurveySubmission | None = strawberry.field(
        default=None, description="Set when `kind` is SURVEY_SUBMISSION."
    )
    call: ContactInteractionCall | None = strawberry.field(
        default=None, description="Set when `kind` is CALL."
    )
    email: ContactInteractionEmail | None = strawberry.field(
        default=None, description="Set when `kind` is EMAIL."
    )
    sms: ContactInteractionSms | None = strawberry.field(
        default=None, description="Set when `kind` is SMS."
    )
    purchase: ContactInteractionPurchase | None = strawberry.field(
        default=None, description="Set when `kind` is PURCHASE."
    )
    url: str | None = strawberry.field(default=None, description="The page of the session.")
    referrer: str | None = strawberry.field(default=None, description="The referring page.")
    utm_source: str | None = strawberry.field(
        default=None,
        description="utm_source: who sent the visit, e.g. google, facebook, newsletter.",
    )
    utm_medium: str | None = strawberry.field(
        default=None, description="utm_medium: how, e.g. cpc, email, social, organic, referral."
    )
    utm_campaign: str | None = strawberry.field(
        default=None, description="utm_campaign: the campaign's name."
    )
    utm_term: str | None = strawberry.field(
        default=None, description="utm_term: the paid search keyword."
    )
    utm_content: str | None = strawberry.field(
        default=None, description="utm_content: which ad or link was clicked."
    )
    gclid: str | None = strawberry.field(default=None, description="Google Ads click id.")
    fbclid: str | None = strawberry.field(default=None, description="Facebook click id.")
    msclkid: str | None = strawberry.field(
        default=None, description="Microsoft Advertising click id."
    )
    campaign_id: str | None = strawberry.field(
        default=None, description="The ad platform's campaign id."
    )
    session_source: a.SessionSource = strawberry.field(
        default=a.SessionSource.OTHER,
        description="Where the session came from: classified from the fields above, or as "
        "the sender gave it.",
    )

    @classmethod
    def from_domain(cls, i: d.Interaction) -> ContactInteraction:
        return cls(
            id=strawberry.ID(i.id),
            contact_id=strawberry.ID(i.contact_id),
            external_id=i.external_id,
            kind=i.kind,
            origin=i.origin,
            occurred_at=i.occurred_at,
            recorded_at=i.recorded_at,
            recorded_by=User(id=strawberry.ID(i.recorded_by)) if i.recorded_by else None,
            session_source=i.session_source,
            **vars(i.attribution),
            **_details(i),
        )


@strawberry.type(description="A page of a contact's interactions.")
class ContactInteractionConnection(Connection[ContactInteraction]):
    pass


@strawberry.type(
    description="Where a contact first and most recently interacted with the business "
    "(Activity tab). Both are null until an interaction is recorded, and again after a reset."
)
class ContactAttribution:
    first_interaction: ContactInteraction | None = strawberry.field(
        description="The first interaction recorded (since the last reset). It stays, even "
        "when an interaction that happened earlier is reported later; only "
        "`contactAttributionReset` clears it."
    )
    latest_interaction: ContactInteraction | None = strawberry.field(
        description="The most recent interaction by `occurredAt` among those recorded since "
        "the last reset (on a tie, the one recorded later). A late-reported older "
        "interaction does not displace it."
    )
    reset_at: datetime | None = strawberry.field(
        description="When the attribution was last reset; null if never."
    )

    @classmethod
    def from_domain(cls, v: d.AttributionView) -> ContactAttribution:
        return cls(
            first_interaction=ContactInteraction.from_domain(v.first) if v.first else None,
            latest_interaction=ContactInteraction.from_domain(v.latest) if v.latest else None,
            reset_at=v.reset_at,
        )


# -- timeline items -----------------------------------------------------------------------------


@strawberry.type(description="An outside interaction was recorded on the contact.")
class ContactInteractionActivity(ContactActivity):
    interaction: ContactInteraction = strawberry.field(
        description="The interaction, as recorded (its `occurredAt` is when it happened; "
        "the item's `occurredAt` is when it was recorded)."
    )


def interaction_from_summary(e: ContactEvent, summary: dict[str, Any]) -> d.Interaction:
    """The interaction an INTERACTION_RECORDED event carries (`Interaction.summary()`), back
    as the domain object: the event adds what the summary leaves out (location, contact,
    and who recorded it when -- the event's actor and time)."""
    kind = d.InteractionKind(summary["kind"])
    attribution = summary.get("attribution") or {}
    source = attribution.get("sessionSource")
    return d.Interaction(
        location_id=e.location_id,
        contact_id=e.contact_id,
        external_id=summary["externalId"],
        kind=kind,
        occurred_at=datetime.fromisoformat(summary["occurredAt"]),
        recorded_at=e.occurred_at,
        recorded_by=e.actor_id,
        origin=d.InteractionOrigin(summary["origin"]),
        details=d.details_from_json(kind, summary.get("details") or {}),
        attribution=a.AttributionData(
            **{name: attribution.get(api) for name, api in a.API_NAMES.items()}
        ),
        session_source=a.SessionSource(source) if source else a.SessionSource.OTHER,
        id=summary["id"],
    )


def _interaction_activity(e: ContactEvent, base: dict[str, Any]) -> ContactInteractionActivity:
    """The event's first change (`interactions`) carries the interaction's summary; the
    others move the attribution pointers (domain/interactions.py)."""
    interaction = interaction_from_summary(e, e.changes[0].after)
    return ContactInteractionActivity(
        **base, interaction=ContactInteraction.from_domain(interaction)
    )


register_activity(
    [EventKind.INTERACTION_RECORDED], ContactInteractionActivity, _interaction_activity
)


@strawberry.type(
    description="The contact's attribution was reset: first and latest interaction were "
    "cleared (the interactions stay in its history)."
)
class ContactAttributionResetActivity(ContactActivity):
    previous_first_interaction_id: strawberry.ID | None = strawberry.field(
        description="The first interaction before the reset."
    )
    previous_latest_interaction_id: strawberry.ID | None = strawberry.field(
        description="The latest interaction before the reset."
    )


def _attribution_reset_activity(
    e: ContactEvent, base: dict[str, Any]
) -> ContactAttributionResetActivity:
    """The event carries the two pointers' ids before (and null after) the reset."""
    before = {c.field: c.before for c in e.changes}
    first, latest = before.get(a.FIRST), before.get(a.LATEST)
    return ContactAttributionResetActivity(
        **base,
        previous_first_interaction_id=strawberry.ID(first) if first else None,
        previous_latest_interaction_id=strawberry.ID(latest) if latest else None,
    )


register_activity(
    [EventKind.ATTRIBUTION_RESET], ContactAttributionResetActivity, _attribution_reset_activity
)


@strawberry.input(description="Which interactions to list. Every member given must hold.")
class ContactInteractionFilter:
    kinds: list[d.InteractionKind] | None = strawberry.field(
        default=None,
        description="Only interactions of these kinds; an empty list matches none; every kind "
        "when omitted.",
    )
    occurred_at: DateTimeRange | None = strawberry.field(
        default=None,
        description="Only those that happened in this range: `from` inclusive, `to` "
        "exclusive; both need a time zone.",
    )

    def to_domain(self) -> d.InteractionFilter:
        return d.InteractionFilter(
            kinds=tuple(dict.fromkeys(self.kinds)) if self.kinds is not None else None,
            occurred=time_range(self.occurred_at, "filter.occurredAt"),
        )


@strawberry.input(description="How to sort interactions; default newest first by occurrence.")
class ContactInteractionOrderBy:
    field: d.InteractionSortField = strawberry.field(
        default=d.InteractionSortField.OCCURRED_AT,
        description="When it happened, or when it was recorded.",
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Which way."
    )


interactions_request = tab_request(ContactInteractionOrderBy, ContactInteractionFilter)


@strawberry.type
class ContactInteractionsFields:
    """`Contact.interactions` and `Contact.attribution`; mixed into Contact."""

    id: strawberry.ID

    @strawberry.field(
        description="Where the contact first and most recently interacted with the business."
    )
    async def attribution(self, info: Info) -> ContactAttribution:
        return ContactAttribution.from_domain(await r.attribution(info, str(self.id)))

    @strawberry.field(
        description="The contact's outside interactions (newest first by default), as a "
        "cursor connection."
    )
    async def interactions(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactInteractionFilter | None,
            strawberry.argument(description="Kinds and time; every interaction if omitted."),
        ] = None,
        order_by: Annotated[
            ContactInteractionOrderBy | None,
            strawberry.argument(description="Sort; default newest first by `occurredAt`."),
        ] = None,
    ) -> ContactInteractionConnection:
        request = interactions_request(first, after, filter, order_by)
        found, cursors, has_next = await r.page(info, str(self.id), request)
        contact_id = str(self.id)

        async def count() -> int:
            return await r.count(info, contact_id, cast(d.InteractionFilter, request.filter))

        conn = ContactInteractionConnection.build(
            [ContactInteraction.from_domain(x) for x in found], cursors, has_next, after, count
        )
        return conn  # type: ignore[return-value]


# -- inputs -----------------------------------------------------------------------------------


@strawberry.input(description="Details of a WEBSITE_VISIT.")
class ContactInteractionWebsiteVisitInput:
    page_url: str = strawberry.field(description=f"The page; at most {a.MAX_URL} characters.")
    page_title: str | None = strawberry.field(default=None, description="Its title.")

    def to_domain(self) -> d.WebsiteVisit:
        return d.WebsiteVisit(self.page_url, self.page_title)


@strawberry.input(description="Details of a FORM_SUBMISSION.")
class ContactInteractionFormSubmissionInput:
    form_id: str = strawberry.field(description="The form's id; not empty.")
    form_name: str | None = strawberry.field(default=None, description="The form's name.")

    def to_domain(self) -> d.FormSubmission:
        return d.FormSubmission(self.form_id, self.form_name)


@strawberry.input(description="Details of a SURVEY_SUBMISSION.")
class ContactInteractionSurveySubmissionInput:
    survey_id: str = strawberry.field(description="The survey's id; not empty.")
    survey_name: str | None = strawberry.field(default=None, description="The survey's name.")

    def to_domain(self) -> d.SurveySubmission:
        return d.SurveySubmission(self.survey_id, self.survey_name)


@strawberry.input(description="Details of a CALL.")
class ContactInteractionCallInput:
    direction: d.Direction = strawberry.field(description="Who called whom.")
    outcome: d.CallOutcome = strawberry.field(description="How it ended.")
    duration_seconds: int = strawberry.field(
        default=0, description=f"Seconds, 0 to {d.MAX_CALL_SECONDS}; default 0."
    )

    def to_domain(self) -> d.Call:
        return d.Call(self.direction, self.outcome, self.duration_seconds)


@strawberry.input(description="Details of an EMAIL.")
class ContactInteractionEmailInput:
    direction: d.Direction = strawberry.field(description="Received from, or sent to them.")
    subject: str | None = strawberry.field(
        default=None, description=f"The subject; at most {d.MAX_SUBJECT} characters."
    )

    def to_domain(self) -> d.EmailMessage:
        return d.EmailMessage(self.direction, self.subject)


@strawberry.input(description="Details of an SMS.")
class ContactInteractionSmsInput:
    direction: d.Direction = strawberry.field(description="Received from, or sent to them.")
    excerpt: str | None = strawberry.field(
        default=None,
        description=f"The text; whitespace is collapsed and text longer than "
        f"{d.EXCERPT_LENGTH} characters is cut, ending in '…'.",
    )

    def to_domain(self) -> d.SmsMessage:
        return d.SmsMessage(self.direction, self.excerpt)


@strawberry.input(description="Details of a PURCHASE.")
class ContactInteractionPurchaseInput:
    amount: BigInt = strawberry.field(description="Minor units, 0 or more, e.g. 1999 for 19.99.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. USD.")
    product_id: str | None = strawberry.field(default=None, description="The product's id.")
    product_name: str | None = strawberry.field(default=None, description="Its name.")
    description: str | None = strawberry.field(
        default=None, description=f"What was bought; at most {d.MAX_DESCRIPTION} characters."
    )

    def to_domain(self) -> d.Purchase:
        return d.Purchase(
            self.amount, self.currency, self.product_id, self.product_name, self.description
        )


@strawberry.input(
    description="Where an interaction came from. All optional; utm_* values and click ids "
    "left out are read from `url`'s query string."
)
class ContactInteractionAttributionInput:
    url: str | None = strawberry.field(
        default=None, description=f"The page of the session; at most {a.MAX_URL} characters."
    )
    referrer: str | None = strawberry.field(default=None, description="The referring page.")
    utm_source: str | None = strawberry.field(
        default=None,
        description="utm_source: who sent the visit, e.g. google, facebook, newsletter.",
    )
    utm_medium: str | None = strawberry.field(
        default=None, description="utm_medium: how, e.g. cpc, email, social, organic, referral."
    )
    utm_campaign: str | None = strawberry.field(
        default=None, description="utm_campaign: the campaign's name."
    )
    utm_term: str | None = strawberry.field(
        default=None, description="utm_term: the paid search keyword."
    )
    utm_content: str | None = strawberry.field(
        default=None, description="utm_content: which ad or link was clicked."
    )
    gclid: str | None = strawberry.field(default=None, description="Google Ads click id.")
    fbclid: str | None = strawberry.field(default=None, description="Facebook click id.")
    msclkid: str | None = strawberry.field(
        default=None, description="Microsoft Advertising click id."
    )
    campaign_id: str | None = strawberry.field(
        default=None, description="The ad platform's campaign id."
    )
    session_source: a.SessionSource | None = strawberry.field(
        default=None,
        description="The session source, when the sender knows it: overrides the classification.",
    )

    def to_domain(self) -> a.AttributionData:
        return a.AttributionData(
            **{name: getattr(self, name) for name in a.API_NAMES},
        )


@strawberry.input(
    description="An interaction to record. Give exactly one detail object: the one matching "
    "`kind` (`websiteVisit` for WEBSITE_VISIT, `call` for CALL, ...)."
)
class ContactInteractionRecordInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    external_id: str = strawberry.field(
        description="The sender's id of this event, at most 255 characters. Sending the same "
        "id again (in this location) records nothing and returns the stored interaction."
    )
    kind: d.InteractionKind = strawberry.field(description="What kind of interaction.")
    occurred_at: datetime = strawberry.field(
        description="When it happened, with a zone offset; not more than 15 minutes ahead "
        "of the server's clock."
    )
    origin: d.InteractionOrigin = strawberry.field(
        default=d.InteractionOrigin.INTEGRATION,
        description="INTEGRATION (default), or CRM_UI when a team member logs it in the app.",
    )
    website_visit: ContactInteractionWebsiteVisitInput | None = strawberry.field(
        default=None, description="For WEBSITE_VISIT."
    )
    form_submission: ContactInteractionFormSubmissionInput | None = strawberry.field(
        default=None, description="For FORM_SUBMISSION."
    )
    survey_submission: ContactInteractionSurveySubmissionInput | None = strawberry.field(
        default=None, description="For SURVEY_SUBMISSION."
    )
    call: ContactInteractionCallInput | None = strawberry.field(
        default=None, description="For CALL."
    )
    email: ContactInteractionEmailInput | None = strawberry.field(
        default=None, description="For EMAIL."
    )
    sms: ContactInteractionSmsInput | None = strawberry.field(default=None, description="For SMS.")
    purchase: ContactInteractionPurchaseInput | None = strawberry.field(
        default=None, description="For PURCHASE."
    )
    attribution: ContactInteractionAttributionInput | None = strawberry.field(
        default=None, description="UTM data, click ids, url and referrer."
    )

    def to_domain(self) -> d.RecordInteraction:
        given = {
            "websiteVisit": self.website_visit,
            "formSubmission": self.form_submission,
            "surveySubmission": self.survey_submission,
            "call": self.call,
            "email": self.email,
            "sms": self.sms,
            "purchase": self.purchase,
        }
        source = self.attribution
        return d.RecordInteraction(
            contact_id=str(self.contact_id),
            external_id=self.external_id,
            kind=self.kind,
            occurred_at=self.occurred_at,
            details={k: v.to_domain() for k, v in given.items() if v is not None},
            attribution=source.to_domain() if source else a.AttributionData(),
            session_source=source.session_source if source else None,
            origin=self.origin,
        )


@strawberry.input(description="Reset a contact's attribution.")
class ContactAttributionResetInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")


# -- payloads ---------------------------------------------------------------------------------


@strawberry.type(description="Result of contactInteractionRecord.")
class ContactInteractionRecordPayload:
    interaction: ContactInteraction | None = strawberry.field(
        description="The recorded interaction -- or, for a repeated `externalId`, the one "
        "recorded before; null on error."
    )
    duplicate: bool = strawberry.field(
        description="True when `externalId` had been recorded already: nothing was written."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success. A payload with errors "
        "changed nothing."
    )
    _contact_id: strawberry.Private[str | None]

    @strawberry.field(description="The contact, with its attribution after the change.")
    async def contact(self, info: Info) -> Annotated[Contact, strawberry.lazy(".contact")] | None:
        return await _contact(info, self._contact_id)

    @classmethod
    def from_outcome(
        cls, outcome: Outcome[d.RecordedInteraction]
    ) -> ContactInteractionRecordPayload:
        v = outcome.value
        return cls(
            interaction=ContactInteraction.from_domain(v.interaction) if v else None,
            duplicate=bool(v and v.duplicate),
            user_errors=UserError.all_of(outcome.errors),
            _contact_id=v.interaction.contact_id if v else None,
        )


@strawberry.type(description="Result of contactAttributionReset.")
class ContactAttributionResetPayload:
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success. A payload with errors "
        "changed nothing."
    )
    _contact_id: strawberry.Private[str | None]

    @strawberry.field(description="The contact, with its attribution cleared.")
    async def contact(self, info: Info) -> Annotated[Contact, strawberry.lazy(".contact")] | None:
        return await _contact(info, self._contact_id)


async def _contact(info: Info, contact_id: str | None) -> Contact | None:
    from schema.contact import Contact

    found = await r.contact(info, contact_id) if contact_id else None
    return Contact.from_domain(found) if found else None


@strawberry.type
class InteractionsMutation:
    @strawberry.mutation(
        description="Record an outside interaction (website visit, form or survey submission, "
        "call, email, SMS, purchase) on a contact, with its UTM data; it moves the contact's "
        "attribution. Idempotent on `externalId` per location: a repeat returns the stored "
        "interaction with `duplicate: true` and writes nothing. Refused with DUPLICATE when "
        "the id was recorded for another contact."
    )
    async def contact_interaction_record(
        self, info: Info, input: InputArg[ContactInteractionRecordInput]
    ) -> ContactInteractionRecordPayload:
        return ContactInteractionRecordPayload.from_outcome(await r.record(info, input.to_domain()))

    @strawberry.mutation(
        description="Reset a contact's attribution: first and latest interaction are "
        "cleared (the interactions stay in its history) and the next interaction recorded "
        "becomes both."
    )
    async def contact_attribution_reset(
        self, info: Info, input: InputArg[ContactAttributionResetInput]
    ) -> ContactAttributionResetPayload:
        outcome = await r.reset(info, str(input.contact_id))
        return ContactAttributionResetPayload(
            user_errors=UserError.all_of(outcome.errors),
            _contact_id=outcome.value,
        )
