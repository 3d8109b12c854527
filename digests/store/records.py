"""The records the store takes and returns, besides the core's (``digests.records``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from digests.filters import FilterRule
from digests.records import Validators

TargetKind = Literal["channel", "user"]

UpsertStatus = Literal["new", "updated", "unchanged", "duplicate"]

DigestStatus = Literal["pending", "sent", "failed"]


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
    status: DigestStatus
    error: str | None = None
    messages: tuple[OutboxMessage, ...] = ()


FormatStyle = Literal["full", "compact", "headlines", "custom"]

NoticeKind = Literal["failing", "back"]


@dataclass(frozen=True, slots=True)
class ChannelFormat:
    """How a channel's digests are laid out: a built-in style, or ``custom`` with the
    server's own story template (checked by the edge before it is stored)."""

    community_id: int
    channel_id: int
    style: FormatStyle = "full"
    template: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedNoticeState:
    """What the failing-feed check remembers of one feed of a community: since when it has
    been seen failing (None while healthy) and the last notice it gave, and when."""

    community_id: int
    feed_url: str
    failing_since: datetime | None = None
    notice: NoticeKind | None = None
    noticed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FilterRecord:
    """A stored filter rule of a community's channel, with the id it is removed by."""

    id: int
    community_id: int
    rule: FilterRule
    created_at: datetime


@dataclass(frozen=True, slots=True)
class WebhookIdentity:
    """The name and avatar a channel's webhook posts under."""

    name: str
    avatar_url: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelWebhook:
    """The webhook the bot owns in a channel, the identity it posts under and per-feed
    identities for digests of one feed. ``token`` is a secret: never logged or shown."""

    community_id: int
    channel_id: int
    webhook_id: int
    token: str = field(repr=False)
    identity: WebhookIdentity = WebhookIdentity("News digest")
    feed_identities: tuple[tuple[str, WebhookIdentity], ...] = ()
    updated_at: datetime | None = None

    def identity_for(self, feed_url: str | None) -> WebhookIdentity:
        """The feed's own identity when it has one, else the channel's."""
        return dict(self.feed_identities).get(feed_url or "", self.identity)


@dataclass(frozen=True, slots=True)
class WebhookSend:
    """A webhook execution of an outbox message that was started: which webhook, and the
    newest channel message id before it (so a retry can look for the message after it)."""

    message_id: int
    webhook_id: int
    after_id: int | None
    started_at: datetime


UpdateDelivery = Literal["thread", "developing", "quiet"]


@dataclass(frozen=True, slots=True)
class PostedStory:
    """A story delivered to a target in a sent digest: when, and where to follow it up.

    ``message_remote_id`` is the platform id of the digest message that carried the story
    (the header when none is known) and ``head_remote_id`` that of the digest's first
    message, which for a forum channel is the digest's post.
    """

    community_id: int
    target_kind: TargetKind
    target_id: int
    story_id: str
    digest_id: int
    posted_at: datetime
    message_remote_id: str | None = None
    head_remote_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoryUpdateDraft:
    """An update decided for a story at a target: the articles it covers, the new facts and
    sources it tells, and how it goes out: ``thread`` (queued now with ``payloads``),
    ``developing`` (held for the target's next digest) or ``quiet`` (nothing new to tell:
    the articles are only marked as seen)."""

    community_id: int
    target_kind: TargetKind
    target_id: int
    story_id: str
    article_ids: tuple[int, ...]
    delivery: UpdateDelivery
    headline: str = ""
    facts: tuple[str, ...] = ()
    sources: tuple[tuple[str, str], ...] = ()  # (outlet, link) of each new report
    payloads: tuple[dict[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class StoryUpdateRecord:
    """A stored story update; ``pending`` is True while a ``developing`` one waits for the
    target's next digest, and ``digest_id`` is the outbox digest that carries it."""

    id: int
    community_id: int
    target_kind: TargetKind
    target_id: int
    story_id: str
    article_ids: tuple[int, ...]
    delivery: UpdateDelivery
    created_at: datetime
    headline: str = ""
    facts: tuple[str, ...] = ()
    sources: tuple[tuple[str, str], ...] = ()
    pending: bool = False
    digest_id: int | None = None
