"""The developing-story rules: what counts as new, when an update may go out, and planning
over a real store (updates off, rate limits folding news into the next update)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digests.config import Settings, parse_config
from digests.records import ArticleDraft, Story
from digests.store import PostedStory, StoryUpdateRecord
from digests.store.sql import SqlStore
from digests.updates import (
    StoryUpdate,
    UpdateRules,
    is_due,
    new_facts,
    plan_story_updates,
    timeline,
    unseen_articles,
)
from tests.digests._bridge_reports import FIRST, LATER_FACT, NEW_FACT, SECOND
from tests.digests._story_builders import make_article

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
GUILD = 1
CHANNEL = 10
USER = 20
FEED_A = "https://a.example/feed.xml"
FEED_B = "https://b.example/feed.xml"
FEED_C = "https://c.example/feed.xml"

NEW = NEW_FACT
# The first report's facts, told again in other words.
COPY = (
    "Inspectors found a crack in a steel beam of the Kestrel Bridge in Harbor City on Monday, "
    "the city transport department said. The bridge carries about 40,000 vehicles a day "
    "across the Marlow River."
)
RULES = UpdateRules(story_interval=timedelta(hours=1), per_target_per_hour=3, max_facts=3)


# --- what counts as new ---------------------------------------------------------------------
def test_a_report_with_a_new_figure_and_name_adds_that_fact() -> None:
    report = make_article(2, feed=FEED_B, text=SECOND)
    assert new_facts([FIRST], [report], limit=3) == (NEW,)


def test_another_copy_of_what_was_reported_adds_nothing() -> None:
    report = make_article(2, feed=FEED_B, text=COPY)
    assert new_facts([FIRST], [report], limit=3) == ()


def test_a_fact_told_in_an_earlier_update_is_not_told_again() -> None:
    report = make_article(3, feed=FEED_C, text=SECOND)
    assert new_facts([FIRST, NEW], [report], limit=3) == ()


def test_two_reports_of_the_same_new_fact_give_it_once() -> None:
    reports = [make_article(2, feed=FEED_B, text=SECOND), make_article(3, feed=FEED_C, text=NEW)]
    assert new_facts([FIRST], reports, limit=3) == (NEW,)


def test_the_limit_caps_the_facts() -> None:
    more = f"{NEW} {LATER_FACT}"
    report = make_article(2, feed=FEED_B, text=more)
    assert len(new_facts([FIRST], [report], limit=1)) == 1
    assert len(new_facts([FIRST], [report], limit=3)) == 2


def test_the_timeline_lists_each_report_with_what_it_added() -> None:
    story = Story(
        "s1",
        (
            make_article(1, feed=FEED_A, text=FIRST, feed_name="Alpha", published=T0),
            make_article(3, feed=FEED_C, text=COPY, published=T0 + timedelta(hours=2)),
            make_article(2, feed=FEED_B, text=SECOND, published=T0 + timedelta(hours=1)),
        ),
    )
    entries = timeline(story, limit=3)
    assert [e.source.name for e in entries][0] == "Alpha"
    assert [e.added for e in entries] == [(), (NEW,), ()]
    assert [e.published for e in entries] == [T0 + timedelta(hours=h) for h in (0, 1, 2)]


# --- when an update may go out --------------------------------------------------------------
def _record(minutes_ago: float, delivery: str = "thread") -> StoryUpdateRecord:
    return StoryUpdateRecord(
        id=1,
        community_id=GUILD,
        target_kind="channel",
        target_id=CHANNEL,
        story_id="s1",
        article_ids=(9,),
        delivery=delivery,  # type: ignore[arg-type]
        created_at=T0 - timedelta(minutes=minutes_ago),
    )


@pytest.mark.parametrize(
    ("history", "target_recent", "due"),
    [
        ([], 0, True),
        ([_record(30)], 0, False),
        ([_record(60)], 0, True),
        ([_record(30, "developing")], 0, False),
        ([_record(5, "quiet")], 0, True),
        ([], 2, True),
        ([], 3, False),
    ],
    ids=[
        "first",
        "story-too-soon",
        "story-after-an-hour",
        "developing-counts",
        "quiet-does-not-count",
        "target-under-limit",
        "target-at-limit",
    ],
)
def test_an_update_is_due_by_story_interval_and_target_count(
    history: list[StoryUpdateRecord], target_recent: int, due: bool
) -> None:
    assert is_due(history, target_recent, T0, RULES) is due


def test_unseen_articles_are_those_after_the_digest_and_not_yet_told() -> None:
    story = Story(
        "s1",
        (
            make_article(1, fetched_at=T0 - timedelta(minutes=1)),
            make_article(2, feed=FEED_B, fetched_at=T0 + timedelta(minutes=5)),
            make_article(3, feed=FEED_C, fetched_at=T0 + timedelta(minutes=9)),
        ),
    )
    posted = PostedStory(GUILD, "channel", CHANNEL, "s1", 1, T0)
    told = replace(_record(0), article_ids=(2,))
    assert [a.id for a in unseen_articles(story, posted, [])] == [2, 3]
    assert [a.id for a in unseen_articles(story, posted, [told])] == [3]


# --- planning over a store ------------------------------------------------------------------
class Newsroom:
    """A store with one story posted to a channel (and a user), and feeds that report on."""

    def __init__(self, tmp_path: Path, **updates: object) -> None:
        self.store = SqlStore("sqlite://")
        self.store.migrate()
        self.settings: Settings = parse_config({"updates": updates}, tmp_path)
        self.now = T0
        self.rendered: list[StoryUpdate] = []
        self.entries = 0

    def add(self, feed: str, text: str, *, story: str | None = None) -> int:
        self.entries += 1
        entry = f"e{self.entries}"
        (result,) = self.store.upsert_articles(
            [
                ArticleDraft(
                    feed_url=feed,
                    entry_id=entry,
                    url=f"https://{entry}.example/",
                    canonical_url=None,
                    title="Kestrel Bridge",
                    author=None,
                    published=None,
                    text=text,
                    image_url=None,
                    content_hash=f"h{entry}",
                )
            ],
            now=self.now,
        )
        if story is None:
            return result.article_id
        self.store.add_to_story(story, [result.article_id])
        return result.article_id

    def post(self, story_id: str, kind: str = "channel", target: int = CHANNEL) -> None:
        record = self.store.enqueue_digest(
            community_id=GUILD,
            target_kind=kind,  # type: ignore[arg-type]
            target_id=target,
            story_ids=[story_id],
            payloads=[{"content": "header"}, {"embeds": [], "story_ids": [story_id]}],
            now=self.now,
        )
        for m in self.store.digest_messages(record.id):
            self.store.mark_message_sent(m.id, remote_id=f"r{m.id}", now=self.now)

    def story(self, story_id: str = "s1") -> None:
        first = self.add(FEED_A, FIRST)
        self.store.create_story(story_id, [first], topics=[], now=self.now)

    def posted(self, count: int) -> None:
        """Stories s0, s1, ... each posted to the channel."""
        for n in range(count):
            self.story(f"s{n}")
            self.post(f"s{n}")

    def render(self, update: StoryUpdate) -> Sequence[dict[str, object]]:
        self.rendered.append(update)
        return [{"content": " ".join(update.facts)}]

    def plan(self, minutes: float = 0) -> int:
        self.now += timedelta(minutes=minutes)
        return plan_story_updates(
            self.store,
            self.settings,
            now=self.now,
            render=self.render,
            feed_urls_of=lambda community: [FEED_A, FEED_B, FEED_C],
        )

    def deliveries(self) -> list[str]:
        return [r.delivery for r in self.store.story_updates_since(T0)]


@pytest.fixture
def room(tmp_path: Path) -> Newsroom:
    made = Newsroom(tmp_path)
    made.story()
    made.post("s1")
    return made


def test_a_new_fact_is_queued_for_the_story_thread(room: Newsroom) -> None:
    room.now += timedelta(minutes=5)
    room.add(FEED_B, SECOND, story="s1")
    assert room.plan(minutes=1) == 1
    (message,) = room.store.pending_messages()
    assert message.payload["content"] == NEW
    assert message.payload["story_update"] == {"message_id": "r2", "post_id": "r1"}
    (update,) = room.rendered
    assert [s.url for s in update.sources] == ["https://e2.example/"]
    assert room.plan(minutes=1) == 0, "told once"


def test_a_copy_is_marked_seen_and_posts_nothing(room: Newsroom) -> None:
    room.now += timedelta(minutes=5)
    room.add(FEED_B, COPY, story="s1")
    assert room.plan(minutes=1) == 0
    assert room.deliveries() == ["quiet"]
    assert room.store.pending_messages() == []


def test_news_inside_the_story_interval_folds_into_the_next_update(room: Newsroom) -> None:
    room.now += timedelta(minutes=5)
    room.add(FEED_B, SECOND, story="s1")
    assert room.plan(minutes=1) == 1
    room.add(FEED_C, LATER_FACT, story="s1")
    assert room.plan(minutes=10) == 0, "an hour has not passed"
    assert room.plan(minutes=60) == 1
    assert room.rendered[-1].facts == (LATER_FACT,)
    assert room.deliveries() == ["thread", "thread"]


def test_a_channel_gets_at_most_its_hourly_count(tmp_path: Path) -> None:
    room = Newsroom(tmp_path, per_channel_per_hour=2)
    room.posted(3)
    room.now += timedelta(minutes=5)
    for n in range(3):
        room.add(FEED_B, SECOND, story=f"s{n}")
    assert room.plan(minutes=1) == 2
    assert room.plan(minutes=30) == 0
    assert room.plan(minutes=40) == 1, "the third waited, and was not lost"


def test_a_channel_with_updates_off_gets_none(room: Newsroom) -> None:
    room.store.set_story_updates(GUILD, CHANNEL, False, now=T0)
    room.now += timedelta(minutes=5)
    room.add(FEED_B, SECOND, story="s1")
    assert room.plan(minutes=1) == 0
    assert room.deliveries() == []


def test_updates_off_in_the_config_plans_nothing(tmp_path: Path) -> None:
    room = Newsroom(tmp_path, enabled=False)
    room.story()
    room.post("s1")
    room.now += timedelta(minutes=5)
    room.add(FEED_B, SECOND, story="s1")
    assert room.plan(minutes=1) == 0


def test_a_direct_message_story_waits_for_the_next_digest(tmp_path: Path) -> None:
    room = Newsroom(tmp_path)
    room.story()
    room.post("s1", kind="user", target=USER)
    room.now += timedelta(minutes=5)
    room.add(FEED_B, SECOND, story="s1")
    assert room.plan(minutes=1) == 1
    (held,) = room.store.developing_updates("user", USER)
    assert held.facts == (NEW,) and held.sources == (("e2.example", "https://e2.example/"),)
    assert room.store.pending_messages() == []


def test_an_article_of_a_feed_the_community_does_not_read_is_not_news(room: Newsroom) -> None:
    room.now += timedelta(minutes=5)
    room.add("https://elsewhere.example/feed.xml", SECOND, story="s1")
    assert room.plan(minutes=1) == 0
    assert room.deliveries() == []


def test_a_copy_does_not_use_up_the_channels_hourly_count(tmp_path: Path) -> None:
    room = Newsroom(tmp_path, per_channel_per_hour=1)
    room.posted(2)
    room.now += timedelta(minutes=5)
    room.add(FEED_B, COPY, story="s0")
    room.add(FEED_B, SECOND, story="s1")
    assert room.plan(minutes=1) == 1
    assert room.deliveries() == ["quiet", "thread"]
