"""Tasks: repository for writes, filter for reads, row mapping."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, delete, false, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import ConcurrencyConflict
from domain.tasks import Task, TaskFilter, TaskStatus
from persistence.filters import contains_text, in_range
from persistence.mappers import RowLike
from persistence.tables import TASK


def task_row(t: Task) -> dict[str, Any]:
    return {
        "id": t.id,
        "location_id": t.location_id,
        "contact_id": t.contact_id,
        "title": t.title,
        "description": t.description,
        "due_at": t.due_at,
        "assignee_id": t.assignee_id,
        "created_by": t.created_by,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "completed_at": t.completed_at,
        "completed_by": t.completed_by,
        "version": t.version,
    }


def task_from_row(r: RowLike) -> Task:
    return Task(
        id=r["id"],
        location_id=r["location_id"],
        contact_id=r["contact_id"],
        title=r["title"],
        description=r["description"],
        due_at=r["due_at"],
        assignee_id=r["assignee_id"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        completed_at=r["completed_at"],
        completed_by=r["completed_by"],
        version=r["version"],
    )


def task_filter(f: TaskFilter | None) -> ColumnElement[bool]:
    """The WHERE clause of a filter (the contact and the page are added by tab_pages)."""
    if f is None:
        return true()
    t = TASK.c
    parts: list[ColumnElement[bool]] = []
    if f.statuses is not None:
        # a status is not stored: open tasks are those without a completion time
        states = {
            TaskStatus.OPEN: t.completed_at.is_(None),
            TaskStatus.COMPLETED: t.completed_at.is_not(None),
        }
        parts.append(or_(false(), *(states[s] for s in TaskStatus if s in f.statuses)))
    if f.assignee_ids is not None:
        parts.append(t.assignee_id.in_(f.assignee_ids) if f.assignee_ids else false())
    parts.append(in_range(t.due_at, f.due))
    parts.append(contains_text(f.search, t.title, t.description))
    return and_(true(), *parts)


class SqlTaskRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, location_id: str, task_id: str) -> Task | None:
        """Row-locked until the transaction ends on PostgreSQL (SQLite has no row locks and
        relies on the version check alone)."""
        stmt = (
            select(TASK)
            .where(TASK.c.location_id == location_id, TASK.c.id == task_id)
            .with_for_update()
        )
        row = (await self.conn.execute(stmt)).mappings().first()
        return None if row is None else task_from_row(row)

    async def add(self, task: Task) -> None:
        await self.conn.execute(insert(TASK).values(task_row(task)))

    async def save(self, task: Task) -> None:
        row = task_row(task)
        row["version"] = task.version + 1
        result = await self.conn.execute(
            update(TASK).where(TASK.c.id == task.id, TASK.c.version == task.version).values(row)
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict(task.id)
        task.version += 1

    async def delete(self, task: Task) -> None:
        result = await self.conn.execute(
            delete(TASK).where(TASK.c.id == task.id, TASK.c.version == task.version)
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict(task.id)
