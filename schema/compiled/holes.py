"""Filling holes: the contacts a compiled answer holds, where they are, and their rows
for the executor's resolvers (docs/compiled-reads.md, "Holes")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from graphql import GraphQLField, GraphQLObjectType, get_named_type
from graphql.pyutils import Path

from domain.contact import Contact as DomainContact
from persistence import queries
from persistence.compiled.shapes import Edges, Member, Node
from persistence.mappers import contact_from_rows
from schema.compiled.plans import Root

if TYPE_CHECKING:
    from server.context import Context


async def sources(context: Context, ids: list[str]) -> list[DomainContact] | None:
    """The contacts whose holes are filled, by their own ids (the statement's rows: a merged
    contact listed with ``archived`` is itself, not its survivor), primed into the contact
    loader as the ``contacts`` resolver primes its page; None if one went away meanwhile."""
    if not ids:  # only executed root fields
        return []
    visible = queries.visible_to(context.viewer)
    async with context.engine.connect() as conn:
        rows = await queries.contact_rows(conn, list(dict.fromkeys(ids)), visible)
    if len(rows) != len(set(ids)):
        return None
    found = {cid: contact_from_rows(row) for cid, row in rows.items()}
    for cid, contact in found.items():
        context.loaders.contact.prime(cid, contact)
    return [found[cid] for cid in ids]


async def ready(value: Any) -> Any:
    return value


def contacts_in(
    root: Root, value: Any, root_type: GraphQLObjectType
) -> Iterator[tuple[dict[str, Any], tuple[Member, ...], Path]]:
    """The contacts of a root field's parsed answer, each with its members and its path
    (as the executor builds it, so errors in holes say where they are)."""
    path = Path(None, root.key, root_type.name)
    if value is None:
        return
    if root.name == "contact":
        yield value, root.members, path
    elif root.name == "_entities":
        for i, item in enumerate(value):
            if item is not None:
                yield item, root.members, path.add_key(i)
    else:  # contacts: its edges' nodes
        connection = cast(GraphQLObjectType, get_named_type(cast(GraphQLField, root.field).type))
        edge = cast(GraphQLObjectType, get_named_type(connection.fields["edges"].type))
        for m in root.members:
            if isinstance(m, Edges):
                for i, item in enumerate(value[m.key]):
                    at = path.add_key(m.key, connection.name).add_key(i)
                    for part in m.members:
                        if isinstance(part, Node):
                            yield item[part.key], part.members, at.add_key(part.key, edge.name)
