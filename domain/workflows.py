"""Workflows in the Actions panel (help page: "Active -- shows all running automations the
contact is enrolled in; use this tab to add the contact to a new automation"; "Past -- shows
all completed or stopped automations").

A workflow belongs to another system (the automation builder); this subgraph keeps the
contact's *enrolments*: which workflow (its id, and its name as it was when enrolled), when
the contact was enrolled and by whom, and -- once it is over -- when and how it ended. A
contact is actively enrolled in a workflow at most once; after it ended it may be enrolled
again, which starts a new enrolment. Enrolling a contact that is running the workflow, or
stopping (completing) one whose enrolment already stopped (completed), changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.errors import ConcurrencyConflict, DomainError, ErrorCode
from domain.events import ContactEvent, EventKind, FieldChange, contact_event
from domain.ports import new_id
from domain.services import Services, retrying, visible_contact_id
from domain.viewer import Viewer

MAX_REF_ID_LENGTH = 64
"""Ids of other systems' objects (workflows, offers, groups); a guard, not a help-page rule."""
MAX_REF_NAME_LENGTH = 255


class WorkflowState(StrEnum):
    ACTIVE = "ACTIVE"
    PAST = "PAST"


class WorkflowEndReason(StrEnum):
    COMPLETED = "COMPLETED"
    STOPPED = "STOPPED"


class WorkflowSortField(StrEnum):
    CHANGED_AT = "CHANGED_AT"
    """The enrolment's latest change: its end once it ended, else its enrolment. Newest
    first, this is the panel's order: ACTIVE by enrolment, PAST by end."""
    ENROLLED_AT = "ENROLLED_AT"


@dataclass(frozen=True)
class WorkflowFilter:
    """``states``: only enrolments in one of these states (``None``: every enrolment)."""

    states: tuple[WorkflowState, ...] | None = None


def check_ref(value: str, what: str, path: str) -> str:
    """An outside object's id: trimmed, not empty, bounded."""
    text = value.strip()
    if not text:
        raise DomainError.single(ErrorCode.REQUIRED, f"a {what} id is required", path)
    if len(text) > MAX_REF_ID_LENGTH:
        raise DomainError.single(
            ErrorCode.TOO_LONG, f"a {what} id has at most {MAX_REF_ID_LENGTH} characters", path
        )
    return text


def check_name(value: str, what: str, path: str) -> str:
    """An outside object's display name, kept here so lists need no other subgraph."""
    text = value.strip()
    if not text:
        raise DomainError.single(ErrorCode.REQUIRED, f"a {what} name is required", path)
    if len(text) > MAX_REF_NAME_LENGTH:
        raise DomainError.single(
            ErrorCode.TOO_LONG,
            f"a {what} name has at most {MAX_REF_NAME_LENGTH} characters",
            path,
        )
    return text


@dataclass
class WorkflowEnrollment:
    location_id: str
    contact_id: str
    workflow_id: str
    workflow_name: str
    enrolled_at: datetime
    enrolled_by: str | None
    ended_at: datetime | None = None
    ended_by: str | None = None
    end_reason: WorkflowEndReason | None = None
    id: str = field(default_factory=new_id)

    @property
    def state(self) -> WorkflowState:
        return WorkflowState.ACTIVE if self.ended_at is None else WorkflowState.PAST

    def end(self, reason: WorkflowEndReason, by: str | None, now: datetime) -> None:
        if self.ended_at is not None:  # the repository never hands out an ended one
            raise AssertionError("enrolment already ended")
        self.ended_at, self.ended_by, self.end_reason = now, by, reason

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "workflowId": self.workflow_id,
            "name": self.workflow_name,
            "status": self.end_reason.value if self.end_reason else WorkflowState.ACTIVE.value,
        }


def _event(
    kind: EventKind,
    e: WorkflowEnrollment,
    viewer: Viewer,
    at: datetime,
    before: dict[str, Any] | None,
) -> ContactEvent:
    return contact_event(
        kind, e.contact_id, viewer, at, (FieldChange("workflows", before, e.summary()),)
    )


async def enroll(
    svc: Services, viewer: Viewer, contact_id: str, workflow_id: str, workflow_name: str
) -> WorkflowEnrollment:
    """Add the contact to a workflow. Already running for this contact: the running
    enrolment is returned as it is (its name as enrolled), and nothing is recorded."""
    ref = check_ref(workflow_id, "workflow", "workflowId")
    name = check_name(workflow_name, "workflow", "workflowName")
    async with svc.uow() as uow:
        await visible_contact_id(uow, viewer, contact_id)
        running = await uow.workflows.active(viewer.location_id, contact_id, ref)
        if running is not None:
            return running
        now = svc.clock.now()
        enrollment = WorkflowEnrollment(
            location_id=viewer.location_id,
            contact_id=contact_id,
            workflow_id=ref,
            workflow_name=name,
            enrolled_at=now,
            enrolled_by=viewer.user_id,
        )
        if not await uow.workflows.add(enrollment):  # a concurrent enrolment won
            running = await uow.workflows.active(viewer.location_id, contact_id, ref)
            if running is None:  # pragma: no cover - it cannot end before it committed
                raise AssertionError("conflicting enrolment not found")
            return running
        uow.record(_event(EventKind.WORKFLOW_ENROLLED, enrollment, viewer, now, None))
        await uow.commit()
        return enrollment


def _not_enrolled() -> DomainError:
    return DomainError.single(
        ErrorCode.NOT_FOUND, "the contact was never enrolled in this workflow", "workflowId"
    )


async def end(
    svc: Services,
    viewer: Viewer,
    contact_id: str,
    workflow_id: str,
    reason: WorkflowEndReason,
) -> WorkflowEnrollment:
    """Stop (a user) or complete (the automation system) the contact's active enrolment.

    With none running, the latest enrolment decides: ended the same way, it is returned as
    it is (a retried stop or complete changes nothing); ended the other way, CONFLICT (a
    stopped enrolment cannot have completed, nor the reverse); never enrolled, NOT_FOUND.
    """
    ref = check_ref(workflow_id, "workflow", "workflowId")

    async def run() -> WorkflowEnrollment:
        async with svc.uow() as uow:
            await visible_contact_id(uow, viewer, contact_id)
            enrollment = await uow.workflows.active(viewer.location_id, contact_id, ref)
            if enrollment is None:
                ended = await uow.workflows.last_ended(viewer.location_id, contact_id, ref)
                if ended is None:
                    raise _not_enrolled()
                if ended.end_reason is not reason:
                    how = ended.end_reason.value.lower() if ended.end_reason else "ended"
                    raise DomainError.single(
                        ErrorCode.CONFLICT,
                        f"the contact's enrolment in this workflow has already {how}",
                        "workflowId",
                    )
                return ended
            before = enrollment.summary()
            now = svc.clock.now()
            enrollment.end(reason, viewer.user_id, now)
            if not await uow.workflows.end(enrollment):
                raise ConcurrencyConflict(enrollment.id)  # ended meanwhile: decide again
            kind = (
                EventKind.WORKFLOW_COMPLETED
                if reason is WorkflowEndReason.COMPLETED
                else EventKind.WORKFLOW_STOPPED
            )
            uow.record(_event(kind, enrollment, viewer, now, before))
            await uow.commit()
            return enrollment

    result: WorkflowEnrollment = await retrying(run)
    return result
