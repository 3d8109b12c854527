"""Per-channel digest formats, each community's notice channel and what the failing-feed
check last noted per feed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "channel_formats",
        sa.Column("channel_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("style", sa.String(length=16), nullable=False),
        sa.Column("template", sa.Text(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channel_formats")),
    )
    op.create_index(op.f("ix_channel_formats_guild_id"), "channel_formats", ["guild_id"])
    op.create_table(
        "notice_channels",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_notice_channels")),
    )
    op.create_table(
        "feed_notices",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("feed_url", sa.String(), nullable=False),
        sa.Column("failing_since", _utc(), nullable=True),
        sa.Column("notice", sa.String(length=16), nullable=True),
        sa.Column("noticed_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", "feed_url", name=op.f("pk_feed_notices")),
    )


def downgrade() -> None:
    op.drop_table("feed_notices")
    op.drop_table("notice_channels")
    op.drop_index(op.f("ix_channel_formats_guild_id"), table_name="channel_formats")
    op.drop_table("channel_formats")
