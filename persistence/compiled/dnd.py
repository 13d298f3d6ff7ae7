"""`Contact.dnd`, compiled: the rule of ``ContactDnd.from_domain`` (schema/contact.py) in SQL.

Every channel is listed whether or not it has a row, in ``DndChannel``'s order, ALL apart:
a channel is ``enabled`` when its row says so, ``blocked`` when it or ALL is enabled;
``changedBy``/``changedAt`` come from its row (null without one, or with an empty user).
The channels are a constant table joined to the contact's rows of ``contact_dnd``, so the
states are the rows of a child table like any other (:class:`RecordsSpec`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    false,
    func,
    literal_column,
    or_,
    select,
    union_all,
)

from domain.contact import DndChannel
from persistence.compiled.shapes import (
    Columns,
    ObjectSpec,
    RecordsSpec,
    TypeSpec,
    enum,
    flag,
    timestamp,
    user,
)
from persistence.tables import DND

ALL = DndChannel.ALL.value


def _states(parent: Columns) -> Select[Any]:
    """One row per channel for the parent contact: its own row's values and ALL's."""
    channels = union_all(
        *(
            select(
                literal_column(f"'{channel.value}'", String).label("channel"),
                literal_column(str(i), Integer).label("ord"),
            )
            for i, channel in enumerate(DndChannel)
        )
    ).subquery("channels")
    own, every = DND.alias("own"), DND.alias("every")
    joined = channels.outerjoin(
        own, and_(own.c.contact_id == parent.id, own.c.channel == channels.c.channel)
    ).outerjoin(every, and_(every.c.contact_id == parent.id, every.c.channel == ALL))
    enabled = func.coalesce(own.c.enabled, false())
    return (
        select(
            channels.c.channel,
            channels.c.ord,
            enabled.label("enabled"),
            or_(enabled, func.coalesce(every.c.enabled, false())).label("blocked"),
            func.nullif(own.c.changed_by, "").label("changed_by"),
            own.c.changed_at,
        )
        .select_from(joined)
        .correlate_except(own, every)
    )


STATE = TypeSpec(
    "ContactDndState",
    {
        "channel": enum("channel", {c.value: c.name for c in DndChannel}),
        "enabled": flag("enabled"),
        "blocked": flag("blocked"),
        "changedAt": timestamp("changed_at"),
    },
    objects={"changedBy": user("changed_by")},
)
DND_TYPE = TypeSpec(
    "ContactDnd",
    {},
    records={
        "allChannels": RecordsSpec(
            STATE, _states, ("ord",), where=lambda c: c.channel == ALL, single=True
        ),
        "channels": RecordsSpec(STATE, _states, ("ord",), where=lambda c: c.channel != ALL),
    },
)
OBJECTS = {"dnd": ObjectSpec(DND_TYPE)}
"""`Contact`'s fields this module compiles."""
