"""Initial schema: feeds, articles, stories, briefings, guild scope, schedules, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    # The models' UtcDateTime stores through this type; the migration needs only the column type.
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("last_modified", sa.String(), nullable=True),
        sa.Column("last_fetched_at", _utc(), nullable=True),
        sa.Column("last_success_at", _utc(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_warning", sa.Text(), nullable=True),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("next_fetch_at", _utc(), nullable=True),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("from_config", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeds")),
        sa.UniqueConstraint("url", name=op.f("uq_feeds_url")),
    )
    op.create_table(
        "stories",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
    )
    op.create_index(op.f("ix_stories_created_at"), "stories", ["created_at"])
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_url", sa.String(), nullable=False),
        sa.Column("entry_id", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("canonical_url", sa.String(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("author", sa.String(), nullable=True),
        sa.Column("published", _utc(), nullable=True),
        sa.Column("fetched_at", _utc(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("image_url", sa.String(), nullable=True),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("story_id", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_articles_story_id_stories"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("feed_url", "entry_id", name=op.f("uq_articles_feed_url_entry_id")),
    )
    op.create_index(op.f("ix_articles_canonical_url"), "articles", ["canonical_url"])
    op.create_index(op.f("ix_articles_content_hash"), "articles", ["content_hash"])
    op.create_index(op.f("ix_articles_fetched_at"), "articles", ["fetched_at"])
    op.create_index(op.f("ix_articles_story_id"), "articles", ["story_id"])
    op.create_table(
        "briefings",
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("key_facts", sa.JSON(), nullable=False),
        sa.Column("why_it_matters", sa.Text(), nullable=True),
        sa.Column("summarizer", sa.String(length=32), nullable=False),
        sa.Column("dropped_facts", sa.Integer(), nullable=False),
        sa.Column("fallback_reason", sa.Text(), nullable=True),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("content_hash", name=op.f("pk_briefings")),
    )
    op.create_table(
        "token_usage",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_token_usage")),
    )
    op.create_table(
        "guild_feeds",
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name=op.f("fk_guild_feeds_feed_id_feeds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("guild_id", "feed_id", name=op.f("pk_guild_feeds")),
    )
    op.create_index(op.f("ix_guild_feeds_feed_id"), "guild_feeds", ["feed_id"])
    op.create_table(
        "schedules",
        sa.Column("channel_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("cron", sa.String(), nullable=True),
        sa.Column("times", sa.JSON(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=True),
        sa.Column("last_run_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_schedules")),
    )
    op.create_index(op.f("ix_schedules_guild_id"), "schedules", ["guild_id"])
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("story_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
    )
    op.create_index(op.f("ix_digests_status"), "digests", ["status"])
    op.create_index(
        op.f("ix_digests_target_kind_target_id_status"),
        "digests",
        ["target_kind", "target_id", "status"],
    )
    op.create_table(
        "digest_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.Column("remote_id", sa.String(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["digests.id"],
            name=op.f("fk_digest_messages_digest_id_digests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_messages")),
        sa.UniqueConstraint("digest_id", "seq", name=op.f("uq_digest_messages_digest_id_seq")),
    )
    op.create_table(
        "posted_stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("story_id", sa.String(), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["digests.id"],
            name=op.f("fk_posted_stories_digest_id_digests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posted_stories")),
        sa.UniqueConstraint(
            "target_kind",
            "target_id",
            "story_id",
            name=op.f("uq_posted_stories_target_kind_target_id_story_id"),
        ),
    )
    op.create_index(op.f("ix_posted_stories_digest_id"), "posted_stories", ["digest_id"])
    op.create_table(
        "subscriptions",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id", "topic", name=op.f("pk_subscriptions")),
    )
    op.create_index(op.f("ix_subscriptions_guild_id_topic"), "subscriptions", ["guild_id", "topic"])


def downgrade() -> None:
    # Dropping a table drops its indexes; children go before the tables they reference.
    for table in (
        "subscriptions",
        "posted_stories",
        "digest_messages",
        "digests",
        "schedules",
        "guild_feeds",
        "token_usage",
        "briefings",
        "articles",
        "stories",
        "feeds",
    ):
        op.drop_table(table)
