"""An event loop that meters each callback by the CPU its thread spends in it.

The loop runs in asyncio's debug mode (which also refuses calls from the wrong thread), and
every callback it runs is metered by the CPU time the loop's thread spends in it
(``time.thread_time``), not by wall time: on a loaded machine a cheap callback can take a
long wall time when the thread is preempted or waits for the GIL held by a worker thread,
while the CPU a callback burns on the loop's thread is the same however busy the machine
is. Blocking waits that cost no CPU (a ``time.sleep``, a synchronous socket or file read)
are ruff's ASYNC rules' business, which check every ``async def`` statically.

A garbage collection that starts in a callback is not counted either: it walks every object
of the process (a test process holds those of thousands of tests), whatever the callback did.

Every way a callback reaches the loop goes through a public method of the loop (tasks and
futures schedule theirs with ``call_soon``, timers with ``call_at``, transports register
``add_reader``/``add_writer``), so a loop subclass that wraps those sees all of them.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

# What a callback may cost the loop's thread: asyncio debug mode's report threshold.
LIMIT_SECONDS = 0.1


class MeteredLoop(asyncio.SelectorEventLoop):
    """A debug-mode loop that records each callback costing its thread over LIMIT_SECONDS.

    What the loop spends scheduling (in debug mode it captures a traceback for every handle
    and task it makes, a cost that grows with the tasks a callback starts and that a loop out
    of debug mode does not have) is the loop's own and is not counted against the callback.
    """

    def __init__(self) -> None:
        super().__init__()
        self.slow_callback_duration = LIMIT_SECONDS
        self.slow: list[tuple[float, str]] = []
        self._meter_depth = 0
        self._meter_bookkeeping = 0.0
        self._collecting_since: float | None = None
        gc.callbacks.append(self._on_collection)

    def close(self) -> None:
        if self._on_collection in gc.callbacks:
            gc.callbacks.remove(self._on_collection)
        super().close()

    def _on_collection(self, phase: str, info: dict[str, int]) -> None:
        """Counts a collection on the loop's thread as bookkeeping (see the module's text)."""
        if threading.get_ident() != getattr(self, "_thread_id", None):
            return
        if phase == "start":
            self._collecting_since = time.thread_time()
        elif self._collecting_since is not None:
            self._meter_bookkeeping += time.thread_time() - self._collecting_since
            self._collecting_since = None

    def _metered(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            self._meter_bookkeeping = 0.0
            start = time.thread_time()
            try:
                return callback(*args)
            finally:
                spent = time.thread_time() - start - self._meter_bookkeeping
                if spent > LIMIT_SECONDS:
                    self.slow.append((spent, _describe(callback)))

        return run

    @contextmanager
    def _meter_scheduling(self) -> Iterator[None]:
        """Counts the time in the outermost scheduling call as the loop's bookkeeping."""
        self._meter_depth += 1
        start = time.thread_time()
        try:
            yield
        finally:
            self._meter_depth -= 1
            if not self._meter_depth:
                self._meter_bookkeeping += time.thread_time() - start

    def create_task(self, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        with self._meter_scheduling():
            return super().create_task(coro, **kwargs)

    def call_soon(self, callback: Any, *args: Any, context: Any = None) -> asyncio.Handle:
        with self._meter_scheduling():
            return super().call_soon(self._metered(callback), *args, context=context)

    def call_at(
        self, when: float, callback: Any, *args: Any, context: Any = None
    ) -> asyncio.TimerHandle:
        with self._meter_scheduling():
            return super().call_at(when, self._metered(callback), *args, context=context)

    def call_soon_threadsafe(
        self, callback: Any, *args: Any, context: Any = None
    ) -> asyncio.Handle:
        # Called from other threads: their time is not the loop's.
        return super().call_soon_threadsafe(self._metered(callback), *args, context=context)

    def add_reader(self, fd: Any, callback: Any, *args: Any) -> None:
        super().add_reader(fd, self._metered(callback), *args)

    def add_writer(self, fd: Any, callback: Any, *args: Any) -> None:
        super().add_writer(fd, self._metered(callback), *args)


def _describe(callback: Callable[..., Any]) -> str:
    """Which coroutine a task step runs, or the callback itself."""
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro = task.get_coro()
        frame = getattr(coro, "cr_frame", None)
        where = f" at {frame.f_code.co_filename}:{frame.f_lineno}" if frame else ""
        return f"{getattr(coro, '__qualname__', coro)!s}{where}"
    return repr(callback)


def run_metered(main: Coroutine[Any, Any, T]) -> tuple[T, list[tuple[float, str]]]:
    """Run ``main`` on a fresh metered loop in debug mode: its result and the slow callbacks,
    costliest first."""
    with asyncio.Runner(debug=True, loop_factory=MeteredLoop) as runner:
        result = runner.run(main)
        loop = runner.get_loop()
        assert isinstance(loop, MeteredLoop)
        return result, sorted(loop.slow, reverse=True)


def report(slow: list[tuple[float, str]]) -> str:
    return "\n".join(f"{spent * 1000:.0f} ms CPU in {what}" for spent, what in slow)
