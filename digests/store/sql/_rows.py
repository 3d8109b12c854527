"""Stored rows turned into the records the store returns, each conversion written once."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any, cast, get_args

from sqlalchemy import Row, Select, Table, select

from digests.errors import StorageError
from digests.filters import FilterRule
from digests.records import Article, Briefing, FeedState, Story, SummarizerName, Validators
from digests.store.models import (
    ArticleRow,
    BriefingRow,
    ChannelFormatRow,
    DigestMessageRow,
    DigestRow,
    FeedNoticeRow,
    FeedRow,
    FilterRow,
    ScheduleRow,
    StoryRow,
)
from digests.store.records import (
    ChannelFormat,
    DigestRecord,
    DigestStatus,
    FeedNoticeState,
    FilterRecord,
    FormatStyle,
    NoticeKind,
    OutboxMessage,
    Schedule,
)
from digests.store.sql._base import checked_kind

ARTICLES = cast(Table, ArticleRow.__table__)
STORIES = cast(Table, StoryRow.__table__)
_DIGEST_STATUSES: frozenset[str] = frozenset(get_args(DigestStatus))


def feed_state(row: FeedRow | Row[Any]) -> FeedState:
    """A feed as the core sees it, from its ORM object or a plain row of the feeds table."""
    return FeedState(
        url=row.url,
        name=row.name,
        title=row.title,
        topics=tuple(row.topics),
        validators=Validators(etag=row.etag, last_modified=row.last_modified),
        last_fetched_at=row.last_fetched_at,
        last_success_at=row.last_success_at,
        last_error=row.last_error,
        last_warning=row.last_warning,
        failure_count=row.failure_count,
        next_fetch_at=row.next_fetch_at,
        disabled_reason=row.disabled_reason,
    )


def article(row: ArticleRow, feed_name: str | None) -> Article:
    return _article(row, feed_name, feed_url=row.feed_url, text=row.text)


def _article(row: Any, feed_name: str | None, *, feed_url: str, text: str) -> Article:
    return Article(
        id=row.id,
        feed_url=feed_url,
        feed_name=feed_name,
        entry_id=row.entry_id,
        url=row.url,
        canonical_url=row.canonical_url,
        title=row.title,
        author=row.author,
        published=row.published,
        fetched_at=row.fetched_at,
        text=text,
        image_url=row.image_url,
        content_hash=row.content_hash,
        story_id=row.story_id,
        categories=tuple(row.categories or ()),
        language=row.language,
    )


# Every article column but the text (and the source hash, which records do not carry).
LIGHT_ARTICLE = (
    ArticleRow.id,
    ArticleRow.feed_url,
    FeedRow.name,
    ArticleRow.entry_id,
    ArticleRow.url,
    ArticleRow.canonical_url,
    ArticleRow.title,
    ArticleRow.author,
    ArticleRow.published,
    ArticleRow.fetched_at,
    ArticleRow.image_url,
    ArticleRow.content_hash,
    ArticleRow.story_id,
    ArticleRow.categories,
    ArticleRow.language,
)


def light_article(row: Any, intern: dict[str, str]) -> Article:
    """An article of a ``LIGHT_ARTICLE`` row, its text left empty."""
    # Thousands of articles share a few feeds: one string per feed, not one per article.
    feed_url = intern.setdefault(row.feed_url, row.feed_url)
    return _article(row, row.name, feed_url=feed_url, text="")


# The feed name is joined, not copied, so renaming a feed renames its articles' source.
_FEED_OF_ARTICLE = FeedRow.url == ArticleRow.feed_url


def articles_select() -> Select[ArticleRow, str | None]:
    """Articles with their feed's name."""
    return select(ArticleRow, FeedRow.name).outerjoin(FeedRow, _FEED_OF_ARTICLE)


def light_articles_select() -> Select[*tuple[Any, ...]]:
    """``LIGHT_ARTICLE`` rows: articles with their feed's name, without their text."""
    return select(*LIGHT_ARTICLE).outerjoin(FeedRow, _FEED_OF_ARTICLE)


def scoped(
    stmt: Select[ArticleRow, str | None], feed_urls: Collection[str] | None
) -> Select[ArticleRow, str | None]:
    return stmt if feed_urls is None else stmt.where(ArticleRow.feed_url.in_(list(feed_urls)))


def _article_order(found: Article) -> tuple[datetime, int]:
    return (found.published or found.fetched_at, found.id)


def story(row: Any, articles: Iterable[Article]) -> Story:
    """A story of a story row (or a row of id, topics, created_at) and its articles."""
    return Story(
        id=row.id,
        articles=tuple(sorted(articles, key=_article_order)),
        topics=tuple(row.topics),
        created_at=row.created_at,
    )


def briefing(row: BriefingRow) -> Briefing:
    return Briefing(
        headline=row.headline,
        summary=row.summary,
        key_facts=tuple(row.key_facts),
        why_it_matters=row.why_it_matters,
        summarizer=cast(SummarizerName, row.summarizer),
        dropped_facts=row.dropped_facts,
        fallback_reason=row.fallback_reason,
        tokens=row.tokens,
        language=row.language,
    )


def schedule(row: ScheduleRow) -> Schedule:
    return Schedule(
        community_id=row.community_id,
        channel_id=row.channel_id,
        timezone=row.timezone,
        cron=row.cron,
        times=tuple(row.times),
        paused=row.paused,
        updated_at=row.updated_at,
        last_run_at=row.last_run_at,
    )


def message(row: DigestMessageRow, digest: DigestRow) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        digest_id=row.digest_id,
        seq=row.seq,
        target_kind=checked_kind(digest.target_kind),
        target_id=digest.target_id,
        payload=dict(row.payload),
        sent_at=row.sent_at,
        remote_id=row.remote_id,
        attempts=row.attempts,
    )


def digest(row: DigestRow, messages: Iterable[DigestMessageRow]) -> DigestRecord:
    if row.status not in _DIGEST_STATUSES:
        raise StorageError(f"digest {row.id} has unknown status {row.status!r}")
    return DigestRecord(
        id=row.id,
        community_id=row.community_id,
        target_kind=checked_kind(row.target_kind),
        target_id=row.target_id,
        story_ids=tuple(row.story_ids),
        created_at=row.created_at,
        status=cast(DigestStatus, row.status),
        error=row.error,
        messages=tuple(message(m, row) for m in sorted(messages, key=lambda m: m.seq)),
    )


def channel_format(row: ChannelFormatRow) -> ChannelFormat:
    return ChannelFormat(
        community_id=row.community_id,
        channel_id=row.channel_id,
        style=cast(FormatStyle, row.style),
        template=row.template,
        updated_at=row.updated_at,
    )


def feed_notice(row: FeedNoticeRow) -> FeedNoticeState:
    return FeedNoticeState(
        community_id=row.community_id,
        feed_url=row.feed_url,
        failing_since=row.failing_since,
        notice=cast(NoticeKind | None, row.notice),
        noticed_at=row.noticed_at,
    )


def filter_record(row: FilterRow) -> FilterRecord:
    # Stored rules were checked by ``make_rule`` when added, so they are rebuilt as they are.
    rule = FilterRule(
        action=cast(Any, row.action),
        kind=cast(Any, row.kind),
        pattern=row.pattern,
        channel_id=row.channel_id,
        feed_url=row.feed_url,
    )
    return FilterRecord(
        id=row.id, community_id=row.community_id, rule=rule, created_at=row.created_at
    )
