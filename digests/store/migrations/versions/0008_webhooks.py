"""Channel webhooks with their identities (per channel and per feed), the webhook
executions of outbox messages that were started, and announcement-channel publishes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "channel_webhooks",
        sa.Column("channel_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("webhook_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("avatar_url", sa.String(length=2048), nullable=True),
        sa.Column("updated_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channel_webhooks")),
    )
    op.create_index(op.f("ix_channel_webhooks_guild_id"), "channel_webhooks", ["guild_id"])
    op.create_table(
        "webhook_feed_identities",
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("feed_url", sa.String(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("avatar_url", sa.String(length=2048), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel_webhooks.channel_id"],
            name=op.f("fk_webhook_feed_identities_channel_id_channel_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", "feed_url", name=op.f("pk_webhook_feed_identities")),
    )
    op.create_table(
        "webhook_sends",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.BigInteger(), nullable=False),
        sa.Column("after_id", sa.BigInteger(), nullable=True),
        sa.Column("started_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["digest_messages.id"],
            name=op.f("fk_webhook_sends_message_id_digest_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_webhook_sends")),
    )
    op.create_table(
        "channel_publishes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("remote_id", sa.String(length=32), nullable=False),
        sa.Column("published_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_publishes")),
    )
    op.create_index(
        op.f("ix_channel_publishes_channel_id_published_at"),
        "channel_publishes",
        ["channel_id", "published_at"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_channel_publishes_channel_id_published_at"), table_name="channel_publishes"
    )
    op.drop_table("channel_publishes")
    op.drop_table("webhook_sends")
    op.drop_table("webhook_feed_identities")
    op.drop_index(op.f("ix_channel_webhooks_guild_id"), table_name="channel_webhooks")
    op.drop_table("channel_webhooks")
