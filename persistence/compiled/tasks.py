"""The tasks tab, compiled: `Contact.tasks` and its nodes' fields (not `isOverdue`, which
reads the service clock)."""

from __future__ import annotations

from sqlalchemy import case

from domain.tasks import TaskStatus
from persistence.compiled.json_text import JsonText, constant
from persistence.compiled.shapes import SQL, Columns, ListSpec, TypeSpec, text, timestamp, user
from persistence.tables import TASK
from persistence.tasks import task_filter


def _status(c: Columns, j: JsonText) -> SQL:
    """Not stored: open while there is no completion time (as ``task_filter`` reads it)."""
    return case(
        (c.completed_at.is_(None), constant(f'"{TaskStatus.OPEN.name}"')),
        else_=constant(f'"{TaskStatus.COMPLETED.name}"'),
    )


NODE = TypeSpec(
    "ContactTask",
    {
        "id": text("id"),
        "contactId": text("contact_id"),
        "title": text("title"),
        "description": text("description"),
        "dueAt": timestamp("due_at"),
        "status": _status,
        "completedAt": timestamp("completed_at"),
        "createdAt": timestamp("created_at"),
        "updatedAt": timestamp("updated_at"),
    },
    objects={
        "assignee": user("assignee_id"),
        "completedBy": user("completed_by"),
        "createdBy": user("created_by"),
    },
)
LISTS = {"tasks": ListSpec(TASK, task_filter, NODE)}
"""`Contact`'s fields this tab compiles (the loaders' table and filter)."""
