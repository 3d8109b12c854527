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
    PublishStore,
    ScheduleStore,
    Store,
    StoryStore,
    StoryUpdateStore,
    SubscriptionStore,
    TokenStore,
    TopicRoleStore,
    WebhookStore,
)
from digests.store.records import (
    ChannelFormat,
    ChannelWebhook,
    DigestRecord,
    DigestStatus,
    FeedNoticeState,
    FetchSuccess,
    FilterRecord,
    FormatStyle,
    NewStory,
    OutboxMessage,
    PostedStory,
    PruneReport,
    Schedule,
    StoryRank,
    StoryUpdateDraft,
    StoryUpdateRecord,
    TargetKind,
    UpsertResult,
    UpsertStatus,
    WebhookIdentity,
    WebhookSend,
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
    "PostedStory",
    "PruneReport",
    "Schedule",
    "ScheduleStore",
    "Store",
    "StoryRank",
    "StoryStore",
    "StoryUpdateDraft",
    "StoryUpdateRecord",
    "StoryUpdateStore",
    "SubscriptionStore",
    "TargetKind",
    "TokenStore",
    "TopicRoleStore",
    "UpsertResult",
    "UpsertStatus",
    "WebhookIdentity",
    "WebhookSend",
    "WebhookStore",
    "PublishStore",
    "ChannelWebhook",
    "open_store",
]


def open_store(url: str) -> Store:
    """Open (and migrate) the store at a SQLAlchemy URL."""
    from digests.store.sql import SqlStore

    store = SqlStore(url)
    store.migrate()
    return store
