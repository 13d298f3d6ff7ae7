"""Masked errors that say which request they belong to."""

from __future__ import annotations

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

MASKED_MESSAGE = "Unexpected error; it has been logged."


class MaskErrorsWithRequestId(MaskErrors):
    """Strawberry's ``MaskErrors``, the masked error carrying ``extensions.requestId``: the
    id of the log line that holds the real error, for a client to quote."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", None)
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"requestId": request_id} if request_id else None,
        )
