"""The story-update part of the storage contract, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digests.errors import NotFoundError
from digests.store import StoryUpdateDraft
from digests.store.sql import SqlStore
from tests.digests.store_fixtures import store_fixture  # noqa: F401  (the "store" fixture)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
GUILD = 1
CHANNEL = 10
OTHER = 11
USER = 20


def _sent_digest(store: SqlStore, *, target_id: int = CHANNEL, stories=("s1", "s2")) -> int:
    """A delivered digest: header, then one message per story, each with its remote id."""
    payloads = [{"content": "header"}] + [
        {"embeds": [{"title": s}], "story_ids": [s]} for s in stories
    ]
    record = store.enqueue_digest(
        community_id=GUILD,
        target_kind="channel",
        target_id=target_id,
        story_ids=list(stories),
        payloads=payloads,
        now=T0,
    )
    for message in store.digest_messages(record.id):
        store.mark_message_sent(message.id, remote_id=f"m{message.seq}", now=T0)
    return record.id


def _draft(**kwargs: object) -> StoryUpdateDraft:
    values: dict[str, object] = {
        "community_id": GUILD,
        "target_kind": "channel",
        "target_id": CHANNEL,
        "story_id": "s1",
        "article_ids": (5,),
        "delivery": "thread",
        "headline": "Bridge closed",
        "facts": ("Repairs cost 12 million.",),
        "sources": (("Beta Post", "https://beta.example/1"),),
        "payloads": ({"content": "update", "story_update": {"message_id": "m1"}},),
    }
    values.update(kwargs)
    return StoryUpdateDraft(**values)  # type: ignore[arg-type]


def test_a_channel_gets_updates_until_turned_off(store: SqlStore) -> None:
    assert store.story_updates_enabled(GUILD, CHANNEL)
    store.set_story_updates(GUILD, CHANNEL, False, now=T0)
    assert not store.story_updates_enabled(GUILD, CHANNEL)
    assert store.story_updates_enabled(GUILD + 1, CHANNEL), "another community's setting"
    assert store.channels_without_updates() == {CHANNEL}
    store.set_story_updates(GUILD, CHANNEL, True, now=T0)
    assert store.channels_without_updates() == set()


def test_posted_stories_name_the_message_that_carried_each(store: SqlStore) -> None:
    digest_id = _sent_digest(store)
    posted = store.posted_stories_since(T0 - timedelta(hours=1))
    assert [(p.story_id, p.message_remote_id, p.head_remote_id) for p in posted] == [
        ("s1", "m1", "m0"),
        ("s2", "m2", "m0"),
    ]
    assert all(p.digest_id == digest_id and p.posted_at == T0 for p in posted)
    assert store.posted_stories_since(T0 + timedelta(seconds=1)) == []


def test_an_unsent_digest_has_no_posted_stories(store: SqlStore) -> None:
    store.enqueue_digest(
        community_id=GUILD,
        target_kind="channel",
        target_id=CHANNEL,
        story_ids=["s1"],
        payloads=[{"content": "x"}],
        now=T0,
    )
    assert store.posted_stories_since(T0 - timedelta(hours=1)) == []


def test_a_thread_update_is_stored_with_its_outbox_message(store: SqlStore) -> None:
    _sent_digest(store)
    (saved,) = store.save_story_updates([_draft()], now=T0 + timedelta(hours=1))
    assert saved.delivery == "thread" and not saved.pending
    assert saved.facts == ("Repairs cost 12 million.",)
    assert saved.sources == (("Beta Post", "https://beta.example/1"),)
    (pending,) = store.pending_messages()
    assert pending.digest_id == saved.digest_id
    assert pending.payload["story_update"] == {"message_id": "m1"}
    assert store.story_updates_since(T0) == [saved]
    # It claims no story: the next digest may still carry s1's neighbours.
    assert store.posted_story_ids("channel", CHANNEL) == {"s1", "s2"}


@pytest.mark.parametrize(
    "changes",
    [
        {"delivery": "loud"},
        {"delivery": "quiet"},  # payloads on a quiet one
        {"payloads": ()},  # a thread one without payloads
    ],
)
def test_an_update_the_contract_refuses_raises_value_error(
    store: SqlStore, changes: dict[str, object]
) -> None:
    with pytest.raises(ValueError):
        store.save_story_updates([_draft(**changes)], now=T0)
    assert store.story_updates_since(T0 - timedelta(days=1)) == []


def test_a_developing_update_waits_for_the_next_digest_and_is_carried_once(
    store: SqlStore,
) -> None:
    (held,) = store.save_story_updates(
        [_draft(target_kind="user", target_id=USER, delivery="developing", payloads=())], now=T0
    )
    assert store.developing_updates("user", USER) == [held]
    assert store.developing_updates("channel", CHANNEL) == []
    record = store.enqueue_digest(
        community_id=GUILD,
        target_kind="user",
        target_id=USER,
        story_ids=["s9"],
        payloads=[{"content": "digest"}, {"content": "Developing"}],
        update_ids=[held.id],
        now=T0,
    )
    assert store.developing_updates("user", USER) == []
    (carried,) = store.story_updates_since(T0)
    assert carried.digest_id == record.id and not carried.pending


def test_carrying_another_targets_update_stores_nothing(store: SqlStore) -> None:
    (held,) = store.save_story_updates([_draft(delivery="developing", payloads=())], now=T0)
    with pytest.raises(NotFoundError):
        store.enqueue_digest(
            community_id=GUILD,
            target_kind="channel",
            target_id=OTHER,
            story_ids=["s9"],
            payloads=[{"content": "digest"}],
            update_ids=[held.id],
            now=T0,
        )
    assert store.posted_story_ids("channel", OTHER) == set()
    assert store.developing_updates("channel", CHANNEL) == [held]


def test_a_refused_thread_update_moves_to_the_next_digest(store: SqlStore) -> None:
    (saved,) = store.save_story_updates([_draft()], now=T0)
    (message,) = store.pending_messages()
    store.defer_story_update(message.id, now=T0)
    assert store.pending_messages() == []
    (held,) = store.developing_updates("channel", CHANNEL)
    assert held.id == saved.id and held.delivery == "developing" and held.digest_id is None
    # Said twice (a retry after a crash), it changes nothing more.
    store.defer_story_update(message.id, now=T0)
    assert len(store.developing_updates("channel", CHANNEL)) == 1


def test_deferring_an_unknown_message_is_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFoundError):
        store.defer_story_update(999, now=T0)


def test_a_naive_time_is_refused(store: SqlStore) -> None:
    with pytest.raises(ValueError):
        store.save_story_updates([_draft()], now=datetime(2024, 5, 1))  # noqa: DTZ001


def test_a_quiet_update_is_stored_without_a_message(store: SqlStore) -> None:
    (quiet,) = store.save_story_updates(
        [_draft(delivery="quiet", facts=(), sources=(), payloads=())], now=T0
    )
    assert quiet.digest_id is None and not quiet.pending
    assert store.pending_messages() == []
    assert isinstance(quiet.article_ids, tuple) and quiet.article_ids == (5,)


def test_prune_forgets_old_updates_but_keeps_one_still_held(store: SqlStore) -> None:
    _sent_digest(store)
    store.save_story_updates([_draft(delivery="quiet", payloads=())], now=T0)
    (held,) = store.save_story_updates(
        [_draft(target_kind="user", target_id=USER, delivery="developing", payloads=())], now=T0
    )
    store.record_publish(CHANNEL, "m1", now=T0)
    store.prune(before=T0 + timedelta(days=1))
    assert store.story_updates_since(T0 - timedelta(days=1)) == [held]
    assert store.publishes_since(CHANNEL, T0 - timedelta(days=1)) == 0
