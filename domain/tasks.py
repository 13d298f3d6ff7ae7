"""Tasks tab (help page: "Each task requires a title, due date, and an assigned user. Use the
filter and search controls at the top to organize tasks").

A task belongs to one contact; it has a title, an optional description, a due time (with a
zone) and the team member it is assigned to. It is open until completed; completing stores
when and by whom, reopening clears both. Completing a completed task (or reopening an open
one) changes nothing and records no event: the caller asked for a state the task is already
in, so a retried request is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from domain.contact import KEEP
from domain.errors import DomainError, ErrorCode, UserError
from domain.events import ContactEvent, EventKind, FieldChange, contact_event
from domain.ports import UnitOfWork, new_id
from domain.services import Services, retrying, visible_contact_id, visible_item
from domain.values import MAX_USER_ID, TimeRange, check_user_id
from domain.viewer import Viewer

MAX_TITLE_LENGTH = 255
"""A title is one line, like a subject."""
MAX_DESCRIPTION_LENGTH = 10_000
"""Not on the help page; a guard against unbounded rows."""
MAX_USER_ID_LENGTH = MAX_USER_ID
"""Team member ids are at most this long everywhere (owner, followers, authors)."""


class TaskStatus(StrEnum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"


class TaskSortField(StrEnum):
    DUE_AT = "DUE_AT"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


@dataclass(frozen=True)
class TaskFilter:
    """Which of a contact's tasks to list; every member given must hold.

    ``statuses``: in one of them; ``assignee_ids``: assigned to one of them (an empty tuple
    matches nothing, for either). ``due``: due in that range. ``search``: case-insensitive
    text that the title or the description contains. Hashable: it is part of a loader key.
    """

    statuses: tuple[TaskStatus, ...] | None = None
    assignee_ids: tuple[str, ...] | None = None
    due: TimeRange | None = None
    search: str | None = None


@dataclass(frozen=True)
class TaskPatch:
    """An edit: members left as ``KEEP`` stay as they are. ``None`` clears the description;
    for the required members (title, due time, assignee) it is a REQUIRED user error."""

    title: str | None = KEEP
    description: str | None = KEEP
    due_at: datetime | None = KEEP
    assignee_id: str | None = KEEP


def _required(what: str, path: str) -> UserError:
    return UserError(ErrorCode.REQUIRED, f"a task requires {what}", (path,))


def _check_title(value: str | None, errors: list[UserError]) -> str:
    text = (value or "").strip()
    if not text:
        errors.append(_required("a title", "title"))
    elif len(text) > MAX_TITLE_LENGTH:
        errors.append(
            UserError(
                ErrorCode.TOO_LONG,
                f"a task title has at most {MAX_TITLE_LENGTH} characters",
                ("title",),
            )
        )
    return text


def _check_description(value: str | None, errors: list[UserError]) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_DESCRIPTION_LENGTH:
        errors.append(
            UserError(
                ErrorCode.TOO_LONG,
                f"a task description has at most {MAX_DESCRIPTION_LENGTH} characters",
                ("description",),
            )
        )
    return text or None


def _check_due_at(value: datetime | None, errors: list[UserError]) -> datetime:
    if value is None:
        errors.append(_required("a due date", "dueAt"))
        return datetime.min.replace(tzinfo=UTC)
    if value.tzinfo is None or value.utcoffset() is None:
        errors.append(
            UserError(
                ErrorCode.INVALID_VALUE,
                "a due date needs a time zone, e.g. 2026-05-01T09:00:00Z",
                ("dueAt",),
            )
        )
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _check_assignee(value: str | None, errors: list[UserError]) -> str:
    user_id = (value or "").strip()
    if not user_id:
        errors.append(_required("an assigned user", "assigneeId"))
    else:
        try:
            check_user_id(user_id, "assigneeId")
        except DomainError as exc:
            errors.extend(exc.errors)
    return user_id


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass
class Task:
    location_id: str
    contact_id: str
    title: str
    description: str | None
    due_at: datetime
    assignee_id: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    completed_by: str | None = None
    id: str = field(default_factory=new_id)
    version: int = 0
    """Bumped by every save; a save of a stale copy is a ConcurrencyConflict."""

    @property
    def status(self) -> TaskStatus:
        return TaskStatus.OPEN if self.completed_at is None else TaskStatus.COMPLETED

    def is_overdue(self, now: datetime) -> bool:
        """Open and due before ``now``."""
        return self.completed_at is None and self.due_at < now

    @classmethod
    def new(
        cls,
        viewer: Viewer,
        contact_id: str,
        now: datetime,
        *,
        title: str | None,
        description: str | None,
        due_at: datetime | None,
        assignee_id: str | None,
    ) -> Task:
        """A new open task; every broken rule is reported at once."""
        errors: list[UserError] = []
        task = cls(
            location_id=viewer.location_id,
            contact_id=contact_id,
            title=_check_title(title, errors),
            description=_check_description(description, errors),
            due_at=_check_due_at(due_at, errors),
            assignee_id=_check_assignee(assignee_id, errors),
            created_by=viewer.user_id,
            created_at=now,
            updated_at=now,
        )
        if errors:
            raise DomainError(errors)
        return task

    def edit(self, patch: TaskPatch, now: datetime) -> FieldChange | None:
        """Apply the members ``patch`` gives; ``None`` when nothing actually changed."""
        errors: list[UserError] = []
        wanted: dict[str, Any] = {}
        if patch.title is not KEEP:
            wanted["title"] = _check_title(patch.title, errors)
        if patch.description is not KEEP:
            wanted["description"] = _check_description(patch.description, errors)
        if patch.due_at is not KEEP:
            wanted["due_at"] = _check_due_at(patch.due_at, errors)
        if patch.assignee_id is not KEEP:
            wanted["assignee_id"] = _check_assignee(patch.assignee_id, errors)
        if errors:
            raise DomainError(errors)
        changed = {k: v for k, v in wanted.items() if getattr(self, k) != v}
        if not changed:
            return None
        before = {"id": self.id} | {_API[k]: _json(getattr(self, k)) for k in changed}
        for name, value in changed.items():
            setattr(self, name, value)
        self.updated_at = now
        after = {"id": self.id} | {_API[k]: _json(v) for k, v in changed.items()}
        return FieldChange("tasks", before, after)

    def complete(self, user_id: str, now: datetime) -> FieldChange | None:
        """Mark done by ``user_id``; ``None`` (no change) when it already is."""
        if self.completed_at is not None:
            return None
        before = self._status_summary()
        self.completed_at, self.completed_by, self.updated_at = now, user_id, now
        return FieldChange("tasks", before, self._status_summary())

    def reopen(self, now: datetime) -> FieldChange | None:
        """Open again, forgetting who completed it; ``None`` when it is open."""
        if self.completed_at is None:
            return None
        before = self._status_summary()
        self.completed_at, self.completed_by, self.updated_at = None, None, now
        return FieldChange("tasks", before, self._status_summary())

    def _status_summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status.value,
            "completedAt": _iso(self.completed_at),
            "completedBy": self.completed_by,
        }

    def summary(self) -> dict[str, Any]:
        """What the TASK_ADDED / TASK_DELETED events carry."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "dueAt": _iso(self.due_at),
            "assigneeId": self.assignee_id,
            "status": self.status.value,
        }


_API = {
    "title": "title",
    "description": "description",
    "due_at": "dueAt",
    "assignee_id": "assigneeId",
}
"""Attribute -> API field name, as events name fields."""


def _json(value: Any) -> Any:
    return _iso(value) if isinstance(value, datetime) else value


def _event(
    kind: EventKind, task: Task, viewer: Viewer, at: datetime, change: FieldChange
) -> ContactEvent:
    return contact_event(kind, task.contact_id, viewer, at, (change,))


def _missing() -> DomainError:
    return DomainError.single(ErrorCode.NOT_FOUND, "no task with this id", "taskId")


async def _visible_task(viewer: Viewer, uow: UnitOfWork, task_id: str) -> Task:
    """A task of a contact the viewer may see (row-locked where the database can); any
    other id -- another location's, a hidden contact's -- is simply "not found"."""
    item = await uow.tasks.get(viewer.location_id, task_id)
    return await visible_item(uow, viewer, item, _missing)


async def add_task(
    svc: Services,
    viewer: Viewer,
    contact_id: str,
    *,
    title: str | None,
    description: str | None,
    due_at: datetime | None,
    assignee_id: str | None,
) -> Task:
    async with svc.uow() as uow:
        await visible_contact_id(uow, viewer, contact_id)
        now = svc.clock.now()
        task = Task.new(
            viewer,
            contact_id,
            now,
            title=title,
            description=description,
            due_at=due_at,
            assignee_id=assignee_id,
        )
        await uow.tasks.add(task)
        uow.record(
            _event(
                EventKind.TASK_ADDED, task, viewer, now, FieldChange("tasks", None, task.summary())
            )
        )
        await uow.commit()
        return task


async def _change_task(
    svc: Services,
    viewer: Viewer,
    task_id: str,
    kind: EventKind,
    change: Callable[[Task, datetime], FieldChange | None],
) -> Task:
    """Load, change, save under the version check, record ``kind``, commit; run again on a
    concurrent write. A change that alters nothing saves nothing and records no event."""

    async def run() -> Task:
        async with svc.uow() as uow:
            task = await _visible_task(viewer, uow, task_id)
            now = svc.clock.now()
            field_change = change(task, now)
            if field_change is not None:
                await uow.tasks.save(task)
                uow.record(_event(kind, task, viewer, now, field_change))
                await uow.commit()
            return task

    result: Task = await retrying(run)
    return result


async def edit_task(svc: Services, viewer: Viewer, task_id: str, patch: TaskPatch) -> Task:
    return await _change_task(
        svc, viewer, task_id, EventKind.TASK_UPDATED, lambda t, now: t.edit(patch, now)
    )


async def complete_task(svc: Services, viewer: Viewer, task_id: str) -> Task:
    return await _change_task(
        svc,
        viewer,
        task_id,
        EventKind.TASK_COMPLETED,
        lambda t, now: t.complete(viewer.user_id, now),
    )


async def reopen_task(svc: Services, viewer: Viewer, task_id: str) -> Task:
    return await _change_task(
        svc, viewer, task_id, EventKind.TASK_REOPENED, lambda t, now: t.reopen(now)
    )


async def delete_task(svc: Services, viewer: Viewer, task_id: str) -> Task:
    async def run() -> Task:
        async with svc.uow() as uow:
            task = await _visible_task(viewer, uow, task_id)
            await uow.tasks.delete(task)
            uow.record(
                _event(
                    EventKind.TASK_DELETED,
                    task,
                    viewer,
                    svc.clock.now(),
                    FieldChange("tasks", task.summary(), None),
                )
            )
            await uow.commit()
            return task

    result: Task = await retrying(run)
    return result
