"""How channels get their digests laid out, and where failing-feed notices go
(``ChannelStore``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from digests.store.models import ChannelFormatRow, FeedNoticeRow, NoticeChannelRow
from digests.store.records import ChannelFormat, DigestRecord, FeedNoticeState
from digests.store.sql import _rows
from digests.store.sql._base import SqlStoreBase, aware, aware_or_none, get_or_add
from digests.store.sql._outbox import queue_digest

_STYLES = frozenset({"full", "compact", "headlines", "custom"})
_NOTICES = frozenset({"failing", "back"})


class ChannelsMixin(SqlStoreBase):
    def set_channel_format(self, fmt: ChannelFormat, *, now: datetime) -> ChannelFormat:
        now = aware(now, "now")
        if fmt.style not in _STYLES:
            raise ValueError(f"style must be one of {sorted(_STYLES)}, got {fmt.style!r}")
        if (fmt.style == "custom") != bool(fmt.template):
            raise ValueError("a custom format needs a template, and only a custom one has one")

        def work(session: Session) -> ChannelFormat:
            row = get_or_add(session, ChannelFormatRow, channel_id=fmt.channel_id)
            row.community_id = fmt.community_id
            row.style = fmt.style
            row.template = fmt.template
            row.updated_at = now
            session.flush()
            return _rows.channel_format(row)

        return self._run(f"setting the format of channel {fmt.channel_id}", work)

    def channel_format(self, community_id: int, channel_id: int) -> ChannelFormat | None:
        def work(session: Session) -> ChannelFormat | None:
            row = session.get(ChannelFormatRow, channel_id)
            if row is None or row.community_id != community_id:
                return None
            return _rows.channel_format(row)

        return self._run(f"reading the format of channel {channel_id}", work, write=False)

    def set_notice_channel(self, community_id: int, channel_id: int, *, now: datetime) -> None:
        now = aware(now, "now")

        def work(session: Session) -> None:
            row = get_or_add(session, NoticeChannelRow, community_id=community_id)
            row.channel_id = channel_id
            row.updated_at = now

        self._run(f"setting the notice channel of community {community_id}", work)

    def notice_channels(self) -> dict[int, int]:
        def work(session: Session) -> dict[int, int]:
            rows = session.scalars(select(NoticeChannelRow))
            return {r.community_id: r.channel_id for r in rows}

        return self._run("listing notice channels", work, write=False)

    def feed_notice_states(self, community_id: int) -> list[FeedNoticeState]:
        def work(session: Session) -> list[FeedNoticeState]:
            stmt = (
                select(FeedNoticeRow)
                .where(FeedNoticeRow.community_id == community_id)
                .order_by(FeedNoticeRow.feed_url)
            )
            return [_rows.feed_notice(r) for r in session.scalars(stmt)]

        return self._run(f"reading the feed notices of community {community_id}", work, write=False)

    def save_feed_notices(
        self,
        community_id: int,
        states: Sequence[FeedNoticeState],
        *,
        channel_id: int,
        payloads: Sequence[dict[str, object]],
        now: datetime,
    ) -> DigestRecord | None:
        now = aware(now, "now")
        checked = [_checked_state(community_id, s) for s in states]

        def work(session: Session) -> DigestRecord | None:
            session.execute(delete(FeedNoticeRow).where(FeedNoticeRow.community_id == community_id))
            session.add_all(
                FeedNoticeRow(
                    community_id=community_id,
                    feed_url=s.feed_url,
                    failing_since=s.failing_since,
                    notice=s.notice,
                    noticed_at=s.noticed_at,
                )
                for s in checked
            )
            session.flush()
            if not payloads:
                return None
            return queue_digest(
                session,
                community_id=community_id,
                target_kind="channel",
                target_id=channel_id,
                story_ids=(),
                payloads=payloads,
                now=now,
            )

        return self._run(f"saving the feed notices of community {community_id}", work)


def _checked_state(community_id: int, state: FeedNoticeState) -> FeedNoticeState:
    if state.community_id != community_id:
        raise ValueError(f"a notice state of community {state.community_id} in {community_id}")
    if state.notice is not None and state.notice not in _NOTICES:
        raise ValueError(f"notice must be one of {sorted(_NOTICES)}, got {state.notice!r}")
    aware_or_none(state.failing_since, "failing_since")
    aware_or_none(state.noticed_at, "noticed_at")
    return state
