"""Scheduler leadership: exactly one process runs the scheduled work at a time.

On PostgreSQL the leader holds a session advisory lock on a connection of its own, kept open
for as long as it leads. When that process dies, its connection closes and the server drops
the lock at once, so a follower's next poll takes over. A leader that loses its connection
loses leadership too (the server may already have handed the lock to someone else). On
SQLite only one process can use the database file safely, so that process always leads.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from digests.store.sql import normalize_url

log = logging.getLogger(__name__)

DEFAULT_POLL_SECONDS = 5.0
# The leader notices a dead connection within about idle + interval * count seconds.
_KEEPALIVE_ARGS: Mapping[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 2,
    "connect_timeout": 5,
}

LeadershipHook = Callable[[bool], Awaitable[None]]


def lock_key(database: str, schema: str) -> int:
    """The advisory lock key for one newsdigest data set: its database and schema.

    Advisory locks are per database, so two deployments in different schemas of one database
    must not share a key; every process of one deployment computes the same one.
    """
    digest = hashlib.sha256(f"newsdigest-scheduler\x1f{database}\x1f{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Leader:
    """Decides whether this process runs the scheduler; poll ``try_acquire`` to keep it and
    await ``aclose`` to give it up."""

    def __init__(
        self,
        url: str,
        *,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        connect_args: Mapping[str, Any] | None = None,
    ) -> None:
        parsed = normalize_url(url)
        self.poll_seconds = poll_seconds
        self.exclusive = parsed.get_backend_name() == "postgresql"
        self._engine: Engine | None = None
        if self.exclusive:
            self._engine = create_engine(
                parsed, poolclass=NullPool, connect_args={**_KEEPALIVE_ARGS, **(connect_args or {})}
            )
        self._conn: Connection | None = None
        self._key: int | None = None
        self._is_leader = not self.exclusive
        self._closed = False

    @property
    def is_leader(self) -> bool:
        """Whether this process led at the last check."""
        return self._is_leader

    def try_acquire(self) -> bool:
        """Take leadership if it is free, or confirm it is still held; never blocks long."""
        if not self.exclusive or self._closed:
            return self._is_leader
        try:
            conn = self._connection()
            if self._is_leader:
                # The lock lives exactly as long as this session: a live session still holds it.
                conn.execute(text("SELECT 1"))
            else:
                got = conn.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
                ).scalar_one()
                self._is_leader = bool(got)
        except SQLAlchemyError as exc:
            if self._is_leader:
                log.warning("lost scheduler leadership: %s", _first_line(exc))
            self._drop_connection()
            self._is_leader = False
        return self._is_leader

    async def aclose(self) -> None:
        """Give leadership up (a follower takes over at its next poll) and close the connection.

        Unlocking and closing talk to the database, so they run off the event loop; the leader
        counts as closed at once, so no further check starts meanwhile.
        """
        self._closed = True
        if not self.exclusive:
            self._is_leader = False
            return
        await asyncio.to_thread(self._release)

    def _release(self) -> None:
        if self._conn is not None and self._is_leader:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            except SQLAlchemyError as exc:
                log.warning("could not release scheduler leadership: %s", _first_line(exc))
        self._is_leader = False
        self._drop_connection()
        if self._engine is not None:
            self._engine.dispose()

    async def acquire_forever(self, on_check: LeadershipHook | None = None) -> None:
        """Check leadership every ``poll_seconds`` until cancelled or closed, awaiting
        ``on_check(is_leader)`` after each check (the leader does its periodic work there)."""
        while not self._closed:
            current = await asyncio.to_thread(self.try_acquire)
            if on_check is not None and not self._closed:
                await on_check(current)
            await asyncio.sleep(self.poll_seconds)

    def _connection(self) -> Connection:
        if self._conn is None:
            assert self._engine is not None
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                row = conn.execute(text("SELECT current_database(), current_schema()")).one()
            except SQLAlchemyError:
                conn.close()
                raise
            self._key = lock_key(str(row[0]), str(row[1]))
            self._conn = conn
        return self._conn

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except SQLAlchemyError:
                # A broken connection may fail to close; it is gone either way.
                log.debug("closing the leadership connection failed", exc_info=True)


def _first_line(exc: BaseException) -> str:
    detail = str(getattr(exc, "orig", None) or exc).strip()
    return detail.splitlines()[0] if detail else type(exc).__name__
