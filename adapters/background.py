"""Background work of this process (``domain.ports.Background``): jobs that start after a
request was answered, such as fetching a social profile picture.

Jobs are asyncio tasks the registry holds on to (a task nobody references can be garbage
collected mid-flight), named so that a test or a shutdown can wait for them. At most
``concurrency`` run at once and at most ``max_pending`` wait; beyond that a job is dropped
and logged, so a burst of requests cannot pile up unbounded work. A job's failure is logged,
never raised. On shutdown the registry waits a little, then cancels what is left.

The jobs live in this process only: if it stops before a job has run, the job is lost (a
contact then simply has no auto-fetched picture). Work that must survive a restart needs a
durable queue instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class BackgroundTasks:
    def __init__(self, concurrency: int = 4, max_pending: int = 1000) -> None:
        self.max_pending = max_pending
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: dict[str, set[asyncio.Task[None]]] = defaultdict(set)
        self._stopping = False

    @property
    def pending(self) -> int:
        """Jobs started and not finished (running or waiting for a slot)."""
        return sum(len(tasks) for tasks in self._tasks.values())

    def spawn(self, name: str, job: Callable[[], Awaitable[None]]) -> None:
        if self._stopping:
            log.warning("background job %s dropped: shutting down", name)
            return
        if self.pending >= self.max_pending:
            log.warning("background job %s dropped: %d jobs are waiting", name, self.pending)
            return
        task = asyncio.get_running_loop().create_task(self._run(name, job), name=name)
        self._tasks[name].add(task)
        task.add_done_callback(lambda done: self._forget(name, done))

    def _forget(self, name: str, task: asyncio.Task[None]) -> None:
        tasks = self._tasks.get(name)
        if tasks is not None:
            tasks.discard(task)
            if not tasks:
                del self._tasks[name]

    async def _run(self, name: str, job: Callable[[], Awaitable[None]]) -> None:
        async with self._slots:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background job %s failed", name)

    async def join(self, name: str) -> None:
        """Wait until every job of this name (started so far) has finished."""
        tasks = list(self._tasks.get(name, ()))
        if tasks:
            await asyncio.wait(tasks)

    async def idle(self) -> None:
        """Wait until no job is left, including jobs that those jobs started."""
        while self._tasks:
            await asyncio.wait([t for tasks in self._tasks.values() for t in tasks])

    async def stop(self, grace: float = 10.0) -> None:
        """Take no new jobs, give the running ones ``grace`` seconds, cancel the rest."""
        self._stopping = True
        tasks = [t for tasks in self._tasks.values() for t in tasks]
        if not tasks:
            return
        _done, left = await asyncio.wait(tasks, timeout=grace)
        for task in left:
            task.cancel()
        if left:
            log.warning("cancelled %d background jobs at shutdown", len(left))
            await asyncio.wait(left)
