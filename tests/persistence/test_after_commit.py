"""The unit of work's after-commit actions (what deletes a replaced picture's images): they
run once the change has committed, never for one that rolled back, and a failing action
cannot undo a commit."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from persistence.uow import SqlUnitOfWork


async def test_actions_run_after_commit_only(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def action(name: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            ran.append(name)

        return run

    async def fail_before_commit() -> None:
        async with SqlUnitOfWork(engine) as uow:
            uow.on_commit(action("failed"))
            raise RuntimeError("the change fails before its commit")

    async with SqlUnitOfWork(engine) as uow:
        uow.on_commit(action("rolled back"))
    with pytest.raises(RuntimeError):
        await fail_before_commit()
    assert ran == []

    async def broken() -> None:
        raise OSError("the store is down")

    async with SqlUnitOfWork(engine) as uow:
        uow.on_commit(broken)
        uow.on_commit(action("committed"))
        with caplog.at_level(logging.ERROR, logger="persistence.uow"):
            await uow.commit()
    assert ran == ["committed"]
    assert "an after-commit action failed" in caplog.text
