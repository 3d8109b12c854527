"""Reading fetched feed bodies into their changed, cleaned entries, off the event loop.

Parsing a feed and cleaning its entries' HTML is pure CPU work. ``read_changed`` does all of
it for one feed as a function of bytes and strings, so it can run in another process;
``ReadPool`` runs it on a process pool that uses every core (or, with no workers, in a
thread) and leaves the event loop to I/O.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from digests.dedup import entry_signature
from digests.discover import read_feed
from digests.errors import FeedError
from digests.extract import extract_article
from digests.feed_text import text_from_html
from digests.language import headline_and_text_language
from digests.parse import entry_headline
from digests.records import ArticleText, ParsedEntry
from digests.similarity import text_query
from digests.stored_signatures import encode_query

log = logging.getLogger(__name__)
# A worker whose resident memory grows past this has the pool replaced: whatever a parser
# leaks is given back to the system. Not a count of reads: a fresh worker has cold caches
# (stems, names, the language model's state), and replacing a pool every few hundred reads
# cost a sixth of a full refresh's CPU.
WORKER_MEMORY_BYTES = 384 * 1024 * 1024
# Reads per worker process after which the pool is replaced whatever its memory.
TASKS_PER_WORKER = 5000
# How often a worker checks that its owner still runs.
PARENT_CHECK_SECONDS = 1.0
# Retired pools that ``close`` waits for.
_RETIRED_KEPT = 4
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ChangedEntry:
    """An entry that differs from what the store holds, with its clean feed text, and what
    is made from that text while it is at hand: its language and its clustering query
    (``stored_signatures.encode_query``)."""

    entry: ParsedEntry
    signature: str
    text: str
    language: str = "und"
    query: bytes | None = None


@dataclass(frozen=True, slots=True)
class ReadFeed:
    """One feed body read: its title and warning and the changed entries, or why it failed."""

    title: str | None = None
    warning: str | None = None
    entries: tuple[ChangedEntry, ...] = ()
    error: str | None = None


def read_changed(
    body: bytes, url: str, content_type: str | None, known: Mapping[str, str]
) -> ReadFeed:
    """Parse a feed body and clean the text of each entry whose signature is not ``known``
    (entry id -> signature of what was stored). A body that is no feed gives ``error``."""
    try:
        parsed = read_feed(body, url=url, content_type=content_type)
    except FeedError as exc:
        return ReadFeed(error=str(exc))
    changed = []
    for entry in parsed.entries:
        signature = entry_signature(entry)
        # Entries the feed sends exactly as before need no cleaning.
        if known.get(entry.entry_id) != signature:
            changed.append(_changed(entry, signature))
    return ReadFeed(parsed.title, parsed.warning, tuple(changed))


def _changed(entry: ParsedEntry, signature: str) -> ChangedEntry:
    text = text_from_html(entry.content_html)
    # The headline and moment the article gets from this text (see RefreshStep._draft).
    title = entry_headline(entry)
    moment = entry.published or entry.updated
    language = headline_and_text_language(entry.language, title, text)
    when = moment.timestamp() if moment is not None else math.nan
    query = encode_query(text_query(title, text, when))
    return ChangedEntry(entry, signature, text, language, query)


def _resident_bytes() -> int:
    """This process's resident memory now (0 where /proc is not there to say)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _measured(job: Callable[[], _T]) -> tuple[_T, int]:
    """Run a job in a worker: its result and the worker's resident memory after it."""
    return job(), _resident_bytes()


def _succeeded(future: asyncio.Future[_T]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


def _started_worker() -> None:
    """Nothing: submitted to start a worker process."""


def _exit_with_parent(parent: int) -> None:
    """Worker start: exit once the process that owns the pool is gone.

    A worker waits on a queue it holds both ends of, so it would outlive an owner killed
    with SIGKILL (and keep the forkserver alive with it).
    """

    def watch() -> None:
        while not _gone(parent):
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        # Killed but not yet reaped (its parent may be waiting on this very worker's pipes).
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


class ReadPool:
    """Reads feeds and article pages on ``workers`` processes; with 0, in a worker thread.

    The processes start on first use and are stopped by ``close``. When a worker's memory
    outgrows ``WORKER_MEMORY_BYTES`` (or after ``TASKS_PER_WORKER`` reads a worker) the pool
    is replaced by a fresh one, so that what a parser leaks is given back. Should a process
    die (a body exhausting the memory limit of the system), the pool is replaced and its
    pending feeds are read once more.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._starting: asyncio.Future[ProcessPoolExecutor] | None = None
        self._submitted = 0
        self._retired: list[ProcessPoolExecutor] = []

    async def read(
        self, body: bytes, url: str, content_type: str | None, known: Mapping[str, str]
    ) -> ReadFeed:
        """The feed body read (see ``read_changed``)."""
        read = functools.partial(read_changed, body, url, content_type, dict(known))
        try:
            return await self._run(read, url)
        except BrokenProcessPool:
            return ReadFeed(error="the feed reading process died reading this feed")

    async def extract(self, body: bytes, url: str) -> ArticleText | None:
        """An article page's text (see ``extract_article``); None when its process died."""
        try:
            return await self._run(functools.partial(extract_article, body, url=url), url)
        except BrokenProcessPool:
            return None

    async def _run(self, job: Callable[[], _T], url: str) -> _T:
        if self.workers == 0:
            return await asyncio.to_thread(job)
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            executor = await self._started()
            try:
                # Submitted at once; the pool may then be retired for the next reads.
                pending = loop.run_in_executor(executor, functools.partial(_measured, job))
                self._count(executor)
                result, resident = await pending
                if resident > WORKER_MEMORY_BYTES:
                    self._retire(executor)
                return result
            except BrokenProcessPool:
                log.warning("a reading process died (on %s, try %d)", url, attempt)
                self._discard(executor)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Stop the worker processes (pending reads are cancelled)."""
        if self._executor is not None:
            self._retired.append(self._executor)
            self._executor = None
        starting, self._starting = self._starting, None
        if starting is not None and _succeeded(starting):
            # A pool whose start has finished is stopped with the others.
            self._retired.append(starting.result())
        for executor in self._retired:
            executor.shutdown(wait=True, cancel_futures=True)
        self._retired.clear()

    async def _started(self) -> ProcessPoolExecutor:
        """The pool, started in a worker thread when there is none: starting a process waits
        for the fork server (seconds, the first time), which must not hold up the loop."""
        while self._executor is None:
            if self._starting is None:
                self._starting = asyncio.ensure_future(asyncio.to_thread(self._new_pool))
            starting = self._starting
            try:
                # Shielded: one caller's cancellation must not strand the others' pool.
                executor = await asyncio.shield(starting)
            except BaseException:
                if self._starting is starting and starting.done():
                    self._starting = None
                raise
            if self._starting is starting:
                self._starting = None
                self._executor, self._submitted = executor, 0
        return self._executor

    def _new_pool(self) -> ProcessPoolExecutor:
        # forkserver: a worker never inherits the event loop, sockets or threads of the
        # parent; forked from a server that has imported the parsers, it starts at once.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["digests.reader_preload"])
        executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_exit_with_parent,
            initargs=(os.getpid(),),
        )
        # A submit starts a process while none is idle: all of them start here, not on the
        # loop's first submits.
        wait([executor.submit(_started_worker) for _ in range(self.workers)])
        return executor

    def _count(self, executor: ProcessPoolExecutor) -> None:
        self._submitted += 1
        if self._submitted >= TASKS_PER_WORKER * self.workers:
            self._retire(executor)

    def _retire(self, executor: ProcessPoolExecutor) -> None:
        if executor is not self._executor:
            return
        # Retired, not stopped: it finishes what it was given, then its processes exit.
        # (max_tasks_per_child would do this per worker, but can hang on Python 3.11.)
        self._retired.append(executor)
        executor.shutdown(wait=False)
        self._executor = None
        # Older ones are long done; only recent ones may still be finishing their reads.
        del self._retired[:-_RETIRED_KEPT]

    def _discard(self, executor: ProcessPoolExecutor) -> None:
        if self._executor is executor:
            self._executor = None
            executor.shutdown(wait=False, cancel_futures=True)
