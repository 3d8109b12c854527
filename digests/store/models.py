"""SQLAlchemy table models of the SQL store; the Alembic migrations create exactly these."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names, so later migrations can refer to them by name on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A datetime column that only accepts aware datetimes and always returns aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: pass aware UTC")
        value = value.astimezone(UTC)
        # SQLite has no timezone type; naive UTC text keeps string comparison in time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base holding the store's metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {datetime: UtcDateTime, date: Date}


class FeedRow(Base):
    """A feed with its fetch health; ``from_config`` feeds survive their last community leaving."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String, unique=True)
    name: Mapped[str | None] = mapped_column(String)
    title: Mapped[str | None] = mapped_column(String)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    etag: Mapped[str | None] = mapped_column(String)
    last_modified: Mapped[str | None] = mapped_column(String)
    last_fetched_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_warning: Mapped[str | None] = mapped_column(Text)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    next_fetch_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    from_config: Mapped[bool] = mapped_column(Boolean, default=False)


class StoryRow(Base):
    """A story: a group of articles reporting the same event."""

    __tablename__ = "stories"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(index=True)


class ArticleRow(Base):
    """An article; ``feed_url`` is plain text so articles outlive their feed."""

    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("feed_url", "entry_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_url: Mapped[str] = mapped_column(String)
    entry_id: Mapped[str] = mapped_column(String)
    url: Mapped[str | None] = mapped_column(String)
    canonical_url: Mapped[str | None] = mapped_column(String, index=True)
    title: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String)
    published: Mapped[datetime | None]
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    text: Mapped[str] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String)
    content_hash: Mapped[str] = mapped_column(String, index=True)
    source_hash: Mapped[str | None] = mapped_column(String)
    categories: Mapped[list[str] | None] = mapped_column(JSON)
    story_id: Mapped[str | None] = mapped_column(
        ForeignKey("stories.id", ondelete="SET NULL"), index=True
    )
    # An IETF tag; "und" when unknown (and for the articles stored before languages were).
    language: Mapped[str] = mapped_column(String(35), default="und", server_default="und")
    # Clustering's signature of the article (``digests.stored_signatures``), stored when the
    # article is first clustered; deferred, so reading articles does not read it.
    signature: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class BriefingRow(Base):
    """A cached briefing keyed by the hash of its summary input."""

    __tablename__ = "briefings"

    content_hash: Mapped[str] = mapped_column(String, primary_key=True)
    headline: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    key_facts: Mapped[list[str]] = mapped_column(JSON, default=list)
    why_it_matters: Mapped[str | None] = mapped_column(Text)
    summarizer: Mapped[str] = mapped_column(String(32))
    dropped_facts: Mapped[int] = mapped_column(Integer, default=0)
    fallback_reason: Mapped[str | None] = mapped_column(Text)
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    language: Mapped[str | None] = mapped_column(String(35))


class TokenUsageRow(Base):
    """LLM tokens spent on one UTC day."""

    __tablename__ = "token_usage"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    tokens: Mapped[int] = mapped_column(BigInteger, default=0)


class CommunityFeedRow(Base):
    """A feed a community added itself (the table keeps its first name)."""

    __tablename__ = "guild_feeds"

    community_id: Mapped[int] = mapped_column("guild_id", BigInteger, primary_key=True)
    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ScheduleRow(Base):
    """When a channel gets digests; channel ids are unique across communities."""

    __tablename__ = "schedules"

    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    community_id: Mapped[int] = mapped_column("guild_id", BigInteger, index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    cron: Mapped[str | None] = mapped_column(String)
    times: Mapped[list[str]] = mapped_column(JSON, default=list)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]


class DigestRow(Base):
    """The header of a digest in the outbox."""

    __tablename__ = "digests"
    __table_args__ = (Index(None, "target_kind", "target_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column("guild_id", BigInteger)
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(BigInteger)
    story_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), index=True)
    error: Mapped[str | None] = mapped_column(Text)


class DigestMessageRow(Base):
    """One message of a digest, delivered in ``seq`` order."""

    __tablename__ = "digest_messages"
    __table_args__ = (UniqueConstraint("digest_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    sent_at: Mapped[datetime | None]
    remote_id: Mapped[str | None] = mapped_column(String)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class PostedStoryRow(Base):
    """A story claimed for a channel or user; the key makes a second claim fail."""

    __tablename__ = "posted_stories"
    __table_args__ = (UniqueConstraint("target_kind", "target_id", "story_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(BigInteger)
    story_id: Mapped[str] = mapped_column(String)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"), index=True)


class SubscriptionRow(Base):
    """A user's subscription to a topic within a community."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index(None, "guild_id", "topic"),)

    community_id: Mapped[int] = mapped_column(
        "guild_id", BigInteger, primary_key=True, autoincrement=False
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    topic: Mapped[str] = mapped_column(String(100), primary_key=True)


class ChannelFormatRow(Base):
    """The layout a channel's digests are rendered in."""

    __tablename__ = "channel_formats"

    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    community_id: Mapped[int] = mapped_column("guild_id", BigInteger, index=True)
    style: Mapped[str] = mapped_column(String(16))
    template: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None]


class ChannelLanguageRow(Base):
    """The language a channel's briefings are written in, when an admin chose one."""

    __tablename__ = "channel_languages"

    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    community_id: Mapped[int] = mapped_column("guild_id", BigInteger, index=True)
    language: Mapped[str] = mapped_column(String(35))
    updated_at: Mapped[datetime | None]


class NoticeChannelRow(Base):
    """The admin channel of a community that gets failing-feed notices."""

    __tablename__ = "notice_channels"

    community_id: Mapped[int] = mapped_column(
        "guild_id", BigInteger, primary_key=True, autoincrement=False
    )
    channel_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime | None]


class FeedNoticeRow(Base):
    """What the failing-feed check last noted of one feed of a community."""

    __tablename__ = "feed_notices"

    community_id: Mapped[int] = mapped_column(
        "guild_id", BigInteger, primary_key=True, autoincrement=False
    )
    feed_url: Mapped[str] = mapped_column(String, primary_key=True)
    failing_since: Mapped[datetime | None]
    notice: Mapped[str | None] = mapped_column(String(16))
    noticed_at: Mapped[datetime | None]


class FilterRow(Base):
    """An include or exclude rule of one channel's digests, for every feed or one feed."""

    __tablename__ = "filters"
    __table_args__ = (Index(None, "guild_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column("guild_id", BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    feed_url: Mapped[str | None] = mapped_column(String)
    action: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    pattern: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class TopicRoleRow(Base):
    """The role a community's digests mention when they carry a story of a topic."""

    __tablename__ = "topic_roles"

    community_id: Mapped[int] = mapped_column(
        "guild_id", BigInteger, primary_key=True, autoincrement=False
    )
    topic: Mapped[str] = mapped_column(String(100), primary_key=True)
    role_id: Mapped[int] = mapped_column(BigInteger)


class ChannelWebhookRow(Base):
    """The webhook the bot owns in a channel and the identity it posts under."""

    __tablename__ = "channel_webhooks"

    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    community_id: Mapped[int] = mapped_column("guild_id", BigInteger, index=True)
    webhook_id: Mapped[int] = mapped_column(BigInteger)
    token: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(80))
    avatar_url: Mapped[str | None] = mapped_column(String(2048))
    updated_at: Mapped[datetime | None]


class WebhookFeedIdentityRow(Base):
    """The identity a channel's webhook posts a digest of one feed under."""

    __tablename__ = "webhook_feed_identities"

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel_webhooks.channel_id", ondelete="CASCADE"), primary_key=True
    )
    feed_url: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    avatar_url: Mapped[str | None] = mapped_column(String(2048))


class WebhookSendRow(Base):
    """A webhook execution of an outbox message that was started, for a safe resend."""

    __tablename__ = "webhook_sends"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("digest_messages.id", ondelete="CASCADE"), primary_key=True
    )
    webhook_id: Mapped[int] = mapped_column(BigInteger)
    after_id: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[datetime]


class ChannelPublishRow(Base):
    """A message published (crossposted) from an announcement channel."""

    __tablename__ = "channel_publishes"
    __table_args__ = (Index(None, "channel_id", "published_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    remote_id: Mapped[str] = mapped_column(String(32))
    published_at: Mapped[datetime]


class StoryUpdateRow(Base):
    """What a target was told of a story after its digest: the articles covered, the new
    facts and sources, and how it went out (see ``StoryUpdateRecord``)."""

    __tablename__ = "story_updates"
    __table_args__ = (Index(None, "target_kind", "target_id", "story_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column("guild_id", BigInteger)
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(BigInteger)
    story_id: Mapped[str] = mapped_column(String)
    article_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    delivery: Mapped[str] = mapped_column(String(16))
    headline: Mapped[str] = mapped_column(Text, default="")
    facts: Mapped[list[str]] = mapped_column(JSON, default=list)
    sources: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    pending: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("digests.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(index=True)


class UpdateChannelRow(Base):
    """A channel whose admins turned story updates off (no row: on)."""

    __tablename__ = "story_update_channels"

    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    community_id: Mapped[int] = mapped_column("guild_id", BigInteger, index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime | None]
