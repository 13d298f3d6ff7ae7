"""Inputs of the `contacts` list: a filter tree combinable with and/or/not, and a sort."""

from __future__ import annotations

from datetime import date

import strawberry

from domain import contact_query as q
from schema.common import DateTimeRange, SortDirection
from schema.enums import ContactSortField, ContactType, DndChannel


@strawberry.input(description="Sort order; ties are broken by id, so pages are stable.")
class ContactOrderBy:
    field: ContactSortField = strawberry.field(
        default=q.ContactSortField.CREATED_AT, description="What to sort by."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Which way."
    )

    def to_domain(self) -> q.ContactOrder:
        return q.ContactOrder(self.field, self.direction == SortDirection.DESC)


@strawberry.input(description="Case-insensitive text match; every member given must hold.")
class StringMatch:
    equals: str | None = strawberry.field(default=None, description="Whole value.")
    contains: str | None = strawberry.field(default=None, description="Anywhere in the value.")
    starts_with: str | None = strawberry.field(default=None, description="Prefix.")

    def to_domain(self) -> q.TextMatch:
        return q.TextMatch(self.equals, self.contains, self.starts_with)


@strawberry.input(description="Tags the contact has.")
class TagMatch:
    any: list[str] | None = strawberry.field(default=None, description="At least one of them.")
    all: list[str] | None = strawberry.field(default=None, description="Every one of them.")
    none: list[str] | None = strawberry.field(default=None, description="None of them.")


@strawberry.input(description="The contact's owner.")
class OwnerMatch:
    in_: list[strawberry.ID] | None = strawberry.field(
        default=None, name="in", description="Owned by one of them."
    )
    exists: bool | None = strawberry.field(
        default=None, description="Has (true) or lacks (false) an owner."
    )


@strawberry.input(description="Do-Not-Disturb state of one channel (its own setting).")
class DndMatch:
    channel: DndChannel = strawberry.field(description="The channel (ALL for all channels).")
    enabled: bool | None = strawberry.field(
        default=None,
        description="The channel's own DND switch is on (true) or off (false). With neither "
        "`enabled` nor `blocked` given, `enabled: true` is meant.",
    )
    blocked: bool | None = strawberry.field(
        default=None,
        description="The channel may not be used (true: it or ALL is on) or may (false) -- "
        "e.g. `{channel: SMS, blocked: false}` lists contacts one may text.",
    )

    def to_domain(self) -> q.DndMatch:
        enabled = True if self.enabled is None and self.blocked is None else self.enabled
        return q.DndMatch(self.channel, enabled, self.blocked)


@strawberry.input(
    description="A condition on a custom field's value; members match the field's type."
)
class CustomFieldMatch:
    key: str = strawberry.field(description="The field's key.")
    exists: bool | None = strawberry.field(default=None, description="Has a value or not.")
    text: StringMatch | None = strawberry.field(default=None, description="Text fields.")
    min: float | None = strawberry.field(default=None, description="Number at least.")
    max: float | None = strawberry.field(default=None, description="Number at most.")
    date_from: date | None = strawberry.field(default=None, description="Date on or after.")
    date_to: date | None = strawberry.field(default=None, description="Date on or before.")
    checked: bool | None = strawberry.field(default=None, description="Checkbox state.")
    option: str | None = strawberry.field(
        default=None, description="Chosen option (single or multiple)."
    )

    def to_domain(self) -> q.CustomFieldMatch:
        return q.CustomFieldMatch(
            key=self.key,
            is_set=self.exists,
            text=self.text.to_domain() if self.text else None,
            number_min=self.min,
            number_max=self.max,
            date_from=self.date_from,
            date_to=self.date_to,
            checked=self.checked,
            option=self.option,
        )


@strawberry.input(
    description="Which contacts to list. Every member given must hold; combine "
    "whole filters with and, or and not."
)
class ContactFilter:
    and_: list[ContactFilter] | None = strawberry.field(
        default=None, name="and", description="All of these."
    )
    or_: list[ContactFilter] | None = strawberry.field(
        default=None, name="or", description="Any of these."
    )
    not_: ContactFilter | None = strawberry.field(default=None, name="not", description="Not this.")
    name: StringMatch | None = strawberry.field(default=None, description="Full name.")
    email: StringMatch | None = strawberry.field(default=None, description="Any address.")
    phone: StringMatch | None = strawberry.field(
        default=None, description="Any number, by digits (formatting ignored)."
    )
    tags: TagMatch | None = strawberry.field(default=None, description="Tags.")
    owner: OwnerMatch | None = strawberry.field(default=None, description="Owner.")
    follower_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Followed by one of these team members."
    )
    dnd: DndMatch | None = strawberry.field(default=None, description="Do-Not-Disturb.")
    types: list[ContactType] | None = strawberry.field(
        default=None,
        description="Lead or customer.",
    )
    created_at: DateTimeRange | None = strawberry.field(
        default=None, description="Created in this range (`from` inclusive, `to` exclusive)."
    )
    updated_at: DateTimeRange | None = strawberry.field(
        default=None, description="Last changed in this range (`from` inclusive, `to` exclusive)."
    )
    custom_fields: list[CustomFieldMatch] | None = strawberry.field(
        default=None, description="Custom field conditions (all must hold)."
    )
    archived: bool | None = strawberry.field(
        default=None,
        description="Only archived (true) or only active (false) contacts; active is the default.",
    )
    search: str | None = strawberry.field(
        default=None,
        description="Free text (case-insensitive) in the full name, business name or an "
        "email address, or (3 digits or more) in a phone number; blank matches every contact.",
    )

    def to_domain(self) -> q.ContactFilter:
        t = self.tags
        return q.ContactFilter(
            all_of=tuple(f.to_domain() for f in self.and_ or ()),
            any_of=tuple(f.to_domain() for f in self.or_ or ()),
            not_=self.not_.to_domain() if self.not_ else None,
            name=self.name.to_domain() if self.name else None,
            email=self.email.to_domain() if self.email else None,
            phone=self.phone.to_domain() if self.phone else None,
            tags_any=tuple(t.any) if t and t.any is not None else None,
            tags_all=tuple(t.all) if t and t.all is not None else None,
            tags_none=tuple(t.none) if t and t.none is not None else None,
            owner_ids=tuple(str(o) for o in self.owner.in_)
            if self.owner and self.owner.in_ is not None
            else None,
            has_owner=self.owner.exists if self.owner else None,
            follower_ids=tuple(str(f) for f in self.follower_ids)
            if self.follower_ids is not None
            else None,
            dnd=self.dnd.to_domain() if self.dnd else None,
            types=tuple(self.types) if self.types is not None else None,
            created=self.created_at.to_domain() if self.created_at else None,
            updated=self.updated_at.to_domain() if self.updated_at else None,
            custom_fields=tuple(m.to_domain() for m in self.custom_fields or ()),
            archived=self.archived,
            search=self.search,
        )
