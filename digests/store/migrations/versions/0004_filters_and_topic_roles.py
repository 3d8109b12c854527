"""Channel filter rules and the roles a digest mentions for a topic.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("feed_url", sa.String(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("pattern", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filters")),
    )
    op.create_index(op.f("ix_filters_guild_id_channel_id"), "filters", ["guild_id", "channel_id"])
    op.create_table(
        "topic_roles",
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("role_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "topic", name=op.f("pk_topic_roles")),
    )


def downgrade() -> None:
    op.drop_table("topic_roles")
    op.drop_index(op.f("ix_filters_guild_id_channel_id"), table_name="filters")
    op.drop_table("filters")
