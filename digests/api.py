"""The core's public API: ``Newsdesk``, the one object a chat edge (the Discord bot) talks to.

It is built over the store, the pipeline, the briefing service and the answerer
(``digests.wiring.open_newsdesk`` assembles one) and speaks in platform-neutral terms: a
*community* (a Discord guild) reads its feeds, a *channel* gets digests on a schedule, and an
outbox holds what is to be delivered to a *target* (a channel, or a user's direct messages).
Every method that touches storage or the network is a coroutine that keeps the blocking work
off the event loop; the pure ones (schedule arithmetic, the clock) are plain methods.

The module is longer than the house's ~500 lines on purpose: it is one class of thin methods,
one per operation the edge may call, each a few lines that hand work to the module that owns
it. Splitting it would scatter the list of what the edge may do, which is what a reader of the
public API comes here to see.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from digests import metrics
from digests.answer import MAX_QUESTION_CHARS, Answerer
from digests.clock import Clock, SystemClock
from digests.compose import grouped_digest
from digests.compose_step import summary_input
from digests.config import Settings
from digests.discover import find_feed
from digests.errors import FeedError, InputError, NotFoundError, UnknownTopicError
from digests.filters import FilterRule, apply_filters, check_text, kept_items, make_rule
from digests.language import language_tag
from digests.leader import Leader
from digests.notices import FeedNotice, plan_notices
from digests.pipeline import Pipeline
from digests.records import Answer, Briefing, Digest, DigestItem, FeedSource, FeedState, Story
from digests.refresh_report import RefreshReport, skip_summary
from digests.schedules import build_schedule, missed_run, next_run, trigger_for
from digests.scope import scope_story
from digests.store import (
    ChannelFormat,
    ChannelWebhook,
    DigestRecord,
    FeedNoticeState,
    FilterRecord,
    FormatStyle,
    OutboxMessage,
    Schedule,
    Store,
    TargetKind,
    WebhookIdentity,
    WebhookSend,
)
from digests.updates import (
    StoryUpdate,
    TimelineEntry,
    as_update,
    plan_story_updates,
    timeline,
)

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

log = logging.getLogger(__name__)

# The window /topics counts over and follow-up questions are answered from.
RECENT = timedelta(days=7)
MAX_QUERY_CHARS = 100
# How long the topic names offered while a reader types stay in use: counting them scopes
# the week's stories, seconds with a thousand busy feeds, and an autocomplete asks again at
# every keystroke (and cannot be deferred).
TOPIC_NAMES_TTL = timedelta(seconds=60)
FORMAT_STYLES: tuple[FormatStyle, ...] = ("full", "compact", "headlines", "custom")
# Every rule is checked against every story of each digest: a channel keeps a short list.
MAX_FILTERS_PER_CHANNEL = 50
MAX_FILTER_TEST_CHARS = 1000
# How many times a digest whose stories filters dropped reaches further down the ranking.
FILTER_ROUNDS = 3
# The language of a channel whose community told no preferred one.
DEFAULT_LANGUAGE = "en"
# Discord lets one message name at most 100 roles it may ping; a digest names far fewer.
MAX_TOPIC_ROLES = 20


@dataclass(frozen=True, slots=True)
class FeedPreview:
    """A feed checked by fetching and reading it once: where it is, its title, how many
    entries it has now, and the site page that named it when a page's address was given."""

    url: str
    title: str | None
    entries: int
    page: str | None = None


@dataclass(frozen=True, slots=True)
class PersonalDigest:
    """The part of a digest one subscriber gets, by the topics they follow."""

    user_id: int
    digest: Digest


@dataclass(frozen=True, slots=True)
class StatusFigures:
    """What the core knows about one community for a status view: its feeds' health, the last
    digest of each channel asked about (scheduled ones always), the outbox, today's model
    tokens, and what the last refresh and the community's last digest skipped."""

    feeds: tuple[FeedState, ...]
    last_digests: tuple[tuple[int, datetime | None], ...]
    unsent_messages: int
    tokens_today: int
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FilterCheck:
    """What a channel's rules decide for a text: kept or not, why, and the deciding rule's
    id (None when no rule decided); ``unchecked`` counts rules of one feed only, which a
    text of no feed cannot meet."""

    kept: bool
    reason: str
    filter_id: int | None
    unchecked: int = 0


class Newsdesk:
    """Feeds, stories, digests, schedules, the outbox and subscriptions, per community."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store,
        pipeline: Pipeline,
        answerer: Answerer,
        clock: Clock | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._pipeline = pipeline
        self._answerer = answerer
        self._clock = clock or SystemClock()
        # Feeds are shared by every community: one refresh at a time covers them all.
        self._refresh_lock = asyncio.Lock()
        self._last_refresh: RefreshReport | None = None
        self._headline_only: dict[int, dict[str, int]] = {}
        # Per community: channel -> (stories its filters left out, stories composed) last time.
        self._filtered: defaultdict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
        # Per community: the language its platform prefers (see ``set_default_language``).
        self._default_languages: dict[int, str] = {}
        # Per community: when its topic names were counted, and the names.
        self._topic_names: dict[int, tuple[datetime, tuple[str, ...]]] = {}

    @property
    def settings(self) -> Settings:
        return self._settings

    def now(self) -> datetime:
        """The desk's clock: aware UTC."""
        return self._clock.now()

    def scheduler_leader(self, *, poll_seconds: float) -> Leader:
        """A leadership lock over this desk's database, checked every ``poll_seconds``."""
        return Leader(self._settings.storage.url, poll_seconds=poll_seconds)

    # --- feeds ---------------------------------------------------------------------------
    async def refresh(self, *, only_due: bool = True) -> RefreshReport:
        """Fetch the feeds (those due, by default) once for every community and group new
        articles into stories; the report is kept for ``status``."""
        async with self._refresh_lock:
            report = await self._pipeline.refresh(only_due=only_due)
            failed = len(report.failed)
            metrics.FEEDS_FAILED.inc(failed)
            metrics.FEEDS_FETCHED.inc(len(report.feeds) - failed)
            metrics.ARTICLES_STORED.inc(report.new_articles)
            self._last_refresh = report
            return report

    @property
    def last_refresh(self) -> RefreshReport | None:
        return self._last_refresh

    async def preview_feed(self, url: str) -> FeedPreview:
        """Fetch and read the feed at ``url``, or the one the page at ``url`` links to.

        Raises InputError saying why when neither is a readable feed.
        """
        try:
            found = await find_feed(self._pipeline.fetcher, url)
        except FeedError as exc:
            raise InputError(f"Could not read that feed: {exc}") from None
        return FeedPreview(found.url, found.feed.title, len(found.feed.entries), found.page)

    async def add_community_feed(
        self, community_id: int, url: str, topics: Sequence[str] = ()
    ) -> FeedPreview:
        """Check the feed (``preview_feed``) and add it to the community's own feeds; its
        articles come with the next refresh."""
        preview = await self.preview_feed(url)
        source = FeedSource(url=preview.url, name=preview.title, topics=tuple(topics))
        await asyncio.to_thread(self._store.add_community_feed, community_id, source)
        return preview

    async def remove_community_feed(self, community_id: int, url: str) -> None:
        """NotFoundError when the community did not add this feed itself."""
        await asyncio.to_thread(self._store.remove_community_feed, community_id, url.strip())

    async def community_feed_urls(self, community_id: int) -> list[str]:
        """The feeds the community added itself (the config's defaults are not listed)."""
        return await asyncio.to_thread(self._store.community_feed_urls, community_id)

    async def feeds(self, community_id: int) -> list[FeedState]:
        """Every feed the community reads, defaults first, with its fetch health."""
        return await asyncio.to_thread(self._feed_states, community_id)

    def _feed_urls(self, community_id: int) -> list[str]:
        urls = [s.url for s in self._settings.feed_sources()]
        for url in self._store.community_feed_urls(community_id):
            if url not in urls:
                urls.append(url)
        return urls

    def _feed_topics(self, community_id: int) -> dict[str, tuple[str, ...]]:
        urls = set(self._feed_urls(community_id))
        found = {s.url: s.topics for s in self._store.list_feeds() if s.url in urls}
        return {url: found.get(url, ()) for url in urls}

    def _feed_states(self, community_id: int) -> list[FeedState]:
        states = (self._store.get_feed(url) for url in self._feed_urls(community_id))
        return [s for s in states if s is not None]

    # --- stories -------------------------------------------------------------------------
    async def compose(self, community_id: int, channel_id: int) -> Digest:
        """A digest of the community's stories that this channel has not had yet and that
        its filter rules keep (``Digest.filtered`` counts the ones they left out).

        When the rules drop stories of a digest that is not full, the next-ranked stories
        are composed and filtered in turn, a few rounds at most, so a strict rule does not
        leave the channel with nothing while stories it would keep wait further down."""
        feed_urls = await asyncio.to_thread(self._feed_urls, community_id)
        posted = await asyncio.to_thread(self._store.posted_story_ids, "channel", channel_id)
        rules = [r.rule for r in await self.filters(community_id, channel_id)]
        language = await self.channel_language(community_id, channel_id)
        digest = await self._pipeline.compose(
            feed_urls=feed_urls, exclude_story_ids=posted, language=language
        )
        if rules:
            digest = await self._filtered_digest(channel_id, digest, rules, feed_urls, posted)
            digest = replace(digest, language=language)
            composed = digest.filtered + len(digest.items)
            self._filtered[community_id][channel_id] = (digest.filtered, composed)
        else:
            self._filtered[community_id].pop(channel_id, None)
        self._headline_only[community_id] = digest.headline_only_counts()
        return digest

    async def _filtered_digest(
        self,
        channel_id: int,
        digest: Digest,
        rules: Sequence[FilterRule],
        feed_urls: Sequence[str],
        posted: Collection[str],
    ) -> Digest:
        limit = self._settings.digest.max_stories
        excluded = set(posted)
        kept: list[DigestItem] = []
        dropped = rounds = 0
        first = digest
        while rounds < FILTER_ROUNDS and not digest.is_empty:
            rounds += 1
            passed = kept_items(apply_filters(digest.items, rules))
            kept.extend(passed)
            dropped += len(digest.items) - len(passed)
            if len(kept) >= limit or len(passed) == len(digest.items):
                break
            excluded.update(item.story.id for item in digest.items)
            digest = await self._pipeline.compose(
                feed_urls=feed_urls, exclude_story_ids=excluded, language=first.language
            )
        if dropped:
            log.info(
                "filters of channel %s left out %s stories%s",
                channel_id,
                dropped,
                ": nothing is left to post" if not kept else "",
            )
        if rounds <= 1:
            return replace(first, items=tuple(kept), filtered=dropped)
        # Items of a later round rank below those of earlier ones; grouping keeps that order.
        topic_order = [t.name for t in self._settings.topics]
        regrouped = grouped_digest(kept[:limit], now=first.generated_at, topic_order=topic_order)
        return replace(regrouped, filtered=dropped)

    async def story(self, community_id: int, story_id: str) -> Story:
        """The story as this community sees it (only its feeds' articles); InputError when
        there is none it may see."""
        found = await asyncio.to_thread(self._visible, community_id, story_id.strip())
        if found is None:
            raise InputError(f"No story with id {story_id[:40]!r} here.")
        return found

    def _visible(self, community_id: int, story_id: str) -> Story | None:
        story = self._store.get_story(story_id)
        if story is None:
            return None
        return scope_story(story, self._feed_topics(community_id), self._settings.topics)

    async def brief(self, story: Story, language: str | None = None) -> Briefing:
        """The story's briefing, asked for in ``language`` (None: the source's own); cached by
        content and language, so asking again costs nothing."""
        return await self._pipeline.briefings.brief(summary_input(story, language))

    async def recent_stories(self, community_id: int, window: timedelta = RECENT) -> list[Story]:
        """The community's view of the stories of the last ``window``, newest first."""
        return await asyncio.to_thread(self._recent, community_id, window)

    def _recent(self, community_id: int, window: timedelta) -> list[Story]:
        feed_topics = self._feed_topics(community_id)
        since = self.now() - window
        stories = self._store.stories_since(since, feed_urls=list(feed_topics))
        topics = self._settings.topics
        scoped = (scope_story(s, feed_topics, topics) for s in stories)
        return [s for s in scoped if s is not None]

    async def search(self, community_id: int, query: str, *, limit: int = 10) -> list[Story]:
        """The community's stories whose text has every word of ``query``, newest first;
        InputError for an empty or overlong query."""
        query = query.strip()
        if not query or len(query) > MAX_QUERY_CHARS:
            raise InputError(f"Search for 1 to {MAX_QUERY_CHARS} characters.")
        feed_urls = await asyncio.to_thread(self._feed_urls, community_id)
        return await asyncio.to_thread(
            lambda: self._store.search_stories(query, limit=limit, feed_urls=feed_urls)
        )

    @staticmethod
    def checked_question(question: str) -> str:
        """The question trimmed; InputError when it is empty or too long to answer."""
        question = question.strip()
        if not question or len(question) > MAX_QUESTION_CHARS:
            raise InputError(f"Ask a question of 1 to {MAX_QUESTION_CHARS} characters.")
        return question

    async def ask(self, community_id: int, question: str, story_id: str | None = None) -> Answer:
        """An answer from the articles of one story, or of the community's recent ones;
        InputError for a question ``checked_question`` refuses or a story it may not see."""
        question = self.checked_question(question)
        if story_id:
            stories = [await self.story(community_id, story_id)]
        else:
            stories = await self.recent_stories(community_id)
        return await self._answerer.answer(question, stories)

    # --- topics and subscriptions --------------------------------------------------------
    async def topics(self, community_id: int) -> Counter[str]:
        """The community's topics with their story counts of the last week; configured
        topics are listed even with none."""
        stories = await self.recent_stories(community_id)
        counts: Counter[str] = Counter({t.name: 0 for t in self._settings.topics})
        for story in stories:
            counts.update(story.topics)
        return counts

    async def topic_names(self, community_id: int) -> tuple[str, ...]:
        """The community's topic names (as ``topics`` has them, sorted), counted at most
        ``TOPIC_NAMES_TTL`` ago: for offering them while a reader types."""
        now = self.now()
        cached = self._topic_names.get(community_id)
        if cached is not None and now - cached[0] < TOPIC_NAMES_TTL:
            return cached[1]
        names = tuple(sorted(await self.topics(community_id)))
        self._topic_names[community_id] = (now, names)
        return names

    async def topic_named(self, community_id: int, name: str) -> str:
        """The community's topic called ``name`` (case-insensitively), as it is spelt;
        UnknownTopicError when there is none."""
        names = {t.lower(): t for t in await self.topics(community_id)}
        found = names.get(name.strip().lower())
        if found is None:
            raise UnknownTopicError(name)
        return found

    async def subscribe(self, community_id: int, user_id: int, topic: str) -> tuple[str, bool]:
        """Follow a known topic: its name as spelt, and False when already followed."""
        name = await self.topic_named(community_id, topic)
        added = await asyncio.to_thread(self._store.subscribe, community_id, user_id, name)
        return name, added

    async def unsubscribe(self, community_id: int, user_id: int, topic: str) -> bool:
        """Stop following a topic (matched as typed, else case-insensitively); False when
        it was not followed."""
        store = self._store
        if await asyncio.to_thread(store.unsubscribe, community_id, user_id, topic.strip()):
            return True
        name = await self.topic_named(community_id, topic)
        return await asyncio.to_thread(store.unsubscribe, community_id, user_id, name)

    async def subscriptions(self, community_id: int, user_id: int) -> list[str]:
        return await asyncio.to_thread(self._store.subscriptions, community_id, user_id)

    async def personal_digests(self, community_id: int, digest: Digest) -> list[PersonalDigest]:
        """For each subscriber, the stories of ``digest`` in the topics they follow that
        they have not had yet."""
        return await asyncio.to_thread(self._personal, community_id, digest)

    def _personal(self, community_id: int, digest: Digest) -> list[PersonalDigest]:
        by_user: defaultdict[int, list[int]] = defaultdict(list)
        for index, item in enumerate(digest.items):
            for topic in item.story.topics:
                for user_id in self._store.subscribers(community_id, topic):
                    if index not in by_user[user_id]:
                        by_user[user_id].append(index)
        out = []
        for user_id, indexes in by_user.items():
            already = self._store.posted_story_ids("user", user_id)
            items = tuple(digest.items[i] for i in sorted(indexes))
            items = tuple(i for i in items if i.story.id not in already)
            if items:
                out.append(PersonalDigest(user_id, Digest(digest.generated_at, items)))
        return out

    # --- filters and topic roles ---------------------------------------------------------
    async def add_filter(
        self,
        community_id: int,
        channel_id: int,
        *,
        action: str,
        pattern: str,
        regex: bool = False,
        feed_url: str | None = None,
    ) -> FilterRecord:
        """Check and store an include or exclude rule of a channel, for every feed or for one
        of the community's feeds; InputError saying why a rule is refused."""
        rule = make_rule(
            action,
            "regex" if regex else "word",
            pattern,
            channel_id=channel_id,
            feed_url=feed_url.strip() if feed_url else None,
        )
        urls = await asyncio.to_thread(self._feed_urls, community_id)
        if rule.feed_url is not None and rule.feed_url not in urls:
            raise InputError("This server reads no such feed; /feed list shows them.")
        now = self.now()

        def work() -> FilterRecord:
            existing = self._store.list_filters(community_id, channel_id)
            for record in existing:
                if record.rule == rule:
                    raise InputError(f"That filter exists already (#{record.id}).")
            if len(existing) >= MAX_FILTERS_PER_CHANNEL:
                raise InputError(f"A channel has at most {MAX_FILTERS_PER_CHANNEL} filters.")
            return self._store.add_filter(community_id, rule, now=now)

        return await asyncio.to_thread(work)

    async def filters(self, community_id: int, channel_id: int | None = None) -> list[FilterRecord]:
        """The community's filter rules (of one channel, or of all), by channel then id."""
        return await asyncio.to_thread(self._store.list_filters, community_id, channel_id)

    async def remove_filter(self, community_id: int, filter_id: int) -> FilterRecord:
        """Remove a rule by its id; InputError when the community has no such rule."""
        try:
            return await asyncio.to_thread(self._store.remove_filter, community_id, filter_id)
        except NotFoundError:
            raise InputError(f"No filter #{filter_id} here; /filter list shows them.") from None

    async def check_filters(self, community_id: int, channel_id: int, text: str) -> FilterCheck:
        """What the channel's rules for every feed decide for a story whose text is ``text``
        (a headline, say); InputError for an empty or overlong text."""
        text = text.strip()
        if not text or len(text) > MAX_FILTER_TEST_CHARS:
            raise InputError(f"Test a text of 1 to {MAX_FILTER_TEST_CHARS} characters.")
        records = await self.filters(community_id, channel_id)
        general = [r for r in records if r.rule.feed_url is None]
        verdict = check_text(text, [r.rule for r in general])
        decided = next((r.id for r in general if r.rule == verdict.rule), None)
        return FilterCheck(verdict.kept, verdict.reason, decided, len(records) - len(general))

    async def set_topic_role(self, community_id: int, topic: str, role_id: int) -> str:
        """Mention ``role_id`` in the channel digests that carry a story of a known topic;
        the topic's name as spelt (UnknownTopicError when there is none)."""
        name = await self.topic_named(community_id, topic)
        roles = await self.topic_roles(community_id)
        if name not in roles and len(roles) >= MAX_TOPIC_ROLES:
            raise InputError(f"At most {MAX_TOPIC_ROLES} topics can mention a role.")
        await asyncio.to_thread(self._store.set_topic_role, community_id, name, role_id)
        return name

    async def remove_topic_role(self, community_id: int, topic: str) -> str:
        """Stop mentioning a role for a topic (matched case-insensitively); its name as
        stored, InputError when the topic mentions no role."""
        roles = await self.topic_roles(community_id)
        wanted = topic.strip().lower()
        name = next((t for t in roles if t.lower() == wanted), None)
        if name is None:
            raise InputError("That topic mentions no role.")
        await asyncio.to_thread(self._store.remove_topic_role, community_id, name)
        return name

    async def topic_roles(self, community_id: int) -> dict[str, int]:
        """Topic -> the role its stories mention, by topic."""
        return await asyncio.to_thread(self._store.topic_roles, community_id)

    async def digest_roles(self, community_id: int, digest: Digest) -> list[int]:
        """The roles a channel digest mentions: those of the topics its stories carry, each
        once, in the order the stories first name them."""
        roles = await self.topic_roles(community_id)
        found: dict[int, None] = {}
        for item in digest.items:
            for topic in item.story.topics:
                if topic in roles:
                    found.setdefault(roles[topic])
        return list(found)

    # --- schedules -----------------------------------------------------------------------
    async def set_schedule(
        self,
        community_id: int,
        channel_id: int,
        *,
        timezone: str,
        cron: str | None = None,
        times: str | None = None,
    ) -> Schedule:
        """Validate and store a channel's schedule (ScheduleError naming a bad value)."""
        schedule = build_schedule(
            community_id=community_id,
            channel_id=channel_id,
            timezone=timezone,
            cron=cron,
            times=times,
        )
        now = self.now()
        return await asyncio.to_thread(lambda: self._store.set_schedule(schedule, now=now))

    async def schedules(self, community_id: int | None = None) -> list[Schedule]:
        """One community's schedules, or every community's."""
        return await asyncio.to_thread(self._store.list_schedules, community_id)

    async def pause_schedule(self, community_id: int, channel_id: int, paused: bool) -> Schedule:
        """Pause or resume; NotFoundError when the channel has no schedule here."""
        return await asyncio.to_thread(
            self._store.set_schedule_paused, community_id, channel_id, paused
        )

    async def remove_schedule(self, community_id: int, channel_id: int) -> None:
        """NotFoundError when the channel has no schedule here."""
        await asyncio.to_thread(self._store.remove_schedule, community_id, channel_id)

    async def mark_schedule_run(self, community_id: int, channel_id: int, when: datetime) -> None:
        """Remember a run; NotFoundError when the channel has no schedule."""
        await asyncio.to_thread(self._store.mark_schedule_run, community_id, channel_id, when)

    @staticmethod
    def schedule_trigger(schedule: Schedule) -> BaseTrigger:
        """The APScheduler trigger that fires when the schedule wants a digest."""
        return trigger_for(schedule)

    def next_run(self, schedule: Schedule) -> datetime | None:
        """When the schedule fires next, from now."""
        return next_run(schedule, self.now())

    def missed_run(self, schedule: Schedule) -> datetime | None:
        """The latest run missed since the schedule last ran, if any (None when paused)."""
        return missed_run(schedule, self.now())

    # --- languages -----------------------------------------------------------------------
    def set_default_language(self, community_id: int, locale: str | None) -> None:
        """The language of the community's channels that have none set: the chat platform's
        preferred locale of the community (a Discord guild's), told by the edge as it learns
        it; an invalid one is ignored (the channels get ``DEFAULT_LANGUAGE``)."""
        tag = language_tag(locale)
        if tag is None:
            self._default_languages.pop(community_id, None)
        else:
            self._default_languages[community_id] = tag

    @staticmethod
    def checked_language(language: str) -> str | None:
        """An IETF language tag in its standard form ("pt-br" is "pt-BR"), None for
        "default"; InputError for anything else, so a command can check it before it
        stores anything."""
        text = language.strip()
        if text.lower() == "default":
            return None
        tag = language_tag(text)
        if tag is None:
            raise InputError(
                f"{text[:40]!r} is no language tag; use an IETF tag such as de, en-GB or "
                "pt-BR, or `default` for the server's language."
            )
        return tag

    async def set_channel_language(self, community_id: int, channel_id: int, language: str) -> str:
        """Store the language the channel's briefings are written in (``checked_language``:
        "default" goes back to the community's) and return the channel's language now."""
        tag = self.checked_language(language)
        now = self.now()
        await asyncio.to_thread(
            lambda: self._store.set_channel_language(community_id, channel_id, tag, now=now)
        )
        return tag or self._default_languages.get(community_id, DEFAULT_LANGUAGE)

    async def channel_language(self, community_id: int, channel_id: int) -> str:
        """The language the channel's briefings are written in: the one set for it, else the
        community's default, else ``DEFAULT_LANGUAGE``."""
        chosen = await asyncio.to_thread(self._store.channel_languages, community_id)
        default = self._default_languages.get(community_id, DEFAULT_LANGUAGE)
        return chosen.get(channel_id, default)

    # --- channel formats and failing-feed notices ----------------------------------------
    async def set_channel_format(
        self, community_id: int, channel_id: int, style: str, template: str | None = None
    ) -> ChannelFormat:
        """Store how the channel's digests are laid out. InputError for an unknown style, or
        a template without ``custom`` or the other way round; the edge, which renders, checks
        the template's placeholders before."""
        if style not in FORMAT_STYLES:
            raise InputError(f"Unknown style {style!r}; use {', '.join(FORMAT_STYLES)}.")
        template = (template or "").strip() or None
        if style == "custom" and template is None:
            raise InputError("The custom style needs a template, e.g. `{headline} {url}`.")
        if style != "custom" and template is not None:
            raise InputError("A template goes with the custom style only.")
        fmt = ChannelFormat(community_id, channel_id, style, template)
        now = self.now()
        return await asyncio.to_thread(lambda: self._store.set_channel_format(fmt, now=now))

    async def channel_format(self, community_id: int, channel_id: int) -> ChannelFormat:
        """The channel's format; ``full`` when none was set."""
        found = await asyncio.to_thread(self._store.channel_format, community_id, channel_id)
        return found or ChannelFormat(community_id, channel_id)

    async def set_notice_channel(self, community_id: int, channel_id: int) -> None:
        """Send the community's failing-feed notices to ``channel_id``."""
        now = self.now()
        await asyncio.to_thread(
            lambda: self._store.set_notice_channel(community_id, channel_id, now=now)
        )

    async def notice_channel(self, community_id: int) -> int | None:
        """Where the community's failing-feed notices go, if anywhere."""
        channels = await asyncio.to_thread(self._store.notice_channels)
        return channels.get(community_id)

    async def check_feed_notices(
        self, render: Callable[[Sequence[FeedNotice]], Sequence[dict[str, object]]]
    ) -> int:
        """Queue, for every community with a notice channel, the notices its feeds earn now
        (``digests.notices``), rendered by ``render``; the states are stored with them in one
        transaction, so each notice is queued once. How many notices were queued."""
        return await asyncio.to_thread(self._check_feed_notices, render)

    def _check_feed_notices(
        self, render: Callable[[Sequence[FeedNotice]], Sequence[dict[str, object]]]
    ) -> int:
        threshold = timedelta(hours=self._settings.fetch.notice_after_hours)
        queued = 0
        for community_id, channel_id in self._store.notice_channels().items():
            now = self.now()
            stored = self._store.feed_notice_states(community_id)
            feeds = self._feed_states(community_id)
            by_url = {s.feed_url: s for s in stored}
            plan = plan_notices(community_id, feeds, by_url, now, threshold=threshold)
            if not plan.notices and sorted(plan.states, key=_by_url) == stored:
                continue
            payloads = render(plan.notices) if plan.notices else ()
            self._store.save_feed_notices(
                community_id, plan.states, channel_id=channel_id, payloads=payloads, now=now
            )
            queued += len(plan.notices)
        return queued

    # --- outbox --------------------------------------------------------------------------
    async def enqueue(
        self,
        community_id: int,
        target_kind: TargetKind,
        target_id: int,
        *,
        story_ids: Sequence[str],
        payloads: Sequence[dict[str, object]],
        now: datetime | None = None,
        updates: Sequence[int] = (),
    ) -> DigestRecord:
        """Queue a rendered digest for a target, claiming its stories there (StorageError
        when one was already claimed, so no story reaches one place twice); ``updates`` are
        the ids of the target's developing items (``developing_updates``) it carries."""
        when = now or self.now()
        return await asyncio.to_thread(
            lambda: self._store.enqueue_digest(
                community_id=community_id,
                target_kind=target_kind,
                target_id=target_id,
                story_ids=story_ids,
                payloads=payloads,
                now=when,
                update_ids=updates,
            )
        )

    async def pending_messages(self) -> list[OutboxMessage]:
        """Unsent messages of pending digests, in delivery order."""
        return await asyncio.to_thread(self._store.pending_messages)

    async def digest_messages(self, digest_id: int) -> list[OutboxMessage]:
        """Every message of one digest, sent or not, in order."""
        return await asyncio.to_thread(self._store.digest_messages, digest_id)

    async def mark_sent(self, message_id: int, *, remote_id: str | None) -> None:
        now = self.now()
        await asyncio.to_thread(
            lambda: self._store.mark_message_sent(message_id, remote_id=remote_id, now=now)
        )

    async def mark_failed_attempt(self, message_id: int) -> None:
        await asyncio.to_thread(self._store.mark_message_attempt, message_id)

    async def fail_digest(self, digest_id: int, reason: str) -> None:
        """Give up on a digest's unsent messages."""
        await asyncio.to_thread(self._store.fail_digest, digest_id, reason)

    async def latest_digest(self, target_kind: TargetKind, target_id: int) -> DigestRecord | None:
        """The newest digest fully delivered to a target, with its messages."""
        return await asyncio.to_thread(self._store.latest_digest, target_kind, target_id)

    # --- webhooks and announcement publishes -------------------------------------------
    async def set_channel_webhook(
        self,
        community_id: int,
        channel_id: int,
        webhook_id: int,
        token: str,
        name: str,
        avatar_url: str | None,
    ) -> ChannelWebhook:
        """Store the webhook the edge made (or kept) in a channel and the identity it posts
        under; the edge checks the name and avatar against the platform's rules first."""
        hook = ChannelWebhook(
            community_id, channel_id, webhook_id, token, WebhookIdentity(name, avatar_url)
        )
        now = self.now()
        return await asyncio.to_thread(lambda: self._store.set_channel_webhook(hook, now=now))

    async def set_feed_identity(
        self,
        community_id: int,
        channel_id: int,
        feed_url: str,
        name: str | None,
        avatar_url: str | None = None,
    ) -> ChannelWebhook:
        """Give digests of one of the community's feeds their own identity in the channel
        (a None name takes it away). InputError for a feed the community does not have,
        NotFoundError when the channel has no webhook."""
        url = feed_url.strip()
        identity = None if name is None else WebhookIdentity(name, avatar_url)
        now = self.now()

        def work() -> ChannelWebhook:
            if url not in self._feed_urls(community_id):
                raise InputError(f"This server has no feed {url!r}; /feed list shows them.")
            return self._store.set_feed_identity(community_id, channel_id, url, identity, now=now)

        return await asyncio.to_thread(work)

    async def channel_webhook(self, community_id: int, channel_id: int) -> ChannelWebhook | None:
        """The channel's webhook, if it posts through one."""
        return await asyncio.to_thread(self._store.channel_webhook, community_id, channel_id)

    async def remove_channel_webhook(self, community_id: int, channel_id: int) -> ChannelWebhook:
        """Stop posting through the channel's webhook; NotFoundError when it has none."""
        return await asyncio.to_thread(self._store.remove_channel_webhook, community_id, channel_id)

    async def begin_webhook_send(
        self, message_id: int, *, webhook_id: int, after_id: int | None
    ) -> None:
        """Record that an outbox message is about to go out through a webhook."""
        now = self.now()
        await asyncio.to_thread(
            lambda: self._store.begin_webhook_send(
                message_id, webhook_id=webhook_id, after_id=after_id, now=now
            )
        )

    async def webhook_send(self, message_id: int) -> WebhookSend | None:
        """The webhook send last started for an outbox message, if any."""
        return await asyncio.to_thread(self._store.webhook_send, message_id)

    async def record_publish(self, channel_id: int, remote_id: str) -> None:
        """Remember that a message of an announcement channel was published now."""
        now = self.now()
        await asyncio.to_thread(lambda: self._store.record_publish(channel_id, remote_id, now=now))

    async def publishes_in(self, channel_id: int, window: timedelta) -> int:
        """How many messages of the channel were published within the last ``window``."""
        since = self.now() - window
        return await asyncio.to_thread(self._store.publishes_since, channel_id, since)

    # --- developing stories --------------------------------------------------------------
    async def plan_story_updates(
        self, render: Callable[[StoryUpdate], Sequence[dict[str, object]]]
    ) -> int:
        """Queue the updates that stories already posted earn with their new reports
        (``digests.updates``): a thread update rendered by ``render`` goes into the outbox,
        one for a target without threads waits for its next digest. How many."""
        now = self.now()
        return await asyncio.to_thread(
            lambda: plan_story_updates(
                self._store, self._settings, now=now, render=render, feed_urls_of=self._feed_urls
            )
        )

    async def set_story_updates(self, community_id: int, channel_id: int, enabled: bool) -> None:
        """Turn updates on stories already posted in the channel on or off."""
        now = self.now()
        await asyncio.to_thread(
            lambda: self._store.set_story_updates(community_id, channel_id, enabled, now=now)
        )

    async def story_updates_enabled(self, community_id: int, channel_id: int) -> bool:
        return await asyncio.to_thread(self._store.story_updates_enabled, community_id, channel_id)

    async def developing_updates(
        self, target_kind: TargetKind, target_id: int
    ) -> list[StoryUpdate]:
        """The updates waiting for the target's next digest ("Developing"), oldest first;
        pass their ids to ``enqueue`` with the digest that carries them."""
        records = await asyncio.to_thread(self._store.developing_updates, target_kind, target_id)
        return [as_update(r) for r in records]

    async def defer_story_update(self, message_id: int) -> None:
        """An update whose thread the platform refused goes into the target's next digest."""
        now = self.now()
        await asyncio.to_thread(lambda: self._store.defer_story_update(message_id, now=now))

    async def story_timeline(self, story: Story) -> tuple[TimelineEntry, ...]:
        """Each report of the story in time order, with the facts it added."""
        limit = self._settings.updates.max_facts
        return await asyncio.to_thread(lambda: timeline(story, limit=limit))

    # --- status --------------------------------------------------------------------------
    async def tokens_today(self) -> int:
        """Model tokens used today (UTC), by every process."""
        return await asyncio.to_thread(self._store.tokens_used, self.now().date())

    async def status(self, community_id: int, channel_ids: Iterable[int] = ()) -> StatusFigures:
        """The community's figures; ``channel_ids`` are looked at for a last digest besides
        the scheduled channels (those that never had one are left out)."""
        figures = await asyncio.to_thread(self._status, community_id, set(channel_ids))
        skipped = skip_summary(self._last_refresh, self._headline_only.get(community_id, {}))
        for channel_id, (dropped, composed) in sorted(self._filtered[community_id].items()):
            if dropped:
                went = "nothing was posted" if dropped == composed else "the rest went out"
                skipped.append(
                    f"the filters of <#{channel_id}> left out {dropped} of the {composed} "
                    f"stories of its last digest ({went})"
                )
        return StatusFigures(*figures, skipped=tuple(skipped))

    def _status(
        self, community_id: int, channel_ids: Collection[int]
    ) -> tuple[tuple[FeedState, ...], tuple[tuple[int, datetime | None], ...], int, int]:
        store = self._store
        scheduled = {s.channel_id for s in store.list_schedules(community_id)}
        last: list[tuple[int, datetime | None]] = []
        for channel_id in sorted(scheduled | set(channel_ids)):
            record = store.latest_digest("channel", channel_id)
            if record is not None or channel_id in scheduled:
                last.append((channel_id, record.created_at if record else None))
        return (
            tuple(self._feed_states(community_id)),
            tuple(last),
            len(store.pending_messages()),
            store.tokens_used(self.now().date()),
        )


def _by_url(state: FeedNoticeState) -> str:
    return state.feed_url
