"""Tasks tab: a page of a contact's tasks, and task writes."""

from __future__ import annotations

from datetime import datetime

from domain import tasks as t
from persistence.tab_pages import PageRequest
from persistence.tasks import task_from_row
from resolvers.common import Info, Outcome, run_write, tab_page


async def page(
    info: Info, contact_id: str, request: PageRequest
) -> tuple[list[t.Task], list[str], bool]:
    return await tab_page(info.context.loaders.tasks, contact_id, request, task_from_row)


async def count(info: Info, contact_id: str, task_filter: t.TaskFilter) -> int:
    return await info.context.loaders.tasks_count.load((contact_id, task_filter))


def now(info: Info) -> datetime:
    """The service clock (what `isOverdue` compares with)."""
    return info.context.svc.clock.now()


async def add(
    info: Info,
    contact_id: str,
    *,
    title: str | None,
    description: str | None,
    due_at: datetime | None,
    assignee_id: str | None,
) -> Outcome[t.Task]:
    ctx = info.context
    return await run_write(
        info,
        t.add_task(
            ctx.svc,
            ctx.viewer,
            contact_id,
            title=title,
            description=description,
            due_at=due_at,
            assignee_id=assignee_id,
        ),
    )


async def update(info: Info, task_id: str, patch: t.TaskPatch) -> Outcome[t.Task]:
    ctx = info.context
    return await run_write(info, t.edit_task(ctx.svc, ctx.viewer, task_id, patch))


async def complete(info: Info, task_id: str) -> Outcome[t.Task]:
    ctx = info.context
    return await run_write(info, t.complete_task(ctx.svc, ctx.viewer, task_id))


async def reopen(info: Info, task_id: str) -> Outcome[t.Task]:
    ctx = info.context
    return await run_write(info, t.reopen_task(ctx.svc, ctx.viewer, task_id))


async def delete(info: Info, task_id: str) -> Outcome[t.Task]:
    ctx = info.context
    return await run_write(info, t.delete_task(ctx.svc, ctx.viewer, task_id))
