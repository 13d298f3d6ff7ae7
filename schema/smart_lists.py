"""Smart lists: saved contact views (`smartLists`, `smartList`), their contacts, create /
update / delete, and `Contact.navigation` -- the header's previous / next arrows."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry.scalars import JSON

from domain import contact_query as q
from domain import smart_lists as s
from resolvers import contact as rc
from resolvers import smart_lists as r
from resolvers.common import Info, Outcome, given, page_request
from schema.common import (
    AfterArg,
    Connection,
    FirstArg,
    InputArg,
    SortDirection,
    UserError,
    distinct,
)
from schema.contact_filters import ContactFilter, ContactOrderBy
from schema.enums import ContactSortField, graphql_enum
from schema.user import User

if TYPE_CHECKING:
    from schema.contact import Contact
    from schema.query import ContactConnection


# -- the saved filter, shown in the shape of the `ContactFilter` input ------------------------


def _clean(members: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in members.items() if v is not None}


def _json(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def _text(m: q.TextMatch | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return _clean({"equals": m.equals, "contains": m.contains, "startsWith": m.starts_with})


def _range(t: q.TimeRange | None) -> dict[str, Any] | None:
    return None if t is None else _clean({"from": _json(t.after), "to": _json(t.before)})


def _list(values: tuple[Any, ...] | None) -> list[Any] | None:
    return None if values is None else [getattr(v, "value", v) for v in values]


def _custom(m: q.CustomFieldMatch) -> dict[str, Any]:
    return _clean(
        {
            "key": m.key,
            "exists": m.is_set,
            "text": _text(m.text),
            "min": m.number_min,
            "max": m.number_max,
            "dateFrom": _json(m.date_from),
            "dateTo": _json(m.date_to),
            "checked": m.checked,
            "option": m.option,
        }
    )


def filter_to_input(f: q.ContactFilter) -> dict[str, Any]:
    """The inverse of ``ContactFilter.to_domain``: the filter as a client would write it,
    so `SmartList.filter` can be passed back to `contacts(filter:)` or `smartListUpdate`."""
    tags = _clean({"any": _list(f.tags_any), "all": _list(f.tags_all), "none": _list(f.tags_none)})
    owner = _clean({"in": _list(f.owner_ids), "exists": f.has_owner})
    dnd = None if f.dnd is None else {"channel": f.dnd.channel.value, "enabled": f.dnd.enabled}
    return _clean(
        {
            "and": [filter_to_input(x) for x in f.all_of] or None,
            "or": [filter_to_input(x) for x in f.any_of] or None,
            "not": None if f.not_ is None else filter_to_input(f.not_),
            "name": _text(f.name),
            "email": _text(f.email),
            "phone": _text(f.phone),
            "tags": tags or None,
            "owner": owner or None,
            "followerIds": _list(f.follower_ids),
            "dnd": dnd,
            "types": _list(f.types),
            "createdAt": _range(f.created),
            "updatedAt": _range(f.updated),
            "customFields": [_custom(m) for m in f.custom_fields] or None,
            "archived": f.archived,
            "search": f.search,
        }
    )


# -- types --------------------------------------------------------------------------------------


@strawberry.type(description="How a smart list sorts its contacts; ties are broken by id.")
class SmartListOrder:
    field: ContactSortField = strawberry.field(description="What it sorts by.")
    direction: SortDirection = strawberry.field(description="Which way.")


@strawberry.type(
    description="A saved view of the location's contacts: a name, a contacts filter and a "
    "sort. Its contacts are evaluated on every read, with the reader's visibility. Every team "
    "member of the location sees every list; its creator and admins may change it."
)
class SmartList:
    id: strawberry.ID = strawberry.field(description="The list's id.")
    name: str = strawberry.field(description="Its name, unique in the location (any case).")
    filter: JSON | None = strawberry.field(
        description="The saved filter, in the shape of the `ContactFilter` input (pass it "
        "back to `contacts(filter:)` as is); null lists every active contact."
    )
    order_by: SmartListOrder = strawberry.field(description="The saved sort.")
    created_by: User | None = strawberry.field(description="Who created it.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it was last changed.")
    viewer_can_edit: bool = strawberry.field(
        description="Whether the viewer may rename, re-filter or delete it (its creator or "
        "an admin)."
    )
    _domain: strawberry.Private[s.SmartList]

    @classmethod
    def from_domain(cls, info: Info, sl: s.SmartList) -> SmartList:
        return cls(
            id=strawberry.ID(sl.id),
            name=sl.name,
            filter=None if sl.filter is None else JSON(filter_to_input(sl.filter)),
            order_by=SmartListOrder(
                field=sl.order.field,
                direction=SortDirection.DESC if sl.order.descending else SortDirection.ASC,
            ),
            created_by=User(id=strawberry.ID(sl.created_by)) if sl.created_by else None,
            created_at=sl.created_at,
            updated_at=sl.updated_at,
            viewer_can_edit=sl.may_be_changed_by(info.context.viewer),
            _domain=sl,
        )

    @strawberry.field(
        description="The list's contacts the viewer may see, in the list's order, as a "
        "cursor connection (exactly `contacts` with the saved filter and sort). Batched: "
        "the pages of every list asked in one request cost one statement, their counts one "
        "more."
    )
    async def contacts(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactFilter | None,
            strawberry.argument(
                description="Narrows the list: only its contacts this filter also selects "
                "(as `contacts(filter:)` takes it); the saved filter alone if omitted."
            ),
        ] = None,
        order_by: Annotated[
            ContactOrderBy | None,
            strawberry.argument(description="Sort; the list's saved sort if omitted."),
        ] = None,
    ) -> Annotated[ContactConnection, strawberry.lazy(".query")]:
        from schema.contact import Contact
        from schema.query import ContactConnection

        nodes, cursors, has_next, count = await r.contacts(
            info,
            self._domain,
            first,
            after,
            filter.to_domain() if filter else None,
            order_by.to_domain() if order_by else None,
        )
        conn = ContactConnection.build(
            [Contact.from_domain(n) for n in nodes], cursors, has_next, after, count
        )
        return conn  # type: ignore[return-value]


@strawberry.type(description="A page of the location's smart lists.")
class SmartListConnection(Connection[SmartList]):
    pass


graphql_enum(
    s.SmartListSortField,
    "What the location's smart lists sort by; ties are broken by id.",
    {
        s.SmartListSortField.NAME: "The list's name (case-insensitive).",
        s.SmartListSortField.CREATED_AT: "When it was created.",
        s.SmartListSortField.UPDATED_AT: "When it was last changed.",
    },
    name="SmartListSortField",
)


@strawberry.input(description="Which smart lists to list. Every member given must hold.")
class SmartListFilter:
    search: str | None = strawberry.field(
        default=None, description="Only lists whose name contains this (case-insensitive)."
    )
    created_by_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Only lists created by one of these team members (e.g. the viewer's "
        "own); an empty list matches none.",
    )

    def to_domain(self) -> s.SmartListFilter:
        return s.SmartListFilter(
            search=(self.search or "").strip() or None,
            created_by_ids=distinct(self.created_by_ids),
        )


@strawberry.input(description="How to sort smart lists; default by name, A to Z.")
class SmartListOrderBy:
    field: s.SmartListSortField = strawberry.field(
        default=s.SmartListSortField.NAME, description="Name (default), creation or last change."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.ASC, description="Which way; default ascending."
    )


@strawberry.type(
    description="Where a contact sits in a smart list, as the viewer sees the list: the "
    "header's previous / next arrows."
)
class ContactNavigation:
    position: int = strawberry.field(description="The contact's place in the list, from 1.")
    total: int = strawberry.field(description="How many contacts the list holds.")
    _previous: strawberry.Private[str | None]
    _next: strawberry.Private[str | None]

    @strawberry.field(description="The contact before this one; null on the first.")
    async def previous(self, info: Info) -> Annotated[Contact, strawberry.lazy(".contact")] | None:
        return await _contact(info, self._previous)

    @strawberry.field(description="The contact after this one; null on the last.")
    async def next(self, info: Info) -> Annotated[Contact, strawberry.lazy(".contact")] | None:
        return await _contact(info, self._next)


async def _contact(info: Info, contact_id: str | None) -> Contact | None:
    from schema.contact import Contact

    if contact_id is None:
        return None
    found = await rc.contact(info, contact_id)
    return Contact.from_domain(found) if found else None


@strawberry.type
class ContactNavigationFields:
    """`Contact.navigation`; mixed into Contact (schema/contact.py)."""

    id: strawberry.ID

    @strawberry.field(
        description="The contacts before and after this one in a smart list's order (its "
        "sort, then id), its position and the list's size -- all as the viewer sees the "
        "list (a user restricted to assigned contacts steps only through those). Null when "
        "the contact is not in the list, or no such list exists in the location. Batched: "
        "any number of contacts of one list cost the same few statements."
    )
    async def navigation(
        self,
        info: Info,
        smart_list_id: Annotated[
            strawberry.ID, strawberry.argument(description="The smart list being browsed.")
        ],
    ) -> ContactNavigation | None:
        found = await r.navigation(info, str(self.id), str(smart_list_id))
        if found is None:
            return None
        return ContactNavigation(
            position=found.position,
            total=found.total,
            _previous=found.previous,
            _next=found.next,
        )


# -- queries ------------------------------------------------------------------------------------


@strawberry.type
class SmartListsQuery:
    @strawberry.field(
        description="The location's smart lists, as a cursor connection; default by name "
        "(case-insensitive)."
    )
    async def smart_lists(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            SmartListFilter | None,
            strawberry.argument(description="Which lists; all of the location's if omitted."),
        ] = None,
        order_by: Annotated[
            SmartListOrderBy | None,
            strawberry.argument(description="Sort; default by name, A to Z."),
        ] = None,
    ) -> SmartListConnection:
        order = order_by or SmartListOrderBy()
        list_filter = (filter or SmartListFilter()).to_domain()
        request = page_request(first, after, order.field, order.direction == SortDirection.DESC)
        lists, cursors, has_next, count = await r.lists(info, request, list_filter)
        conn = SmartListConnection.build(
            [SmartList.from_domain(info, x) for x in lists], cursors, has_next, after, count
        )
        return conn  # type: ignore[return-value]

    @strawberry.field(
        description="One smart list by id; null when it does not exist in the location."
    )
    async def smart_list(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The list's id.")],
    ) -> SmartList | None:
        found = await r.smart_list(info, str(id))
        return SmartList.from_domain(info, found) if found else None


# -- mutations ----------------------------------------------------------------------------------


@strawberry.input(description="Save a new smart list; any team member of the location may.")
class SmartListCreateInput:
    name: str = strawberry.field(
        description="Its name: not empty, at most 100 characters, unique in the location "
        "(any case)."
    )
    filter: ContactFilter | None = strawberry.field(
        default=None, description="Which contacts, as for `contacts`; omitted: all of them."
    )
    order_by: ContactOrderBy | None = strawberry.field(
        default=None, description="Their order, as for `contacts`; default newest first."
    )


@strawberry.input(
    description="Change a smart list (its creator or an admin): omitted members stay; a "
    "null filter lists every contact, a null orderBy restores newest first."
)
class SmartListUpdateInput:
    id: strawberry.ID = strawberry.field(description="The list.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new name (not null when given)."
    )
    filter: ContactFilter | None = strawberry.field(
        default=strawberry.UNSET, description="A new filter; null for none."
    )
    order_by: ContactOrderBy | None = strawberry.field(
        default=strawberry.UNSET, description="A new sort; null for the default."
    )


@strawberry.input(description="Delete a smart list (its creator or an admin).")
class SmartListDeleteInput:
    id: strawberry.ID = strawberry.field(description="The list.")


@strawberry.interface(description="What every smart list mutation returns.")
class SmartListMutationPayload:
    smart_list: SmartList | None = strawberry.field(
        description="The list after the change (as it was, for a delete); null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success. A payload with errors "
        "changed nothing."
    )

    @classmethod
    def from_outcome(cls, info: Info, outcome: Outcome[s.SmartList]) -> Self:
        return cls(
            smart_list=SmartList.from_domain(info, outcome.value) if outcome.value else None,
            user_errors=UserError.all_of(outcome.errors),
        )


@strawberry.type(description="Result of smartListCreate.")
class SmartListCreatePayload(SmartListMutationPayload):
    pass


@strawberry.type(description="Result of smartListUpdate.")
class SmartListUpdatePayload(SmartListMutationPayload):
    pass


@strawberry.type(description="Result of smartListDelete.")
class SmartListDeletePayload(SmartListMutationPayload):
    pass


def _order(order_by: ContactOrderBy | None) -> q.ContactOrder:
    return order_by.to_domain() if order_by else q.ContactOrder()


@strawberry.type
class SmartListsMutation:
    @strawberry.mutation(
        description="Save a smart list. The name names it: the same name, filter and order "
        "again returns the existing list; the name (any case) with another filter or order "
        "is DUPLICATE."
    )
    async def smart_list_create(
        self, info: Info, input: InputArg[SmartListCreateInput]
    ) -> SmartListCreatePayload:
        outcome = await r.create(
            info,
            input.name,
            input.filter.to_domain() if input.filter else None,
            _order(input.order_by),
        )
        return SmartListCreatePayload.from_outcome(info, outcome)

    @strawberry.mutation(
        description="Rename, re-filter or re-sort a smart list; only its creator or an "
        "admin may (FORBIDDEN otherwise)."
    )
    async def smart_list_update(
        self, info: Info, input: InputArg[SmartListUpdateInput]
    ) -> SmartListUpdatePayload:
        changes: dict[str, Any] = {}
        if given(input.name):
            changes["name"] = input.name if input.name is not None else ""
        if given(input.filter):
            changes["contact_filter"] = input.filter.to_domain() if input.filter else None
        if given(input.order_by):
            changes["order"] = _order(input.order_by)
        outcome = await r.update(info, str(input.id), **changes)
        return SmartListUpdatePayload.from_outcome(info, outcome)

    @strawberry.mutation(
        description="Delete a smart list; only its creator or an admin may (FORBIDDEN "
        "otherwise). Its contacts are not touched. NOT_FOUND once it is gone."
    )
    async def smart_list_delete(
        self, info: Info, input: InputArg[SmartListDeleteInput]
    ) -> SmartListDeletePayload:
        return SmartListDeletePayload.from_outcome(info, await r.delete(info, str(input.id)))
