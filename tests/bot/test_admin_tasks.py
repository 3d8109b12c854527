"""The admin cog keeps hold of the background work it starts and stops it when unloaded."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from bot.exts.admin._cog import AdminCog


class _Tree:
    def __init__(self) -> None:
        self.removed: list[str] = []

    def remove_command(self, name: str) -> None:
        self.removed.append(name)


def _cog() -> AdminCog:
    bot: Any = SimpleNamespace(tree=_Tree())
    return AdminCog(bot)


async def test_a_running_task_is_kept_then_cancelled_and_awaited_on_unload():
    cog = _cog()
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    task = cog.start(forever())
    await started.wait()
    assert task in cog.tasks
    await cog.cog_unload()
    assert task.cancelled()
    assert cancelled.is_set()
    assert cog.tasks == set()
    assert sorted(cog.bot.tree.removed) == ["feed", "schedule"]


async def test_a_finished_task_is_let_go():
    cog = _cog()

    async def quick() -> None:
        return None

    task = cog.start(quick())
    await task
    await asyncio.sleep(0)  # done callbacks run on the next loop turn
    assert cog.tasks == set()
    await cog.cog_unload()
