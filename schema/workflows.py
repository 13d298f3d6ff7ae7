"""Workflows (Actions panel): `Contact.workflows`, and enrol / stop / complete."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self, cast

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from domain import workflows as w
from domain.events import ContactEvent, EventKind
from resolvers import workflows as r
from resolvers.common import Info, Outcome
from schema.activity import ActivityAction, ContactActivity, register_activity
from schema.common import (
    AfterArg,
    Connection,
    FirstArg,
    InputArg,
    SortDirection,
    UserError,
    distinct,
    tab_request,
)
from schema.enums import graphql_enum
from schema.user import User

graphql_enum(
    w.WorkflowState,
    "Which of a contact's workflow enrolments: ACTIVE (running) or PAST (completed or stopped).",
    {
        w.WorkflowState.ACTIVE: "Still running.",
        w.WorkflowState.PAST: "Ended: completed or stopped.",
    },
    name="ContactWorkflowState",
)
graphql_enum(
    w.WorkflowEndReason,
    "How an enrolment ended: COMPLETED (the workflow finished) or STOPPED "
    "(someone took the contact out).",
    {
        w.WorkflowEndReason.COMPLETED: "The workflow finished for the contact.",
        w.WorkflowEndReason.STOPPED: "Someone took the contact out before the end.",
    },
    name="ContactWorkflowEndReason",
)
graphql_enum(
    w.WorkflowSortField,
    "What a contact's workflow enrolments sort by; ties are broken by id.",
    {
        w.WorkflowSortField.CHANGED_AT: "The enrolment's latest change: when it ended, or "
        "while it is active when it began. Newest first (the default) lists ACTIVE "
        "enrolments newest enrolment first and PAST ones most recently ended first.",
        w.WorkflowSortField.ENROLLED_AT: "When the contact was enrolled.",
    },
    name="ContactWorkflowSortField",
)


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("id"), resolvable=False)],
    description="An automation workflow (owned by the automation subgraph). This subgraph "
    "knows only the id; the gateway fetches the rest.",
)
class Workflow:
    id: strawberry.ID = strawberry.field(description="The workflow's id.")


_WORKFLOW_ACTIONS = {
    EventKind.WORKFLOW_ENROLLED: ActivityAction.ENROLLED,
    EventKind.WORKFLOW_STOPPED: ActivityAction.STOPPED,
    EventKind.WORKFLOW_COMPLETED: ActivityAction.COMPLETED,
}


@strawberry.type(
    description="The contact was enrolled in a workflow, or it was stopped or completed."
)
class ContactWorkflowActivity(ContactActivity):
    action: ActivityAction = strawberry.field(description="What happened to the enrolment.")
    workflow: Workflow = strawberry.field(description="The workflow.")
    workflow_name: str = strawberry.field(
        description="The workflow's name as given when the contact was enrolled."
    )


def _workflow_activity(e: ContactEvent, base: dict[str, Any]) -> ContactWorkflowActivity:
    """Workflow events carry the enrolment's {id, workflowId, name, status} after the
    change, and before it for a stop or completion (domain/workflows.py)."""
    change = e.changes[0]
    summary = change.after or change.before
    return ContactWorkflowActivity(
        **base,
        action=_WORKFLOW_ACTIONS[e.kind],
        workflow=Workflow(id=strawberry.ID(summary["workflowId"])),
        workflow_name=summary["name"],
    )


register_activity(_WORKFLOW_ACTIONS, ContactWorkflowActivity, _workflow_activity)


@strawberry.type(
    description="A contact's enrolment in a workflow: running (ACTIVE) until it is "
    "completed or stopped (PAST). A contact may be enrolled in a workflow again after an "
    "enrolment ended; each enrolment is its own entry."
)
class ContactWorkflowEnrollment:
    id: strawberry.ID = strawberry.field(description="The enrolment's id.")
    contact_id: strawberry.ID = strawberry.field(description="The enrolled contact.")
    workflow: Workflow = strawberry.field(description="The workflow.")
    workflow_name: str = strawberry.field(
        description="The workflow's name as given when the contact was enrolled."
    )
    state: w.WorkflowState = strawberry.field(description="ACTIVE or PAST.")
    enrolled_at: datetime = strawberry.field(description="When the contact was enrolled.")
    enrolled_by: User | None = strawberry.field(description="Who enrolled the contact.")
    ended_at: datetime | None = strawberry.field(
        description="When the enrolment ended; null while it is active."
    )
    ended_by: User | None = strawberry.field(
        description="Who stopped it, or the caller that reported it completed; null while active."
    )
    end_reason: w.WorkflowEndReason | None = strawberry.field(
        description="COMPLETED or STOPPED; null while active."
    )

    @classmethod
    def from_domain(cls, e: w.WorkflowEnrollment) -> ContactWorkflowEnrollment:
        return cls(
            id=strawberry.ID(e.id),
            contact_id=strawberry.ID(e.contact_id),
            workflow=Workflow(id=strawberry.ID(e.workflow_id)),
            workflow_name=e.workflow_name,
            state=e.state,
            enrolled_at=e.enrolled_at,
            enrolled_by=User(id=strawberry.ID(e.enrolled_by)) if e.enrolled_by else None,
            ended_at=e.ended_at,
            ended_by=User(id=strawberry.ID(e.ended_by)) if e.ended_by else None,
            end_reason=e.end_reason,
        )


@strawberry.type(description="A page of a contact's workflow enrolments.")
class ContactWorkflowEnrollmentConnection(Connection[ContactWorkflowEnrollment]):
    pass


@strawberry.input(description="Which workflow enrolments to list. Every member given must hold.")
class ContactWorkflowFilter:
    states: list[w.WorkflowState] | None = strawberry.field(
        default=None,
        description="Only enrolments in one of these states, e.g. [ACTIVE] for the running "
        "ones; every state when omitted; an empty list matches no enrolment.",
    )

    def to_domain(self) -> w.WorkflowFilter:
        return w.WorkflowFilter(distinct(self.states))


@strawberry.input(description="How to sort workflow enrolments; default latest change first.")
class ContactWorkflowOrderBy:
    field: w.WorkflowSortField = strawberry.field(
        default=w.WorkflowSortField.CHANGED_AT,
        description="Latest change (default) or enrolment time.",
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Which way; default newest first."
    )


workflows_request = tab_request(ContactWorkflowOrderBy, ContactWorkflowFilter, sort=str)


@strawberry.type
class ContactWorkflowsFields:
    """`Contact.workflows`; mixed into Contact (schema/contact.py)."""

    id: strawberry.ID

    @strawberry.field(
        description="The contact's workflow enrolments, as a cursor connection. The Actions "
        "panel's tabs are `filter: {states: [ACTIVE]}` and `filter: {states: [PAST]}`; the "
        "default order lists ACTIVE ones newest enrolment first and PAST ones most recently "
        "ended first."
    )
    async def workflows(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactWorkflowFilter | None,
            strawberry.argument(description="Which enrolments; all of them if omitted."),
        ] = None,
        order_by: Annotated[
            ContactWorkflowOrderBy | None,
            strawberry.argument(description="Sort; default latest change first."),
        ] = None,
    ) -> ContactWorkflowEnrollmentConnection:
        request = workflows_request(first, after, filter, order_by)
        contact_id = str(self.id)
        enrollments, cursors, has_next = await r.page(info, contact_id, request)

        async def count() -> int:
            return await r.count(info, contact_id, cast(w.WorkflowFilter, request.filter))

        conn = ContactWorkflowEnrollmentConnection.build(
            [ContactWorkflowEnrollment.from_domain(e) for e in enrollments],
            cursors,
            has_next,
            after,
            count,
        )
        return conn  # type: ignore[return-value]


@strawberry.input(description="Add a contact to a workflow.")
class ContactWorkflowEnrollInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    workflow_id: strawberry.ID = strawberry.field(
        description="The workflow's id in the automation system (at most 64 characters)."
    )
    workflow_name: str = strawberry.field(
        description="The workflow's name, kept with the enrolment for display (at most 255 "
        "characters)."
    )


@strawberry.input(description="Take a contact out of a workflow it is running.")
class ContactWorkflowStopInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    workflow_id: strawberry.ID = strawberry.field(description="The workflow's id.")


@strawberry.input(description="Report that a contact finished a workflow.")
class ContactWorkflowCompleteInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    workflow_id: strawberry.ID = strawberry.field(description="The workflow's id.")


@strawberry.interface(description="What every workflow enrolment mutation returns.")
class ContactWorkflowMutationPayload:
    enrollment: ContactWorkflowEnrollment | None = strawberry.field(
        description="The enrolment after the change; null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success. A payload with errors "
        "changed nothing."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[w.WorkflowEnrollment]) -> Self:
        return cls(
            enrollment=ContactWorkflowEnrollment.from_domain(outcome.value)
            if outcome.value
            else None,
            user_errors=UserError.all_of(outcome.errors),
        )


@strawberry.type(description="Result of contactWorkflowEnroll.")
class ContactWorkflowEnrollPayload(ContactWorkflowMutationPayload):
    pass


@strawberry.type(description="Result of contactWorkflowStop.")
class ContactWorkflowStopPayload(ContactWorkflowMutationPayload):
    pass


@strawberry.type(description="Result of contactWorkflowComplete.")
class ContactWorkflowCompletePayload(ContactWorkflowMutationPayload):
    pass


@strawberry.type
class WorkflowsMutation:
    @strawberry.mutation(
        description="Add a contact to a workflow. A contact already running it is no "
        "change: the running enrolment is returned as it is (with its name as enrolled). After "
        "an enrolment ended the contact may be enrolled again, which starts a new one."
    )
    async def contact_workflow_enroll(
        self, info: Info, input: InputArg[ContactWorkflowEnrollInput]
    ) -> ContactWorkflowEnrollPayload:
        return ContactWorkflowEnrollPayload.from_outcome(
            await r.enroll(info, str(input.contact_id), str(input.workflow_id), input.workflow_name)
        )

    @strawberry.mutation(
        description="Take a contact out of a workflow it is running: the enrolment moves to "
        "PAST as STOPPED. If its latest enrolment already stopped, that one is returned "
        "unchanged; CONFLICT if it completed; NOT_FOUND if it was never enrolled."
    )
    async def contact_workflow_stop(
        self, info: Info, input: InputArg[ContactWorkflowStopInput]
    ) -> ContactWorkflowStopPayload:
        return ContactWorkflowStopPayload.from_outcome(
            await r.end(
                info, str(input.contact_id), str(input.workflow_id), w.WorkflowEndReason.STOPPED
            )
        )

    @strawberry.mutation(
        description="Report that a contact finished a workflow (for the automation system): "
        "the enrolment moves to PAST as COMPLETED. If its latest enrolment already completed, "
        "that one is returned unchanged; CONFLICT if it was stopped; NOT_FOUND if it was "
        "never enrolled."
    )
    async def contact_workflow_complete(
        self, info: Info, input: InputArg[ContactWorkflowCompleteInput]
    ) -> ContactWorkflowCompletePayload:
        return ContactWorkflowCompletePayload.from_outcome(
            await r.end(
                info,
                str(input.contact_id),
                str(input.workflow_id),
                w.WorkflowEndReason.COMPLETED,
            )
        )
