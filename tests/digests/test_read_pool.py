"""Feed reading gives the same records in worker processes as in this process."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digests.dedup import entry_signature
from digests.discover import read_feed
from digests.feed_text import text_from_html
from digests.language import DETECT_CHARS, article_language
from digests.parse import UNTITLED
from digests.read_pool import ReadFeed, ReadPool, read_changed
from digests.similarity import text_query
from digests.stored_signatures import decode_query
from tests.digests._odd_feeds import odd_feed

SAMPLES = Path(__file__).resolve().parents[2] / "digests" / "samples"
SHARED_FEEDS = Path(__file__).resolve().parents[3] / "shared" / "data" / "feeds"
SHARED = sorted(SHARED_FEEDS.rglob("*")) if SHARED_FEEDS.is_dir() else []
FEEDS = [
    (f"https://example.org/{path.name}", path.read_bytes())
    for path in sorted(SAMPLES.iterdir())
    if path.suffix in (".xml", ".atom", ".json")
] + [("https://odd.example/feed.xml", odd_feed())]


async def _read_all(workers: int, feeds: list[tuple[str, bytes]]) -> list[ReadFeed]:
    pool = ReadPool(workers)
    try:
        return list(await asyncio.gather(*(pool.read(body, url, None, {}) for url, body in feeds)))
    finally:
        pool.close()


def test_pooled_reading_equals_reading_in_process() -> None:
    in_process = asyncio.run(_read_all(0, FEEDS))
    pooled = asyncio.run(_read_all(2, FEEDS))
    assert all(feed.entries for feed in in_process)
    assert pooled == in_process


@pytest.mark.skipif(not SHARED, reason="the shared feeds are absent")
def test_pooled_reading_equals_reading_in_process_on_the_shared_feeds() -> None:
    feeds = [(f"https://shared.example/{p.name}", p.read_bytes()) for p in SHARED if p.is_file()]
    in_process = asyncio.run(_read_all(0, feeds))
    pooled = asyncio.run(_read_all(2, feeds))
    assert sum(len(feed.entries) for feed in in_process) > 100
    assert pooled == in_process


@pytest.mark.parametrize(("url", "body"), FEEDS, ids=[url for url, _ in FEEDS])
def test_read_changed_is_the_parser_and_the_cleaner(url: str, body: bytes) -> None:
    parsed = read_feed(body, url=url)
    read = read_changed(body, url, None, {})
    assert (read.title, read.warning) == (parsed.title, parsed.warning)
    assert [c.entry for c in read.entries] == list(parsed.entries)
    assert [c.text for c in read.entries] == [
        text_from_html(e.content_html) for e in parsed.entries
    ]
    assert [c.signature for c in read.entries] == [entry_signature(e) for e in parsed.entries]


def test_entries_stored_as_sent_are_left_out() -> None:
    url, body = FEEDS[0]
    first = read_changed(body, url, None, {})
    known = {c.entry.entry_id: c.signature for c in first.entries[1:]}
    again = read_changed(body, url, None, known)
    assert [c.entry for c in again.entries] == [first.entries[0].entry]


def test_a_body_that_is_no_feed_is_an_error_not_an_exception() -> None:
    read = read_changed(
        b"<html><head><title>Shop</title></head></html>", "https://a.example/", None, {}
    )
    assert read.error and not read.entries


_KILLED_OWNER = """
import asyncio, os, signal
from digests.read_pool import ReadPool

async def main():
    pool = ReadPool(1)
    body = b"<rss version='2.0'><channel><title>t</title></channel></rss>"
    await pool.read(body, "https://a.example/", None, {})
    print(*(p.pid for p in pool._executor._processes.values()), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


def test_workers_exit_when_their_owner_is_killed(tmp_path: Path) -> None:
    out = tmp_path / "workers.txt"
    with out.open("w") as handle:
        # A file, not a pipe: the workers inherit it and would hold a pipe open.
        code = subprocess.call([sys.executable, "-c", _KILLED_OWNER], stdout=handle)
    assert code == -signal.SIGKILL
    workers = [int(pid) for pid in out.read_text().split()]
    assert workers
    deadline = time.monotonic() + 60  # a bound on waiting, not a timing under test
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_replaced_pool_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("digests.read_pool.TASKS_PER_WORKER", 2)

    async def read_on_one_worker() -> tuple[list[ReadFeed], int]:
        pool = ReadPool(1)
        try:
            reads = [await pool.read(body, url, None, {}) for url, body in FEEDS * 3]
            return reads, len(pool._retired)
        finally:
            pool.close()

    reads, retired = asyncio.run(read_on_one_worker())
    assert retired >= 2
    assert reads == [read_changed(body, url, None, {}) for url, body in FEEDS * 3]


def test_reads_that_all_find_no_pool_share_the_one_started_for_them() -> None:
    async def read_at_once() -> tuple[list[ReadFeed], int, int]:
        pool = ReadPool(2)
        try:
            reads = await asyncio.gather(*(pool.read(b, u, None, {}) for u, b in FEEDS * 2))
            executor = pool._executor
            assert executor is not None
            return list(reads), len(pool._retired), len(executor._processes)
        finally:
            pool.close()

    reads, retired, processes = asyncio.run(read_at_once())
    assert (retired, processes) == (0, 2)
    assert reads == [read_changed(body, url, None, {}) for url, body in FEEDS * 2]


@pytest.mark.parametrize(("url", "body"), FEEDS, ids=[url for url, _ in FEEDS])
def test_read_changed_detects_the_language_and_makes_the_query_of_the_feed_text(
    url: str, body: bytes
) -> None:
    for changed in read_changed(body, url, None, {}).entries:
        entry = changed.entry
        title = "" if entry.title == UNTITLED else entry.title.strip()
        head = f"{title}\n{changed.text}"[:DETECT_CHARS]
        assert changed.language == article_language(entry.language, head)
        assert changed.query is not None
        query = decode_query(changed.query, "features", 1.0)
        assert query == text_query(title, changed.text, 1.0)


def test_a_pool_grown_past_its_memory_budget_is_replaced_and_reads_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("digests.read_pool.WORKER_MEMORY_BYTES", 1)

    async def read_on_one_worker() -> tuple[list[ReadFeed], int]:
        pool = ReadPool(1)
        try:
            reads = [await pool.read(body, url, None, {}) for url, body in FEEDS]
            return reads, len(pool._retired)
        finally:
            pool.close()

    reads, retired = asyncio.run(read_on_one_worker())
    assert retired >= 2
    assert reads == [read_changed(body, url, None, {}) for url, body in FEEDS]
