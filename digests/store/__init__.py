"""Storage: one contract (``Store``, the union of per-domain roles), its records, and the
SQLAlchemy backend for SQLite and PostgreSQL."""

from digests.store.base import (
    ArticleStore,
    BriefingStore,
    ChannelStore,
    CommunityStore,
    FeedStore,
    FilterStore,
    LanguageStore,
    OutboxStore,
    ScheduleStore,
    Store,
    StoryStore,
    SubscriptionStore,
    TokenStore,
    TopicRoleStore,
)
from digests.store.records import (
    ChannelFormat,
    DigestRecord,
    DigestStatus,
    FeedNoticeState,
    FetchSuccess,
    FilterRecord,
    FormatStyle,
    NewStory,
    OutboxMessage,
    PruneReport,
    Schedule,
    StoryRank,
    TargetKind,
    UpsertResult,
    UpsertStatus,
)

__all__ = [
    "ArticleStore",
    "BriefingStore",
    "ChannelFormat",
    "ChannelStore",
    "CommunityStore",
    "DigestRecord",
    "DigestStatus",
    "FeedNoticeState",
    "FeedStore",
    "FetchSuccess",
    "FormatStyle",
    "FilterRecord",
    "FilterStore",
    "LanguageStore",
    "NewStory",
    "OutboxMessage",
    "OutboxStore",
    "PruneReport",
    "Schedule",
    "ScheduleStore",
    "Store",
    "StoryRank",
    "StoryStore",
    "SubscriptionStore",
    "TargetKind",
    "TokenStore",
    "TopicRoleStore",
    "UpsertResult",
    "UpsertStatus",
    "open_store",
]


def open_store(url: str) -> Store:
    """Open (and migrate) the store at a SQLAlchemy URL."""
    from digests.store.sql import SqlStore

    store = SqlStore(url)
    store.migrate()
    return store
