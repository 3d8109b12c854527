"""Scheduler leadership through a PostgreSQL advisory lock (and trivially on SQLite)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from digests.leader import Leader, lock_key
from digests.store.sql import normalize_url
from tests.digests.store_fixtures import pg_schema, pg_unreachable, pg_url


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """The test server's URL pointed at a fresh schema (skips without a server)."""
    url = pg_url()
    reason = pg_unreachable(url)
    if reason is not None:
        pytest.skip(f"PostgreSQL not reachable at {url}: {reason}")
    with pg_schema(url) as schema:
        sep = "&" if "?" in url else "?"
        yield f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
async def leaders(pg_schema_url: str) -> AsyncIterator[list[Leader]]:
    made: list[Leader] = []

    def make() -> Leader:
        leader = Leader(pg_schema_url, poll_seconds=0.05)
        made.append(leader)
        return leader

    yield [make(), make()]
    for leader in made:
        await leader.aclose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///some/file.db"])
def test_a_sqlite_process_always_leads(url: str) -> None:
    leader = Leader(url)
    assert leader.is_leader
    assert leader.try_acquire()


def test_lock_keys_differ_per_schema_and_are_stable() -> None:
    assert lock_key("test", "a") == lock_key("test", "a")
    assert lock_key("test", "a") != lock_key("test", "b")
    assert lock_key("test", "a") != lock_key("other", "a")


@pytest.mark.postgres
def test_exactly_one_of_two_processes_leads(leaders: list[Leader]) -> None:
    first, second = leaders
    assert first.try_acquire()
    assert not second.try_acquire()
    assert first.try_acquire()  # still held on the next poll


@pytest.mark.postgres
async def test_a_released_lock_is_taken_over(leaders: list[Leader]) -> None:
    first, second = leaders
    first.try_acquire()
    await first.aclose()
    assert not first.is_leader
    assert second.try_acquire()


@pytest.mark.postgres
def test_a_killed_session_loses_leadership_and_frees_the_lock(leaders: list[Leader]) -> None:
    first, second = leaders
    first.try_acquire()
    assert first._conn is not None
    pid = first._conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    admin = create_engine(normalize_url(pg_url()), poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    assert not first.try_acquire()
    assert second.try_acquire()


@pytest.mark.postgres
async def test_different_schemas_lead_independently(pg_schema_url: str) -> None:
    with pg_schema(pg_url()) as other:
        elsewhere = Leader(f"{pg_url()}?options={quote(f'-csearch_path={other}')}")
        here = Leader(pg_schema_url)
        try:
            assert here.try_acquire()
            assert elsewhere.try_acquire()
        finally:
            await here.aclose()
            await elsewhere.aclose()


@pytest.mark.postgres
async def test_acquire_forever_reports_each_check_and_takes_over(leaders: list[Leader]) -> None:
    first, second = leaders
    first.try_acquire()
    seen: list[bool] = []
    checked = asyncio.Event()
    took_over = asyncio.Event()

    async def on_check(leading: bool) -> None:
        seen.append(leading)
        checked.set()
        if leading:
            took_over.set()

    watch = asyncio.create_task(second.acquire_forever(on_check))
    try:
        # Waiting for the first check, not a fixed time: a loaded machine may take longer.
        await asyncio.wait_for(checked.wait(), 30)
        assert not any(seen)
        await first.aclose()
        await asyncio.wait_for(took_over.wait(), 30)
    finally:
        watch.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watch
    assert second.is_leader


async def test_a_closed_sqlite_leader_leads_no_more() -> None:
    leader = Leader("sqlite://")
    await leader.aclose()
    assert not leader.is_leader
    assert not leader.try_acquire()
