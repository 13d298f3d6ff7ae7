"""The contact's own lists, compiled: `phones`, `emails`, `primaryPhone`, `primaryEmail`,
`tags` and `followers`, read from their child tables as the loaders read them
(``persistence.queries``: the contact's rows by ``position``) and shaped as the resolvers
shape them (``schema/contact.py``: ``ContactPhone.from_domain``, the first primary or null,
a follower as a ``User`` stub)."""

from __future__ import annotations

from domain.contact import EmailLabel, PhoneLabel
from persistence.compiled.shapes import (
    FieldSQL,
    RecordsSpec,
    TypeSpec,
    child_rows,
    enum_of,
    flag,
    scalars,
    text,
)
from persistence.tables import EMAIL, FOLLOWER, PHONE, TAG


def _point(type_name: str, value: str, labels: type[PhoneLabel] | type[EmailLabel]) -> TypeSpec:
    """A phone or an email (``ContactPhone.from_domain`` / ``ContactEmail.from_domain``)."""
    return TypeSpec(
        type_name,
        {
            "id": text("id"),
            value: text(value),
            "label": enum_of("label", labels),
            "isPrimary": flag("is_primary"),
        },
    )


PHONE_NODE = _point("ContactPhone", "number", PhoneLabel)
EMAIL_NODE = _point("ContactEmail", "address", EmailLabel)
FOLLOWER_NODE = TypeSpec("User", {"id": text("user_id")})

FIELDS: dict[str, FieldSQL] = {"tags": scalars(TAG, "tag")}
RECORDS = {
    "phones": RecordsSpec(PHONE_NODE, child_rows(PHONE)),
    "primaryPhone": RecordsSpec(
        PHONE_NODE, child_rows(PHONE), where=lambda c: c.is_primary, single=True
    ),
    "emails": RecordsSpec(EMAIL_NODE, child_rows(EMAIL)),
    "primaryEmail": RecordsSpec(
        EMAIL_NODE, child_rows(EMAIL), where=lambda c: c.is_primary, single=True
    ),
    "followers": RecordsSpec(FOLLOWER_NODE, child_rows(FOLLOWER)),
}
"""`Contact`'s fields this module compiles."""
