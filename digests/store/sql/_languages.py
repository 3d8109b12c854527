"""The language admins chose for each channel's briefings (``LanguageStore``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from digests.store.models import ChannelLanguageRow
from digests.store.sql._base import SqlStoreBase, aware, get_or_add


class LanguagesMixin(SqlStoreBase):
    def set_channel_language(
        self, community_id: int, channel_id: int, language: str | None, *, now: datetime
    ) -> None:
        now = aware(now, "now")

        def work(session: Session) -> None:
            if language is None:
                session.execute(
                    delete(ChannelLanguageRow).where(
                        ChannelLanguageRow.channel_id == channel_id,
                        ChannelLanguageRow.community_id == community_id,
                    )
                )
                return
            row = get_or_add(session, ChannelLanguageRow, channel_id=channel_id)
            row.community_id = community_id
            row.language = language
            row.updated_at = now

        self._run(f"setting the language of channel {channel_id}", work)

    def channel_languages(self, community_id: int) -> dict[int, str]:
        def work(session: Session) -> dict[int, str]:
            stmt = select(ChannelLanguageRow).where(ChannelLanguageRow.community_id == community_id)
            return {row.channel_id: row.language for row in session.scalars(stmt)}

        return self._run(
            f"reading the channel languages of community {community_id}", work, write=False
        )
