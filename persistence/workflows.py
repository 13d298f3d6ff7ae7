"""Workflow enrolments: repository for writes, state filter for reads, row mapping."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.workflows import (
    WorkflowEndReason,
    WorkflowEnrollment,
    WorkflowFilter,
    WorkflowSortField,
    WorkflowState,
)
from persistence.inserts import insert_new
from persistence.mappers import RowLike
from persistence.tab_pages import Keyset
from persistence.tables import WORKFLOW

W = WORKFLOW.c


def enrollment_row(e: WorkflowEnrollment) -> dict[str, Any]:
    return {
        "id": e.id,
        "location_id": e.location_id,
        "contact_id": e.contact_id,
        "workflow_id": e.workflow_id,
        "workflow_name": e.workflow_name,
        "enrolled_at": e.enrolled_at,
        "enrolled_by": e.enrolled_by,
        "ended_at": e.ended_at,
        "ended_by": e.ended_by,
        "end_reason": e.end_reason.value if e.end_reason else None,
    }


def enrollment_from_row(r: RowLike) -> WorkflowEnrollment:
    return WorkflowEnrollment(
        id=r["id"],
        location_id=r["location_id"],
        contact_id=r["contact_id"],
        workflow_id=r["workflow_id"],
        workflow_name=r["workflow_name"],
        enrolled_at=r["enrolled_at"],
        enrolled_by=r["enrolled_by"],
        ended_at=r["ended_at"],
        ended_by=r["ended_by"],
        end_reason=WorkflowEndReason(r["end_reason"]) if r["end_reason"] else None,
    )


_STATES = {WorkflowState.ACTIVE: W.ended_at.is_(None), WorkflowState.PAST: W.ended_at.is_not(None)}
"""ACTIVE: still running; PAST: completed or stopped."""


def workflow_filter(f: WorkflowFilter | None) -> ColumnElement[bool]:
    if f is None or f.states is None:
        return true()
    return or_(false(), *(_STATES[s] for s in set(f.states)))


WORKFLOW_KEYSET = Keyset(
    {
        # never null: an enrolment's end, or while it runs its start
        WorkflowSortField.CHANGED_AT: func.coalesce(W.ended_at, W.enrolled_at),
        WorkflowSortField.ENROLLED_AT: W.enrolled_at,
    }
)


class SqlWorkflowRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def active(
        self, location_id: str, contact_id: str, workflow_id: str
    ) -> WorkflowEnrollment | None:
        stmt = select(WORKFLOW).where(
            W.location_id == location_id,
            W.contact_id == contact_id,
            W.workflow_id == workflow_id,
            W.ended_at.is_(None),
        )
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else enrollment_from_row(row)

    async def last_ended(
        self, location_id: str, contact_id: str, workflow_id: str
    ) -> WorkflowEnrollment | None:
        stmt = (
            select(WORKFLOW)
            .where(
                W.location_id == location_id,
                W.contact_id == contact_id,
                W.workflow_id == workflow_id,
                W.ended_at.is_not(None),
            )
            .order_by(W.ended_at.desc(), W.id.desc())
            .limit(1)
        )
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else enrollment_from_row(row)

    async def add(self, enrollment: WorkflowEnrollment) -> bool:
        # the partial unique index (contact, workflow) where ended_at is null decides
        return await insert_new(self.conn, WORKFLOW, enrollment_row(enrollment))

    async def end(self, enrollment: WorkflowEnrollment) -> bool:
        row = enrollment_row(enrollment)
        stmt = (
            update(WORKFLOW)
            .where(W.id == enrollment.id, W.ended_at.is_(None))
            .values(
                ended_at=row["ended_at"], ended_by=row["ended_by"], end_reason=row["end_reason"]
            )
        )
        return bool((await self.conn.execute(stmt)).rowcount == 1)
