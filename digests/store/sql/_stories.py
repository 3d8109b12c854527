"""Stories: creating, growing and reading groups of articles (``StoryStore``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from digests.errors import NotFoundError, StorageError
from digests.records import Article, Story, StoryOutline
from digests.store.models import ArticleRow, StoryRow
from digests.store.records import NewStory, StoryRank
from digests.store.sql import _rows
from digests.store.sql._base import SqlStoreBase, aware, chunked, existing, rows_by

# Rows of a window's ranking read per round trip.
_RANK_BATCH = 2000

_SET_STORY = (
    update(_rows.ARTICLES)
    .where(_rows.ARTICLES.c.id == bindparam("article_id"))
    .values(story_id=bindparam("sid"))
)
_SET_TOPICS = (
    update(_rows.STORIES)
    .where(_rows.STORIES.c.id == bindparam("sid"))
    .values(topics=bindparam("topics"))
)


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _require(conn: Connection, column: Any, ids: Sequence[Any], what: str) -> None:
    """NotFoundError unless the (primary key) ``column`` holds every one of ``ids``."""
    missing = set(ids) - existing(conn, column, ids)
    if missing:
        raise NotFoundError(f"no {what} {sorted(missing)}")


def _articles_of_stories_since(since: datetime, *columns: Any) -> Select[*tuple[Any, ...]]:
    """``columns`` of each article of the stories created at or after ``since``."""
    return (
        select(*columns)
        .select_from(StoryRow)
        .join(ArticleRow, ArticleRow.story_id == StoryRow.id)
        .where(StoryRow.created_at >= since)
    )


class StoriesMixin(SqlStoreBase):
    @staticmethod
    def _story_row(session: Session, story_id: str) -> StoryRow:
        row = session.get(StoryRow, story_id)
        if row is None:
            raise NotFoundError(f"no story {story_id!r}")
        return row

    @staticmethod
    def _load_story(session: Session, row: StoryRow) -> Story:
        result = session.execute(_rows.articles_select().where(ArticleRow.story_id == row.id))
        return _rows.story(row, (_rows.article(a, name) for a, name in result))

    @staticmethod
    def _stories_with_articles(
        session: Session,
        rows: Sequence[Any],
        feed_urls: Collection[str] | None,
        *,
        with_text: bool = True,
    ) -> list[Story]:
        """``rows`` (story rows, or rows of id, topics, created_at) in order with their
        (scoped) articles; stories left empty are dropped."""
        if not rows:
            return []
        by_story: dict[str, list[Article]] = defaultdict(list)
        for chunk in chunked([r.id for r in rows]):
            if with_text:
                stmt = _rows.scoped(_rows.articles_select(), feed_urls).where(
                    ArticleRow.story_id.in_(chunk)
                )
                for article_row, name in session.execute(stmt):
                    article = _rows.article(article_row, name)
                    if article.story_id is not None:
                        by_story[article.story_id].append(article)
                continue
            light = _rows.light_articles_select().where(ArticleRow.story_id.in_(chunk))
            if feed_urls is not None:
                light = light.where(ArticleRow.feed_url.in_(list(feed_urls)))
            intern: dict[str, str] = {}
            for row in session.execute(light):
                by_story[row.story_id].append(_rows.light_article(row, intern))
        return [_rows.story(r, by_story[r.id]) for r in rows if by_story.get(r.id)]

    def _attach(self, session: Session, story_id: str, article_ids: Sequence[int]) -> None:
        rows = rows_by(session, ArticleRow.id, article_ids)
        missing = set(article_ids) - rows.keys()
        if missing:
            raise NotFoundError(f"no articles {sorted(missing)} for story {story_id!r}")
        for row in rows.values():
            row.story_id = story_id

    def create_story(
        self, story_id: str, article_ids: Sequence[int], *, topics: Sequence[str], now: datetime
    ) -> Story:
        now = aware(now, "now")

        def work(session: Session) -> Story:
            if session.get(StoryRow, story_id) is not None:
                raise StorageError(f"story {story_id!r} already exists")
            row = StoryRow(id=story_id, topics=list(topics), created_at=now)
            session.add(row)
            session.flush()
            self._attach(session, story_id, article_ids)
            session.flush()
            return self._load_story(session, row)

        return self._run(f"creating story {story_id!r}", work)

    def create_stories(self, stories: Sequence[NewStory], *, now: datetime) -> None:
        now = aware(now, "now")
        if not stories:
            return

        def work(session: Session) -> None:
            conn = session.connection()
            taken = existing(conn, _rows.STORIES.c.id, [s.id for s in stories])
            if taken:
                raise StorageError(f"stories {sorted(taken)} already exist")
            _require(
                conn, _rows.ARTICLES.c.id, [i for s in stories for i in s.article_ids], "articles"
            )
            conn.execute(
                insert(_rows.STORIES),
                [{"id": s.id, "topics": list(s.topics), "created_at": now} for s in stories],
            )
            conn.execute(
                _SET_STORY,
                [{"article_id": i, "sid": s.id} for s in stories for i in s.article_ids],
            )

        self._run(f"creating {len(stories)} stories", work)

    def add_to_stories(self, additions: Mapping[str, Sequence[int]]) -> list[Story]:
        if not additions:
            return []
        ids = list(additions)

        def work(session: Session) -> list[Story]:
            conn = session.connection()
            _require(conn, _rows.STORIES.c.id, ids, "stories")
            added = [i for found in additions.values() for i in found]
            _require(conn, _rows.ARTICLES.c.id, added, "articles")
            conn.execute(
                _SET_STORY,
                [{"article_id": i, "sid": sid} for sid, found in additions.items() for i in found],
            )
            rows = rows_by(session, StoryRow.id, ids)
            return self._stories_with_articles(session, [rows[i] for i in ids], None)

        return self._run(f"adding articles to {len(ids)} stories", work)

    def set_stories_topics(self, topics: Mapping[str, Sequence[str]]) -> None:
        if not topics:
            return
        ids = list(topics)

        def work(session: Session) -> None:
            conn = session.connection()
            _require(conn, _rows.STORIES.c.id, ids, "stories")
            conn.execute(
                _SET_TOPICS, [{"sid": sid, "topics": list(found)} for sid, found in topics.items()]
            )

        self._run(f"setting the topics of {len(ids)} stories", work)

    def add_to_story(self, story_id: str, article_ids: Sequence[int]) -> Story:
        def work(session: Session) -> Story:
            row = self._story_row(session, story_id)
            self._attach(session, story_id, article_ids)
            session.flush()
            return self._load_story(session, row)

        return self._run(f"adding articles to story {story_id!r}", work)

    def get_story(self, story_id: str) -> Story | None:
        def work(session: Session) -> Story | None:
            row = session.get(StoryRow, story_id)
            return None if row is None else self._load_story(session, row)

        return self._run(f"reading story {story_id!r}", work, write=False)

    def get_stories(
        self, story_ids: Sequence[str], *, feed_urls: Collection[str] | None = None
    ) -> list[Story]:
        ids = list(dict.fromkeys(story_ids))

        def work(session: Session) -> list[Story]:
            found = rows_by(session, StoryRow.id, ids)
            rows = [found[i] for i in ids if i in found]
            return self._stories_with_articles(session, rows, feed_urls)

        return self._run(f"reading {len(ids)} stories", work, write=False)

    def stories_since(
        self,
        since: datetime,
        *,
        feed_urls: Collection[str] | None = None,
        with_text: bool = True,
    ) -> list[Story]:
        since = aware(since, "since")

        def work(session: Session) -> list[Story]:
            # Plain rows when the text is left out: a window of 100,000 stories as ORM
            # objects costs more memory than the records built from them.
            order = (StoryRow.created_at.desc(), StoryRow.id.desc())
            rows: Sequence[Any]
            if with_text:
                stmt = select(StoryRow).where(StoryRow.created_at >= since).order_by(*order)
                rows = session.scalars(stmt).all()
            else:
                light = select(StoryRow.id, StoryRow.topics, StoryRow.created_at)
                rows = session.execute(
                    light.where(StoryRow.created_at >= since).order_by(*order)
                ).all()
            return self._stories_with_articles(session, rows, feed_urls, with_text=with_text)

        return self._run("listing recent stories", work, write=False)

    def story_ranks_since(
        self, since: datetime, *, feed_urls: Collection[str] | None = None
    ) -> list[StoryRank]:
        since = aware(since, "since")

        def work(session: Session) -> list[StoryRank]:
            # Grouped by the primary key alone: the story's other columns depend on it, and
            # PostgreSQL's json type could not be grouped on.
            totals = _articles_of_stories_since(
                since,
                StoryRow.id.label("story_id"),
                func.count(ArticleRow.feed_url.distinct()).label("feeds"),
                func.min(ArticleRow.published).label("published"),
                func.min(ArticleRow.fetched_at).label("first_seen"),
            )
            # The primary article as ``Story.primary`` picks it: the earliest (by publication,
            # else storage, then id) among those with a URL, else the earliest of all.
            lead_order = (
                case((or_(ArticleRow.url.is_(None), ArticleRow.url == ""), 1), else_=0),
                func.coalesce(ArticleRow.published, ArticleRow.fetched_at),
                ArticleRow.id,
            )
            ranked_articles = _articles_of_stories_since(
                since,
                ArticleRow.story_id,
                ArticleRow.feed_url,
                ArticleRow.title,
                func.row_number()
                .over(partition_by=ArticleRow.story_id, order_by=lead_order)
                .label("position"),
            )
            if feed_urls is not None:
                scope = ArticleRow.feed_url.in_(list(feed_urls))
                totals = totals.where(scope)
                ranked_articles = ranked_articles.where(scope)
            totals_sub = totals.group_by(StoryRow.id).subquery()
            leads = ranked_articles.subquery()
            stmt = (
                select(
                    StoryRow.id,
                    StoryRow.topics,
                    StoryRow.created_at,
                    totals_sub.c.feeds,
                    totals_sub.c.published,
                    totals_sub.c.first_seen,
                    leads.c.feed_url,
                    leads.c.title,
                )
                .join(totals_sub, totals_sub.c.story_id == StoryRow.id)
                .join(leads, (leads.c.story_id == StoryRow.id) & (leads.c.position == 1))
                .order_by(StoryRow.created_at.desc(), StoryRow.id.desc())
            )
            # One pass over rows read as they come (a busy window holds 100,000 stories), with
            # the values many stories repeat (feeds, topic lists) held once.
            shared: dict[Any, Any] = {}
            ranks = []
            rows = session.connection().execute(stmt.execution_options(yield_per=_RANK_BATCH))
            for story_id, topics, created, feeds, published, seen, feed, title in rows:
                ranks.append(
                    StoryRank(
                        story_id,
                        shared.setdefault(topics := tuple(topics), topics),
                        created,
                        feeds,
                        published,
                        seen,
                        shared.setdefault(feed, feed),
                        title,
                    )
                )
            return ranks

        return self._run("ranking recent stories", work, write=False)

    def story_outlines_since(self, since: datetime) -> list[StoryOutline]:
        since = aware(since, "since")

        def work(session: Session) -> list[StoryOutline]:
            # Each story's articles come together and in the order they appeared, so the
            # window is outlined as it is read, without holding its rows (100,000 in a busy
            # deployment) a second time.
            stmt = _articles_of_stories_since(
                since, StoryRow.id, ArticleRow.id, ArticleRow.feed_url
            ).order_by(
                StoryRow.created_at.desc(),
                StoryRow.id.desc(),
                func.coalesce(ArticleRow.published, ArticleRow.fetched_at),
                ArticleRow.id,
            )
            outlines: list[StoryOutline] = []
            feeds: dict[str, str] = {}
            # Core rows are read as they come; the ORM would first fetch the whole window.
            rows = session.connection().execute(stmt)
            for story_id, members in groupby(rows, key=itemgetter(0)):
                outlines.append(
                    StoryOutline(
                        story_id,
                        tuple((a, feeds.setdefault(f, f)) for _, a, f in members),
                    )
                )
            return outlines

        return self._run("outlining recent stories", work, write=False)

    def search_stories(
        self, query: str, *, limit: int = 10, feed_urls: Collection[str] | None = None
    ) -> list[Story]:
        words = list(dict.fromkeys(w.lower() for w in query.split()))
        if not words or limit <= 0:
            return []
        urls = None if feed_urls is None else list(feed_urls)

        def work(session: Session) -> list[Story]:
            conditions: list[ColumnElement[bool]] = []
            for word in words:
                pattern = _like_pattern(word)
                has_word = select(ArticleRow.id).where(
                    ArticleRow.story_id == StoryRow.id,
                    or_(
                        func.lower(ArticleRow.title).like(pattern, escape="\\"),
                        func.lower(ArticleRow.text).like(pattern, escape="\\"),
                    ),
                )
                if urls is not None:
                    has_word = has_word.where(ArticleRow.feed_url.in_(urls))
                conditions.append(exists(has_word))
            rows = session.scalars(
                select(StoryRow)
                .where(*conditions)
                .order_by(StoryRow.created_at.desc(), StoryRow.id.desc())
                .limit(limit)
            ).all()
            return self._stories_with_articles(session, rows, urls)

        return self._run(f"searching stories for {query!r}", work, write=False)
