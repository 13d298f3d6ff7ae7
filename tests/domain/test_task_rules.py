"""Task rules without I/O: required members, limits, time zones, patches, complete/reopen."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.errors import DomainError, ErrorCode
from domain.tasks import (
    MAX_DESCRIPTION_LENGTH,
    MAX_TITLE_LENGTH,
    Task,
    TaskPatch,
    TaskStatus,
)
from domain.viewer import Viewer

NOW = datetime(2026, 3, 22, 12, 0, tzinfo=UTC)
DUE = NOW + timedelta(days=2)
VIEWER = Viewer("user-ann", "loc")


def new_task(**members: object) -> Task:
    values: dict[str, object] = {
        "title": "Call",
        "description": None,
        "due_at": DUE,
        "assignee_id": "user-bob",
    }
    values.update(members)
    return Task.new(VIEWER, "contact-1", NOW, **values)  # type: ignore[arg-type]


def errors(exc: pytest.ExceptionInfo[DomainError]) -> list[tuple[ErrorCode, tuple[str, ...]]]:
    return [(e.code, e.field) for e in exc.value.errors]


def test_a_new_task_is_open_trimmed_and_in_utc() -> None:
    paris = timezone(timedelta(hours=2))
    task = new_task(title="  Call  ", description="   ", due_at=DUE.astimezone(paris))
    assert (task.title, task.description, task.status) == ("Call", None, TaskStatus.OPEN)
    assert task.due_at == DUE
    assert task.due_at.tzinfo is UTC
    assert (task.created_by, task.created_at, task.updated_at) == ("user-ann", NOW, NOW)


def test_every_missing_member_is_reported_at_once() -> None:
    with pytest.raises(DomainError) as exc:
        new_task(title=" ", due_at=None, assignee_id="")
    assert errors(exc) == [
        (ErrorCode.REQUIRED, ("title",)),
        (ErrorCode.REQUIRED, ("dueAt",)),
        (ErrorCode.REQUIRED, ("assigneeId",)),
    ]


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ({"title": "x" * (MAX_TITLE_LENGTH + 1)}, (ErrorCode.TOO_LONG, ("title",))),
        (
            {"description": "x" * (MAX_DESCRIPTION_LENGTH + 1)},
            (ErrorCode.TOO_LONG, ("description",)),
        ),
        ({"assignee_id": "u" * 65}, (ErrorCode.TOO_LONG, ("assigneeId",))),
        ({"due_at": DUE.replace(tzinfo=None)}, (ErrorCode.INVALID_VALUE, ("dueAt",))),
    ],
)
def test_limits_and_time_zone(members: dict[str, object], expected: object) -> None:
    with pytest.raises(DomainError) as exc:
        new_task(**members)
    assert errors(exc) == [expected]


def test_a_patch_changes_only_what_it_gives_and_reports_the_difference() -> None:
    task = new_task(description="old")
    change = task.edit(TaskPatch(title="New", description=None), NOW + timedelta(hours=1))
    assert change is not None
    assert change.field == "tasks"
    assert change.before == {"id": task.id, "title": "Call", "description": "old"}
    assert change.after == {"id": task.id, "title": "New", "description": None}
    assert (task.due_at, task.assignee_id) == (DUE, "user-bob")
    assert task.updated_at == NOW + timedelta(hours=1)
    assert task.edit(TaskPatch(title=" New "), NOW + timedelta(hours=2)) is None
    assert task.updated_at == NOW + timedelta(hours=1)


def test_a_refused_patch_leaves_the_task_alone() -> None:
    task = new_task()
    before = copy.deepcopy(task)
    with pytest.raises(DomainError) as exc:
        task.edit(TaskPatch(title="fine", assignee_id=None), NOW)
    assert errors(exc) == [(ErrorCode.REQUIRED, ("assigneeId",))]
    assert task == before


def test_complete_and_reopen_are_idempotent() -> None:
    task = new_task()
    later = NOW + timedelta(hours=1)
    done = task.complete("user-cat", later)
    assert done is not None
    assert done.after["status"] == "COMPLETED"
    assert (task.status, task.completed_at, task.completed_by) == (
        TaskStatus.COMPLETED,
        later,
        "user-cat",
    )
    assert task.complete("user-dan", later + timedelta(hours=1)) is None
    assert (task.completed_at, task.completed_by) == (later, "user-cat")
    assert task.reopen(later + timedelta(hours=2)) is not None
    assert (task.status, task.completed_at, task.completed_by) == (TaskStatus.OPEN, None, None)
    assert task.reopen(later + timedelta(hours=3)) is None


def test_overdue_means_open_and_due_before_now() -> None:
    task = new_task()
    assert not task.is_overdue(DUE)
    assert task.is_overdue(DUE + timedelta(seconds=1))
    task.complete("user-cat", NOW)
    assert not task.is_overdue(DUE + timedelta(days=1))
