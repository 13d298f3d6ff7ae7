"""The workflows tab (Actions panel), compiled: `Contact.workflows` and its enrolments."""

from __future__ import annotations

from domain.workflows import WorkflowEndReason, WorkflowState
from persistence.compiled.shapes import (
    ListSpec,
    TypeSpec,
    enum_of,
    null_or_set,
    reference,
    text,
    timestamp,
    user,
)
from persistence.tables import WORKFLOW
from persistence.workflows import WORKFLOW_KEYSET, workflow_filter

NODE = TypeSpec(
    "ContactWorkflowEnrollment",
    {
        "id": text("id"),
        "contactId": text("contact_id"),
        "workflowName": text("workflow_name"),
        # not stored: active until it ends (as ``workflow_filter`` reads it)
        "state": null_or_set("ended_at", WorkflowState.ACTIVE, WorkflowState.PAST),
        "enrolledAt": timestamp("enrolled_at"),
        "endedAt": timestamp("ended_at"),
        "endReason": enum_of("end_reason", WorkflowEndReason),
    },
    objects={
        "workflow": reference("Workflow", "workflow_id"),
        "enrolledBy": user("enrolled_by"),
        "endedBy": user("ended_by"),
    },
)
LISTS = {"workflows": ListSpec(WORKFLOW, workflow_filter, NODE, keyset=WORKFLOW_KEYSET)}
"""`Contact`'s fields this tab compiles (the loaders' table, filter and keyset)."""
