"""Storage: one contract (``Store``), SQLAlchemy backend for SQLite and PostgreSQL."""

from digests.store.base import (
    DigestRecord,
    FetchSuccess,
    NewStory,
    OutboxMessage,
    PruneReport,
    Schedule,
    Store,
    StoryRank,
    UpsertResult,
)

__all__ = [
    "DigestRecord",
    "FetchSuccess",
    "NewStory",
    "OutboxMessage",
    "PruneReport",
    "Schedule",
    "Store",
    "StoryRank",
    "UpsertResult",
    "open_store",
]


def open_store(url: str) -> Store:
    """Open (and migrate) the store at a SQLAlchemy URL."""
    from digests.store.sql import SqlStore

    store = SqlStore(url)
    store.migrate()
    return store
