"""The storage contract every backend honours.

Contract:
- Every datetime passed in or returned is timezone-aware UTC; a naive datetime passed in
  raises ``ValueError``.
- Lookups of something that does not exist return ``None``; mutations of something that
  does not exist raise ``NotFoundError``.
- Any database failure is raised as ``StorageError`` (the SQLAlchemy error is its cause).
- Methods are synchronous and safe to call from worker threads; the async edges call them
  through ``asyncio.to_thread`` when a call may be slow.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

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

TargetKind = Literal["channel", "user"]

UpsertStatus = Literal["new", "updated", "unchanged", "duplicate"]


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What storing an article did.

    ``new``: a new row; ``updated``: same entry (or URL) whose content changed;
    ``unchanged``: same entry, same content; ``duplicate``: another article already holds
    this canonical URL or content hash (the draft was not stored).
    """

    article_id: int
    status: UpsertStatus


@dataclass(frozen=True, slots=True)
class FetchSuccess:
    """One feed's successful fetch, to record with others (see ``record_fetch_success``)."""

    url: str
    now: datetime
    validators: Validators
    next_fetch_at: datetime
    title: str | None = None
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class PruneReport:
    """How many rows a prune deleted, by kind."""

    articles: int = 0
    stories: int = 0
    briefings: int = 0
    digests: int = 0

    @property
    def total(self) -> int:
        return self.articles + self.stories + self.briefings + self.digests


@dataclass(frozen=True, slots=True)
class NewStory:
    """A story to create in a batch: its id, its articles and its topics."""

    id: str
    article_ids: tuple[int, ...]
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoryRank:
    """What ranking needs of a story, aggregated over its (scoped) articles, no text.

    ``feeds`` counts the distinct feeds of its articles; ``published`` is the earliest
    publication date among them (None when none is dated); ``first_seen`` is when the
    earliest of them was stored; ``lead_feed`` and ``lead_title`` are the feed and title of
    its primary article (``Story.primary``).
    """

    id: str
    topics: tuple[str, ...]
    created_at: datetime
    feeds: int
    published: datetime | None
    first_seen: datetime | None = None
    lead_feed: str = ""
    lead_title: str = ""


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a channel gets digests: a cron expression or daily times, in an IANA timezone."""

    community_id: int
    channel_id: int
    timezone: str
    cron: str | None = None
    times: tuple[str, ...] = ()  # "HH:MM" local times, used when cron is None
    paused: bool = False
    updated_at: datetime | None = None
    last_run_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message of a digest waiting in (or delivered from) the outbox.

    ``payload`` is the JSON-ready message body (content, embeds, ...) as rendered by the
    bot; ``seq`` orders the messages of one digest, header first.
    """

    id: int
    digest_id: int
    seq: int
    target_kind: TargetKind
    target_id: int
    payload: dict[str, object]
    sent_at: datetime | None = None
    remote_id: str | None = None
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class DigestRecord:
    """A digest queued or delivered to a channel or a user's DMs."""

    id: int
    community_id: int
    target_kind: TargetKind
    target_id: int
    story_ids: tuple[str, ...]
    created_at: datetime
    status: Literal["pending", "sent", "failed"]
    error: str | None = None
    messages: tuple[OutboxMessage, ...] = ()


class Store(Protocol):
    """Persistence for feeds, articles, stories and cached briefings."""

    # --- lifecycle -------------------------------------------------------------------
    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (idempotent)."""

    def close(self) -> None:
        """Release connections."""

    # --- feeds -----------------------------------------------------------------------
    def ensure_feed(self, source: FeedSource) -> FeedState:
        """Create the feed if unknown; update its name/topics if given. Returns its state."""

    def ensure_feeds(self, sources: Sequence[FeedSource]) -> None:
        """``ensure_feed`` for many feeds in one transaction."""

    def get_feed(self, url: str) -> FeedState | None: ...

    def list_feeds(self) -> list[FeedState]:
        """All feeds, ordered by URL."""

    def remove_feed(self, url: str) -> None:
        """Delete a feed (its articles stay). Raises NotFoundError when unknown."""

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
        """Store validators and title, clear the error and the failure count."""

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
        ``disable_after`` consecutive failures (the reason names the last error)."""

    def enable_feed(self, url: str) -> FeedState:
        """Clear the disabled reason and the failure count."""

    def due_feeds(self, now: datetime) -> list[FeedState]:
        """Enabled feeds whose next fetch time is unset or not after ``now``."""

    # --- articles --------------------------------------------------------------------
    def upsert_article(self, draft: ArticleDraft, *, now: datetime) -> UpsertResult:
        """Store a draft, deduplicating by (feed, entry id), canonical URL and content hash.

        Same feed and entry id: the stored article is updated when the content hash differs.
        Otherwise a match on canonical URL or content hash from any feed makes a duplicate.
        """

    def upsert_articles(
        self, drafts: Sequence[ArticleDraft], *, now: datetime
    ) -> list[UpsertResult]:
        """Store many drafts in one transaction, in order, exactly as ``upsert_article`` would
        one after another (a later draft sees the ones before it); one result per draft."""

    def entry_source_hashes(self, feed_url: str) -> dict[str, str]:
        """Entry id -> ``ArticleDraft.source_hash`` of the feed's stored articles, so a
        refresh can skip entries the feed sent unchanged (no cleaning, no page fetch)."""

    def get_article(self, article_id: int) -> Article | None: ...

    def get_articles(self, article_ids: Sequence[int]) -> list[Article]:
        """The articles with these ids, in the order given; unknown ids are left out."""

    def articles_since(self, since: datetime) -> list[Article]:
        """Articles first fetched at or after ``since`` (published date may be older),
        oldest first."""

    def articles_without_story(self) -> list[Article]:
        """Articles not yet grouped into a story, oldest first."""

    def count_articles(self) -> int: ...

    def prune(self, *, before: datetime) -> PruneReport:
        """Delete what is older than ``before``, in one transaction: stories created before it
        whose articles were all fetched before it (with those articles), articles fetched
        before it in no story, briefings cached before it, and sent digests created before it
        none of whose stories is kept. A story of a pending or failed digest is kept, with
        its articles, however old. Raises ValueError for a naive ``before``."""

    # --- stories ---------------------------------------------------------------------
    def create_story(
        self, story_id: str, article_ids: Sequence[int], *, topics: Sequence[str], now: datetime
    ) -> Story:
        """Create a story holding these articles."""

    def create_stories(self, stories: Sequence[NewStory], *, now: datetime) -> None:
        """Create many stories with their topics and articles in one transaction; all or
        nothing: NotFoundError when an article is unknown, StorageError when a story id is
        taken."""

    def add_to_story(self, story_id: str, article_ids: Sequence[int]) -> Story:
        """Attach more articles to an existing story."""

    def add_to_stories(self, additions: Mapping[str, Sequence[int]]) -> list[Story]:
        """Attach articles to many existing stories in one transaction (all or nothing,
        NotFoundError when a story or an article is unknown); returns the grown stories
        with all their articles, in the order given."""

    def set_stories_topics(self, topics: Mapping[str, Sequence[str]]) -> None:
        """Set the topics of many stories in one transaction; NotFoundError when one is
        unknown."""

    def set_story_topics(self, story_id: str, topics: Sequence[str]) -> None: ...

    def get_story(self, story_id: str) -> Story | None: ...

    def get_stories(
        self, story_ids: Sequence[str], *, feed_urls: Collection[str] | None = None
    ) -> list[Story]:
        """The stories with these ids and their articles, in the order given; unknown ids
        (and, with ``feed_urls``, stories with none of those feeds' articles) are left out."""

    def stories_since(
        self,
        since: datetime,
        *,
        feed_urls: Collection[str] | None = None,
        with_text: bool = True,
    ) -> list[Story]:
        """Stories created at or after ``since``, newest first, with their articles.

        With ``feed_urls``, only stories with at least one article from those feeds (and
        only those articles) are returned: this is how one community sees only its own feeds.
        With ``with_text=False`` every article's ``text`` is ``""``: enough to rank a large
        window without loading it (then ``get_stories`` loads the few kept).
        """

    def story_ranks_since(
        self, since: datetime, *, feed_urls: Collection[str] | None = None
    ) -> list[StoryRank]:
        """Stories created at or after ``since`` with at least one (scoped) article, newest
        first, as the aggregates ranking needs: feed count and earliest publication date,
        computed by the database so no article is loaded."""

    def story_outlines_since(self, since: datetime) -> list[StoryOutline]:
        """Stories created at or after ``since``, newest first, as ids and their articles'
        (id, feed URL) in story order: what clustering needs of a window, without text."""

    def search_stories(
        self, query: str, *, limit: int = 10, feed_urls: Collection[str] | None = None
    ) -> list[Story]:
        """Stories whose title or text contains every word of ``query`` (case-insensitive),
        newest first; ``feed_urls`` scopes as in ``stories_since``."""

    # --- briefings -------------------------------------------------------------------
    def get_briefing(self, content_hash: str) -> Briefing | None:
        """A cached briefing for this summary input hash, across runs."""

    def put_briefing(self, content_hash: str, briefing: Briefing, *, now: datetime) -> None:
        """Cache a briefing (replacing an older one for the same hash)."""

    # --- LLM token accounting --------------------------------------------------------
    def add_tokens(self, day: date, tokens: int) -> int:
        """Add to the day's token count and return the new total."""

    def tokens_used(self, day: date) -> int: ...

    # --- community scope -------------------------------------------------------------
    def add_community_feed(self, community_id: int, source: FeedSource) -> FeedState:
        """Attach a feed to a community (creating the feed row when new)."""

    def remove_community_feed(self, community_id: int, url: str) -> None:
        """Detach a feed from a community; NotFoundError when the community does not have it. The
        feed row is deleted when no community uses it any more and it is not a config feed."""

    def community_feed_urls(self, community_id: int) -> list[str]:
        """URLs of the feeds a community added itself (config feeds are not listed here)."""

    # --- schedules -------------------------------------------------------------------
    def set_schedule(self, schedule: Schedule, *, now: datetime) -> Schedule:
        """Create or replace the schedule of ``schedule.channel_id``."""

    def get_schedule(self, community_id: int, channel_id: int) -> Schedule | None: ...

    def list_schedules(self, community_id: int | None = None) -> list[Schedule]: ...

    def set_schedule_paused(self, community_id: int, channel_id: int, paused: bool) -> Schedule:
        """NotFoundError when the channel has no schedule in this community."""

    def remove_schedule(self, community_id: int, channel_id: int) -> None:
        """NotFoundError when the channel has no schedule in this community."""

    def mark_schedule_run(self, community_id: int, channel_id: int, when: datetime) -> None: ...

    # --- outbox ----------------------------------------------------------------------
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
    ) -> DigestRecord:
        """Atomically store a digest, its messages (in order) and claim its stories for the
        target. Raises StorageError if any story was already claimed for that target, so a
        story is never posted twice to the same place."""

    def pending_messages(self, digest_id: int | None = None) -> list[OutboxMessage]:
        """Unsent messages of pending digests, by digest then seq."""

    def digest_messages(self, digest_id: int) -> list[OutboxMessage]:
        """Every message of one digest, sent or not, by seq (e.g. to find a forum thread)."""

    def mark_message_sent(self, message_id: int, *, remote_id: str | None, now: datetime) -> None:
        """Mark one message delivered; the digest becomes ``sent`` with its last message."""

    def mark_message_attempt(self, message_id: int) -> None:
        """Count a failed delivery attempt."""

    def fail_digest(self, digest_id: int, error: str) -> None:
        """Give up on a digest's unsent messages (e.g. the channel is gone)."""

    def latest_digest(self, target_kind: TargetKind, target_id: int) -> DigestRecord | None:
        """The newest digest sent (all messages delivered) to this target, with messages."""

    # --- subscriptions ---------------------------------------------------------------
    def subscribe(self, community_id: int, user_id: int, topic: str) -> bool:
        """Returns False when already subscribed."""

    def unsubscribe(self, community_id: int, user_id: int, topic: str) -> bool:
        """Returns False when not subscribed."""

    def subscriptions(self, community_id: int, user_id: int) -> list[str]: ...

    def subscribers(self, community_id: int, topic: str) -> list[int]: ...
