"""Story updates: what targets were told of stories after their digests, and the channels
that want none (``StoryUpdateStore``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from digests.errors import NotFoundError
from digests.store.models import (
    DigestMessageRow,
    DigestRow,
    PostedStoryRow,
    StoryUpdateRow,
    UpdateChannelRow,
)
from digests.store.records import (
    PostedStory,
    StoryUpdateDraft,
    StoryUpdateRecord,
    TargetKind,
    UpdateDelivery,
)
from digests.store.sql._base import SqlStoreBase, aware, checked_kind, get_or_add
from digests.store.sql._outbox import queue_digest

_DELIVERIES = frozenset({"thread", "developing", "quiet"})


class StoryUpdatesMixin(SqlStoreBase):
    def set_story_updates(
        self, community_id: int, channel_id: int, enabled: bool, *, now: datetime
    ) -> None:
        now = aware(now, "now")

        def work(session: Session) -> None:
            row = get_or_add(session, UpdateChannelRow, channel_id=channel_id)
            row.community_id = community_id
            row.enabled = enabled
            row.updated_at = now

        self._run(f"turning story updates of channel {channel_id} {_on(enabled)}", work)

    def story_updates_enabled(self, community_id: int, channel_id: int) -> bool:
        def work(session: Session) -> bool:
            row = session.get(UpdateChannelRow, channel_id)
            return row is None or row.community_id != community_id or row.enabled

        return self._run(f"reading story updates of channel {channel_id}", work, write=False)

    def channels_without_updates(self) -> set[int]:
        def work(session: Session) -> set[int]:
            stmt = select(UpdateChannelRow.channel_id).where(UpdateChannelRow.enabled.is_(False))
            return set(session.scalars(stmt))

        return self._run("listing channels without story updates", work, write=False)

    def posted_stories_since(self, since: datetime) -> list[PostedStory]:
        since = aware(since, "since")

        def work(session: Session) -> list[PostedStory]:
            digests = session.scalars(
                select(DigestRow)
                .where(DigestRow.status == "sent", DigestRow.created_at >= since)
                .order_by(DigestRow.id)
            ).all()
            if not digests:
                return []
            ids = [d.id for d in digests]
            claims = session.execute(
                select(PostedStoryRow.digest_id, PostedStoryRow.story_id).where(
                    PostedStoryRow.digest_id.in_(ids)
                )
            ).all()
            messages: dict[int, list[DigestMessageRow]] = {}
            for m in session.scalars(
                select(DigestMessageRow)
                .where(DigestMessageRow.digest_id.in_(ids))
                .order_by(DigestMessageRow.seq)
            ):
                messages.setdefault(m.digest_id, []).append(m)
            by_id = {d.id: d for d in digests}
            out = []
            for digest_id, story_id in sorted(claims):
                digest = by_id[digest_id]
                rows = messages.get(digest_id, [])
                head = rows[0].remote_id if rows else None
                out.append(
                    PostedStory(
                        community_id=digest.community_id,
                        target_kind=checked_kind(digest.target_kind),
                        target_id=digest.target_id,
                        story_id=story_id,
                        digest_id=digest_id,
                        posted_at=digest.created_at,
                        message_remote_id=_carrier(rows, story_id) or head,
                        head_remote_id=head,
                    )
                )
            return out

        return self._run("listing stories posted recently", work, write=False)

    def story_updates_since(self, since: datetime) -> list[StoryUpdateRecord]:
        since = aware(since, "since")

        def work(session: Session) -> list[StoryUpdateRecord]:
            stmt = (
                select(StoryUpdateRow)
                .where(StoryUpdateRow.created_at >= since)
                .order_by(StoryUpdateRow.id)
            )
            return [_record(r) for r in session.scalars(stmt)]

        return self._run("listing recent story updates", work, write=False)

    def save_story_updates(
        self, drafts: Sequence[StoryUpdateDraft], *, now: datetime
    ) -> list[StoryUpdateRecord]:
        now = aware(now, "now")
        for draft in drafts:
            if draft.delivery not in _DELIVERIES:
                raise ValueError(f"delivery must be one of {sorted(_DELIVERIES)}")
            if (draft.delivery == "thread") != bool(draft.payloads):
                raise ValueError("a thread update needs payloads, and only a thread update")
            checked_kind(draft.target_kind)

        def work(session: Session) -> list[StoryUpdateRecord]:
            rows = []
            for draft in drafts:
                digest_id = None
                if draft.payloads:
                    digest_id = queue_digest(
                        session,
                        community_id=draft.community_id,
                        target_kind=draft.target_kind,
                        target_id=draft.target_id,
                        story_ids=(),
                        payloads=draft.payloads,
                        now=now,
                    ).id
                row = StoryUpdateRow(
                    community_id=draft.community_id,
                    target_kind=draft.target_kind,
                    target_id=draft.target_id,
                    story_id=draft.story_id,
                    article_ids=list(draft.article_ids),
                    delivery=draft.delivery,
                    headline=draft.headline,
                    facts=list(draft.facts),
                    sources=[list(s) for s in draft.sources],
                    pending=draft.delivery == "developing",
                    digest_id=digest_id,
                    created_at=now,
                )
                session.add(row)
                rows.append(row)
            session.flush()
            return [_record(r) for r in rows]

        return self._run(f"saving {len(drafts)} story updates", work)

    def developing_updates(
        self, target_kind: TargetKind, target_id: int
    ) -> list[StoryUpdateRecord]:
        kind = checked_kind(target_kind)

        def work(session: Session) -> list[StoryUpdateRecord]:
            stmt = (
                select(StoryUpdateRow)
                .where(
                    StoryUpdateRow.target_kind == kind,
                    StoryUpdateRow.target_id == target_id,
                    StoryUpdateRow.pending.is_(True),
                )
                .order_by(StoryUpdateRow.id)
            )
            return [_record(r) for r in session.scalars(stmt)]

        return self._run(f"listing updates waiting for {kind} {target_id}", work, write=False)

    def defer_story_update(self, message_id: int, *, now: datetime) -> None:
        now = aware(now, "now")

        def work(session: Session) -> None:
            message = session.get(DigestMessageRow, message_id)
            if message is None:
                raise NotFoundError(f"no outbox message {message_id}")
            if message.sent_at is not None:
                return
            message.sent_at = now
            digest = session.get(DigestRow, message.digest_id)
            if digest is not None and digest.status == "pending":
                digest.status = "sent"
            for row in session.scalars(
                select(StoryUpdateRow).where(StoryUpdateRow.digest_id == message.digest_id)
            ):
                row.delivery = "developing"
                row.pending = True
                row.digest_id = None

        self._run(f"moving the update of message {message_id} to the next digest", work)


def _on(enabled: bool) -> str:
    return "on" if enabled else "off"


def _carrier(messages: Sequence[DigestMessageRow], story_id: str) -> str | None:
    """The remote id of the first message whose payload says it carries the story."""
    for m in messages:
        listed = m.payload.get("story_ids") if isinstance(m.payload, dict) else None
        if isinstance(listed, list) and story_id in listed:
            return m.remote_id
    return None


def _record(row: StoryUpdateRow) -> StoryUpdateRecord:
    return StoryUpdateRecord(
        id=row.id,
        community_id=row.community_id,
        target_kind=checked_kind(row.target_kind),
        target_id=row.target_id,
        story_id=row.story_id,
        article_ids=tuple(int(i) for i in row.article_ids or ()),
        delivery=cast(UpdateDelivery, row.delivery),
        created_at=row.created_at,
        headline=row.headline or "",
        facts=tuple(row.facts or ()),
        sources=tuple((str(s[0]), str(s[1])) for s in row.sources or () if len(s) == 2),
        pending=bool(row.pending),
        digest_id=row.digest_id,
    )
