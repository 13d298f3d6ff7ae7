"""Team members: owned by another subgraph, referenced here by id only."""

from __future__ import annotations

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("id"), resolvable=False)],
    description="A team member of the location (owned by the users subgraph). This subgraph "
    "knows only the id; the gateway fetches the rest.",
)
class User:
    id: strawberry.ID = strawberry.field(description="The team member's id.")
