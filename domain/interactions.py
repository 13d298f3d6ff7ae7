"""Outside interactions (help page, Activity tab: "website visits, form submissions, calls,
emails, and purchases") and the contact attribution they feed.

Other systems (and the gateway, for things a team member logs in the app) report each
interaction once it happened; it is recorded on the contact with its details, its UTM data
and its classified session source, and it moves the contact's first/latest attribution
(rules in :mod:`.attribution`).

Recording is idempotent on the sender's event id (``external_id``), per location: the same
interaction sent twice -- one after the other or at the same instant -- is stored once; the
repeat gets the stored interaction back, writes nothing and records no event. The first
write wins: a repeat that carries different data does not change what was stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from domain.attribution import MAX_URL, AttributionData, SessionSource, classify
from domain.errors import DomainError, ErrorCode, UserError
from domain.events import ContactEvent, EventKind, FieldChange, contact_event
from domain.money import MAX_AMOUNT
from domain.ports import new_id
from domain.services import Services, visible_contact_id
from domain.values import MAX_TEXT, TimeRange
from domain.viewer import Viewer

MAX_EXTERNAL_ID = 255
MAX_SUBJECT = 1000
MAX_DESCRIPTION = 1000
EXCERPT_LENGTH = 320
"""An SMS excerpt keeps this many characters (two concatenated SMS segments)."""
MAX_CALL_SECONDS = 7 * 24 * 3600
"""A guard, not a product rule: a call longer than a week is a sender's bug."""
FUTURE_TOLERANCE = timedelta(minutes=15)
"""``occurredAt`` may be this far ahead of our clock (senders' clocks drift); further ahead
is refused, since a future interaction would stay "latest" until that time passed."""


class InteractionKind(StrEnum):
    WEBSITE_VISIT = "WEBSITE_VISIT"
    FORM_SUBMISSION = "FORM_SUBMISSION"
    SURVEY_SUBMISSION = "SURVEY_SUBMISSION"
    CALL = "CALL"
    EMAIL = "EMAIL"
    SMS = "SMS"
    PURCHASE = "PURCHASE"


MESSAGE_KINDS = frozenset({InteractionKind.CALL, InteractionKind.EMAIL, InteractionKind.SMS})


class InteractionOrigin(StrEnum):
    """Who reported the interaction: an outside system, or a team member in the CRM."""

    INTEGRATION = "INTEGRATION"
    CRM_UI = "CRM_UI"


class Direction(StrEnum):
    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"


class CallOutcome(StrEnum):
    ANSWERED = "ANSWERED"
    MISSED = "MISSED"
    VOICEMAIL = "VOICEMAIL"
    BUSY = "BUSY"
    FAILED = "FAILED"


class InteractionSortField(StrEnum):
    OCCURRED_AT = "OCCURRED_AT"
    RECORDED_AT = "RECORDED_AT"


# -- details, one shape per kind --------------------------------------------------------------


def _required(value: str | None, limit: int, *path: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError.single(ErrorCode.REQUIRED, "a value is required", *path)
    return _optional(text, limit, *path) or text


def _optional(value: str | None, limit: int, *path: str) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise DomainError.single(
            ErrorCode.TOO_LONG, f"at most {limit} characters are allowed", *path
        )
    return text or None


@dataclass(frozen=True)
class WebsiteVisit:
    KIND: ClassVar[InteractionKind] = InteractionKind.WEBSITE_VISIT
    FIELD: ClassVar[str] = "websiteVisit"

    page_url: str
    page_title: str | None = None

    def cleaned(self, *path: str) -> WebsiteVisit:
        return WebsiteVisit(
            _required(self.page_url, MAX_URL, *path, "pageUrl"),
            _optional(self.page_title, MAX_TEXT, *path, "pageTitle"),
        )

    def to_json(self) -> dict[str, Any]:
        return {"pageUrl": self.page_url, "pageTitle": self.page_title}


@dataclass(frozen=True)
class FormSubmission:
    KIND: ClassVar[InteractionKind] = InteractionKind.FORM_SUBMISSION
    FIELD: ClassVar[str] = "formSubmission"

    form_id: str
    form_name: str | None = None

    def cleaned(self, *path: str) -> FormSubmission:
        return FormSubmission(
            _required(self.form_id, MAX_TEXT, *path, "formId"),
            _optional(self.form_name, MAX_TEXT, *path, "formName"),
        )

    def to_json(self) -> dict[str, Any]:
        return {"formId": self.form_id, "formName": self.form_name}


@dataclass(frozen=True)
class SurveySubmission:
    KIND: ClassVar[InteractionKind] = InteractionKind.SURVEY_SUBMISSION
    FIELD: ClassVar[str] = "surveySubmission"

    survey_id: str
    survey_name: str | None = None

    def cleaned(self, *path: str) -> SurveySubmission:
        return SurveySubmission(
            _required(self.survey_id, MAX_TEXT, *path, "surveyId"),
            _optional(self.survey_name, MAX_TEXT, *path, "surveyName"),
        )

    def to_json(self) -> dict[str, Any]:
        return {"surveyId": self.survey_id, "surveyName": self.survey_name}


@dataclass(frozen=True)
class Call:
    KIND: ClassVar[InteractionKind] = InteractionKind.CALL
    FIELD: ClassVar[str] = "call"

    direction: Direction
    outcome: CallOutcome
    duration_seconds: int = 0

    def cleaned(self, *path: str) -> Call:
        if not 0 <= self.duration_seconds <= MAX_CALL_SECONDS:
            raise DomainError.single(
                ErrorCode.INVALID_VALUE,
                f"a call lasts between 0 and {MAX_CALL_SECONDS} seconds",
                *path,
                "durationSeconds",
            )
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "direction": self.direction.value,
            "durationSeconds": self.duration_seconds,
            "outcome": self.outcome.value,
        }


@dataclass(frozen=True)
class EmailMessage:
    KIND: ClassVar[InteractionKind] = InteractionKind.EMAIL
    FIELD: ClassVar[str] = "email"

    direction: Direction
    subject: str | None = None

    def cleaned(self, *path: str) -> EmailMessage:
        return EmailMessage(self.direction, _optional(self.subject, MAX_SUBJECT, *path, "subject"))

    def to_json(self) -> dict[str, Any]:
        return {"direction": self.direction.value, "subject": self.subject}


@dataclass(frozen=True)
class SmsMessage:
    KIND: ClassVar[InteractionKind] = InteractionKind.SMS
    FIELD: ClassVar[str] = "sms"

    direction: Direction
    excerpt: str | None = None

    def cleaned(self, *path: str) -> SmsMessage:
        """Longer text is cut to :data:`EXCERPT_LENGTH` characters, ending in an ellipsis:
        an excerpt is by nature a cut, and refusing would lose a real message."""
        text = " ".join((self.excerpt or "").split())
        if len(text) > EXCERPT_LENGTH:
            text = text[: EXCERPT_LENGTH - 1].rstrip() + "…"
        return SmsMessage(self.direction, text or None)

    def to_json(self) -> dict[str, Any]:
        return {"direction": self.direction.value, "excerpt": self.excerpt}


@dataclass(frozen=True)
class Purchase:
    KIND: ClassVar[InteractionKind] = InteractionKind.PURCHASE
    FIELD: ClassVar[str] = "purchase"

    amount: int
    currency: str
    product_id: str | None = None
    product_name: str | None = None
    description: str | None = None

    def cleaned(self, *path: str) -> Purchase:
        errors: list[UserError] = []
        if self.amount < 0:
            errors.append(
                UserError(
                    ErrorCode.INVALID_VALUE,
                    "an amount is zero or more minor units",
                    (*path, "amount"),
                )
            )
        elif self.amount > MAX_AMOUNT:
            errors.append(
                UserError(
                    ErrorCode.LIMIT_EXCEEDED,
                    f"an amount is at most {MAX_AMOUNT} minor units",
                    (*path, "amount"),
                )
            )
        currency = self.currency.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            errors.append(
                UserError(
                    ErrorCode.INVALID_VALUE,
                    "currency is an ISO 4217 code such as USD",
                    (*path, "currency"),
                )
            )
        if errors:
            raise DomainError(errors)
        return Purchase(
            self.amount,
            currency,
            _optional(self.product_id, MAX_TEXT, *path, "productId"),
            _optional(self.product_name, MAX_TEXT, *path, "productName"),
            _optional(self.description, MAX_DESCRIPTION, *path, "description"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "amount": self.amount,
            "currency": self.currency,
            "productId": self.product_id,
            "productName": self.product_name,
            "description": self.description,
        }


AnyDetails = (
    WebsiteVisit | FormSubmission | SurveySubmission | Call | EmailMessage | SmsMessage | Purchase
)
DETAIL_TYPES: dict[InteractionKind, type[AnyDetails]] = {
    t.KIND: t
    for t in (
        WebsiteVisit,
        FormSubmission,
        SurveySubmission,
        Call,
        EmailMessage,
        SmsMessage,
        Purchase,
    )
}


def details_from_json(kind: InteractionKind, data: Mapping[str, Any]) -> AnyDetails:
    """The stored JSON (API names) back into the kind's details."""
    cls = DETAIL_TYPES[kind]
    names = {f.name: _camel(f.name) for f in fields(cls)}
    values: dict[str, Any] = {name: data[api] for name, api in names.items() if api in data}
    if "direction" in values:
        values["direction"] = Direction(values["direction"])
    if "outcome" in values:
        values["outcome"] = CallOutcome(values["outcome"])
    return cls(**values)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.title() for w in rest)


# -- the interaction --------------------------------------------------------------------------


@dataclass
class Interaction:
    location_id: str
    contact_id: str
    external_id: str
    kind: InteractionKind
    occurred_at: datetime
    recorded_at: datetime
    recorded_by: str | None
    origin: InteractionOrigin
    details: AnyDetails
    attribution: AttributionData
    session_source: SessionSource
    id: str = field(default_factory=new_id)

    def summary(self) -> dict[str, Any]:
        """What the event carries (API names): enough for the timeline to render it."""
        return {
            "id": self.id,
            "externalId": self.external_id,
            "kind": self.kind.value,
            "occurredAt": self.occurred_at.isoformat(),
            "origin": self.origin.value,
            "details": self.details.to_json(),
            "attribution": {
                **self.attribution.to_json(),
                "sessionSource": self.session_source.value,
            },
        }


@dataclass(frozen=True)
class RecordInteraction:
    """What a sender reports, as decoded from the API (not yet checked).

    ``details`` maps the input field that was given (``websiteVisit``, ``call``, ...) to
    its details; exactly one must be given, the one matching ``kind``.
    """

    contact_id: str
    external_id: str
    kind: InteractionKind
    occurred_at: datetime
    details: Mapping[str, AnyDetails]
    attribution: AttributionData = field(default_factory=AttributionData)
    session_source: SessionSource | None = None
    origin: InteractionOrigin = InteractionOrigin.INTEGRATION


@dataclass(frozen=True)
class RecordedInteraction:
    interaction: Interaction
    duplicate: bool


@dataclass(frozen=True)
class InteractionFilter:
    """``kinds``: only these (an empty tuple matches nothing); ``occurred``: ``occurred_at``
    in that range. Hashable: it is part of a loader key."""

    kinds: tuple[InteractionKind, ...] | None = None
    occurred: TimeRange | None = None


@dataclass(frozen=True)
class AttributionView:
    """What `Contact.attribution` shows: the two interactions themselves."""

    first: Interaction | None = None
    latest: Interaction | None = None
    reset_at: datetime | None = None


EMPTY_ATTRIBUTION = AttributionView()


def build_interaction(cmd: RecordInteraction, viewer: Viewer, now: datetime) -> Interaction:
    """Check everything the sender gave; every problem is reported at once."""
    errors: list[UserError] = []

    def check(run: Any) -> Any:
        try:
            return run()
        except DomainError as exc:
            errors.extend(exc.errors)
            return None

    external_id = check(lambda: _required(cmd.external_id, MAX_EXTERNAL_ID, "externalId"))
    if cmd.occurred_at.tzinfo is None:
        errors.append(
            UserError(
                ErrorCode.INVALID_VALUE, "occurredAt needs a time zone offset", ("occurredAt",)
            )
        )
    elif cmd.occurred_at > now + FUTURE_TOLERANCE:
        errors.append(
            UserError(ErrorCode.INVALID_VALUE, "occurredAt is in the future", ("occurredAt",))
        )
    expected = DETAIL_TYPES[cmd.kind].FIELD
    details = None
    for name, given in cmd.details.items():
        if name != expected or not isinstance(given, DETAIL_TYPES[cmd.kind]):
            errors.append(
                UserError(
                    ErrorCode.WRONG_VALUE_TYPE,
                    f"{name} details do not belong to a {cmd.kind.value} interaction; "
                    f"give {expected}",
                    (name,),
                )
            )
        else:
            details = check(lambda g=given: g.cleaned(expected))
    if expected not in cmd.details:
        errors.append(
            UserError(
                ErrorCode.REQUIRED,
                f"a {cmd.kind.value} interaction needs its {expected} details",
                (expected,),
            )
        )
    attribution = check(lambda: cmd.attribution.cleaned("attribution"))
    if errors:
        raise DomainError(errors)
    assert external_id is not None and details is not None and attribution is not None
    return Interaction(
        location_id=viewer.location_id,
        contact_id=cmd.contact_id,
        external_id=external_id,
        kind=cmd.kind,
        occurred_at=cmd.occurred_at.astimezone(UTC),
        recorded_at=now,
        recorded_by=viewer.user_id,
        origin=cmd.origin,
        details=details,
        attribution=attribution,
        session_source=classify(
            attribution,
            explicit=cmd.session_source,
            entered_in_crm=cmd.origin is InteractionOrigin.CRM_UI,
            message=cmd.kind in MESSAGE_KINDS,
        ),
    )


def _event(
    kind: EventKind, contact_id: str, viewer: Viewer, at: datetime, changes: list[FieldChange]
) -> ContactEvent:
    return contact_event(kind, contact_id, viewer, at, changes)


async def record_interaction(
    svc: Services, viewer: Viewer, cmd: RecordInteraction
) -> RecordedInteraction:
    """Store the interaction, move the attribution, record INTERACTION_RECORDED -- or, for
    an external id already recorded in this location, return that interaction unchanged.

    The event's first change (``interactions``) carries the interaction's summary; further
    changes (``attribution.firstInteraction`` / ``attribution.latestInteraction``) say which
    attribution pointers moved, as interaction ids. The event's time is when it was
    recorded; the summary's ``occurredAt`` is when it happened.
    """
    now = svc.clock.now()
    interaction = build_interaction(cmd, viewer, now)
    async with svc.uow() as uow:
        await visible_contact_id(uow, viewer, cmd.contact_id)
        if not await uow.interactions.add(interaction):
            existing = await uow.interactions.by_external_id(
                viewer.location_id, interaction.external_id
            )
            if existing is None:  # pragma: no cover - the conflicting row cannot vanish
                raise AssertionError("conflicting interaction not found")
            if existing.contact_id != interaction.contact_id:
                raise DomainError.single(
                    ErrorCode.DUPLICATE,
                    "this external id was already recorded for another contact",
                    "externalId",
                )
            return RecordedInteraction(existing, duplicate=True)
        attribution = await uow.interactions.attribution_for_update(
            viewer.location_id, interaction.contact_id
        )
        moves = attribution.record(interaction.id, interaction.occurred_at)
        if moves:
            await uow.interactions.save_attribution(attribution)
        changes = [FieldChange("interactions", None, interaction.summary()), *moves]
        uow.record(
            _event(EventKind.INTERACTION_RECORDED, interaction.contact_id, viewer, now, changes)
        )
        await uow.commit()
        return RecordedInteraction(interaction, duplicate=False)


async def reset_attribution(svc: Services, viewer: Viewer, contact_id: str) -> str:
    """Forget the contact's first and latest interaction (the interactions stay in its
    history); the next one recorded becomes both. Records ATTRIBUTION_RESET unless there
    was nothing to reset. Returns the contact id."""
    async with svc.uow() as uow:
        await visible_contact_id(uow, viewer, contact_id)
        attribution = await uow.interactions.attribution_for_update(viewer.location_id, contact_id)
        now = svc.clock.now()
        changes = attribution.reset(now)
        if changes:
            await uow.interactions.save_attribution(attribution)
            uow.record(_event(EventKind.ATTRIBUTION_RESET, contact_id, viewer, now, changes))
            await uow.commit()
        return contact_id
