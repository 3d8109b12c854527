"""Digests queued for delivery and their messages (``OutboxStore``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from digests.errors import NotFoundError, StorageError
from digests.store.models import DigestMessageRow, DigestRow, PostedStoryRow, StoryUpdateRow
from digests.store.records import DigestRecord, OutboxMessage, TargetKind
from digests.store.sql import _rows
from digests.store.sql._base import SqlStoreBase, aware, checked_kind


class OutboxMixin(SqlStoreBase):
    def posted_story_ids(self, target_kind: TargetKind, target_id: int) -> set[str]:
        kind = checked_kind(target_kind)

        def work(session: Session) -> set[str]:
            stmt = select(PostedStoryRow.story_id).where(
                PostedStoryRow.target_kind == kind, PostedStoryRow.target_id == target_id
            )
            return set(session.scalars(stmt))

        return self._run(f"listing stories posted to {kind} {target_id}", work, write=False)

    def enqueue_digest(
        self,
        *,
        community_id: int,
        target_kind: TargetKind,
        target_id: int,
        story_ids: Sequence[str],
        payloads: Sequence[dict[str, object]],
        now: datetime,
        update_ids: Sequence[int] = (),
    ) -> DigestRecord:
        kind = checked_kind(target_kind)
        now = aware(now, "now")

        def work(session: Session) -> DigestRecord:
            record = queue_digest(
                session,
                community_id=community_id,
                target_kind=kind,
                target_id=target_id,
                story_ids=story_ids,
                payloads=payloads,
                now=now,
            )
            for update_id in update_ids:
                row = session.get(StoryUpdateRow, update_id)
                if row is None or row.target_kind != kind or row.target_id != target_id:
                    raise NotFoundError(f"no story update {update_id} for {kind} {target_id}")
                # Claimed with the digest, so a developing item is carried once.
                row.pending = False
                row.digest_id = record.id
            return record

        return self._run(f"queueing a digest for {kind} {target_id}", work)

    def pending_messages(self, digest_id: int | None = None) -> list[OutboxMessage]:
        def work(session: Session) -> list[OutboxMessage]:
            stmt = (
                select(DigestMessageRow, DigestRow)
                .join(DigestRow, DigestRow.id == DigestMessageRow.digest_id)
                .where(DigestMessageRow.sent_at.is_(None), DigestRow.status == "pending")
                .order_by(DigestMessageRow.digest_id, DigestMessageRow.seq)
            )
            if digest_id is not None:
                stmt = stmt.where(DigestRow.id == digest_id)
            return [_rows.message(m, d) for m, d in session.execute(stmt)]

        return self._run("listing pending messages", work, write=False)

    def digest_messages(self, digest_id: int) -> list[OutboxMessage]:
        def work(session: Session) -> list[OutboxMessage]:
            stmt = (
                select(DigestMessageRow, DigestRow)
                .join(DigestRow, DigestRow.id == DigestMessageRow.digest_id)
                .where(DigestRow.id == digest_id)
                .order_by(DigestMessageRow.seq)
            )
            return [_rows.message(m, d) for m, d in session.execute(stmt)]

        return self._run("listing a digest's messages", work, write=False)

    @staticmethod
    def _message_row(session: Session, message_id: int) -> DigestMessageRow:
        row = session.get(DigestMessageRow, message_id)
        if row is None:
            raise NotFoundError(f"no outbox message {message_id}")
        return row

    def mark_message_sent(self, message_id: int, *, remote_id: str | None, now: datetime) -> None:
        now = aware(now, "now")

        def work(session: Session) -> None:
            row = self._message_row(session, message_id)
            if row.sent_at is not None:
                return
            row.sent_at = now
            row.remote_id = remote_id
            session.flush()
            unsent = session.scalar(
                select(
                    exists().where(
                        DigestMessageRow.digest_id == row.digest_id,
                        DigestMessageRow.sent_at.is_(None),
                    )
                )
            )
            digest = session.get(DigestRow, row.digest_id)
            if not unsent and digest is not None and digest.status == "pending":
                digest.status = "sent"

        self._run(f"marking message {message_id} sent", work)

    def mark_message_attempt(self, message_id: int) -> None:
        def work(session: Session) -> None:
            self._message_row(session, message_id).attempts += 1

        self._run(f"counting a delivery attempt of message {message_id}", work)

    def fail_digest(self, digest_id: int, error: str) -> None:
        def work(session: Session) -> None:
            row = session.get(DigestRow, digest_id)
            if row is None:
                raise NotFoundError(f"no digest {digest_id}")
            row.status = "failed"
            row.error = error

        self._run(f"failing digest {digest_id}", work)

    def latest_digest(self, target_kind: TargetKind, target_id: int) -> DigestRecord | None:
        kind = checked_kind(target_kind)

        def work(session: Session) -> DigestRecord | None:
            row = session.scalars(
                select(DigestRow)
                .where(
                    DigestRow.target_kind == kind,
                    DigestRow.target_id == target_id,
                    DigestRow.status == "sent",
                )
                .order_by(DigestRow.created_at.desc(), DigestRow.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            messages = session.scalars(
                select(DigestMessageRow).where(DigestMessageRow.digest_id == row.id)
            ).all()
            return _rows.digest(row, messages)

        return self._run(f"reading the latest digest of {kind} {target_id}", work, write=False)


def queue_digest(
    session: Session,
    *,
    community_id: int,
    target_kind: TargetKind,
    target_id: int,
    story_ids: Sequence[str],
    payloads: Sequence[dict[str, object]],
    now: datetime,
) -> DigestRecord:
    """Add a pending digest, its messages and its story claims in ``session``'s transaction
    (StorageError when a story was already claimed for the target)."""
    kind = target_kind
    unique_ids = list(dict.fromkeys(story_ids))
    claimed = set(
        session.scalars(
            select(PostedStoryRow.story_id).where(
                PostedStoryRow.target_kind == kind,
                PostedStoryRow.target_id == target_id,
                PostedStoryRow.story_id.in_(unique_ids),
            )
        )
    )
    if claimed:
        raise StorageError(f"stories {sorted(claimed)} were already queued for {kind} {target_id}")
    digest = DigestRow(
        community_id=community_id,
        target_kind=kind,
        target_id=target_id,
        story_ids=unique_ids,
        created_at=now,
        status="pending",
    )
    session.add(digest)
    session.flush()
    messages = [
        DigestMessageRow(digest_id=digest.id, seq=seq, payload=dict(payload), attempts=0)
        for seq, payload in enumerate(payloads)
    ]
    session.add_all(messages)
    session.add_all(
        PostedStoryRow(
            target_kind=kind, target_id=target_id, story_id=story_id, digest_id=digest.id
        )
        for story_id in unique_ids
    )
    try:
        session.flush()
    except IntegrityError as exc:
        # Another writer claimed one of these stories between the check and the insert.
        raise StorageError(
            f"a story of this digest was already queued for {kind} {target_id}"
        ) from exc
    return _rows.digest(digest, messages)
