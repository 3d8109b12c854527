"""Story updates: what each channel or user was told of a story after its digest, and the
channels whose admins turned updates off.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "story_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("story_id", sa.String(), nullable=False),
        sa.Column("article_ids", sa.JSON(), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["digests.id"],
            name=op.f("fk_story_updates_digest_id_digests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_updates")),
    )
    op.create_index(
        op.f("ix_story_updates_target_kind_target_id_story_id"),
        "story_updates",
        ["target_kind", "target_id", "story_id"],
    )
    op.create_index(op.f("ix_story_updates_digest_id"), "story_updates", ["digest_id"])
    op.create_index(op.f("ix_story_updates_created_at"), "story_updates", ["created_at"])
    op.create_table(
        "story_update_channels",
        sa.Column("channel_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_story_update_channels")),
    )
    op.create_index(
        op.f("ix_story_update_channels_guild_id"), "story_update_channels", ["guild_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_story_update_channels_guild_id"), table_name="story_update_channels")
    op.drop_table("story_update_channels")
    op.drop_index(op.f("ix_story_updates_created_at"), table_name="story_updates")
    op.drop_index(op.f("ix_story_updates_digest_id"), table_name="story_updates")
    op.drop_index(
        op.f("ix_story_updates_target_kind_target_id_story_id"), table_name="story_updates"
    )
    op.drop_table("story_updates")
