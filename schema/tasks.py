"""Tasks tab: `Contact.tasks`, and add / update / complete / reopen / delete."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self, cast

import strawberry

from domain import tasks as t
from domain.contact import KEEP
from domain.events import ContactEvent, EventKind
from resolvers import tasks as r
from resolvers.common import Info, Outcome
from schema.activity import ActivityAction, ContactActivity, register_activity
from schema.audit import ContactFieldChange
from schema.common import (
    AfterArg,
    Connection,
    DateTimeRange,
    FirstArg,
    InputArg,
    SortDirection,
    UserError,
    tab_request,
    time_range,
)
from schema.enums import graphql_enum
from schema.user import User

UNSET: Any = strawberry.UNSET

graphql_enum(
    t.TaskStatus,
    "Whether a task is still to do (OPEN) or done (COMPLETED).",
    {
        t.TaskStatus.OPEN: "Still to do.",
        t.TaskStatus.COMPLETED: "Done.",
    },
    name="ContactTaskStatus",
)
graphql_enum(
    t.TaskSortField,
    "What a contact's tasks sort by.",
    {
        t.TaskSortField.DUE_AT: "When the task is due.",
        t.TaskSortField.CREATED_AT: "When the task was added.",
        t.TaskSortField.UPDATED_AT: "When the task last changed.",
    },
    name="ContactTaskSortField",
)


@strawberry.type(
    description="A task on a contact: what to do (title, description), by when (due time) "
    "and by whom (the assigned team member); open until completed."
)
class ContactTask:
    id: strawberry.ID = strawberry.field(description="The task's id.")
    contact_id: strawberry.ID = strawberry.field(description="The contact it is about.")
    title: str = strawberry.field(description=f"What to do; 1 to {t.MAX_TITLE_LENGTH} characters.")
    description: str | None = strawberry.field(
        description=f"Details; at most {t.MAX_DESCRIPTION_LENGTH} characters."
    )
    due_at: datetime = strawberry.field(description="When it is due (UTC).")
    assignee: User = strawberry.field(description="The team member who is to do it.")
    status: t.TaskStatus = strawberry.field(description="Open or completed.")
    completed_at: datetime | None = strawberry.field(
        description="When it was completed; null while open."
    )
    completed_by: User | None = strawberry.field(description="Who completed it; null while open.")
    created_by: User | None = strawberry.field(description="Who created it.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(
        description="When it last changed (edited, completed or reopened)."
    )

    @strawberry.field(
        description="Open and due before now. To list overdue tasks, filter by "
        "`statuses: [OPEN]` and `dueAt: { to: <now> }`."
    )
    def is_overdue(self, info: Info) -> bool:
        return self.completed_at is None and self.due_at < r.now(info)

    @classmethod
    def from_domain(cls, task: t.Task) -> ContactTask:
        return cls(
            id=strawberry.ID(task.id),
            contact_id=strawberry.ID(task.contact_id),
            title=task.title,
            description=task.description,
            due_at=task.due_at,
            assignee=User(id=strawberry.ID(task.assignee_id)),
            status=task.status,
            completed_at=task.completed_at,
            completed_by=User(id=strawberry.ID(task.completed_by)) if task.completed_by else None,
            created_by=User(id=strawberry.ID(task.created_by)) if task.created_by else None,
            created_at=task.created_at,
            updated_at=task.updated_at,
        )


_TASK_ACTIONS = {
    EventKind.TASK_ADDED: ActivityAction.ADDED,
    EventKind.TASK_UPDATED: ActivityAction.UPDATED,
    EventKind.TASK_COMPLETED: ActivityAction.COMPLETED,
    EventKind.TASK_REOPENED: ActivityAction.REOPENED,
    EventKind.TASK_DELETED: ActivityAction.DELETED,
}


@strawberry.type(description="A task was added, changed, completed, reopened or deleted.")
class ContactTaskActivity(ContactActivity):
    action: ActivityAction = strawberry.field(description="What happened to it.")
    task_id: strawberry.ID = strawberry.field(description="The task.")
    title: str | None = strawberry.field(
        description="Its title, when the event records it (always for add and delete)."
    )
    changes: list[ContactFieldChange] = strawberry.field(
        description="The task's fields before and after (JSON summaries)."
    )


def _task_activity(e: ContactEvent, base: dict[str, Any]) -> ContactTaskActivity:
    change = e.changes[0]
    after, before = change.after or {}, change.before or {}
    return ContactTaskActivity(
        **base,
        action=_TASK_ACTIONS[e.kind],
        task_id=strawberry.ID(str(after.get("id") or before.get("id"))),
        title=after.get("title") or before.get("title"),
        changes=ContactFieldChange.all_of(e),
    )


register_activity(_TASK_ACTIONS, ContactTaskActivity, _task_activity)


@strawberry.type(description="A page of a contact's tasks.")
class ContactTaskConnection(Connection[ContactTask]):
    pass


@strawberry.input(description="Which tasks to list. Every member given must hold.")
class ContactTaskFilter:
    statuses: list[t.TaskStatus] | None = strawberry.field(
        default=None,
        description="Only tasks in one of these statuses (e.g. [OPEN]); an empty list matches "
        "no task; every status when omitted.",
    )
    assignee_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Assigned to one of these team members; an empty list matches no task.",
    )
    due_at: DateTimeRange | None = strawberry.field(
        default=None,
        description="Due in this range: `from` inclusive, `to` exclusive; both need a time zone.",
    )
    search: str | None = strawberry.field(
        default=None,
        description="Only tasks whose title or description contains this (case-insensitive; "
        "% and _ match themselves); blank matches every task.",
    )

    def to_domain(self) -> t.TaskFilter:
        assignees, statuses = self.assignee_ids, self.statuses
        return t.TaskFilter(
            statuses=None if statuses is None else tuple(dict.fromkeys(statuses)),
            assignee_ids=None if assignees is None else tuple(sorted({str(a) for a in assignees})),
            due=time_range(self.due_at, "filter.dueAt"),
            search=self.search,
        )


@strawberry.input(description="How to sort tasks; default soonest due first.")
class ContactTaskOrderBy:
    field: t.TaskSortField = strawberry.field(
        default=t.TaskSortField.DUE_AT, description="Due time, creation or last change."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.ASC, description="Which way; ties are broken by id."
    )


tasks_request = tab_request(ContactTaskOrderBy, ContactTaskFilter)


@strawberry.type
class ContactTasksFields:
    """`Contact.tasks`; mixed into Contact (schema/contact.py)."""

    id: strawberry.ID

    @strawberry.field(description="The contact's tasks, as a cursor connection.")
    async def tasks(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactTaskFilter | None,
            strawberry.argument(
                description="Statuses, assignees, due time, text; all tasks if omitted."
            ),
        ] = None,
        order_by: Annotated[
            ContactTaskOrderBy | None,
            strawberry.argument(description="Sort; default soonest due first."),
        ] = None,
    ) -> ContactTaskConnection:
        request = tasks_request(first, after, filter, order_by)
        tasks, cursors, has_next = await r.page(info, str(self.id), request)
        contact_id = str(self.id)

        async def count() -> int:
            return await r.count(info, contact_id, cast(t.TaskFilter, request.filter))

        conn = ContactTaskConnection.build(
            [ContactTask.from_domain(x) for x in tasks], cursors, has_next, after, count
        )
        return conn  # type: ignore[return-value]


@strawberry.input(
    description="A new task (contactChange's `tasksAdd` items). Title, due time and assignee "
    "are required: a missing, null or blank one is refused with REQUIRED (all such errors at "
    "once)."
)
class ContactTaskInput:
    title: str | None = strawberry.field(
        default=None,
        description=f"Required; trimmed; 1 to {t.MAX_TITLE_LENGTH} characters.",
    )
    description: str | None = strawberry.field(
        default=None,
        description=f"Optional details; trimmed, blank means none; at most "
        f"{t.MAX_DESCRIPTION_LENGTH} characters.",
    )
    due_at: datetime | None = strawberry.field(
        default=None,
        description="Required; with a time zone (e.g. 2026-05-01T09:00:00-04:00); may be "
        "in the past.",
    )
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None,
        description=f"Required: the team member to do it (user id, at most "
        f"{t.MAX_USER_ID_LENGTH} characters).",
    )


@strawberry.input(
    description="Add a task to a contact. Title, due time and assignee are required: a "
    "missing, null or blank one is refused with REQUIRED (all such errors at once)."
)
class ContactTaskAddInput(ContactTaskInput):
    contact_id: strawberry.ID = strawberry.field(description="The contact.")


@strawberry.input(
    description="Edit a task (open or completed). Omitted fields stay as they are; null "
    "clears the description, and is refused with REQUIRED for title, dueAt and assigneeId."
)
class ContactTaskUpdateInput:
    task_id: strawberry.ID = strawberry.field(description="The task.")
    title: str | None = strawberry.field(
        default=UNSET, description=f"New title; 1 to {t.MAX_TITLE_LENGTH} characters."
    )
    description: str | None = strawberry.field(
        default=UNSET,
        description=f"New details; null or blank clears; at most "
        f"{t.MAX_DESCRIPTION_LENGTH} characters.",
    )
    due_at: datetime | None = strawberry.field(
        default=UNSET, description="New due time, with a time zone."
    )
    assignee_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The team member to do it instead."
    )

    def to_domain(self) -> t.TaskPatch:
        def keep(value: Any) -> Any:
            return KEEP if value is UNSET else value

        return t.TaskPatch(
            title=keep(self.title),
            description=keep(self.description),
            due_at=keep(self.due_at),
            assignee_id=KEEP if self.assignee_id is UNSET else _str(self.assignee_id),
        )


def _str(value: strawberry.ID | None) -> str | None:
    return None if value is None else str(value)


@strawberry.input(description="Mark a task completed.")
class ContactTaskCompleteInput:
    task_id: strawberry.ID = strawberry.field(description="The task.")


@strawberry.input(description="Open a completed task again.")
class ContactTaskReopenInput:
    task_id: strawberry.ID = strawberry.field(description="The task.")


@strawberry.input(description="Delete a task.")
class ContactTaskDeleteInput:
    task_id: strawberry.ID = strawberry.field(description="The task.")


@strawberry.interface(description="What every task mutation returns.")
class ContactTaskMutationPayload:
    task: ContactTask | None = strawberry.field(
        description="The task after the change (as it was, for a delete); null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[t.Task]) -> Self:
        return cls(
            task=ContactTask.from_domain(outcome.value) if outcome.value else None,
            user_errors=UserError.all_of(outcome.errors),
        )


@strawberry.type(description="Result of contactTaskAdd.")
class ContactTaskAddPayload(ContactTaskMutationPayload):
    pass


@strawberry.type(description="Result of contactTaskUpdate.")
class ContactTaskUpdatePayload(ContactTaskMutationPayload):
    pass


@strawberry.type(description="Result of contactTaskComplete.")
class ContactTaskCompletePayload(ContactTaskMutationPayload):
    pass


@strawberry.type(description="Result of contactTaskReopen.")
class ContactTaskReopenPayload(ContactTaskMutationPayload):
    pass


@strawberry.type(description="Result of contactTaskDelete.")
class ContactTaskDeletePayload(ContactTaskMutationPayload):
    pass


@strawberry.type
class TasksMutation:
    @strawberry.mutation(
        description="Add an open task to a contact (records TASK_ADDED on the contact); every "
        "call adds one."
    )
    async def contact_task_add(
        self, info: Info, input: InputArg[ContactTaskAddInput]
    ) -> ContactTaskAddPayload:
        return ContactTaskAddPayload.from_outcome(
            await r.add(
                info,
                str(input.contact_id),
                title=input.title,
                description=input.description,
                due_at=input.due_at,
                assignee_id=_str(input.assignee_id),
            )
        )

    @strawberry.mutation(
        description="Edit a task's title, description, due time or assignee (records "
        "TASK_UPDATED with the changed fields; an edit that changes nothing records nothing)."
    )
    async def contact_task_update(
        self, info: Info, input: InputArg[ContactTaskUpdateInput]
    ) -> ContactTaskUpdatePayload:
        return ContactTaskUpdatePayload.from_outcome(
            await r.update(info, str(input.task_id), input.to_domain())
        )

    @strawberry.mutation(
        description="Complete a task: stores when and by whom (records TASK_COMPLETED). "
        "Completing a completed task is a no-op: it returns the task unchanged, keeps the "
        "first completion and records no event."
    )
    async def contact_task_complete(
        self, info: Info, input: InputArg[ContactTaskCompleteInput]
    ) -> ContactTaskCompletePayload:
        return ContactTaskCompletePayload.from_outcome(await r.complete(info, str(input.task_id)))

    @strawberry.mutation(
        description="Reopen a completed task: clears completedAt and completedBy (records "
        "TASK_REOPENED). Reopening an open task is a no-op and records no event."
    )
    async def contact_task_reopen(
        self, info: Info, input: InputArg[ContactTaskReopenInput]
    ) -> ContactTaskReopenPayload:
        return ContactTaskReopenPayload.from_outcome(await r.reopen(info, str(input.task_id)))

    @strawberry.mutation(
        description="Delete a task (records TASK_DELETED); NOT_FOUND once it is gone (a "
        "retried delete: done)."
    )
    async def contact_task_delete(
        self, info: Info, input: InputArg[ContactTaskDeleteInput]
    ) -> ContactTaskDeletePayload:
        return ContactTaskDeletePayload.from_outcome(await r.delete(info, str(input.task_id)))
