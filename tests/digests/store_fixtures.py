"""A ``store`` fixture: a migrated SqlStore on every backend (SQLite memory/file, PostgreSQL).

Use it from a test module with ``from tests.digests.store_fixtures import store_fixture``;
the fixture is named ``store``.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from digests.store.sql import SqlStore, normalize_url

PG_URL_ENV = "NEWSDIGEST_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

BACKENDS = [
    pytest.param("sqlite-memory", id="sqlite-memory"),
    pytest.param("sqlite-file", id="sqlite-file"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def pg_url() -> str:
    """The PostgreSQL server the tests use."""
    return os.environ.get(PG_URL_ENV, DEFAULT_PG_URL)


@functools.cache
def pg_unreachable(url: str) -> str | None:
    """Why the server cannot be used, or None when it answers; asked once per run."""
    engine = create_engine(
        normalize_url(url), poolclass=NullPool, connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect():
            return None
    except SQLAlchemyError as exc:
        detail = getattr(exc, "orig", None) or exc
        return str(detail).strip().splitlines()[0] if str(detail).strip() else repr(detail)
    finally:
        engine.dispose()


@contextmanager
def pg_schema(url: str) -> Iterator[str]:
    """A fresh schema for one test, dropped with everything in it afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    admin = create_engine(normalize_url(url), poolclass=NullPool)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        try:
            yield name
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    finally:
        admin.dispose()


@contextmanager
def open_test_store(backend: str, tmp_path: Path) -> Iterator[SqlStore]:
    """A migrated, empty store on ``backend``; skips when PostgreSQL is not reachable."""
    if backend == "sqlite-memory":
        store = SqlStore("sqlite://")
    elif backend == "sqlite-file":
        store = SqlStore(f"sqlite:///{tmp_path / 'db' / 'newsdigest.db'}")
    elif backend == "postgresql":
        url = pg_url()
        reason = pg_unreachable(url)
        if reason is not None:
            pytest.skip(f"PostgreSQL not reachable at {url}: {reason}")
        with pg_schema(url) as schema:
            store = SqlStore(url, connect_args={"options": f"-csearch_path={schema}"})
            try:
                store.migrate()
                yield store
            finally:
                store.close()
        return
    else:
        raise ValueError(f"unknown store backend {backend!r}")
    try:
        store.migrate()
        yield store
    finally:
        store.close()


@pytest.fixture(name="store", params=BACKENDS)
def store_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """A migrated, empty SqlStore, once per backend."""
    with open_test_store(request.param, tmp_path) as store:
        yield store
