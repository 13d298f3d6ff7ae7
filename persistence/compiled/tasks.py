"""The tasks tab, compiled: `Contact.tasks` and its nodes' fields (not `isOverdue`, which
reads the service clock)."""

from __future__ import annotations

from domain.tasks import TaskStatus
from persistence.compiled.shapes import ListSpec, TypeSpec, null_or_set, text, timestamp, user
from persistence.tables import TASK
from persistence.tasks import task_filter

NODE = TypeSpec(
    "ContactTask",
    {
        "id": text("id"),
        "contactId": text("contact_id"),
        "title": text("title"),
        "description": text("description"),
        "dueAt": timestamp("due_at"),
        # not stored: open while there is no completion time (as ``task_filter`` reads it)
        "status": null_or_set("completed_at", TaskStatus.OPEN, TaskStatus.COMPLETED),
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
