"""Storage: one contract (``Store``), SQLAlchemy backend for SQLite and PostgreSQL."""

from digests.store.base import (
    DigestRecord,
    OutboxMessage,
    Schedule,
    Store,
    UpsertResult,
)

__all__ = ["DigestRecord", "OutboxMessage", "Schedule", "Store", "UpsertResult", "open_store"]


def open_store(url: str) -> Store:
    """Open (and migrate) the store at a SQLAlchemy URL."""
    from digests.store.sql import SqlStore

    store = SqlStore(url)
    store.migrate()
    return store
