"""What every domain of the SQL store shares: the engine, transactions with retries and error
wrapping, and the query helpers written once (chunked ``IN``, the feed by its URL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast, get_args

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import URL, Engine, create_engine, delete, event, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError, StatementError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from digests.errors import NotFoundError, StorageError
from digests.store.models import FeedRow
from digests.store.records import TargetKind

T = TypeVar("T")
K = TypeVar("K")
R = TypeVar("R")

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# Marks the engine whose transactions write, so SQLite takes the write lock up front.
_WRITE_OPTION = "newsdigest_write"
_SQLITE_BUSY_TIMEOUT_MS = 5000
_RETRIES = 4
_RETRY_DELAY_SECONDS = 0.05
# PostgreSQL serialization_failure and deadlock_detected: the transaction may simply be rerun.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
# An arbitrary constant of this project's: the advisory lock migrations take on PostgreSQL.
_MIGRATION_LOCK = 0x6E657773646967
# Values per IN (...) list, well under SQLite's and psycopg's bound-parameter limits.
_IN_CHUNK = 900
_TARGET_KINDS: frozenset[str] = frozenset(get_args(TargetKind))


def normalize_url(url: str) -> URL:
    """Parse a database URL, sending ``postgres://`` and ``postgresql://`` to psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"invalid database URL {url!r}: {exc}") from exc
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _is_memory_sqlite(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in (url.database or "")


def aware(value: datetime, name: str) -> datetime:
    """``value`` in UTC; a naive datetime is refused as the contract requires."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware UTC, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def aware_or_none(value: datetime | None, name: str) -> datetime | None:
    return None if value is None else aware(value, name)


def checked_kind(kind: str) -> TargetKind:
    """``kind`` as a target kind; ValueError for any other string."""
    if kind not in _TARGET_KINDS:
        raise ValueError(f"target_kind must be one of {sorted(_TARGET_KINDS)}, got {kind!r}")
    return cast(TargetKind, kind)


def chunked(values: Sequence[K]) -> Iterator[Sequence[K]]:
    """``values`` in slices short enough for one ``IN (...)`` list each."""
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def existing(conn: Connection, column: Any, values: Sequence[Any]) -> set[Any]:
    """Which of ``values`` the (primary key) ``column`` holds."""
    found: set[Any] = set()
    for chunk in chunked(list(dict.fromkeys(values))):
        found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def rows_by(session: Session, column: Any, values: Sequence[K]) -> dict[K, Any]:
    """The ORM rows whose ``column`` is one of ``values``, keyed by that value."""
    entity = column.class_
    name = column.key
    found: dict[K, Any] = {}
    for chunk in chunked(list(dict.fromkeys(values))):
        found.update(
            (getattr(r, name), r) for r in session.scalars(select(entity).where(column.in_(chunk)))
        )
    return found


def delete_in(conn: Connection, table: Any, column: Any, values: Sequence[Any]) -> int:
    """Delete the rows of ``table`` whose ``column`` is one of ``values``; how many went."""
    deleted = 0
    for chunk in chunked(values):
        deleted += conn.execute(delete(table).where(column.in_(chunk))).rowcount or 0
    return deleted


def find_feed(session: Session, url: str) -> FeedRow | None:
    """The feed stored under this URL, if any."""
    return session.scalars(select(FeedRow).where(FeedRow.url == url)).one_or_none()


def feed_row(session: Session, url: str) -> FeedRow:
    """The feed stored under this URL; NotFoundError without one."""
    row = find_feed(session, url)
    if row is None:
        raise NotFoundError(f"no feed {url!r}")
    return row


def get_or_add(session: Session, model: type[R], **key: object) -> R:
    """The row of ``model`` with this (one-column) primary key, added to the session when
    there is none."""
    (value,) = key.values()
    row = session.get(model, value)
    if row is None:
        row = model(**key)
        session.add(row)
    return row


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


def _is_retryable(exc: DBAPIError) -> bool:
    if getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    message = str(exc.orig).lower()
    return "database is locked" in message or "database is busy" in message


def _describe(exc: SQLAlchemyError) -> str:
    detail = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    return str(detail).strip().splitlines()[0] if str(detail).strip() else type(detail).__name__


def _sqlite_engine(url: URL, connect_args: Mapping[str, Any]) -> Engine:
    memory = _is_memory_sqlite(url)
    args: dict[str, Any] = {"check_same_thread": False, **connect_args}
    if memory:
        # One shared connection, so every thread sees the same in-memory database.
        engine = create_engine(url, poolclass=StaticPool, connect_args=args)
    else:
        database = url.database or ""
        if not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args=args)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from pysqlite so it is emitted (DEFERRED or IMMEDIATE) below.
        dbapi_connection.isolation_level = None
        # SQLite's own lower() only folds ASCII; search must be case-insensitive for all text.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                # In WAL mode NORMAL cannot corrupt the database; it only skips the fsync at
                # each commit, which otherwise dominates a refresh's many small transactions.
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer that starts deferred can fail to upgrade its lock without waiting for the
        # busy timeout; taking the write lock at BEGIN makes writers queue instead.
        write = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class SqlStoreBase:
    """The engine and the transactions every domain mixin of ``SqlStore`` runs its work in."""

    def __init__(self, url: str, *, connect_args: Mapping[str, Any] | None = None) -> None:
        self.url = normalize_url(url)
        backend = self.url.get_backend_name()
        try:
            if backend == "sqlite":
                self.engine = _sqlite_engine(self.url, connect_args or {})
            elif backend == "postgresql":
                self.engine = create_engine(
                    self.url, pool_pre_ping=True, connect_args=dict(connect_args or {})
                )
            else:
                raise StorageError(
                    f"unsupported database {backend!r} in {self.url.render_as_string()}: "
                    "use sqlite:/// or postgresql://"
                )
        except (SQLAlchemyError, ImportError) as exc:
            raise StorageError(f"cannot open database {self.url!r}: {exc}") from exc
        self.dialect = backend
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: True})
        self._read_sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(bind=self._write_engine, expire_on_commit=False)
        # The in-memory database is one shared connection: transactions must not interleave.
        self._lock: AbstractContextManager[Any] = (
            threading.RLock()
            if backend == "sqlite" and _is_memory_sqlite(self.url)
            else nullcontext()
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    def _run(self, what: str, work: Callable[[Session], T], *, write: bool = True) -> T:
        """Run ``work`` in one transaction, retrying lock conflicts, wrapping DB errors."""
        sessions = self._write_sessions if write else self._read_sessions
        attempt = 0
        while True:
            try:
                with self._lock, sessions() as session, session.begin():
                    return work(session)
            except DBAPIError as exc:
                if attempt < _RETRIES and _is_retryable(exc):
                    attempt += 1
                    time.sleep(_RETRY_DELAY_SECONDS * 2**attempt)
                    continue
                raise StorageError(f"{what} failed: {_describe(exc)}") from exc
            except StatementError as exc:
                # A bind value the column types refused, e.g. a naive datetime.
                if isinstance(exc.orig, ValueError):
                    raise exc.orig from None
                raise StorageError(f"{what} failed: {_describe(exc)}") from exc
            except SQLAlchemyError as exc:
                raise StorageError(f"{what} failed: {_describe(exc)}") from exc

    def migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        try:
            with self._lock, self._write_engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    # Processes starting together on a fresh database take turns; the lock
                    # goes with the transaction.
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            raise StorageError(f"migrating the database failed: {_describe(exc)}") from exc
        except CommandError as exc:
            raise StorageError(f"migrating the database failed: {exc}") from exc

    def close(self) -> None:
        self.engine.dispose()
