"""The storage contract: one role protocol per domain, and ``Store``, their union.

Contract, for every method of every role:
- Every datetime passed in or returned is timezone-aware UTC; a naive datetime passed in
  raises ``ValueError``.
- Lookups of something that does not exist return ``None`` (or leave it out of a list);
  mutations of something that does not exist raise ``NotFoundError``.
- Any database failure is raised as ``StorageError`` (the database library's error is its
  cause); ``NotFoundError`` is a ``StorageError``.
- A batch method is one transaction: all of it is stored, or none.
- Methods are synchronous and safe to call from worker threads; the async edges call them
  through ``asyncio.to_thread`` when a call may be slow.

A community is whatever scopes feeds, schedules and subscriptions on the chat platform (on
Discord, a guild); the store knows only its id.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from digests.filters import FilterRule
from digests.records import (
    Article,
    ArticleDraft,
    Briefing,
    FeedSource,
    FeedState,
    Story,
    StoryOutline,
    Validators,
)
from digests.store.records import (
    ChannelFormat,
    ChannelWebhook,
    DigestRecord,
    FeedNoticeState,
    FetchSuccess,
    FilterRecord,
    NewStory,
    OutboxMessage,
    PostedStory,
    PruneReport,
    Schedule,
    StoryRank,
    StoryUpdateDraft,
    StoryUpdateRecord,
    TargetKind,
    UpsertResult,
    WebhookIdentity,
    WebhookSend,
)

__all__ = [
    "ArticleStore",
    "BriefingStore",
    "ChannelStore",
    "CommunityStore",
    "FeedStore",
    "FilterStore",
    "LanguageStore",
    "OutboxStore",
    "PublishStore",
    "ScheduleStore",
    "Store",
    "StoryStore",
    "StoryUpdateStore",
    "SubscriptionStore",
    "TokenStore",
    "TopicRoleStore",
    "WebhookStore",
]


class FeedStore(Protocol):
    """The feeds to fetch and their fetch health."""

    def ensure_feeds(self, sources: Sequence[FeedSource]) -> None:
        """Create the feeds not stored yet and mark each a config feed, in one transaction;
        a known feed takes the source's name and topics when it gives them and keeps its
        own otherwise."""

    def get_feed(self, url: str) -> FeedState | None: ...

    def list_feeds(self) -> list[FeedState]:
        """All feeds, ordered by URL."""

    def record_fetch_success(
        self,
        url: str,
        *,
        now: datetime,
        validators: Validators,
        next_fetch_at: datetime,
        title: str | None = None,
        warning: str | None = None,
    ) -> FeedState:
        """Store validators, warning and title (a None title keeps the stored one), clear
        the error and the failure count. NotFoundError when the feed is unknown."""

    def record_fetch_successes(self, successes: Sequence[FetchSuccess]) -> None:
        """Record many successful fetches in one transaction, each as
        ``record_fetch_success`` would; feeds no longer stored are skipped."""

    def record_fetch_failure(
        self,
        url: str,
        *,
        now: datetime,
        error: str,
        next_fetch_at: datetime,
        disable_after: int,
    ) -> FeedState:
        """Store the error, bump the failure count, disable the feed when it reaches
        ``disable_after`` consecutive failures (the reason names the last error).
        NotFoundError when the feed is unknown."""

    def due_feeds(self, now: datetime) -> list[FeedState]:
        """Enabled feeds whose next fetch time is unset or not after ``now``, by URL."""


class ArticleStore(Protocol):
    """Articles: stored deduplicated, read back, pruned with what depends on them."""

    def upsert_articles(
        self, drafts: Sequence[ArticleDraft], *, now: datetime
    ) -> list[UpsertResult]:
        """Store drafts in one transaction, in order, one result per draft; a later draft
        sees the ones before it.

        A draft with the feed and entry id of a stored article updates it when the content
        hash differs (its first ``fetched_at`` is kept) and is ``unchanged`` otherwise.
        Failing that, a stored article of any feed with the same canonical URL or content
        hash makes it a ``duplicate`` (not stored). ``now`` is a new article's fetch time.
        """

    def entry_source_hashes(self, feed_url: str) -> dict[str, str]:
        """Entry id -> ``ArticleDraft.source_hash`` of the feed's stored articles (where one
        was recorded), so a refresh can skip entries the feed sent unchanged."""

    def get_articles(self, article_ids: Sequence[int]) -> list[Article]:
        """The articles with these ids, in the order given; unknown ids are left out."""

    def article_signatures(self, article_ids: Sequence[int]) -> dict[int, bytes]:
        """Article id -> the clustering signature stored with it, for those of these articles
        that have one (unknown ids are left out). An update of an article's text drops it."""

    def set_article_signatures(self, signatures: Mapping[int, bytes]) -> None:
        """Store each article's clustering signature (replacing any), in one transaction;
        unknown ids are ignored."""

    def articles_without_story(self, *, with_text: bool = True) -> list[Article]:
        """Articles not yet grouped into a story, oldest first; with an empty text unless
        ``with_text``."""

    def count_articles(self) -> int: ...

    def prune(self, *, before: datetime) -> PruneReport:
        """Delete what is older than ``before``, in one transaction: stories created before it
        whose articles were all fetched before it (with those articles), articles fetched
        before it in no story, briefings cached before it, and sent digests created before it
        none of whose stories is kept. A story of a pending or failed digest is kept, with
        its articles, however old."""


class StoryStore(Protocol):
    """Stories: groups of articles about one event, with their topics.

    An article's feed name is read from its feed, so renaming a feed renames its articles'
    source. A story's articles are ordered by publication date (else fetch time), then id.
    With ``feed_urls``, a read sees only the articles of those feeds, and a story with none
    of them is left out: this is how one community sees only its own feeds. A story without
    any article is never returned.
    """

    def create_story(
        self, story_id: str, article_ids: Sequence[int], *, topics: Sequence[str], now: datetime
    ) -> Story:
        """Create a story holding these articles; StorageError when the id is taken,
        NotFoundError when an article is unknown (nothing is stored then)."""

    def create_stories(self, stories: Sequence[NewStory], *, now: datetime) -> None:
        """Create many stories with their topics and articles in one transaction; all or
        nothing: NotFoundError when an article is unknown, StorageError when a story id is
        taken."""

    def add_to_story(self, story_id: str, article_ids: Sequence[int]) -> Story:
        """Attach more articles to an existing story; returns it with all its articles.
        NotFoundError when the story or an article is unknown."""

    def add_to_stories(self, additions: Mapping[str, Sequence[int]]) -> list[Story]:
        """Attach articles to many existing stories in one transaction (all or nothing,
        NotFoundError when a story or an article is unknown); returns the grown stories
        with all their articles, in the order given."""

    def set_stories_topics(self, topics: Mapping[str, Sequence[str]]) -> None:
        """Set the topics of many stories in one transaction; NotFoundError when one is
        unknown."""

    def get_story(self, story_id: str) -> Story | None: ...

    def get_stories(
        self, story_ids: Sequence[str], *, feed_urls: Collection[str] | None = None
    ) -> list[Story]:
        """The stories with these ids and their (scoped) articles, in the order given;
        unknown ids are left out."""

    def stories_since(
        self,
        since: datetime,
        *,
        feed_urls: Collection[str] | None = None,
        with_text: bool = True,
    ) -> list[Story]:
        """Stories created at or after ``since``, newest first, with their (scoped) articles.

        With ``with_text=False`` every article's ``text`` is ``""``: enough to rank a large
        window without loading it (then ``get_stories`` loads the few kept).
        """

    def story_ranks_since(
        self, since: datetime, *, feed_urls: Collection[str] | None = None
    ) -> list[StoryRank]:
        """Stories created at or after ``since`` with at least one (scoped) article, newest
        first, as the aggregates ranking needs, computed by the database so no article is
        loaded."""

    def story_outlines_since(self, since: datetime) -> list[StoryOutline]:
        """Stories created at or after ``since``, newest first, as ids and their articles'
        (id, feed URL) in story order: what clustering needs of a window, without text."""

    def search_stories(
        self, query: str, *, limit: int = 10, feed_urls: Collection[str] | None = None
    ) -> list[Story]:
        """Stories whose articles' titles or texts hold every word of ``query``
        (case-insensitive; the words may be spread over the story's articles), newest
        first, at most ``limit``; an empty query finds nothing."""


class BriefingStore(Protocol):
    """Briefings cached by the hash of their summary input, across runs."""

    def get_briefing(self, content_hash: str) -> Briefing | None: ...

    def put_briefing(self, content_hash: str, briefing: Briefing, *, now: datetime) -> None:
        """Cache a briefing (replacing an older one for the same hash)."""


class TokenStore(Protocol):
    """LLM tokens spent per day."""

    def add_tokens(self, day: date, tokens: int) -> int:
        """Add to the day's token count and return the new total; concurrent adders never
        lose an increment."""

    def tokens_used(self, day: date) -> int:
        """The day's token count, 0 for a day without any."""


class CommunityStore(Protocol):
    """The feeds a community added itself (config feeds are everyone's)."""

    def add_community_feed(self, community_id: int, source: FeedSource) -> FeedState:
        """Attach a feed to a community, creating the feed row when new (an existing feed
        keeps its name and topics); attaching it twice is harmless."""

    def remove_community_feed(self, community_id: int, url: str) -> None:
        """Detach a feed from a community; NotFoundError when the community does not have
        it. The feed row is deleted when no community uses it any more and it is not a
        config feed."""

    def community_feed_urls(self, community_id: int) -> list[str]:
        """URLs of the feeds a community added itself, sorted (config feeds are not listed
        here)."""


class ScheduleStore(Protocol):
    """When each channel gets digests; a channel id belongs to one community."""

    def set_schedule(self, schedule: Schedule, *, now: datetime) -> Schedule:
        """Create or replace the schedule of ``schedule.channel_id``, updated at ``now``; the
        last run is kept unless the schedule names one."""

    def list_schedules(self, community_id: int | None = None) -> list[Schedule]:
        """Schedules of one community (or all), by community then channel."""

    def set_schedule_paused(self, community_id: int, channel_id: int, paused: bool) -> Schedule:
        """NotFoundError when the channel has no schedule in this community."""

    def remove_schedule(self, community_id: int, channel_id: int) -> None:
        """NotFoundError when the channel has no schedule in this community."""

    def mark_schedule_run(self, community_id: int, channel_id: int, when: datetime) -> None:
        """Remember when the channel's digest last ran; NotFoundError when the channel has
        no schedule in this community."""


class OutboxStore(Protocol):
    """Digests queued for a channel or a user's DMs, delivered message by message.

    ``target_kind`` is ``"channel"`` or ``"user"``; any other raises ``ValueError``.
    """

    def posted_story_ids(self, target_kind: TargetKind, target_id: int) -> set[str]:
        """Stories already queued or posted to this channel or user."""

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
        """Atomically store a pending digest, its messages (in order) and claim its stories
        for the target. Raises StorageError if any story was already claimed for that
        target, so a story is never posted twice to the same place. ``update_ids`` are
        developing story updates waiting for the target (``StoryUpdateStore``) that the
        digest carries, claimed in the same transaction so each is carried once;
        NotFoundError when one is not the target's."""

    def pending_messages(self, digest_id: int | None = None) -> list[OutboxMessage]:
        """Unsent messages of pending digests (or of one of them), by digest then seq."""

    def digest_messages(self, digest_id: int) -> list[OutboxMessage]:
        """Every message of one digest, sent or not, by seq (e.g. to find a forum thread)."""

    def mark_message_sent(self, message_id: int, *, remote_id: str | None, now: datetime) -> None:
        """Mark one message delivered (again is a no-op); the digest becomes ``sent`` with
        its last message. NotFoundError when the message is unknown."""

    def mark_message_attempt(self, message_id: int) -> None:
        """Count a failed delivery attempt; NotFoundError when the message is unknown."""

    def fail_digest(self, digest_id: int, error: str) -> None:
        """Give up on a digest's unsent messages (e.g. the channel is gone); its stories
        stay claimed, so they are not posted twice should part of it have gone out.
        NotFoundError when the digest is unknown."""

    def latest_digest(self, target_kind: TargetKind, target_id: int) -> DigestRecord | None:
        """The newest digest sent (all messages delivered) to this target, with messages."""


class SubscriptionStore(Protocol):
    """Users' topic subscriptions, per community."""

    def subscribe(self, community_id: int, user_id: int, topic: str) -> bool:
        """Returns False when already subscribed."""

    def unsubscribe(self, community_id: int, user_id: int, topic: str) -> bool:
        """Returns False when not subscribed."""

    def subscriptions(self, community_id: int, user_id: int) -> list[str]:
        """A user's topics in a community, sorted."""

    def subscribers(self, community_id: int, topic: str) -> list[int]:
        """Users of a community subscribed to a topic, by id."""


class ChannelStore(Protocol):
    """How a channel's digests are laid out, and where a community's failing-feed notices
    go with what the check last noted of each feed."""

    def set_channel_format(self, fmt: ChannelFormat, *, now: datetime) -> ChannelFormat:
        """Create or replace the channel's format, updated at ``now``. ValueError for an
        unknown style, a custom style without a template or a template on another style."""

    def channel_format(self, community_id: int, channel_id: int) -> ChannelFormat | None:
        """The channel's format in this community (None: the default, ``full``)."""

    def set_notice_channel(self, community_id: int, channel_id: int, *, now: datetime) -> None:
        """Send the community's failing-feed notices to this channel from now on."""

    def notice_channels(self) -> dict[int, int]:
        """Every community's notice channel, by community id."""

    def feed_notice_states(self, community_id: int) -> list[FeedNoticeState]:
        """What the failing-feed check last noted of the community's feeds, by feed URL."""

    def save_feed_notices(
        self,
        community_id: int,
        states: Sequence[FeedNoticeState],
        *,
        channel_id: int,
        payloads: Sequence[dict[str, object]],
        now: datetime,
    ) -> DigestRecord | None:
        """In one transaction: replace the community's notice states with ``states`` and,
        when there are payloads, queue them to ``channel_id`` in the outbox (claiming no
        story). The queued digest, or None. ValueError for a state of another community."""


class FilterStore(Protocol):
    """Include/exclude rules of a community's channels (see ``digests.filters``)."""

    def add_filter(self, community_id: int, rule: FilterRule, *, now: datetime) -> FilterRecord:
        """Store a rule of ``rule.channel_id`` (ValueError when it names no channel); the
        rule is stored as given, so check it with ``make_rule`` first."""

    def list_filters(self, community_id: int, channel_id: int | None = None) -> list[FilterRecord]:
        """The community's rules (of one channel, or of all), by channel then id."""

    def remove_filter(self, community_id: int, filter_id: int) -> FilterRecord:
        """Delete a rule and return it; NotFoundError when the community has no rule with
        this id."""


class TopicRoleStore(Protocol):
    """The role a community's channel digests mention when they carry a topic's story."""

    def set_topic_role(self, community_id: int, topic: str, role_id: int) -> None:
        """Give a topic its role, replacing the one it had."""

    def remove_topic_role(self, community_id: int, topic: str) -> None:
        """NotFoundError when the topic has no role in this community."""

    def topic_roles(self, community_id: int) -> dict[str, int]:
        """Topic -> role id of a community, by topic."""


class WebhookStore(Protocol):
    """The webhooks the bot owns in channels, the identities they post under, and the
    webhook executions of outbox messages that were started (for exactly-once resends)."""

    def set_channel_webhook(self, hook: ChannelWebhook, *, now: datetime) -> ChannelWebhook:
        """Create or replace the channel's webhook (id, token) and identity, updated at
        ``now``; the feed identities stored for the channel are kept (``hook``'s are
        ignored). Returns the stored webhook with them."""

    def set_feed_identity(
        self,
        community_id: int,
        channel_id: int,
        feed_url: str,
        identity: WebhookIdentity | None,
        *,
        now: datetime,
    ) -> ChannelWebhook:
        """Give digests of one feed their own identity in the channel (None removes it).
        NotFoundError when the channel has no webhook in this community."""

    def channel_webhook(self, community_id: int, channel_id: int) -> ChannelWebhook | None:
        """The channel's webhook in this community, with its feed identities by URL."""

    def remove_channel_webhook(self, community_id: int, channel_id: int) -> ChannelWebhook:
        """Forget the channel's webhook and its feed identities and return what was stored;
        NotFoundError when the channel has none in this community."""

    def begin_webhook_send(
        self, message_id: int, *, webhook_id: int, after_id: int | None, now: datetime
    ) -> None:
        """Record, before executing the webhook, that this outbox message is being sent
        (replacing an earlier record); NotFoundError when the message is unknown."""

    def webhook_send(self, message_id: int) -> WebhookSend | None:
        """The webhook execution last started for this outbox message, if any."""


class PublishStore(Protocol):
    """Messages published (crossposted) from announcement channels, to keep within
    Discord's hourly limit across restarts."""

    def record_publish(self, channel_id: int, remote_id: str, *, now: datetime) -> None:
        """Remember that a message of the channel was published at ``now``."""

    def publishes_since(self, channel_id: int, since: datetime) -> int:
        """How many messages of the channel were published at or after ``since``."""


class StoryUpdateStore(Protocol):
    """Updates on stories after their digest: what each target was told (``StoryUpdateRecord``),
    and the channels whose admins turned updates off."""

    def set_story_updates(
        self, community_id: int, channel_id: int, enabled: bool, *, now: datetime
    ) -> None:
        """Turn story updates of a channel on or off from now on."""

    def story_updates_enabled(self, community_id: int, channel_id: int) -> bool:
        """Whether the channel gets story updates (True unless turned off in this community)."""

    def channels_without_updates(self) -> set[int]:
        """Every channel whose story updates are turned off."""

    def posted_stories_since(self, since: datetime) -> list[PostedStory]:
        """The stories of every sent digest created at or after ``since``, by digest then
        story id, with where each can be followed up."""

    def story_updates_since(self, since: datetime) -> list[StoryUpdateRecord]:
        """Story updates created at or after ``since``, oldest first."""

    def save_story_updates(
        self, drafts: Sequence[StoryUpdateDraft], *, now: datetime
    ) -> list[StoryUpdateRecord]:
        """Store the updates in one transaction, queueing each ``thread`` update's payloads
        in the outbox (claiming no story). ValueError for an unknown delivery, or payloads on
        anything but a thread update (or none on one)."""

    def developing_updates(
        self, target_kind: TargetKind, target_id: int
    ) -> list[StoryUpdateRecord]:
        """The target's updates waiting for its next digest, oldest first."""

    def defer_story_update(self, message_id: int, *, now: datetime) -> None:
        """An update that cannot go to its thread: mark its message done without a remote id
        and hold its update for the target's next digest, in one transaction (a message
        already sent is left alone); NotFoundError when the message is unknown."""


class LanguageStore(Protocol):
    """The language (an IETF tag, checked by the caller) each channel's briefings are written
    in, where an admin chose one; a channel without one gets its community's default."""

    def set_channel_language(
        self, community_id: int, channel_id: int, language: str | None, *, now: datetime
    ) -> None:
        """Set the channel's language (None: back to the default), updated at ``now``."""

    def channel_languages(self, community_id: int) -> dict[int, str]:
        """Channel id -> language of the community's channels that have one."""


class Store(
    FeedStore,
    ArticleStore,
    StoryStore,
    BriefingStore,
    TokenStore,
    CommunityStore,
    ScheduleStore,
    OutboxStore,
    SubscriptionStore,
    ChannelStore,
    FilterStore,
    TopicRoleStore,
    WebhookStore,
    PublishStore,
    StoryUpdateStore,
    LanguageStore,
    Protocol,
):
    """Persistence for feeds, articles, stories, briefings and delivery: every role."""

    def migrate(self) -> None:
        """Bring the schema to the newest revision (idempotent; processes starting together
        take turns)."""

    def close(self) -> None:
        """Release connections."""
