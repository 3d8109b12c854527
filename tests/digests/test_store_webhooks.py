"""The webhook and publish part of the storage contract, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digests.errors import NotFoundError
from digests.store import ChannelWebhook, WebhookIdentity, WebhookSend
from digests.store.sql import SqlStore
from tests.digests.store_fixtures import store_fixture  # noqa: F401  (the "store" fixture)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
GUILD = 1
OTHER = 2
CHANNEL = 10
FEED = "https://a.example/feed.xml"


def _hook(webhook_id: int = 500, token: str = "secret-token") -> ChannelWebhook:
    return ChannelWebhook(
        GUILD, CHANNEL, webhook_id, token, WebhookIdentity("Harbor Desk", "https://a.example/a.png")
    )


def test_a_channel_without_a_webhook_has_none(store: SqlStore) -> None:
    assert store.channel_webhook(GUILD, CHANNEL) is None


def test_set_channel_webhook_stores_it_and_keeps_feed_identities(store: SqlStore) -> None:
    store.set_channel_webhook(_hook(), now=T0)
    store.set_feed_identity(GUILD, CHANNEL, FEED, WebhookIdentity("Feed desk"), now=T0)
    later = T0 + timedelta(hours=1)
    saved = store.set_channel_webhook(_hook(501, "other-token"), now=later)
    assert saved.webhook_id == 501
    assert saved.token == "other-token"
    assert saved.updated_at == later
    assert saved.feed_identities == ((FEED, WebhookIdentity("Feed desk")),)
    assert store.channel_webhook(GUILD, CHANNEL) == saved


def test_a_feed_identity_overrides_the_channel_identity_for_that_feed(store: SqlStore) -> None:
    store.set_channel_webhook(_hook(), now=T0)
    hook = store.set_feed_identity(GUILD, CHANNEL, FEED, WebhookIdentity("Feed desk"), now=T0)
    assert hook.identity_for(FEED) == WebhookIdentity("Feed desk")
    assert hook.identity_for("https://b.example/") == hook.identity
    assert hook.identity_for(None) == hook.identity
    removed = store.set_feed_identity(GUILD, CHANNEL, FEED, None, now=T0)
    assert removed.feed_identities == ()


def test_a_feed_identity_needs_a_webhook_of_the_community(store: SqlStore) -> None:
    store.set_channel_webhook(_hook(), now=T0)
    with pytest.raises(NotFoundError):
        store.set_feed_identity(OTHER, CHANNEL, FEED, WebhookIdentity("x"), now=T0)


def test_a_webhook_is_not_seen_from_another_community(store: SqlStore) -> None:
    store.set_channel_webhook(_hook(), now=T0)
    assert store.channel_webhook(OTHER, CHANNEL) is None
    with pytest.raises(NotFoundError):
        store.remove_channel_webhook(OTHER, CHANNEL)


def test_remove_channel_webhook_forgets_it_and_its_feeds(store: SqlStore) -> None:
    store.set_channel_webhook(_hook(), now=T0)
    store.set_feed_identity(GUILD, CHANNEL, FEED, WebhookIdentity("Feed desk"), now=T0)
    removed = store.remove_channel_webhook(GUILD, CHANNEL)
    assert removed.webhook_id == 500
    assert store.channel_webhook(GUILD, CHANNEL) is None
    store.set_channel_webhook(_hook(), now=T0)
    assert store.channel_webhook(GUILD, CHANNEL).feed_identities == ()  # type: ignore[union-attr]
    with pytest.raises(NotFoundError):
        store.remove_channel_webhook(GUILD, 99)


def test_the_token_is_not_in_the_records_repr(store: SqlStore) -> None:
    saved = store.set_channel_webhook(_hook(), now=T0)
    assert "secret-token" not in repr(saved)


def _message_id(store: SqlStore) -> int:
    record = store.enqueue_digest(
        community_id=GUILD,
        target_kind="channel",
        target_id=CHANNEL,
        story_ids=["s1"],
        payloads=[{"content": "hi"}],
        now=T0,
    )
    return record.messages[0].id


def test_a_started_webhook_send_is_recorded_and_replaced(store: SqlStore) -> None:
    message_id = _message_id(store)
    assert store.webhook_send(message_id) is None
    store.begin_webhook_send(message_id, webhook_id=500, after_id=None, now=T0)
    later = T0 + timedelta(minutes=1)
    store.begin_webhook_send(message_id, webhook_id=501, after_id=42, now=later)
    assert store.webhook_send(message_id) == WebhookSend(message_id, 501, 42, later)


def test_a_webhook_send_of_an_unknown_message_raises(store: SqlStore) -> None:
    with pytest.raises(NotFoundError):
        store.begin_webhook_send(12345, webhook_id=500, after_id=None, now=T0)


def test_publishes_are_counted_per_channel_since_a_time(store: SqlStore) -> None:
    for minutes in (0, 30, 61):
        store.record_publish(CHANNEL, f"m{minutes}", now=T0 + timedelta(minutes=minutes))
    store.record_publish(CHANNEL + 1, "x", now=T0)
    assert store.publishes_since(CHANNEL, T0) == 3
    assert store.publishes_since(CHANNEL, T0 + timedelta(minutes=30)) == 2
    assert store.publishes_since(CHANNEL + 1, T0 + timedelta(hours=2)) == 0


def test_naive_times_are_refused(store: SqlStore) -> None:
    with pytest.raises(ValueError):
        store.record_publish(CHANNEL, "m", now=datetime(2024, 5, 1))  # noqa: DTZ001
