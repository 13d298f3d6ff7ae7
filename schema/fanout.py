"""Live fan-out: a subscription event's selection executed once per (document, variables,
viewer scope), serialised once, and the same frame written to every subscriber of that key.

Each subscriber keeps its own source stream (``resolvers/activity.stream``: replay after its
cursor, gaps, the visibility re-check, its own end) in its own operation task, so ordering,
resumption and backpressure are what they were. What is shared is the work per event: the
subscription resolver hands each item to its operation's :class:`LiveSink`, which looks the
(key, item) up in :data:`LIVE`, executes the selection only when no subscriber of the key
has yet (graphql-core's per-event executor, :class:`SharedEvents`), and writes the shared
``next`` payload, with this operation's id spliced in, straight to the socket -- none of
graphql-core's mapping of the event, strawberry's per-result handling or per-message JSON
encoding is paid per subscriber. A result with errors is not written by the sink: the item
goes the usual way (strawberry masks and formats the errors; the execution is still shared).

The item is matched by identity: the broker hands one decoded event object to every local
subscriber and :meth:`LiveEvents.item` turns it into one item, while an event replayed from
the database or redacted for a restricted viewer is a new object, so it is executed for its
subscriber alone. Entries hold their item and operation, so an identity never outlives what
it names; a full registry only costs a re-execution.

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
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import orjson
from graphql import ExecutionResult, OperationDefinitionNode, OperationType
from graphql.execution import Executor
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext

from domain.viewer import Viewer
from schema.guards import QuietExecutionContext

ENTRIES = 1024
"""Events kept per process: far more than the distinct (key, event) pairs being delivered
at once; an evicted one is executed again, never answered wrongly."""

Scope = tuple[str, str, bool, str | None]
Key = tuple[Hashable, ...]
T = TypeVar("T")
R = TypeVar("R")


def viewer_scope(viewer: Viewer) -> Scope:
    """What decides which contacts a viewer sees (module docstring)."""
    user = viewer.user_id if viewer.assigned_only else None
    return (viewer.location_id, viewer.role.value, viewer.assigned_only, user)


@dataclass
class Shared:
    """One event's execution for one key, and the ``next`` payloads it serialises to."""

    key: Key
    event: object
    operation: OperationDefinitionNode
    result: ExecutionResult | asyncio.Task[ExecutionResult]
    payloads: dict[str | None, str] = field(default_factory=dict)
    """``{"data":...,"extensions":...}`` by the extensions' JSON (None: no extensions),
    each serialised once."""
    tails: dict[str | None, bytes] = field(default_factory=dict)
    """The same payloads encoded, with the frame's closing brace: the bytes after every
    subscriber's head, encoded once."""

    def payload(self, result: ExecutionResult, extensions: str | None) -> str:
        """As strawberry's ``send_json`` writes it: the data, then the extensions."""
        found = self.payloads.get(extensions)
        if found is None:
            data = orjson.dumps(result.data).decode()
            found = self.payloads[extensions] = (
                f'{{"data":{data}}}'
                if extensions is None
                else f'{{"data":{data},"extensions":{extensions}}}'
            )
        return found

    def tail(self, result: ExecutionResult, extensions: str | None) -> bytes:
        """:meth:`payload` and the message's closing brace, encoded (once)."""
        found = self.tails.get(extensions)
        if found is None:
            found = self.tails[extensions] = f"{self.payload(result, extensions)}}}".encode()
        return found


class LiveEvents:
    """The per-process registry of shared executions; ``executions`` counts real ones,
    ``frames`` the shared frames sinks wrote, ``direct`` those of them written from the
    broker's delivery (:meth:`LiveSink.send_now`)."""

    def __init__(self, size: int = ENTRIES) -> None:
        self.size = size
        self.entries: OrderedDict[Key, Shared] = OrderedDict()
        self.items: OrderedDict[int, tuple[object, Any]] = OrderedDict()
        self.executions = 0
        self.frames = 0
        self.direct = 0

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

    def lookup(self, key: Key, event: object) -> Shared | None:
        entry = self.entries.get(key)
        return entry if entry is not None and entry.event is event else None

    def add(self, entry: Shared) -> None:
        self.executions += 1
        self.entries.pop(entry.key, None)
        self.entries[entry.key] = entry
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


LIVE = LiveEvents()


class LiveSink:
    """Where one websocket operation's live items go as shared frames (module docstring).

    The protocol handler makes one in the operation's task (:data:`SINK`) with the frame's
    head -- everything before the payload, the operation's id spliced in -- and how to write
    a frame (head and shared tail): ``write`` from the operation's task, ``write_now``
    without waiting (False: not now -- a paused socket, or no raw path); the schema then
    hands it the subscription's executor and extension results."""

    def __init__(
        self,
        head: str,
        write: Callable[[bytes, bytes], Awaitable[None]],
        is_open: Callable[[], bool],
        write_now: Callable[[bytes, bytes], bool] | None = None,
    ) -> None:
        self.head = head.encode()
        self.write = write
        self.write_now = write_now
        self.is_open = is_open
        self.executor: SharedEvents | None = None
        self.extensions: tuple[SchemaExtensionsRunner, ExecutionContext] | None = None
        self._key: Key | None = None
        self._extensions_json: str | None = None
        self._ready = False

    async def send(self, item: object) -> bool:
        """Write ``item``'s shared frame; False when it must go the usual way instead (not
        shareable here, or its result has errors)."""
        if not self._ready and not await self._prepare():
            return False
        executor = cast(SharedEvents, self.executor)
        full_key = (*cast(Key, self._key), id(item))
        entry = LIVE.lookup(full_key, item)
        if entry is None or entry.operation is not executor.operation:
            run = executor.build_per_event_executor(item).execute_operation(False)
            if executor.is_awaitable(run):
                await run
            entry = LIVE.lookup(full_key, item)
            if entry is None:  # evicted at once (a registry smaller than the load)
                return False
        result = entry.result
        if isinstance(result, asyncio.Task):
            result = await (result if result.done() else asyncio.shield(result))
        if result.errors:
            return False
        if self.is_open():
            LIVE.frames += 1
            await self.write(self.head, entry.tail(result, self._extensions_json))
        return True

    def send_now(self, item: object) -> bool:
        """:meth:`send` without waiting, from the broker's delivery of the event (no wake-up
        of the operation's task): True when the frame was written (or the operation is over
        and nothing is owed); False when the item must go to the operation's task instead
        -- the sink not prepared yet, an execution still running or failed, a result with
        errors, a socket that cannot take the frame now. The first subscriber of a key
        starts the execution; when it completes at once, as a selection of plain fields
        does, every other subscriber of the key gets its frame in the same loop."""
        executor, key, write_now = self.executor, self._key, self.write_now
        if not self._ready or write_now is None or executor is None or key is None:
            return False
        full_key = (*key, id(item))
        entry = LIVE.lookup(full_key, item)
        if entry is None or entry.operation is not executor.operation:
            run = executor.build_per_event_executor(item).execute_operation(False)
            if executor.is_awaitable(run):
                _retrieve_later(run)  # the operation's task awaits the shared execution
                return False
            entry = LIVE.lookup(full_key, item)
            if entry is None:
                return False
        result = entry.result
        if isinstance(result, asyncio.Task):
            if not result.done() or result.cancelled() or result.exception() is not None:
                return False
            result = result.result()
        if result.errors:
            return False
        if not self.is_open():
            return True
        if not write_now(self.head, entry.tail(result, self._extensions_json)):
            return False
        LIVE.frames += 1
        LIVE.direct += 1
        return True

    async def _prepare(self) -> bool:
        """The key and the extension results, once per operation (they are the
        operation's -- its cost -- not the event's)."""
        if self.executor is None or self.extensions is None:
            return False
        key = self.executor.fanout_key()
        if key is None:
            return False
        runner, context = self.extensions
        results = await runner.get_extensions_results(context)
        self._extensions_json = orjson.dumps(results).decode() if results else None
        self._key = key  # the execution's; the extensions pick the entry's payload
        self._ready = True
        return True


SINK: ContextVar[LiveSink | None] = ContextVar("live_sink", default=None)
"""The sink of the websocket operation whose task this is (None elsewhere)."""


def live_sink() -> LiveSink | None:
    """For a subscription resolver: where its items go as shared frames, if anywhere."""
    return SINK.get()


def attach_extensions(runner: SchemaExtensionsRunner, context: ExecutionContext) -> None:
    """The schema's extension runner of this task's operation, for its sink's frames."""
    sink = SINK.get()
    if sink is not None:
        sink.extensions = (runner, context)


def _variables_key(executor: Executor[Any]) -> str | None:
    try:
        return orjson.dumps(executor.variable_values.coerced, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # a value orjson cannot write: not shared
        return None


class SharedEvents(StrawberryGraphQLCoreExecutionContext):
    """Executes a subscription event once per key (module docstring)."""

    _fanout_key: Key | None = None
    _fanout_keyed: bool = False
    _fanout_event: bool = False

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        built = super().build(*args, **kwargs)
        if isinstance(built, SharedEvents) and built.operation.operation is (
            OperationType.SUBSCRIPTION
        ):
            sink = SINK.get()
            if sink is not None:
                sink.executor = built
        return built

    def build_per_event_executor(self, payload: Any) -> Executor[Any]:
        if not self._fanout_event:
            self.fanout_key()
        executor = super().build_per_event_executor(payload)
        cast(SharedEvents, executor)._fanout_event = True
        return executor

    def fanout_key(self) -> Key | None:
        """(document, variables, viewer scope) of this subscription; None: not shared."""
        if not self._fanout_keyed:
            self._fanout_key, self._fanout_keyed = self._subscription_key(), True
        return self._fanout_key

    def _subscription_key(self) -> Key | None:
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
            return _result_of(shared)
        done = cast(ExecutionResult, result)
        LIVE.add(Shared(full_key, event, operation, done))
        return done


def _retrieve_later(run: Awaitable[Any]) -> None:
    """A shared execution's wait that nobody awaits here: its outcome is collected, so a
    failure is the awaiting operation's to report, not a "never retrieved" warning."""
    future = asyncio.ensure_future(run)
    future.add_done_callback(lambda f: f.cancelled() or f.exception())


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
