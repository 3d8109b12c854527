"""Small immutable records passed between the pipeline's steps.

Every datetime in these records is timezone-aware UTC (or ``None``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

# "headline" marks a briefing no summarizer made: the story is shown by its headline alone.
SummarizerName = Literal["extractive", "openai", "headline"]


@dataclass(frozen=True, slots=True)
class FeedSource:
    """A feed as configured: where it lives, what to call it, which topics it implies."""

    url: str
    name: str | None = None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Validators:
    """HTTP cache validators remembered per feed for conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of one fetch of a feed or page.

    ``status`` is ``"ok"`` (``body`` set) or ``"not_modified"`` (HTTP 304, ``body`` is None).
    Failures are raised as ``FetchError`` instead of being returned.
    ``max_age`` is the Cache-Control max-age in seconds when the server sent one.
    """

    url: str
    final_url: str
    status: Literal["ok", "not_modified"]
    body: bytes | None
    validators: Validators = Validators()
    content_type: str | None = None
    max_age: float | None = None


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One feed entry as the feed itself describes it (before any page fetch)."""

    entry_id: str
    url: str | None
    title: str
    author: str | None
    published: datetime | None
    updated: datetime | None
    content_html: str
    image_url: str | None = None
    # The entry's own categories or tags, as the feed spells them.
    categories: tuple[str, ...] = ()
    # The language the entry (or else its feed) declares, as written there; None when neither.
    language: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed: what could be read, and a warning when the input was malformed."""

    title: str | None
    link: str | None
    entries: tuple[ParsedEntry, ...]
    warning: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class FoundFeed:
    """A feed checked by fetching and reading it; ``page`` is the site page that named it."""

    url: str
    feed: ParsedFeed
    page: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleText:
    """Clean main text of an article plus the metadata found with it.

    ``origin`` says where the text came from: the feed entry itself or the fetched page.
    """

    text: str
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    image_url: str | None = None
    origin: Literal["feed", "page"] = "feed"
    # The language the page declares (``<html lang>``), as written there.
    language: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    """An article ready to be stored: an entry joined with its clean text and dedup keys."""

    feed_url: str
    entry_id: str
    url: str | None
    canonical_url: str | None
    title: str
    author: str | None
    published: datetime | None
    text: str
    image_url: str | None
    content_hash: str
    # Hash of the entry as the feed sent it: an unchanged entry is skipped before any work.
    source_hash: str | None = None
    categories: tuple[str, ...] = ()
    # What the feed or page declares, as written; ``language`` is what is stored: the
    # declared language when plausible, else the detected one (``digests.language``).
    declared_language: str | None = None
    language: str = "und"
    # The clustering query made where the text was read (``stored_signatures.encode_query``),
    # stored with a new article so that placing it needs neither its text nor the analysis.
    signature: bytes | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """A stored article."""

    id: int
    feed_url: str
    feed_name: str | None
    entry_id: str
    url: str | None
    canonical_url: str | None
    title: str
    author: str | None
    published: datetime | None
    fetched_at: datetime
    text: str
    image_url: str | None
    content_hash: str
    story_id: str | None = None
    categories: tuple[str, ...] = ()
    # An IETF tag, "und" when neither the feed nor the text tells.
    language: str = "und"


@dataclass(frozen=True, slots=True)
class Source:
    """One outlet's report of a story, as shown to readers."""

    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Story:
    """Reports of the same event from one or more feeds, grouped as one story."""

    id: str
    articles: tuple[Article, ...]
    topics: tuple[str, ...] = ()
    created_at: datetime | None = None

    @property
    def primary(self) -> Article:
        """The article whose link the headline points to: the earliest with a URL."""
        with_url = [a for a in self.articles if a.url]
        return (with_url or list(self.articles))[0]

    @property
    def published(self) -> datetime | None:
        dates = [a.published for a in self.articles if a.published is not None]
        return min(dates) if dates else None


@dataclass(frozen=True, slots=True)
class StoryOutline:
    """A story as clustering sees it: its id and each article's (id, feed URL), no text."""

    id: str
    members: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class StoryAssignment:
    """Where new articles went: an existing story joined or a new story started."""

    story_id: str
    article_ids: tuple[int, ...]
    is_new: bool


@dataclass(frozen=True, slots=True)
class Report:
    """One outlet's text of a story, for briefing a story from all of its sources."""

    source: Source
    text: str
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class SummaryInput:
    """What a summarizer sees of a story: a title, the source text and the sources.

    ``text`` is the fullest report; ``reports`` holds one report per outlet, earliest first,
    when more than one outlet told the story (empty otherwise).
    """

    title: str
    text: str
    sources: tuple[Source, ...] = ()
    published: datetime | None = None
    reports: tuple[Report, ...] = ()
    # The language the briefing is wanted in (None: the source's own) and the language of
    # the source text ("und" when unknown); both IETF tags.
    language: str | None = None
    source_language: str = "und"


@dataclass(frozen=True, slots=True)
class Briefing:
    """The short, checked briefing of one story."""

    headline: str
    summary: str
    key_facts: tuple[str, ...]
    why_it_matters: str | None
    summarizer: SummarizerName
    dropped_facts: int = 0
    fallback_reason: str | None = None
    tokens: int = 0
    # Why the briefing has no summary and no facts (one of the HEADLINE_ONLY_* reasons).
    headline_only: str | None = None
    # The language the briefing is written in (an IETF tag), None when not known.
    language: str | None = None


# Why a story is shown by its headline alone: reasons the digest counts and reports.
HEADLINE_ONLY_NO_TEXT = "no usable text"
HEADLINE_ONLY_FAILED = "summarizer failed"


def headline_briefing(headline: str, reason: str) -> Briefing:
    """A briefing of the headline alone, for a story no summary could be made of."""
    return Briefing(
        headline=headline,
        summary="",
        key_facts=(),
        why_it_matters=None,
        summarizer="headline",
        headline_only=reason,
    )


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One story of a digest with its briefing."""

    story: Story
    briefing: Briefing
    # The group the digest lists it under; None means its primary topic.
    topic: str | None = None
    # The briefing's language when it is not the one the digest is in, so readers are told
    # (a story the summarizer could not, or may not, translate); None otherwise.
    other_language: str | None = None


@dataclass(frozen=True, slots=True)
class Digest:
    """A composed digest: stories grouped by topic, ranked, capped."""

    generated_at: datetime
    items: tuple[DigestItem, ...] = field(default_factory=tuple)
    # How many stories the channel's filter rules took out of it.
    filtered: int = 0
    # The language the digest was composed in (an IETF tag), None for the sources' own.
    language: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.items

    def headline_only_counts(self) -> dict[str, int]:
        """How many stories are shown by their headline alone, by reason."""
        counts: dict[str, int] = {}
        for item in self.items:
            reason = item.briefing.headline_only
            if reason is not None:
                counts[reason] = counts.get(reason, 0) + 1
        return counts


@dataclass(frozen=True, slots=True)
class FeedState:
    """A stored feed with its fetch health."""

    url: str
    name: str | None
    title: str | None
    topics: tuple[str, ...]
    validators: Validators
    last_fetched_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_warning: str | None
    failure_count: int
    next_fetch_at: datetime | None
    disabled_reason: str | None

    @property
    def enabled(self) -> bool:
        return self.disabled_reason is None

    @property
    def failing(self) -> bool:
        """Whether the last fetch failed or the feed has been disabled: what /status counts
        and what a failing-feed notice is about."""
        return not self.enabled or self.last_error is not None


@dataclass(frozen=True, slots=True)
class Passage:
    """A paragraph of one article, with where it came from."""

    story_id: str
    source: Source
    text: str


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer to a reader's question and the sources it was drawn from."""

    text: str
    sources: tuple[Source, ...]
    passages: tuple[Passage, ...]
    model: str | None = None
