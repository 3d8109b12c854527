"""The channel-format and failing-feed-notice part of the storage contract, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digests.errors import StorageError
from digests.store import ChannelFormat, FeedNoticeState
from digests.store.sql import SqlStore
from tests.digests.store_fixtures import store_fixture  # noqa: F401  (the "store" fixture)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
GUILD = 1
OTHER = 2
CHANNEL = 10
ADMIN_CHANNEL = 11
FEED = "https://a.example/feed.xml"


def test_a_channel_without_a_format_has_none(store: SqlStore) -> None:
    assert store.channel_format(GUILD, CHANNEL) is None


def test_set_channel_format_stores_and_replaces_it(store: SqlStore) -> None:
    store.set_channel_format(ChannelFormat(GUILD, CHANNEL, "compact"), now=T0)
    later = T0 + timedelta(hours=1)
    saved = store.set_channel_format(
        ChannelFormat(GUILD, CHANNEL, "custom", "{headline} {url}"), now=later
    )
    assert saved == ChannelFormat(GUILD, CHANNEL, "custom", "{headline} {url}", later)
    assert store.channel_format(GUILD, CHANNEL) == saved


def test_a_channel_format_is_not_seen_from_another_community(store: SqlStore) -> None:
    store.set_channel_format(ChannelFormat(GUILD, CHANNEL, "headlines"), now=T0)
    assert store.channel_format(OTHER, CHANNEL) is None


@pytest.mark.parametrize(
    "fmt",
    [
        ChannelFormat(GUILD, CHANNEL, "fancy"),  # type: ignore[arg-type]
        ChannelFormat(GUILD, CHANNEL, "custom"),
        ChannelFormat(GUILD, CHANNEL, "compact", "{headline}"),
    ],
)
def test_a_format_the_contract_refuses_raises_value_error(
    store: SqlStore, fmt: ChannelFormat
) -> None:
    with pytest.raises(ValueError):
        store.set_channel_format(fmt, now=T0)
    assert store.channel_format(GUILD, CHANNEL) is None


def test_a_naive_time_is_refused(store: SqlStore) -> None:
    with pytest.raises(ValueError):
        store.set_channel_format(
            ChannelFormat(GUILD, CHANNEL, "compact"),
            now=datetime(2024, 5, 1),  # noqa: DTZ001
        )


def test_notice_channels_are_one_per_community(store: SqlStore) -> None:
    assert store.notice_channels() == {}
    store.set_notice_channel(GUILD, CHANNEL, now=T0)
    store.set_notice_channel(GUILD, ADMIN_CHANNEL, now=T0)
    store.set_notice_channel(OTHER, 20, now=T0)
    assert store.notice_channels() == {GUILD: ADMIN_CHANNEL, OTHER: 20}


def test_save_feed_notices_replaces_the_states_and_queues_the_payloads(store: SqlStore) -> None:
    first = FeedNoticeState(GUILD, FEED, failing_since=T0)
    assert store.save_feed_notices(GUILD, [first], channel_id=CHANNEL, payloads=(), now=T0) is None
    assert store.feed_notice_states(GUILD) == [first]
    noticed = FeedNoticeState(GUILD, FEED, failing_since=T0, notice="failing", noticed_at=T0)
    record = store.save_feed_notices(
        GUILD, [noticed], channel_id=ADMIN_CHANNEL, payloads=[{"content": "down"}], now=T0
    )
    assert record is not None and record.story_ids == ()
    assert store.feed_notice_states(GUILD) == [noticed]
    assert store.feed_notice_states(OTHER) == []
    pending = store.pending_messages()
    assert [(m.target_id, m.payload["content"]) for m in pending] == [(ADMIN_CHANNEL, "down")]


def test_a_second_notice_digest_queues_again_as_it_claims_no_story(store: SqlStore) -> None:
    for content in ("down", "back"):
        store.save_feed_notices(
            GUILD, [], channel_id=ADMIN_CHANNEL, payloads=[{"content": content}], now=T0
        )
    assert [m.payload["content"] for m in store.pending_messages()] == ["down", "back"]


def test_a_state_of_another_community_is_refused_and_nothing_is_stored(store: SqlStore) -> None:
    with pytest.raises(ValueError):
        store.save_feed_notices(
            GUILD,
            [FeedNoticeState(OTHER, FEED)],
            channel_id=CHANNEL,
            payloads=[{"content": "x"}],
            now=T0,
        )
    assert store.pending_messages() == []


def test_save_feed_notices_is_one_transaction(store: SqlStore) -> None:
    store.save_feed_notices(
        GUILD, [FeedNoticeState(GUILD, FEED, failing_since=T0)], channel_id=1, payloads=(), now=T0
    )
    duplicate = [FeedNoticeState(GUILD, FEED), FeedNoticeState(GUILD, FEED)]
    with pytest.raises(StorageError):
        store.save_feed_notices(
            GUILD, duplicate, channel_id=CHANNEL, payloads=[{"content": "x"}], now=T0
        )
    assert store.feed_notice_states(GUILD) == [FeedNoticeState(GUILD, FEED, failing_since=T0)]
    assert store.pending_messages() == []
