"""Articles: deduplicating upserts, reads, and the prune of old data (``ArticleStore``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from digests.records import Article, ArticleDraft
from digests.store.models import (
    ArticleRow,
    BriefingRow,
    ChannelPublishRow,
    DigestMessageRow,
    DigestRow,
    PostedStoryRow,
    StoryRow,
    StoryUpdateRow,
)
from digests.store.records import PruneReport, UpsertResult
from digests.store.sql._base import SqlStoreBase, aware, aware_or_none, chunked, delete_in, existing
from digests.store.sql._rows import (
    ARTICLES,
    STORIES,
    article,
    articles_select,
    light_article,
    light_articles_select,
)

_SAME_ENTRY = select(ARTICLES.c.id, ARTICLES.c.content_hash, ARTICLES.c.source_hash).where(
    ARTICLES.c.feed_url == bindparam("feed_url"), ARTICLES.c.entry_id == bindparam("entry_id")
)
_DUPLICATE_BY_HASH = (
    select(ARTICLES.c.id)
    .where(ARTICLES.c.content_hash == bindparam("content_hash"))
    .order_by(ARTICLES.c.id)
    .limit(1)
)
_DUPLICATE_BY_URL = (
    select(ARTICLES.c.id)
    .where(
        or_(
            ARTICLES.c.content_hash == bindparam("content_hash"),
            ARTICLES.c.canonical_url == bindparam("canonical_url"),
        )
    )
    .order_by(ARTICLES.c.id)
    .limit(1)
)
_ARTICLE_FIELDS = (
    "url",
    "canonical_url",
    "title",
    "author",
    "published",
    "text",
    "image_url",
    "content_hash",
    "source_hash",
    "categories",
    "language",
)
_UPDATE_ARTICLE = (
    update(ARTICLES)
    .where(ARTICLES.c.id == bindparam("article_id"))
    # A changed text's signature is made again when clustering next needs it.
    .values({**{name: bindparam(name) for name in _ARTICLE_FIELDS}, "signature": None})
)
_SET_SOURCE_HASH = (
    update(ARTICLES)
    .where(ARTICLES.c.id == bindparam("article_id"))
    .values(source_hash=bindparam("source_hash"), categories=bindparam("categories"))
)
_ENTRY_SOURCE_HASHES = select(ARTICLES.c.entry_id, ARTICLES.c.source_hash).where(
    ARTICLES.c.feed_url == bindparam("feed_url"), ARTICLES.c.source_hash.is_not(None)
)
_INSERT_ARTICLE = insert(ARTICLES).returning(ARTICLES.c.id)
_SET_SIGNATURE = (
    update(ARTICLES)
    .where(ARTICLES.c.id == bindparam("article_id"))
    .values(signature=bindparam("signature"))
)

_BRIEFINGS = cast(Table, BriefingRow.__table__)
_DIGESTS = cast(Table, DigestRow.__table__)
_MESSAGES = cast(Table, DigestMessageRow.__table__)
_POSTED = cast(Table, PostedStoryRow.__table__)


def _upsert(conn: Connection, draft: ArticleDraft, now: datetime) -> UpsertResult:
    """One draft's upsert on an open transaction (see ``ArticleStore.upsert_articles``)."""
    fields = {
        "url": draft.url,
        "canonical_url": draft.canonical_url,
        "title": draft.title,
        "author": draft.author,
        "published": aware_or_none(draft.published, "draft.published"),
        "text": draft.text,
        "image_url": draft.image_url,
        "content_hash": draft.content_hash,
        "source_hash": draft.source_hash,
        "categories": list(draft.categories),
        "language": draft.language,
    }
    # Prebuilt Core statements on the connection rather than ORM objects: a refresh stores
    # thousands of articles and the ORM's per-row bookkeeping cost more than the SQL.
    same_entry = conn.execute(
        _SAME_ENTRY, {"feed_url": draft.feed_url, "entry_id": draft.entry_id}
    ).one_or_none()
    if same_entry is not None:
        if same_entry.content_hash == draft.content_hash:
            if draft.source_hash and same_entry.source_hash != draft.source_hash:
                conn.execute(_SET_SOURCE_HASH, {"article_id": same_entry.id, **fields})
            return UpsertResult(same_entry.id, "unchanged")
        conn.execute(_UPDATE_ARTICLE, {"article_id": same_entry.id, **fields})
        return UpsertResult(same_entry.id, "updated")

    found = _DUPLICATE_BY_URL if draft.canonical_url else _DUPLICATE_BY_HASH
    duplicate = conn.execute(found, fields).scalar()
    if duplicate is not None:
        return UpsertResult(duplicate, "duplicate")

    new_id = conn.execute(
        _INSERT_ARTICLE,
        {
            "feed_url": draft.feed_url,
            "entry_id": draft.entry_id,
            "fetched_at": now,
            "signature": draft.signature,
            **fields,
        },
    ).scalar_one()
    return UpsertResult(new_id, "new")


class ArticlesMixin(SqlStoreBase):
    def upsert_articles(
        self, drafts: Sequence[ArticleDraft], *, now: datetime
    ) -> list[UpsertResult]:
        now = aware(now, "now")
        for draft in drafts:
            aware_or_none(draft.published, "draft.published")
        if not drafts:
            return []

        def work(session: Session) -> list[UpsertResult]:
            conn = session.connection()
            return [_upsert(conn, draft, now) for draft in drafts]

        return self._run(f"storing {len(drafts)} articles of {drafts[0].feed_url!r}", work)

    def entry_source_hashes(self, feed_url: str) -> dict[str, str]:
        def work(session: Session) -> dict[str, str]:
            rows = session.connection().execute(_ENTRY_SOURCE_HASHES, {"feed_url": feed_url})
            return {entry_id: source_hash for entry_id, source_hash in rows}

        return self._run(f"reading entry hashes of {feed_url!r}", work, write=False)

    def get_articles(self, article_ids: Sequence[int]) -> list[Article]:
        ids = list(dict.fromkeys(article_ids))

        def work(session: Session) -> list[Article]:
            found: dict[int, Article] = {}
            for chunk in chunked(ids):
                for row, name in session.execute(articles_select().where(ArticleRow.id.in_(chunk))):
                    found[row.id] = article(row, name)
            return [found[i] for i in article_ids if i in found]

        return self._run(f"reading {len(ids)} articles", work, write=False)

    def article_signatures(self, article_ids: Sequence[int]) -> dict[int, bytes]:
        ids = list(dict.fromkeys(article_ids))

        def work(session: Session) -> dict[int, bytes]:
            conn = session.connection()
            found: dict[int, bytes] = {}
            for chunk in chunked(ids):
                stmt = select(ARTICLES.c.id, ARTICLES.c.signature).where(
                    ARTICLES.c.id.in_(chunk), ARTICLES.c.signature.is_not(None)
                )
                found.update((article_id, bytes(blob)) for article_id, blob in conn.execute(stmt))
            return found

        return self._run(f"reading the signatures of {len(ids)} articles", work, write=False)

    def set_article_signatures(self, signatures: Mapping[int, bytes]) -> None:
        if not signatures:
            return

        def work(session: Session) -> None:
            session.connection().execute(
                _SET_SIGNATURE,
                [{"article_id": i, "signature": blob} for i, blob in signatures.items()],
            )

        self._run(f"storing the signatures of {len(signatures)} articles", work)

    def articles_without_story(self, *, with_text: bool = True) -> list[Article]:
        def work(session: Session) -> list[Article]:
            if not with_text:
                light = (
                    light_articles_select()
                    .where(ArticleRow.story_id.is_(None))
                    .order_by(ArticleRow.fetched_at, ArticleRow.id)
                )
                intern: dict[str, str] = {}
                return [light_article(row, intern) for row in session.execute(light)]
            stmt = (
                articles_select()
                .where(ArticleRow.story_id.is_(None))
                .order_by(ArticleRow.fetched_at, ArticleRow.id)
            )
            return [article(a, name) for a, name in session.execute(stmt)]

        return self._run("listing articles without a story", work, write=False)

    def count_articles(self) -> int:
        def work(session: Session) -> int:
            return session.scalar(select(func.count()).select_from(ArticleRow)) or 0

        return self._run("counting articles", work, write=False)

    def prune(self, *, before: datetime) -> PruneReport:
        before = aware(before, "before")

        def work(session: Session) -> PruneReport:
            conn = session.connection()
            # A story an unsent digest still holds is kept, whatever its age: the digest
            # may yet be delivered, and its claims keep the story from being posted twice.
            held: set[str] = set()
            for ids in conn.execute(select(DigestRow.story_ids).where(DigestRow.status != "sent")):
                held.update(ids[0] or ())
            recent = exists().where(
                ArticleRow.story_id == StoryRow.id, ArticleRow.fetched_at >= before
            )
            old = [
                story_id
                for story_id in conn.execute(
                    select(StoryRow.id).where(StoryRow.created_at < before, ~recent)
                ).scalars()
                if story_id not in held
            ]
            articles = delete_in(conn, ARTICLES, ARTICLES.c.story_id, old)
            stories = delete_in(conn, STORIES, STORIES.c.id, old)
            loose = conn.execute(
                delete(ARTICLES).where(
                    ARTICLES.c.story_id.is_(None), ARTICLES.c.fetched_at < before
                )
            )
            articles += loose.rowcount or 0
            briefings = conn.execute(delete(_BRIEFINGS).where(_BRIEFINGS.c.created_at < before))
            # A sent digest is its stories' claim: it goes only once none of them is left.
            sent = conn.execute(
                select(DigestRow.id, DigestRow.story_ids).where(
                    DigestRow.status == "sent", DigestRow.created_at < before
                )
            ).all()
            kept = existing(conn, StoryRow.id, [i for _, ids in sent for i in ids or ()])
            gone = [digest_id for digest_id, ids in sent if not kept.intersection(ids or ())]
            delete_in(conn, _POSTED, _POSTED.c.digest_id, gone)
            delete_in(conn, _MESSAGES, _MESSAGES.c.digest_id, gone)
            digests = delete_in(conn, _DIGESTS, _DIGESTS.c.id, gone)
            # What was told of a story after its digest, and the hourly publish counts, only
            # matter within the clustering window and the hour; a held update is kept.
            conn.execute(
                delete(StoryUpdateRow).where(
                    StoryUpdateRow.created_at < before, StoryUpdateRow.pending.is_(False)
                )
            )
            conn.execute(delete(ChannelPublishRow).where(ChannelPublishRow.published_at < before))
            return PruneReport(
                articles=articles,
                stories=stories,
                briefings=briefings.rowcount or 0,
                digests=digests,
            )

        return self._run("pruning old data", work)
