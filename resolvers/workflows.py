"""Workflows (Actions panel): a page of a contact's enrolments, and enrol / stop / complete."""

from __future__ import annotations

from domain import workflows as w
from persistence.tab_pages import PageRequest
from persistence.workflows import enrollment_from_row
from resolvers.common import Info, Outcome, run_write, tab_page


async def page(
    info: Info, contact_id: str, request: PageRequest
) -> tuple[list[w.WorkflowEnrollment], list[str], bool]:
    return await tab_page(info.context.loaders.workflows, contact_id, request, enrollment_from_row)


async def count(info: Info, contact_id: str, workflow_filter: w.WorkflowFilter) -> int:
    return await info.context.loaders.workflows_count.load((contact_id, workflow_filter))


async def enroll(
    info: Info, contact_id: str, workflow_id: str, workflow_name: str
) -> Outcome[w.WorkflowEnrollment]:
    ctx = info.context
    return await run_write(
        info, w.enroll(ctx.svc, ctx.viewer, contact_id, workflow_id, workflow_name)
    )


async def end(
    info: Info, contact_id: str, workflow_id: str, reason: w.WorkflowEndReason
) -> Outcome[w.WorkflowEnrollment]:
    ctx = info.context
    return await run_write(info, w.end(ctx.svc, ctx.viewer, contact_id, workflow_id, reason))
