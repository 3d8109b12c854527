"""Feeds and their fetch health (``FeedStore``), and the feeds communities add
(``CommunityStore``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    String,
    Table,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from digests.errors import NotFoundError
from digests.records import FeedSource, FeedState, Validators
from digests.store.models import CommunityFeedRow, FeedRow, UtcDateTime
from digests.store.records import FetchSuccess
from digests.store.sql._base import SqlStoreBase, aware, chunked, feed_row, find_feed
from digests.store.sql._rows import feed_state

_FEEDS = cast(Table, FeedRow.__table__)
_FETCH_SUCCESS = (
    update(_FEEDS)
    .where(_FEEDS.c.url == bindparam("feed_url"))
    .values(
        etag=bindparam("etag"),
        last_modified=bindparam("last_modified"),
        # A fetch without a title keeps the one stored.
        title=func.coalesce(bindparam("title", type_=String), _FEEDS.c.title),
        last_warning=bindparam("warning"),
        last_fetched_at=bindparam("now", type_=UtcDateTime()),
        last_success_at=bindparam("now", type_=UtcDateTime()),
        last_error=None,
        failure_count=0,
        next_fetch_at=bindparam("next_fetch_at", type_=UtcDateTime()),
    )
)


_ENSURE_FEED = (
    update(_FEEDS)
    .where(_FEEDS.c.url == bindparam("feed_url"))
    .values(name=bindparam("name"), topics=bindparam("topics"), from_config=True)
)


class FeedsMixin(SqlStoreBase):
    def ensure_feeds(self, sources: Sequence[FeedSource]) -> None:
        if not sources:
            return
        # What each url ends up with when the sources are applied in order: the last name
        # and topics given win, as when each source is ensured in turn.
        wanted: dict[str, tuple[str | None, list[str] | None]] = {}
        for source in sources:
            name, topics = wanted.get(source.url, (None, None))
            wanted[source.url] = (
                source.name if source.name is not None else name,
                list(source.topics) if source.topics else topics,
            )
        urls = list(wanted)
        columns = (_FEEDS.c.url, _FEEDS.c.name, _FEEDS.c.topics, _FEEDS.c.from_config)

        def work(session: Session) -> None:
            # Plain rows, not ORM objects: every refresh ensures every feed, and most are
            # stored already and unchanged.
            conn = session.connection()
            stored: dict[str, Any] = {}
            for chunk in chunked(urls):
                stored.update(
                    (r.url, r)
                    for r in conn.execute(select(*columns).where(_FEEDS.c.url.in_(chunk)))
                )
            added = []
            changed = []
            for url, (name, topics) in wanted.items():
                row = stored.get(url)
                if row is None:
                    added.append(
                        {"url": url, "name": name, "topics": topics or [], "failure_count": 0}
                    )
                    continue
                values = {
                    "feed_url": url,
                    "name": row.name if name is None else name,
                    "topics": row.topics if topics is None else topics,
                }
                if (
                    values["name"] != row.name
                    or values["topics"] != row.topics
                    or not row.from_config
                ):
                    changed.append(values)
            if added:
                conn.execute(insert(_FEEDS).values(from_config=True), added)
            if changed:
                conn.execute(_ENSURE_FEED, changed)

        self._run(f"ensuring {len(urls)} feeds", work)

    def get_feed(self, url: str) -> FeedState | None:
        def work(session: Session) -> FeedState | None:
            row = find_feed(session, url)
            return None if row is None else feed_state(row)

        return self._run(f"reading feed {url!r}", work, write=False)

    def list_feeds(self) -> list[FeedState]:
        def work(session: Session) -> list[FeedState]:
            # Plain rows, not ORM objects: a refresh lists every feed, and building a
            # thousand tracked objects costs more than the query.
            rows = session.execute(select(_FEEDS).order_by(_FEEDS.c.url))
            return [feed_state(r) for r in rows]

        return self._run("listing feeds", work, write=False)

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
        now = aware(now, "now")
        next_fetch_at = aware(next_fetch_at, "next_fetch_at")

        def work(session: Session) -> FeedState:
            row = feed_row(session, url)
            row.etag = validators.etag
            row.last_modified = validators.last_modified
            if title is not None:
                row.title = title
            row.last_warning = warning
            row.last_fetched_at = now
            row.last_success_at = now
            row.last_error = None
            row.failure_count = 0
            row.next_fetch_at = next_fetch_at
            session.flush()
            return feed_state(row)

        return self._run(f"recording a fetch of {url!r}", work)

    def record_fetch_successes(self, successes: Sequence[FetchSuccess]) -> None:
        params = [
            {
                "feed_url": s.url,
                "etag": s.validators.etag,
                "last_modified": s.validators.last_modified,
                "title": s.title,
                "warning": s.warning,
                "now": aware(s.now, "now"),
                "next_fetch_at": aware(s.next_fetch_at, "next_fetch_at"),
            }
            for s in successes
        ]
        if not params:
            return

        def work(session: Session) -> None:
            session.connection().execute(_FETCH_SUCCESS, params)

        self._run(f"recording {len(params)} fetches", work)

    def record_fetch_failure(
        self,
        url: str,
        *,
        now: datetime,
        error: str,
        next_fetch_at: datetime,
        disable_after: int,
    ) -> FeedState:
        now = aware(now, "now")
        next_fetch_at = aware(next_fetch_at, "next_fetch_at")

        def work(session: Session) -> FeedState:
            row = feed_row(session, url)
            row.last_fetched_at = now
            row.last_error = error
            row.failure_count += 1
            row.next_fetch_at = next_fetch_at
            if row.disabled_reason is None and row.failure_count >= disable_after:
                row.disabled_reason = (
                    f"disabled after {row.failure_count} consecutive failures; last: {error}"
                )
            session.flush()
            return feed_state(row)

        return self._run(f"recording a failed fetch of {url!r}", work)

    def due_feeds(self, now: datetime) -> list[FeedState]:
        now = aware(now, "now")

        def work(session: Session) -> list[FeedState]:
            stmt = (
                select(_FEEDS)
                .where(_FEEDS.c.disabled_reason.is_(None))
                .where(or_(_FEEDS.c.next_fetch_at.is_(None), _FEEDS.c.next_fetch_at <= now))
                .order_by(_FEEDS.c.url)
            )
            return [feed_state(r) for r in session.execute(stmt)]

        return self._run("listing due feeds", work, write=False)


class CommunitiesMixin(SqlStoreBase):
    def add_community_feed(self, community_id: int, source: FeedSource) -> FeedState:
        def work(session: Session) -> FeedState:
            row = find_feed(session, source.url)
            if row is None:
                row = FeedRow(
                    url=source.url,
                    name=source.name,
                    topics=list(source.topics),
                    failure_count=0,
                    from_config=False,
                )
                session.add(row)
                session.flush()
            if session.get(CommunityFeedRow, (community_id, row.id)) is None:
                session.add(CommunityFeedRow(community_id=community_id, feed_id=row.id))
            session.flush()
            return feed_state(row)

        return self._run(f"adding feed {source.url!r} to community {community_id}", work)

    def remove_community_feed(self, community_id: int, url: str) -> None:
        def work(session: Session) -> None:
            feed = find_feed(session, url)
            link = None if feed is None else session.get(CommunityFeedRow, (community_id, feed.id))
            if feed is None or link is None:
                raise NotFoundError(f"community {community_id} has no feed {url!r}")
            session.delete(link)
            session.flush()
            in_use = session.scalar(select(exists().where(CommunityFeedRow.feed_id == feed.id)))
            if not in_use and not feed.from_config:
                session.execute(delete(FeedRow).where(FeedRow.id == feed.id))

        self._run(f"removing feed {url!r} from community {community_id}", work)

    def community_feed_urls(self, community_id: int) -> list[str]:
        def work(session: Session) -> list[str]:
            stmt = (
                select(FeedRow.url)
                .join(CommunityFeedRow, CommunityFeedRow.feed_id == FeedRow.id)
                .where(CommunityFeedRow.community_id == community_id)
                .order_by(FeedRow.url)
            )
            return list(session.scalars(stmt))

        return self._run(f"listing the feeds of community {community_id}", work, write=False)
