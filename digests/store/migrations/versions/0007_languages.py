"""Languages: each article's language, the language of each cached briefing, and the
language admins chose for a channel's briefings.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Articles stored before are of no known language: "und", until they are fetched again.
    with op.batch_alter_table("articles") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=35), server_default="und", nullable=False)
        )
    with op.batch_alter_table("briefings") as batch:
        batch.add_column(sa.Column("language", sa.String(length=35), nullable=True))
    op.create_table(
        "channel_languages",
        sa.Column("channel_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channel_languages")),
    )
    op.create_index(op.f("ix_channel_languages_guild_id"), "channel_languages", ["guild_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_channel_languages_guild_id"), table_name="channel_languages")
    op.drop_table("channel_languages")
    with op.batch_alter_table("briefings") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("language")
