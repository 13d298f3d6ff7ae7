"""Custom field definitions: the location's list, and admin-only changes."""

from __future__ import annotations

from domain import services as s
from domain.commands import NewCustomField
from domain.custom_fields import CustomFieldDefinition
from persistence.repositories import SqlCustomFieldRepository
from resolvers.common import Info, Outcome, run_write


async def definitions(info: Info) -> list[CustomFieldDefinition]:
    async with info.context.engine.connect() as conn:
        return await SqlCustomFieldRepository(conn).list(info.context.viewer.location_id)


async def create(info: Info, command: NewCustomField) -> Outcome[CustomFieldDefinition]:
    ctx = info.context
    return await run_write(info, s.create_custom_field(ctx.svc, ctx.viewer, command))


async def update(
    info: Info, field_id: str, name: str | None, options: list[str] | None
) -> Outcome[CustomFieldDefinition]:
    ctx = info.context
    return await run_write(
        info, s.update_custom_field(ctx.svc, ctx.viewer, field_id, name, options)
    )


async def delete(info: Info, field_id: str) -> Outcome[CustomFieldDefinition]:
    ctx = info.context
    return await run_write(info, s.delete_custom_field(ctx.svc, ctx.viewer, field_id))
