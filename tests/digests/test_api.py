"""The Newsdesk facade over a real store and pipeline: what each community sees and may do."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digests import (
    ChannelFormat,
    FeedNotice,
    InputError,
    Newsdesk,
    NotFoundError,
    ScheduleError,
    Settings,
    StoryUpdate,
    UnknownTopicError,
    open_newsdesk,
    parse_config,
)
from digests.clock import FixedClock
from digests.config import SAMPLES_DIR
from tests.digests._bridge_reports import EMPTY, FIRST, NEW_FACT, SECOND, feed_of
from tests.servers.feed_server import FeedServer, feed_server

__all__ = ["feed_server"]

COMMUNITY = 1
OTHER = 2
CHANNEL = 10
USER = 100
PAYLOADS = [{"content": "a digest"}]

ZEPPELIN_FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Sky News Desk</title>
<item><title>Zeppelin line opens</title><guid>z1</guid><link>https://sky.example/z1</link>
<description>A zeppelin line between Lakeport and Hillview opens in May, the operator said.
</description></item></channel></rss>"""


T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def desk_settings(tmp_path: Path) -> Settings:
    return parse_config(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'desk.db'}"},
            "summarizer": {"backend": "extractive"},
            "digest": {"max_age_hours": 876000},
            "fetch": {"allow_private": ["127.0.0.1"]},
            "feeds": [
                {"url": str(SAMPLES_DIR / "harbor-courier.xml"), "topics": ["Local"]},
                {"url": str(SAMPLES_DIR / "valley-post.atom")},
                {"url": str(SAMPLES_DIR / "metro-science.json"), "topics": ["Science"]},
            ],
            "topics": [{"name": "Transport", "keywords": ["tram", "bus"]}],
        },
        tmp_path,
    )


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Newsdesk]:
    async with open_newsdesk(desk_settings(tmp_path), env={}) as opened:
        await opened.refresh(only_due=False)
        yield opened


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
async def clocked_desk(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Newsdesk]:
    async with open_newsdesk(desk_settings(tmp_path), env={}, clock=clock) as opened:
        yield opened


async def test_a_channel_is_not_given_a_story_it_already_had(desk: Newsdesk) -> None:
    first = await desk.compose(COMMUNITY, CHANNEL)
    assert not first.is_empty
    posted = [i.story.id for i in first.items]
    await desk.enqueue(COMMUNITY, "channel", CHANNEL, story_ids=posted, payloads=PAYLOADS)
    again = await desk.compose(COMMUNITY, CHANNEL)
    assert not {i.story.id for i in again.items} & set(posted)


async def test_a_feed_one_community_added_is_unseen_by_another(
    desk: Newsdesk, feed_server: FeedServer
) -> None:
    feed_server.route("/sky.xml").serve(ZEPPELIN_FEED, content_type="application/rss+xml")
    added = await desk.add_community_feed(COMMUNITY, feed_server.url("/sky.xml"), ["Air"])
    assert (added.title, added.entries, added.page) == ("Sky News Desk", 1, None)
    await desk.refresh(only_due=False)
    (story,) = await desk.search(COMMUNITY, "zeppelin")
    assert await desk.search(OTHER, "zeppelin") == []
    assert (await desk.story(COMMUNITY, story.id)).id == story.id
    with pytest.raises(InputError, match="No story with id"):
        await desk.story(OTHER, story.id)
    assert await desk.community_feed_urls(COMMUNITY) == [added.url]
    assert added.url in {f.url for f in await desk.feeds(COMMUNITY)}
    assert added.url not in {f.url for f in await desk.feeds(OTHER)}


async def test_an_unreadable_feed_is_refused_with_the_reason(
    desk: Newsdesk, feed_server: FeedServer
) -> None:
    feed_server.route("/gone.xml").status(404)
    with pytest.raises(InputError, match="Could not read that feed: .*404"):
        await desk.add_community_feed(COMMUNITY, feed_server.url("/gone.xml"))
    assert await desk.community_feed_urls(COMMUNITY) == []


async def test_removing_a_feed_the_community_did_not_add_is_not_found(desk: Newsdesk) -> None:
    with pytest.raises(NotFoundError):
        await desk.remove_community_feed(COMMUNITY, "https://never.example/rss")


async def test_configured_topics_are_listed_even_without_stories(desk: Newsdesk) -> None:
    counts = await desk.topics(COMMUNITY)
    assert "Transport" in counts
    assert counts["Science"] > 0


async def test_topic_names_offered_while_typing_are_counted_at_most_once_a_minute(
    clocked_desk: Newsdesk, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted: list[int] = []
    topics = clocked_desk.topics

    async def counting(community_id: int) -> Counter[str]:
        counted.append(community_id)
        return await topics(community_id)

    monkeypatch.setattr(clocked_desk, "topics", counting)
    first = await clocked_desk.topic_names(COMMUNITY)
    assert "Transport" in first
    assert list(first) == sorted(first)
    clock.advance(seconds=59)
    assert await clocked_desk.topic_names(COMMUNITY) == first
    assert await clocked_desk.topic_names(COMMUNITY + 1) is not None
    assert counted == [COMMUNITY, COMMUNITY + 1]
    clock.advance(seconds=1)
    await clocked_desk.topic_names(COMMUNITY)
    assert counted == [COMMUNITY, COMMUNITY + 1, COMMUNITY]


async def test_topics_are_followed_by_their_name_in_any_case(desk: Newsdesk) -> None:
    assert await desk.subscribe(COMMUNITY, USER, "science") == ("Science", True)
    assert await desk.subscribe(COMMUNITY, USER, "SCIENCE") == ("Science", False)
    assert await desk.subscriptions(COMMUNITY, USER) == ["Science"]
    assert await desk.unsubscribe(COMMUNITY, USER, "sCience") is True
    assert await desk.unsubscribe(COMMUNITY, USER, "Science") is False


async def test_an_unknown_topic_cannot_be_followed(desk: Newsdesk) -> None:
    with pytest.raises(UnknownTopicError) as caught:
        await desk.subscribe(COMMUNITY, USER, "Knitting")
    assert caught.value.topic == "Knitting"


async def test_a_subscriber_gets_each_followed_story_once(desk: Newsdesk) -> None:
    await desk.subscribe(COMMUNITY, USER, "Science")
    digest = await desk.compose(COMMUNITY, CHANNEL)
    (personal,) = await desk.personal_digests(COMMUNITY, digest)
    assert personal.user_id == USER
    assert personal.digest.items
    assert all("Science" in i.story.topics for i in personal.digest.items)
    ids = [i.story.id for i in personal.digest.items]
    await desk.enqueue(COMMUNITY, "user", USER, story_ids=ids, payloads=PAYLOADS)
    assert await desk.personal_digests(COMMUNITY, digest) == []


async def test_a_schedule_is_validated_stored_paused_and_removed(desk: Newsdesk) -> None:
    schedule = await desk.set_schedule(COMMUNITY, CHANNEL, timezone="Europe/Berlin", times="8:00")
    assert schedule.times == ("08:00",)
    assert await desk.schedules(COMMUNITY) == [schedule]
    assert await desk.schedules(OTHER) == []
    assert desk.next_run(schedule) is not None
    paused = await desk.pause_schedule(COMMUNITY, CHANNEL, True)
    assert paused.paused and desk.missed_run(paused) is None
    await desk.remove_schedule(COMMUNITY, CHANNEL)
    with pytest.raises(NotFoundError):
        await desk.remove_schedule(COMMUNITY, CHANNEL)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"timezone": "Mars/Olympus", "times": "08:00"}, "Mars/Olympus"),
        ({"timezone": "UTC", "times": "25:00"}, "25:00"),
        ({"timezone": "UTC", "cron": "0 8 * *"}, "five fields"),
        ({"timezone": "UTC", "cron": "0 8 * * *", "times": "08:00"}, "not both"),
    ],
    ids=["timezone", "time", "cron", "both"],
)
async def test_a_bad_schedule_names_what_is_wrong(
    desk: Newsdesk, options: dict[str, str], named: str
) -> None:
    with pytest.raises(ScheduleError, match=named):
        await desk.set_schedule(COMMUNITY, CHANNEL, **options)


async def test_a_digest_is_latest_once_all_its_messages_are_sent(desk: Newsdesk) -> None:
    record = await desk.enqueue(
        COMMUNITY, "channel", CHANNEL, story_ids=[], payloads=[*PAYLOADS, *PAYLOADS]
    )
    first, second = await desk.pending_messages()
    await desk.mark_sent(first.id, remote_id="m1")
    assert await desk.latest_digest("channel", CHANNEL) is None
    await desk.mark_sent(second.id, remote_id="m2")
    latest = await desk.latest_digest("channel", CHANNEL)
    assert latest is not None and latest.id == record.id
    assert [m.remote_id for m in await desk.digest_messages(record.id)] == ["m1", "m2"]
    assert await desk.pending_messages() == []


async def test_status_names_scheduled_channels_and_the_outbox(desk: Newsdesk) -> None:
    await desk.set_schedule(COMMUNITY, CHANNEL, timezone="UTC", cron="0 8 * * *")
    await desk.enqueue(COMMUNITY, "channel", CHANNEL + 1, story_ids=[], payloads=PAYLOADS)
    figures = await desk.status(COMMUNITY, [CHANNEL + 1, CHANNEL + 2])
    assert figures.last_digests == ((CHANNEL, None),)
    assert figures.unsent_messages == 1
    assert len(figures.feeds) == 3
    assert figures.tokens_today == 0


@pytest.mark.parametrize("question", ["", "   ", "x" * 301], ids=["empty", "blank", "long"])
async def test_a_question_must_be_1_to_300_characters(desk: Newsdesk, question: str) -> None:
    with pytest.raises(InputError, match="1 to 300 characters"):
        await desk.ask(COMMUNITY, question)


@pytest.mark.parametrize("query", ["", "x" * 101], ids=["empty", "long"])
async def test_a_search_must_be_1_to_100_characters(desk: Newsdesk, query: str) -> None:
    with pytest.raises(InputError, match="1 to 100 characters"):
        await desk.search(COMMUNITY, query)


async def test_an_answer_names_the_articles_it_comes_from(desk: Newsdesk) -> None:
    answer = await desk.ask(COMMUNITY, "What about the tram?")
    assert answer.sources


async def test_a_channel_format_is_full_until_set(desk: Newsdesk) -> None:
    assert await desk.channel_format(COMMUNITY, CHANNEL) == ChannelFormat(COMMUNITY, CHANNEL)
    await desk.set_channel_format(COMMUNITY, CHANNEL, "custom", "  {headline} {url} ")
    fmt = await desk.channel_format(COMMUNITY, CHANNEL)
    assert (fmt.style, fmt.template) == ("custom", "{headline} {url}")
    assert (await desk.channel_format(OTHER, CHANNEL)).style == "full"


@pytest.mark.parametrize(
    ("style", "template", "says"),
    [
        ("fancy", None, "Unknown style 'fancy'"),
        ("custom", None, "needs a template"),
        ("custom", "   ", "needs a template"),
        ("compact", "{headline}", "custom style only"),
    ],
)
async def test_a_format_the_desk_cannot_store_says_why(
    desk: Newsdesk, style: str, template: str | None, says: str
) -> None:
    with pytest.raises(InputError, match=says):
        await desk.set_channel_format(COMMUNITY, CHANNEL, style, template)
    assert (await desk.channel_format(COMMUNITY, CHANNEL)).style == "full"


def _notice_lines(notices: Sequence[FeedNotice]) -> list[dict[str, object]]:
    return [{"content": f"{n.kind} {n.feed_url} {n.reason}"} for n in notices]


async def test_a_failing_feed_is_noticed_once_past_the_threshold_and_once_back(
    clocked_desk: Newsdesk, clock: FixedClock, feed_server: FeedServer
) -> None:
    desk = clocked_desk
    route = feed_server.route("/flaky.xml").serve(ZEPPELIN_FEED).status(404)
    url = (await desk.add_community_feed(COMMUNITY, feed_server.url("/flaky.xml"))).url
    await desk.set_notice_channel(COMMUNITY, CHANNEL)
    assert await desk.notice_channel(COMMUNITY) == CHANNEL
    assert await desk.notice_channel(OTHER) is None
    await desk.refresh(only_due=False)
    assert await desk.check_feed_notices(_notice_lines) == 0
    clock.advance(hours=23)
    assert await desk.check_feed_notices(_notice_lines) == 0
    clock.advance(hours=2)
    assert await desk.check_feed_notices(_notice_lines) == 1
    clock.advance(hours=3)
    assert await desk.check_feed_notices(_notice_lines) == 0
    route.serve(ZEPPELIN_FEED).only_last()
    await desk.refresh(only_due=False)
    assert await desk.check_feed_notices(_notice_lines) == 1
    assert await desk.check_feed_notices(_notice_lines) == 0
    sent = [(m.target_id, m.payload["content"]) for m in await desk.pending_messages()]
    assert [target for target, _ in sent] == [CHANNEL, CHANNEL]
    assert str(sent[0][1]).startswith(f"failing {url} ") and "404" in str(sent[0][1])
    assert sent[1][1] == f"back {url} None"


async def test_no_notice_is_checked_without_a_notice_channel(
    clocked_desk: Newsdesk, clock: FixedClock, feed_server: FeedServer
) -> None:
    feed_server.route("/down.xml").serve(ZEPPELIN_FEED).status(500)
    await clocked_desk.add_community_feed(COMMUNITY, feed_server.url("/down.xml"))
    await clocked_desk.refresh(only_due=False)
    clock.advance(days=3)
    assert await clocked_desk.check_feed_notices(_notice_lines) == 0
    assert await clocked_desk.pending_messages() == []


# --- filters and topic roles ---------------------------------------------------------------


def _headlines(digest) -> list[str]:
    return [i.briefing.headline for i in digest.items]


async def test_an_exclude_filter_drops_matching_stories_from_the_channel_only(
    desk: Newsdesk,
) -> None:
    await desk.add_filter(COMMUNITY, CHANNEL, action="exclude", pattern="comet")
    digest = await desk.compose(COMMUNITY, CHANNEL)
    assert digest.filtered == 1
    assert not any("Comet" in h for h in _headlines(digest))
    assert any("Comet" in h for h in _headlines(await desk.compose(COMMUNITY, CHANNEL + 1)))
    skipped = (await desk.status(COMMUNITY)).skipped
    assert any(f"<#{CHANNEL}> left out 1 of the 6" in line for line in skipped)


async def test_a_digest_whose_stories_are_all_filtered_is_empty_and_says_so(
    desk: Newsdesk,
) -> None:
    await desk.add_filter(COMMUNITY, CHANNEL, action="include", pattern="zeppelin")
    digest = await desk.compose(COMMUNITY, CHANNEL)
    assert digest.is_empty and digest.filtered == 6
    (line,) = [s for s in (await desk.status(COMMUNITY)).skipped if "filters" in s]
    assert "nothing was posted" in line


async def test_a_feed_rule_applies_only_to_that_feeds_stories(desk: Newsdesk) -> None:
    science = str(SAMPLES_DIR / "metro-science.json")
    await desk.add_filter(
        COMMUNITY, CHANNEL, action="exclude", pattern=".", regex=True, feed_url=science
    )
    digest = await desk.compose(COMMUNITY, CHANNEL)
    assert digest.filtered == 2
    assert all("Science" not in i.story.topics for i in digest.items)


async def test_a_catastrophic_regex_is_accepted_and_runs(desk: Newsdesk) -> None:
    record = await desk.add_filter(
        COMMUNITY, CHANNEL, action="exclude", pattern="(a+)+$", regex=True
    )
    check = await desk.check_filters(COMMUNITY, CHANNEL, "a" * 300 + "!")
    assert (check.kept, check.filter_id) == (True, None)
    dropped = await desk.check_filters(COMMUNITY, CHANNEL, "b" + "a" * 300)
    assert (dropped.kept, dropped.filter_id) == (False, record.id)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [("(a", "Not a valid regex"), (r"(a)\1", "backreferences and lookaround")],
)
async def test_a_bad_regex_is_refused_with_the_reason(
    desk: Newsdesk, pattern: str, reason: str
) -> None:
    with pytest.raises(InputError, match=reason):
        await desk.add_filter(COMMUNITY, CHANNEL, action="exclude", pattern=pattern, regex=True)
    assert await desk.filters(COMMUNITY) == []


async def test_filters_are_listed_checked_and_removed_per_community(desk: Newsdesk) -> None:
    tram = await desk.add_filter(COMMUNITY, CHANNEL, action="include", pattern="tram")
    with pytest.raises(InputError, match=f"exists already \\(#{tram.id}\\)"):
        await desk.add_filter(COMMUNITY, CHANNEL, action="include", pattern=" tram ")
    check = await desk.check_filters(COMMUNITY, CHANNEL, "New tram depot")
    assert (check.kept, check.filter_id, check.reason) == (
        True,
        tram.id,
        "matches include word 'tram'",
    )
    assert not (await desk.check_filters(COMMUNITY, CHANNEL, "Bus fares")).kept
    assert await desk.filters(OTHER) == []
    with pytest.raises(InputError, match=f"No filter #{tram.id}"):
        await desk.remove_filter(OTHER, tram.id)
    assert await desk.remove_filter(COMMUNITY, tram.id) == tram
    assert await desk.filters(COMMUNITY) == []


async def test_a_filter_for_a_feed_the_community_does_not_read_is_refused(
    desk: Newsdesk,
) -> None:
    with pytest.raises(InputError, match="no such feed"):
        await desk.add_filter(
            COMMUNITY, CHANNEL, action="exclude", pattern="x", feed_url="https://nope.example/"
        )


async def test_a_topic_role_is_named_by_the_digests_holding_its_topic(desk: Newsdesk) -> None:
    assert await desk.set_topic_role(COMMUNITY, "transport", 501) == "Transport"
    await desk.set_topic_role(COMMUNITY, "Science", 502)
    await desk.set_topic_role(COMMUNITY, "Local", 501)
    digest = await desk.compose(COMMUNITY, CHANNEL)
    assert await desk.digest_roles(COMMUNITY, digest) == [501, 502]
    assert await desk.digest_roles(OTHER, digest) == []
    assert await desk.remove_topic_role(COMMUNITY, "SCIENCE") == "Science"
    assert await desk.topic_roles(COMMUNITY) == {"Local": 501, "Transport": 501}
    with pytest.raises(InputError, match="mentions no role"):
        await desk.remove_topic_role(COMMUNITY, "Science")
    with pytest.raises(UnknownTopicError):
        await desk.set_topic_role(COMMUNITY, "Knitting", 503)


async def test_a_strict_filter_reaches_further_down_the_ranking(tmp_path: Path) -> None:
    settings = parse_config(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'small.db'}"},
            "summarizer": {"backend": "extractive"},
            "digest": {"max_age_hours": 876000, "max_stories": 2},
            "feeds": [
                {"url": str(SAMPLES_DIR / "harbor-courier.xml"), "topics": ["Local"]},
                {"url": str(SAMPLES_DIR / "metro-science.json"), "topics": ["Science"]},
            ],
        },
        tmp_path,
    )
    async with open_newsdesk(settings, env={}) as small:
        await small.refresh(only_due=False)
        unfiltered = await small.compose(COMMUNITY, CHANNEL + 1)
        assert len(unfiltered.items) == 2
        shown = {i.story.id for i in unfiltered.items}
        for item in unfiltered.items:
            await small.add_filter(
                COMMUNITY, CHANNEL, action="exclude", pattern=item.briefing.headline
            )
        digest = await small.compose(COMMUNITY, CHANNEL)
    assert len(digest.items) == 2
    assert digest.filtered == 2
    assert not shown & {i.story.id for i in digest.items}


async def test_a_channel_webhook_and_a_feed_identity_are_kept_per_community(
    desk: Newsdesk,
) -> None:
    assert await desk.channel_webhook(COMMUNITY, CHANNEL) is None
    await desk.set_channel_webhook(COMMUNITY, CHANNEL, 500, "tok", "Desk", None)
    feed = (await desk.feeds(COMMUNITY))[0].url
    hook = await desk.set_feed_identity(COMMUNITY, CHANNEL, feed, "Feed desk", None)
    assert hook.identity_for(feed).name == "Feed desk"
    assert await desk.channel_webhook(OTHER, CHANNEL) is None
    cleared = await desk.set_feed_identity(COMMUNITY, CHANNEL, feed, None)
    assert cleared.feed_identities == ()
    assert (await desk.remove_channel_webhook(COMMUNITY, CHANNEL)).webhook_id == 500
    with pytest.raises(NotFoundError):
        await desk.remove_channel_webhook(COMMUNITY, CHANNEL)


async def test_a_feed_identity_for_a_feed_the_community_lacks_is_refused(
    desk: Newsdesk,
) -> None:
    await desk.set_channel_webhook(COMMUNITY, CHANNEL, 500, "tok", "Desk", None)
    with pytest.raises(InputError, match="no feed"):
        await desk.set_feed_identity(COMMUNITY, CHANNEL, "https://nowhere.example/", "X", None)


async def test_publishes_count_within_a_window_of_the_desk_clock(
    clocked_desk: Newsdesk, clock: FixedClock
) -> None:
    await clocked_desk.record_publish(CHANNEL, "m1")
    clock.advance(minutes=30)
    await clocked_desk.record_publish(CHANNEL, "m2")
    clock.advance(minutes=40)
    assert await clocked_desk.publishes_in(CHANNEL, timedelta(hours=1)) == 1


async def test_a_started_webhook_send_is_remembered(desk: Newsdesk) -> None:
    record = await desk.enqueue(COMMUNITY, "channel", CHANNEL, story_ids=(), payloads=PAYLOADS)
    message_id = record.messages[0].id
    await desk.begin_webhook_send(message_id, webhook_id=500, after_id=7)
    started = await desk.webhook_send(message_id)
    assert started is not None and (started.webhook_id, started.after_id) == (500, 7)


async def test_a_posted_story_gets_one_update_for_a_new_fact_and_a_timeline(
    clocked_desk: Newsdesk, clock: FixedClock, feed_server: FeedServer
) -> None:
    desk = clocked_desk
    alpha = feed_server.route("/alpha.xml").serve(feed_of("Alpha", "Kestrel Bridge shut", FIRST))
    beta = feed_server.route("/beta.xml").serve(EMPTY.format(name="Beta"))
    for route in (alpha, beta):
        await desk.add_community_feed(COMMUNITY, feed_server.url(route.path))
    await desk.refresh(only_due=False)
    (story,) = await desk.search(COMMUNITY, "Kestrel")
    record = await desk.enqueue(
        COMMUNITY,
        "channel",
        CHANNEL,
        story_ids=[story.id],
        payloads=[{"content": "header"}, {"content": "the story", "story_ids": [story.id]}],
    )
    for message in record.messages:
        await desk.mark_sent(message.id, remote_id=f"r{message.seq}")
    beta.serve(feed_of("Beta", "Kestrel Bridge repairs", SECOND)).only_last()
    clock.advance(minutes=20)
    await desk.refresh(only_due=False)
    told: list[StoryUpdate] = []

    def render(update: StoryUpdate) -> list[dict[str, object]]:
        told.append(update)
        return [{"content": "update"}]

    assert await desk.plan_story_updates(render) == 1
    assert await desk.plan_story_updates(render) == 0
    (update,) = told
    assert update.facts == (NEW_FACT,)
    assert [(s.name, s.url) for s in update.sources] == [("Beta", "https://beta.example/beta-1")]
    (message,) = await desk.pending_messages()
    assert message.payload["story_update"] == {"message_id": "r1", "post_id": "r0"}
    entries = await desk.story_timeline(await desk.story(COMMUNITY, story.id))
    assert [e.added for e in entries] == [(), (NEW_FACT,)]
    # The platform refuses the thread: the update waits for the next digest, carried once.
    await desk.defer_story_update(message.id)
    (held,) = await desk.developing_updates("channel", CHANNEL)
    assert held.facts == (NEW_FACT,) and held.id is not None
    await desk.enqueue(
        COMMUNITY, "channel", CHANNEL, story_ids=[], payloads=PAYLOADS, updates=[held.id]
    )
    assert await desk.developing_updates("channel", CHANNEL) == []


async def test_story_updates_are_on_until_a_channel_turns_them_off(desk: Newsdesk) -> None:
    assert await desk.story_updates_enabled(COMMUNITY, CHANNEL)
    await desk.set_story_updates(COMMUNITY, CHANNEL, False)
    assert not await desk.story_updates_enabled(COMMUNITY, CHANNEL)
    assert await desk.story_updates_enabled(COMMUNITY, CHANNEL + 1)


# --- languages ---------------------------------------------------------------------------

GERMAN_FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
<title>Stadtbote</title><language>de-DE</language>
<item><title>Stadtrat beschließt neue Straßenbahnlinie</title><guid>s1</guid>
<link>https://stadtbote.example/s1</link><description>Der Stadtrat hat am Dienstag den Bau
einer neuen Straßenbahnlinie zwischen dem Hauptbahnhof und dem Flughafen beschlossen. Die
Linie soll 120 Millionen Euro kosten und im Jahr 2029 eröffnet werden, teilte die
Stadtverwaltung mit.</description></item></channel></rss>""".encode()


async def test_a_channel_is_in_english_until_its_community_says_otherwise(desk: Newsdesk) -> None:
    assert await desk.channel_language(COMMUNITY, CHANNEL) == "en"
    desk.set_default_language(COMMUNITY, "de")
    assert await desk.channel_language(COMMUNITY, CHANNEL) == "de"
    assert await desk.channel_language(OTHER, CHANNEL) == "en"
    # A locale that is no language tag is no default.
    desk.set_default_language(COMMUNITY, "not a locale")
    assert await desk.channel_language(COMMUNITY, CHANNEL) == "en"


async def test_a_channel_language_is_stored_in_standard_form_and_reset(desk: Newsdesk) -> None:
    desk.set_default_language(COMMUNITY, "fr")
    assert await desk.set_channel_language(COMMUNITY, CHANNEL, " pt-br ") == "pt-BR"
    assert await desk.channel_language(COMMUNITY, CHANNEL) == "pt-BR"
    assert await desk.channel_language(COMMUNITY, CHANNEL + 1) == "fr"
    assert await desk.set_channel_language(COMMUNITY, CHANNEL, "default") == "fr"
    assert await desk.channel_language(COMMUNITY, CHANNEL) == "fr"


@pytest.mark.parametrize("tag", ["klingon", "xx-zz", "en US", "und", "", "d" * 200])
async def test_a_bad_language_tag_is_refused_and_changes_nothing(desk: Newsdesk, tag: str) -> None:
    await desk.set_channel_language(COMMUNITY, CHANNEL, "de")
    with pytest.raises(InputError, match="is no language tag; use an IETF tag") as raised:
        await desk.set_channel_language(COMMUNITY, CHANNEL, tag)
    assert len(str(raised.value)) < 150
    assert await desk.channel_language(COMMUNITY, CHANNEL) == "de"


async def test_offline_a_digest_in_another_language_marks_every_story(desk: Newsdesk) -> None:
    await desk.set_channel_language(COMMUNITY, CHANNEL, "de")
    digest = await desk.compose(COMMUNITY, CHANNEL)
    assert digest.language == "de" and digest.items
    # The sample feeds are English; the extractive summarizer does not translate them.
    assert {item.briefing.language for item in digest.items} == {"en"}
    assert {item.other_language for item in digest.items} == {"en"}


async def test_a_digest_in_its_stories_language_marks_none(desk: Newsdesk) -> None:
    digest = await desk.compose(COMMUNITY, CHANNEL)
    assert digest.language == "en" and digest.items
    assert {item.other_language for item in digest.items} == {None}


async def test_a_german_story_in_an_english_channel_is_kept_and_marked(
    desk: Newsdesk, feed_server: FeedServer
) -> None:
    feed_server.route("/stadt.xml").serve(GERMAN_FEED, content_type="application/rss+xml")
    await desk.add_community_feed(COMMUNITY, feed_server.url("/stadt.xml"))
    await desk.refresh(only_due=False)
    (story,) = await desk.search(COMMUNITY, "Straßenbahnlinie")
    assert story.primary.language == "de-DE"
    digest = await desk.compose(COMMUNITY, CHANNEL)
    (item,) = [i for i in digest.items if i.story.id == story.id]
    assert (item.briefing.language, item.other_language) == ("de-DE", "de-DE")
    assert "Stadtrat" in item.briefing.summary


async def test_a_story_briefed_in_a_language_offline_keeps_its_sources(desk: Newsdesk) -> None:
    (story,) = await desk.search(COMMUNITY, "tram", limit=1)
    briefing = await desk.brief(story, "de")
    assert briefing.language == "en" and briefing.summarizer == "extractive"
