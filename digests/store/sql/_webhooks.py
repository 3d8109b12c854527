"""Channel webhooks and their identities, started webhook executions (``WebhookStore``) and
announcement publishes (``PublishStore``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from digests.errors import NotFoundError
from digests.store.models import (
    ChannelPublishRow,
    ChannelWebhookRow,
    DigestMessageRow,
    WebhookFeedIdentityRow,
    WebhookSendRow,
)
from digests.store.records import ChannelWebhook, WebhookIdentity, WebhookSend
from digests.store.sql._base import SqlStoreBase, aware, get_or_add


class WebhooksMixin(SqlStoreBase):
    def set_channel_webhook(self, hook: ChannelWebhook, *, now: datetime) -> ChannelWebhook:
        now = aware(now, "now")

        def work(session: Session) -> ChannelWebhook:
            row = get_or_add(session, ChannelWebhookRow, channel_id=hook.channel_id)
            row.community_id = hook.community_id
            row.webhook_id = hook.webhook_id
            row.token = hook.token
            row.name = hook.identity.name
            row.avatar_url = hook.identity.avatar_url
            row.updated_at = now
            session.flush()
            return _webhook(session, row)

        # The token is never part of a message: "what" goes into errors and logs.
        return self._run(f"setting the webhook of channel {hook.channel_id}", work)

    def set_feed_identity(
        self,
        community_id: int,
        channel_id: int,
        feed_url: str,
        identity: WebhookIdentity | None,
        *,
        now: datetime,
    ) -> ChannelWebhook:
        now = aware(now, "now")

        def work(session: Session) -> ChannelWebhook:
            row = _owned(session, community_id, channel_id)
            if row is None:
                raise NotFoundError(f"channel {channel_id} has no webhook")
            found = session.get(WebhookFeedIdentityRow, (channel_id, feed_url))
            if identity is None:
                if found is not None:
                    session.delete(found)
            else:
                found = found or WebhookFeedIdentityRow(channel_id=channel_id, feed_url=feed_url)
                found.name = identity.name
                found.avatar_url = identity.avatar_url
                session.add(found)
            row.updated_at = now
            session.flush()
            return _webhook(session, row)

        return self._run(f"setting a feed identity of channel {channel_id}", work)

    def channel_webhook(self, community_id: int, channel_id: int) -> ChannelWebhook | None:
        def work(session: Session) -> ChannelWebhook | None:
            row = _owned(session, community_id, channel_id)
            return None if row is None else _webhook(session, row)

        return self._run(f"reading the webhook of channel {channel_id}", work, write=False)

    def remove_channel_webhook(self, community_id: int, channel_id: int) -> ChannelWebhook:
        def work(session: Session) -> ChannelWebhook:
            row = _owned(session, community_id, channel_id)
            if row is None:
                raise NotFoundError(f"channel {channel_id} has no webhook")
            stored = _webhook(session, row)
            session.execute(
                delete(WebhookFeedIdentityRow).where(
                    WebhookFeedIdentityRow.channel_id == channel_id
                )
            )
            session.delete(row)
            return stored

        return self._run(f"removing the webhook of channel {channel_id}", work)

    def begin_webhook_send(
        self, message_id: int, *, webhook_id: int, after_id: int | None, now: datetime
    ) -> None:
        now = aware(now, "now")

        def work(session: Session) -> None:
            if session.get(DigestMessageRow, message_id) is None:
                raise NotFoundError(f"no outbox message {message_id}")
            row = get_or_add(session, WebhookSendRow, message_id=message_id)
            row.webhook_id = webhook_id
            row.after_id = after_id
            row.started_at = now

        self._run(f"recording the webhook send of message {message_id}", work)

    def webhook_send(self, message_id: int) -> WebhookSend | None:
        def work(session: Session) -> WebhookSend | None:
            row = session.get(WebhookSendRow, message_id)
            if row is None:
                return None
            return WebhookSend(row.message_id, row.webhook_id, row.after_id, row.started_at)

        return self._run(f"reading the webhook send of message {message_id}", work, write=False)


class PublishesMixin(SqlStoreBase):
    def record_publish(self, channel_id: int, remote_id: str, *, now: datetime) -> None:
        now = aware(now, "now")

        def work(session: Session) -> None:
            session.add(
                ChannelPublishRow(channel_id=channel_id, remote_id=remote_id, published_at=now)
            )

        self._run(f"recording a publish in channel {channel_id}", work)

    def publishes_since(self, channel_id: int, since: datetime) -> int:
        since = aware(since, "since")

        def work(session: Session) -> int:
            stmt = select(func.count()).where(
                ChannelPublishRow.channel_id == channel_id, ChannelPublishRow.published_at >= since
            )
            return int(session.scalar(stmt) or 0)

        return self._run(f"counting publishes in channel {channel_id}", work, write=False)


def _owned(session: Session, community_id: int, channel_id: int) -> ChannelWebhookRow | None:
    row = session.get(ChannelWebhookRow, channel_id)
    return row if row is not None and row.community_id == community_id else None


def _webhook(session: Session, row: ChannelWebhookRow) -> ChannelWebhook:
    feeds = session.scalars(
        select(WebhookFeedIdentityRow)
        .where(WebhookFeedIdentityRow.channel_id == row.channel_id)
        .order_by(WebhookFeedIdentityRow.feed_url)
    )
    return ChannelWebhook(
        community_id=row.community_id,
        channel_id=row.channel_id,
        webhook_id=row.webhook_id,
        token=row.token,
        identity=WebhookIdentity(row.name, row.avatar_url),
        feed_identities=tuple((f.feed_url, WebhookIdentity(f.name, f.avatar_url)) for f in feeds),
        updated_at=row.updated_at,
    )
