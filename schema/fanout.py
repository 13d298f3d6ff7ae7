"""Live fan-out: a subscription event's selection executed once per (document, variables,
viewer scope), its result and its serialised payload shared by every subscriber of that key.

Each subscriber keeps its own source stream (``resolvers/activity.stream``: replay after its
cursor, gaps, the visibility re-check, its own end), so ordering and resumption are what
they were; only the execution of the selection for one event is shared. graphql-core maps
each event through a per-event copy of the subscription's executor; :class:`SharedEvents`
looks the (key, event) up in :data:`LIVE` before executing. The event is matched by
identity: the broker hands one decoded event object to every local subscriber, and an event
replayed from the database or redacted for a restricted viewer is a new object, so it is
executed for its subscriber alone. Entries hold their event and operation, so an
identity never outlives what it names; a full registry only costs a re-execution.

The viewer scope is what every read's visibility reads (``persistence/queries.visible_to``,
``Viewer.can_see``, ``domain/visibility.redact`` through ``as_seen``): the location, the
assigned-only flag and, for an assigned-only viewer, the user; the role is kept too, so
nothing role-dependent can ever be shared across roles. Two viewers with the same scope
see the same contacts, hence the same payload.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import orjson
from graphql import ExecutionResult, OperationDefinitionNode
from graphql.execution import Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from domain.viewer import Viewer
from schema.guards import QuietExecutionContext

ENTRIES = 1024
"""Events kept per process: far more than the distinct (key, event) pairs being delivered
at once; an evicted one is executed again, never answered wrongly."""

Scope = tuple[str, str, bool, str | None]
T = TypeVar("T")
R = TypeVar("R")


def viewer_scope(viewer: Viewer) -> Scope:
    """What decides which contacts a viewer sees (module docstring)."""
    user = viewer.user_id if viewer.assigned_only else None
    return (viewer.location_id, viewer.role.value, viewer.assigned_only, user)


@dataclass
class Shared:
    """One event's execution for one key, and the ``next`` payload it serialises to."""

    key: tuple[Hashable, ...]
    event: object
    operation: OperationDefinitionNode
    result: ExecutionResult | asyncio.Task[ExecutionResult]
    payload: str | None = None
    """The data, serialised by the first subscriber sent it."""
    data: object = None
    """The settled result's data, whose identity names this entry in ``by_data``."""

    def payload_json(self, data: object, extensions: dict[str, Any] | None) -> str | None:
        """``{"data": ..., "extensions": ...}`` as orjson writes it, the data serialised
        once; None unless ``data`` is this execution's own and it has no errors."""
        result = self.result
        if isinstance(result, asyncio.Task):
            if not result.done() or result.cancelled() or result.exception() is not None:
                return None
            result = result.result()
        if result.data is not data or result.errors:
            return None
        if self.payload is None:
            self.payload = orjson.dumps(data).decode()
        if not extensions:
            return f'{{"data":{self.payload}}}'
        return f'{{"data":{self.payload},"extensions":{orjson.dumps(extensions).decode()}}}'


class LiveEvents:
    """The per-process registry of shared executions; ``executions`` counts real ones."""

    def __init__(self, size: int = ENTRIES) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[Hashable, ...], Shared] = OrderedDict()
        self.by_data: dict[int, Shared] = {}
        self.items: OrderedDict[int, tuple[object, Any]] = OrderedDict()
        self.executions = 0

    def item(self, event: T, build: Callable[[T], R]) -> R:
        """``build(event)``, once per event object: the subscription resolver's payload,
        the same object for every subscriber handed this event, so their executions share
        it (the key matches payloads by identity)."""
        held = self.items.get(id(event))
        if held is not None and held[0] is event:
            return cast(R, held[1])
        made = build(event)
        self.items[id(event)] = (event, made)
        while len(self.items) > self.size:
            self.items.popitem(last=False)
        return made

    def lookup(self, key: tuple[Hashable, ...], event: object) -> Shared | None:
        entry = self.entries.get(key)
        return entry if entry is not None and entry.event is event else None

    def add(self, entry: Shared) -> None:
        self.executions += 1
        key = entry.key
        old = self.entries.pop(key, None)
        if old is not None:
            self._forget(old)
        self.entries[key] = entry
        while len(self.entries) > self.size:
            _, evicted = self.entries.popitem(last=False)
            self._forget(evicted)

    def settled(self, entry: Shared, result: ExecutionResult) -> None:
        """The execution finished: its data can name the entry (see :meth:`payload`)."""
        if self.entries.get(entry.key) is entry and result.data is not None:
            entry.data = result.data
            self.by_data[id(result.data)] = entry

    def payload(self, data: object, extensions: dict[str, Any] | None) -> str | None:
        """The serialised ``next`` payload of a shared execution whose data this is (the
        extensions, a subscriber's own, serialised for it)."""
        entry = self.by_data.get(id(data))
        return entry.payload_json(data, extensions) if entry is not None else None

    def _forget(self, entry: Shared) -> None:
        if entry.data is not None and self.by_data.get(id(entry.data)) is entry:
            del self.by_data[id(entry.data)]


LIVE = LiveEvents()


def _variables_key(executor: Executor[Any]) -> str | None:
    try:
        return orjson.dumps(executor.variable_values.coerced, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # a value orjson cannot write: not shared
        return None


class SharedEvents(StrawberryGraphQLCoreExecutionContext):
    """Executes a subscription event once per key (module docstring)."""

    _fanout_key: tuple[Hashable, ...] | None = None
    _fanout_event: bool = False

    def build_per_event_executor(self, payload: Any) -> Executor[Any]:
        if not self._fanout_event and self._fanout_key is None:
            self._fanout_key = self._subscription_key()
        executor = super().build_per_event_executor(payload)
        cast(SharedEvents, executor)._fanout_event = True
        return executor

    def _subscription_key(self) -> tuple[Hashable, ...] | None:
        viewer = getattr(self.context_value, "credentials", None)
        variables = _variables_key(self)
        if viewer is None or variables is None:
            return None
        return (id(self.operation), variables, viewer_scope(viewer.viewer))

    def execute_operation(self, serially: bool | None = None) -> Any:
        key = self._fanout_key
        if not self._fanout_event or key is None:
            return super().execute_operation(serially)
        event = self.root_value
        full_key = (*key, id(event))
        entry = LIVE.lookup(full_key, event)
        if entry is not None and entry.operation is self.operation:
            return _result_of(entry)
        result = super().execute_operation(serially)
        operation = self.operation
        if self.is_awaitable(result):
            task = asyncio.ensure_future(cast(Awaitable[ExecutionResult], result))
            shared = Shared(full_key, event, operation, task)
            LIVE.add(shared)
            task.add_done_callback(lambda t: _settle(shared, t))
            return _result_of(shared)
        done = cast(ExecutionResult, result)
        entry = Shared(full_key, event, operation, done)
        LIVE.add(entry)
        LIVE.settled(entry, done)
        return done


def _settle(entry: Shared, task: asyncio.Task[ExecutionResult]) -> None:
    if not task.cancelled() and task.exception() is None:
        LIVE.settled(entry, task.result())


def _result_of(entry: Shared) -> ExecutionResult | Awaitable[ExecutionResult]:
    result = entry.result
    if isinstance(result, asyncio.Task):
        if result.done():
            return result.result()
        return asyncio.shield(result)  # a subscriber that leaves cancels only its wait
    return result


class FanOutExecutionContext(SharedEvents):
    """Shared subscription events, graphql-core's usual variable errors."""


class QuietFanOutExecutionContext(SharedEvents, QuietExecutionContext):
    """Shared subscription events, variable errors without suggestions."""
