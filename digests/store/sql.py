"""The SQL store: the ``Store`` contract on SQLAlchemy, for SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar, cast, get_args

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import (
    URL,
    ColumnElement,
    Engine,
    Select,
    String,
    Table,
    bindparam,
    case,
    create_engine,
    delete,
    event,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    SQLAlchemyError,
    StatementError,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from digests.errors import NotFoundError, StorageError
from digests.records import (
    Article,
    ArticleDraft,
    Briefing,
    FeedSource,
    FeedState,
    Story,
    StoryOutline,
    SummarizerName,
    Validators,
)
from digests.store.base import (
    DigestRecord,
    FetchSuccess,
    NewStory,
    OutboxMessage,
    PruneReport,
    Schedule,
    StoryRank,
    TargetKind,
    UpsertResult,
)
from digests.store.models import (
    ArticleRow,
    BriefingRow,
    CommunityFeedRow,
    DigestMessageRow,
    DigestRow,
    FeedRow,
    PostedStoryRow,
    ScheduleRow,
    StoryRow,
    SubscriptionRow,
    TokenUsageRow,
    UtcDateTime,
)

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Marks the engine whose transactions write, so SQLite takes the write lock up front.
_WRITE_OPTION = "newsdigest_write"
_SQLITE_BUSY_TIMEOUT_MS = 5000
_RETRIES = 4
_RETRY_DELAY_SECONDS = 0.05
# PostgreSQL serialization_failure and deadlock_detected: the transaction may simply be rerun.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
_TARGET_KINDS: frozenset[str] = frozenset(get_args(TargetKind))
DigestStatus = Literal["pending", "sent", "failed"]
_DIGEST_STATUSES: frozenset[str] = frozenset(get_args(DigestStatus))


def normalize_url(url: str) -> URL:
    """Parse a database URL, sending ``postgres://`` and ``postgresql://`` to psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"invalid database URL {url!r}: {exc}") from exc
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _is_memory_sqlite(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in (url.database or "")


def _aware(value: datetime, name: str) -> datetime:
    """``value`` in UTC; a naive datetime is refused as the contract requires."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware UTC, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _aware_or_none(value: datetime | None, name: str) -> datetime | None:
    return None if value is None else _aware(value, name)


def _target_kind(kind: str) -> TargetKind:
    if kind not in _TARGET_KINDS:
        raise ValueError(f"target_kind must be one of {sorted(_TARGET_KINDS)}, got {kind!r}")
    return cast(TargetKind, kind)


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _is_retryable(exc: DBAPIError) -> bool:
    if getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    message = str(exc.orig).lower()
    return "database is locked" in message or "database is busy" in message


def _describe(exc: SQLAlchemyError) -> str:
    detail = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    return str(detail).strip().splitlines()[0] if str(detail).strip() else type(detail).__name__


# --- row -> record ------------------------------------------------------------------------


def _feed_state(row: FeedRow) -> FeedState:
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


def _article(row: ArticleRow, feed_name: str | None) -> Article:
    return Article(
        id=row.id,
        feed_url=row.feed_url,
        feed_name=feed_name,
        entry_id=row.entry_id,
        url=row.url,
        canonical_url=row.canonical_url,
        title=row.title,
        author=row.author,
        published=row.published,
        fetched_at=row.fetched_at,
        text=row.text,
        image_url=row.image_url,
        content_hash=row.content_hash,
        story_id=row.story_id,
        categories=tuple(row.categories or ()),
    )


# Every article column but the text (and the source hash, which records do not carry).
_LIGHT_ARTICLE = (
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
)


def _light_article(row: Any, intern: dict[str, str]) -> Article:
    # Thousands of articles share a few feeds: one string per feed, not one per article.
    feed_url = intern.setdefault(row.feed_url, row.feed_url)
    return Article(
        id=row.id,
        feed_url=feed_url,
        feed_name=row.name,
        entry_id=row.entry_id,
        url=row.url,
        canonical_url=row.canonical_url,
        title=row.title,
        author=row.author,
        published=row.published,
        fetched_at=row.fetched_at,
        text="",
        image_url=row.image_url,
        content_hash=row.content_hash,
        story_id=row.story_id,
        categories=tuple(row.categories or ()),
    )


def _article_order(article: Article) -> tuple[datetime, int]:
    return (article.published or article.fetched_at, article.id)


def _story(row: Any, articles: Iterable[Article]) -> Story:
    return Story(
        id=row.id,
        articles=tuple(sorted(articles, key=_article_order)),
        topics=tuple(row.topics),
        created_at=row.created_at,
    )


def _briefing(row: BriefingRow) -> Briefing:
    return Briefing(
        headline=row.headline,
        summary=row.summary,
        key_facts=tuple(row.key_facts),
        why_it_matters=row.why_it_matters,
        summarizer=cast(SummarizerName, row.summarizer),
        dropped_facts=row.dropped_facts,
        fallback_reason=row.fallback_reason,
        tokens=row.tokens,
    )


def _schedule(row: ScheduleRow) -> Schedule:
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


def _message(row: DigestMessageRow, digest: DigestRow) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        digest_id=row.digest_id,
        seq=row.seq,
        target_kind=_target_kind(digest.target_kind),
        target_id=digest.target_id,
        payload=dict(row.payload),
        sent_at=row.sent_at,
        remote_id=row.remote_id,
        attempts=row.attempts,
    )


def _digest(row: DigestRow, messages: Iterable[DigestMessageRow]) -> DigestRecord:
    if row.status not in _DIGEST_STATUSES:
        raise StorageError(f"digest {row.id} has unknown status {row.status!r}")
    status = cast(DigestStatus, row.status)
    return DigestRecord(
        id=row.id,
        community_id=row.community_id,
        target_kind=_target_kind(row.target_kind),
        target_id=row.target_id,
        story_ids=tuple(row.story_ids),
        created_at=row.created_at,
        status=status,
        error=row.error,
        messages=tuple(_message(m, row) for m in sorted(messages, key=lambda m: m.seq)),
    )


def _articles_select() -> Select[ArticleRow, str | None]:
    # The feed name is joined, not copied, so renaming a feed renames its articles' source.
    return select(ArticleRow, FeedRow.name).outerjoin(FeedRow, FeedRow.url == ArticleRow.feed_url)


def _scoped(
    stmt: Select[ArticleRow, str | None], feed_urls: Collection[str] | None
) -> Select[ArticleRow, str | None]:
    return stmt if feed_urls is None else stmt.where(ArticleRow.feed_url.in_(list(feed_urls)))


# An arbitrary constant of this project's: the advisory lock migrations take on PostgreSQL.
_MIGRATION_LOCK = 0x6E657773646967

_ARTICLES = cast(Table, ArticleRow.__table__)
_SAME_ENTRY = select(_ARTICLES.c.id, _ARTICLES.c.content_hash, _ARTICLES.c.source_hash).where(
    _ARTICLES.c.feed_url == bindparam("feed_url"), _ARTICLES.c.entry_id == bindparam("entry_id")
)
_DUPLICATE_BY_HASH = (
    select(_ARTICLES.c.id)
    .where(_ARTICLES.c.content_hash == bindparam("content_hash"))
    .order_by(_ARTICLES.c.id)
    .limit(1)
)
_DUPLICATE_BY_URL = (
    select(_ARTICLES.c.id)
    .where(
        or_(
            _ARTICLES.c.content_hash == bindparam("content_hash"),
            _ARTICLES.c.canonical_url == bindparam("canonical_url"),
        )
    )
    .order_by(_ARTICLES.c.id)
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
)
_UPDATE_ARTICLE = (
    update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("article_id"))
    .values({name: bindparam(name) for name in _ARTICLE_FIELDS})
)
_SET_SOURCE_HASH = (
    update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("article_id"))
    .values(source_hash=bindparam("source_hash"), categories=bindparam("categories"))
)
_ENTRY_SOURCE_HASHES = select(_ARTICLES.c.entry_id, _ARTICLES.c.source_hash).where(
    _ARTICLES.c.feed_url == bindparam("feed_url"), _ARTICLES.c.source_hash.is_not(None)
)
_INSERT_ARTICLE = insert(_ARTICLES).returning(_ARTICLES.c.id)
# Ids per IN (...) list, well under SQLite's and psycopg's bound-parameter limits.
_IN_CHUNK = 900

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

_STORIES = cast(Table, StoryRow.__table__)
_BRIEFINGS = cast(Table, BriefingRow.__table__)
_DIGESTS = cast(Table, DigestRow.__table__)
_MESSAGES = cast(Table, DigestMessageRow.__table__)
_POSTED = cast(Table, PostedStoryRow.__table__)
_SET_STORY = (
    update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("article_id"))
    .values(story_id=bindparam("sid"))
)
_SET_TOPICS = (
    update(_STORIES).where(_STORIES.c.id == bindparam("sid")).values(topics=bindparam("topics"))
)


def _existing(conn: Connection, column: Any, values: Sequence[Any]) -> set[Any]:
    """Which of ``values`` the (primary key) ``column`` holds."""
    unique = list(dict.fromkeys(values))
    found: set[Any] = set()
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def _delete_in(conn: Connection, table: Any, column: Any, values: Sequence[Any]) -> int:
    """Delete the rows of ``table`` whose ``column`` is one of ``values``; how many went."""
    deleted = 0
    for start in range(0, len(values), _IN_CHUNK):
        chunk = values[start : start + _IN_CHUNK]
        result = conn.execute(delete(table).where(column.in_(chunk)))
        deleted += result.rowcount or 0
    return deleted


def _require_articles(conn: Connection, article_ids: Sequence[int]) -> None:
    missing = set(article_ids) - _existing(conn, _ARTICLES.c.id, article_ids)
    if missing:
        raise NotFoundError(f"no articles {sorted(missing)}")


def _upsert(conn: Connection, draft: ArticleDraft, now: datetime) -> UpsertResult:
    """One draft's upsert on an open transaction (see ``Store.upsert_article``)."""
    fields = {
        "url": draft.url,
        "canonical_url": draft.canonical_url,
        "title": draft.title,
        "author": draft.author,
        "published": _aware_or_none(draft.published, "draft.published"),
        "text": draft.text,
        "image_url": draft.image_url,
        "content_hash": draft.content_hash,
        "source_hash": draft.source_hash,
        "categories": list(draft.categories),
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
        {"feed_url": draft.feed_url, "entry_id": draft.entry_id, "fetched_at": now, **fields},
    ).scalar_one()
    return UpsertResult(new_id, "new")


# --- engine setup -------------------------------------------------------------------------


def _sqlite_engine(url: URL, connect_args: Mapping[str, Any]) -> Engine:
    memory = _is_memory_sqlite(url)
    args: dict[str, Any] = {"check_same_thread": False, **connect_args}
    if memory:
        # One shared connection, so every thread sees the same in-memory database.
        engine = create_engine(url, poolclass=StaticPool, connect_args=args)
    else:
        database = url.database or ""
        if not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args=args)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from pysqlite so it is emitted (DEFERRED or IMMEDIATE) below.
        dbapi_connection.isolation_level = None
        # SQLite's own lower() only folds ASCII; search must be case-insensitive for all text.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                # In WAL mode NORMAL cannot corrupt the database; it only skips the fsync at
                # each commit, which otherwise dominates a refresh's many small transactions.
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer that starts deferred can fail to upgrade its lock without waiting for the
        # busy timeout; taking the write lock at BEGIN makes writers queue instead.
        write = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class SqlStore:
    """The ``Store`` contract on SQLite (file or memory) or PostgreSQL via SQLAlchemy."""

    def __init__(self, url: str, *, connect_args: Mapping[str, Any] | None = None) -> None:
        self.url = normalize_url(url)
        backend = self.url.get_backend_name()
        try:
            if backend == "sqlite":
                self.engine = _sqlite_engine(self.url, connect_args or {})
            elif backend == "postgresql":
                self.engine = create_engine(
                    self.url, pool_pre_ping=True, connect_args=dict(connect_args or {})
                )
            else:
                raise StorageError(
                    f"unsupported database {backend!r} in {self.url.render_as_string()}: "
                    "use sqlite:/// or postgresql://"
                )
        except (SQLAlchemyError, ImportError) as exc:
            raise StorageError(f"cannot open database {self.url!r}: {exc}") from exc
        self.dialect = backend
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: True})
        self._read_sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(bind=self._write_engine, expire_on_commit=False)
        # The in-memory database is one shared connection: transactions must not interleave.
        self._lock: AbstractContextManager[Any] = (
            threading.RLock()
            if backend == "sqlite" and _is_memory_sqlite(self.url)
            else nullcontext()
        )

    def __repr__(self) -> str:
        return f"SqlStore({self.url!r})"

    # --- plumbing -------------------------------------------------------------------------

    def _run(self, what: str, work: Callable[[Session], T], *, write: bool = True) -> T:
        """Run ``work`` in one transaction, retrying lock conflicts, wrapping DB errors."""
        sessions = self._write_sessions if write else self._read_sessions
        attempt = 0
        while True:
            try:
                with self._lock, sessions() as session, session.begin():
                    return work(session)
            except DBAPIError as exc:
                if attempt < _RETRIES and _is_retryable(exc):
                    attempt += 1
                    time.sleep(_RETRY_DELAY_SECONDS * 2**attempt)
                    continue
                raise StorageError(f"{what} failed: {_describe(exc)}") from exc
            except StatementError as exc:
                # A bind value the column types refused, e.g. a naive datetime.
                if isinstance(exc.orig, ValueError):
                    raise exc.orig from None
                raise StorageError(f"{what} failed: {_describe(exc)}") from exc
            except SQLAlchemyError as exc:
                raise StorageError(f"{what} failed: {_describe(exc)}") from exc

    @staticmethod
    def _feed_row(session: Session, url: str) -> FeedRow:
        row = session.scalars(select(FeedRow).where(FeedRow.url == url)).one_or_none()
        if row is None:
            raise NotFoundError(f"no feed {url!r}")
        return row

    @staticmethod
    def _story_row(session: Session, story_id: str) -> StoryRow:
        row = session.get(StoryRow, story_id)
        if row is None:
            raise NotFoundError(f"no story {story_id!r}")
        return row

    @staticmethod
    def _load_story(session: Session, row: StoryRow) -> Story:
        result = session.execute(_articles_select().where(ArticleRow.story_id == row.id))
        return _story(row, (_article(a, name) for a, name in result))

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
        # Large IN lists are split: SQLite caps bound parameters per statement.
        ids = [r.id for r in rows]
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            if with_text:
                stmt = _scoped(_articles_select(), feed_urls).where(ArticleRow.story_id.in_(chunk))
                for article_row, name in session.execute(stmt):
                    article = _article(article_row, name)
                    if article.story_id is not None:
                        by_story[article.story_id].append(article)
                continue
            light = (
                select(*_LIGHT_ARTICLE)
                .outerjoin(FeedRow, FeedRow.url == ArticleRow.feed_url)
                .where(ArticleRow.story_id.in_(chunk))
            )
            if feed_urls is not None:
                light = light.where(ArticleRow.feed_url.in_(list(feed_urls)))
            intern: dict[str, str] = {}
            for row in session.execute(light):
                by_story[row.story_id].append(_light_article(row, intern))
        return [_story(r, by_story[r.id]) for r in rows if by_story.get(r.id)]

    def _attach(self, session: Session, story_id: str, article_ids: Sequence[int]) -> None:
        ids = list(dict.fromkeys(article_ids))
        rows = session.scalars(select(ArticleRow).where(ArticleRow.id.in_(ids))).all()
        missing = set(ids) - {r.id for r in rows}
        if missing:
            raise NotFoundError(f"no articles {sorted(missing)} for story {story_id!r}")
        for row in rows:
            row.story_id = story_id

    # --- lifecycle ------------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (idempotent)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        try:
            with self._lock, self._write_engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    # Processes starting together on a fresh database take turns; the lock
                    # goes with the transaction.
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            raise StorageError(f"migrating the database failed: {_describe(exc)}") from exc
        except CommandError as exc:
            raise StorageError(f"migrating the database failed: {exc}") from exc

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    # --- feeds ----------------------------------------------------------------------------

    def ensure_feed(self, source: FeedSource) -> FeedState:
        """Create the feed if unknown; update its name/topics if given; mark it a config feed."""

        def work(session: Session) -> FeedState:
            row = session.scalars(select(FeedRow).where(FeedRow.url == source.url)).one_or_none()
            if row is None:
                row = FeedRow(url=source.url, topics=[], failure_count=0)
                session.add(row)
            if source.name is not None:
                row.name = source.name
            if source.topics:
                row.topics = list(source.topics)
            row.from_config = True
            session.flush()
            return _feed_state(row)

        return self._run(f"ensuring feed {source.url!r}", work)

    def ensure_feeds(self, sources: Sequence[FeedSource]) -> None:
        """``ensure_feed`` for many feeds in one transaction."""
        if not sources:
            return
        urls = list(dict.fromkeys(s.url for s in sources))

        def work(session: Session) -> None:
            rows: dict[str, FeedRow] = {}
            for start in range(0, len(urls), _IN_CHUNK):
                chunk = urls[start : start + _IN_CHUNK]
                rows.update(
                    (r.url, r)
                    for r in session.scalars(select(FeedRow).where(FeedRow.url.in_(chunk)))
                )
            for source in sources:
                row = rows.get(source.url)
                if row is None:
                    row = rows[source.url] = FeedRow(url=source.url, topics=[], failure_count=0)
                    session.add(row)
                if source.name is not None:
                    row.name = source.name
                if source.topics:
                    row.topics = list(source.topics)
                row.from_config = True

        self._run(f"ensuring {len(urls)} feeds", work)

    def get_feed(self, url: str) -> FeedState | None:
        def work(session: Session) -> FeedState | None:
            row = session.scalars(select(FeedRow).where(FeedRow.url == url)).one_or_none()
            return None if row is None else _feed_state(row)

        return self._run(f"reading feed {url!r}", work, write=False)

    def list_feeds(self) -> list[FeedState]:
        """All feeds, ordered by URL."""

        def work(session: Session) -> list[FeedState]:
            return [_feed_state(r) for r in session.scalars(select(FeedRow).order_by(FeedRow.url))]

        return self._run("listing feeds", work, write=False)

    def remove_feed(self, url: str) -> None:
        """Delete a feed (its articles stay). Raises NotFoundError when unknown."""

        def work(session: Session) -> None:
            row = self._feed_row(session, url)
            session.execute(delete(FeedRow).where(FeedRow.id == row.id))

        self._run(f"removing feed {url!r}", work)

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
        """Store validators and title (kept when None), clear the error and the failure count."""
        now = _aware(now, "now")
        next_fetch_at = _aware(next_fetch_at, "next_fetch_at")

        def work(session: Session) -> FeedState:
            row = self._feed_row(session, url)
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
            return _feed_state(row)

        return self._run(f"recording a fetch of {url!r}", work)

    def record_fetch_successes(self, successes: Sequence[FetchSuccess]) -> None:
        """Record many successful fetches in one transaction, each as
        ``record_fetch_success`` would; feeds no longer stored are skipped."""
        params = [
            {
                "feed_url": s.url,
                "etag": s.validators.etag,
                "last_modified": s.validators.last_modified,
                "title": s.title,
                "warning": s.warning,
                "now": _aware(s.now, "now"),
                "next_fetch_at": _aware(s.next_fetch_at, "next_fetch_at"),
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
        """Store the error, bump the failure count, disable the feed when it reaches
        ``disable_after`` consecutive failures (the reason names the last error)."""
        now = _aware(now, "now")
        next_fetch_at = _aware(next_fetch_at, "next_fetch_at")

        def work(session: Session) -> FeedState:
            row = self._feed_row(session, url)
            row.last_fetched_at = now
            row.last_error = error
            row.failure_count += 1
            row.next_fetch_at = next_fetch_at
            if row.disabled_reason is None and row.failure_count >= disable_after:
                row.disabled_reason = (
                    f"disabled after {row.failure_count} consecutive failures; last: {error}"
                )
            session.flush()
            return _feed_state(row)

        return self._run(f"recording a failed fetch of {url!r}", work)

    def enable_feed(self, url: str) -> FeedState:
        """Clear the disabled reason and the failure count; the feed is due at once."""

        def work(session: Session) -> FeedState:
            row = self._feed_row(session, url)
            row.disabled_reason = None
            row.failure_count = 0
            # Backoff may have pushed the next fetch far out; an enabled feed is tried now.
            row.next_fetch_at = None
            session.flush()
            return _feed_state(row)

        return self._run(f"enabling feed {url!r}", work)

    def due_feeds(self, now: datetime) -> list[FeedState]:
        """Enabled feeds whose next fetch time is unset or not after ``now``, by URL."""
        now = _aware(now, "now")

        def work(session: Session) -> list[FeedState]:
            stmt = (
                select(FeedRow)
                .where(FeedRow.disabled_reason.is_(None))
                .where(or_(FeedRow.next_fetch_at.is_(None), FeedRow.next_fetch_at <= now))
                .order_by(FeedRow.url)
            )
            return [_feed_state(r) for r in session.scalars(stmt)]

        return self._run("listing due feeds", work, write=False)

    # --- articles -------------------------------------------------------------------------

    def upsert_article(self, draft: ArticleDraft, *, now: datetime) -> UpsertResult:
        """Store a draft, deduplicating by (feed, entry id), canonical URL and content hash.

        Same feed and entry id: the stored article is updated when the content hash differs.
        Otherwise a match on canonical URL or content hash from any feed makes a duplicate.
        """
        now = _aware(now, "now")
        _aware_or_none(draft.published, "draft.published")
        return self._run(
            f"storing article {draft.entry_id!r} of {draft.feed_url!r}",
            lambda session: _upsert(session.connection(), draft, now),
        )

    def upsert_articles(
        self, drafts: Sequence[ArticleDraft], *, now: datetime
    ) -> list[UpsertResult]:
        """Store many drafts in one transaction, in order, as ``upsert_article`` would one
        after another; one result per draft."""
        now = _aware(now, "now")
        for draft in drafts:
            _aware_or_none(draft.published, "draft.published")
        if not drafts:
            return []

        def work(session: Session) -> list[UpsertResult]:
            conn = session.connection()
            return [_upsert(conn, draft, now) for draft in drafts]

        return self._run(f"storing {len(drafts)} articles of {drafts[0].feed_url!r}", work)

    def entry_source_hashes(self, feed_url: str) -> dict[str, str]:
        """Entry id -> source hash of the feed's stored articles (where one was recorded)."""

        def work(session: Session) -> dict[str, str]:
            rows = session.connection().execute(_ENTRY_SOURCE_HASHES, {"feed_url": feed_url})
            return {entry_id: source_hash for entry_id, source_hash in rows}

        return self._run(f"reading entry hashes of {feed_url!r}", work, write=False)

    def get_article(self, article_id: int) -> Article | None:
        def work(session: Session) -> Article | None:
            found = session.execute(_articles_select().where(ArticleRow.id == article_id)).first()
            return None if found is None else _article(found[0], found[1])

        return self._run(f"reading article {article_id}", work, write=False)

    def get_articles(self, article_ids: Sequence[int]) -> list[Article]:
        """The articles with these ids, in the order given; unknown ids are left out."""
        ids = list(dict.fromkeys(article_ids))

        def work(session: Session) -> list[Article]:
            found: dict[int, Article] = {}
            for start in range(0, len(ids), _IN_CHUNK):
                stmt = _articles_select().where(ArticleRow.id.in_(ids[start : start + _IN_CHUNK]))
                for row, name in session.execute(stmt):
                    found[row.id] = _article(row, name)
            return [found[i] for i in article_ids if i in found]

        return self._run(f"reading {len(ids)} articles", work, write=False)

    def articles_since(self, since: datetime) -> list[Article]:
        """Articles first fetched at or after ``since`` (published date may be older),
        oldest first."""
        since = _aware(since, "since")

        def work(session: Session) -> list[Article]:
            stmt = (
                _articles_select()
                .where(ArticleRow.fetched_at >= since)
                .order_by(ArticleRow.fetched_at, ArticleRow.id)
            )
            return [_article(a, name) for a, name in session.execute(stmt)]

        return self._run("listing recent articles", work, write=False)

    def articles_without_story(self) -> list[Article]:
        """Articles not yet grouped into a story, oldest first."""

        def work(session: Session) -> list[Article]:
            stmt = (
                _articles_select()
                .where(ArticleRow.story_id.is_(None))
                .order_by(ArticleRow.fetched_at, ArticleRow.id)
            )
            return [_article(a, name) for a, name in session.execute(stmt)]

        return self._run("listing articles without a story", work, write=False)

    def count_articles(self) -> int:
        def work(session: Session) -> int:
            return session.scalar(select(func.count()).select_from(ArticleRow)) or 0

        return self._run("counting articles", work, write=False)

    def prune(self, *, before: datetime) -> PruneReport:
        """Delete stories, articles, briefings and sent digests older than ``before``; see
        the contract for what is kept."""
        before = _aware(before, "before")

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
            articles = _delete_in(conn, _ARTICLES, _ARTICLES.c.story_id, old)
            stories = _delete_in(conn, _STORIES, _STORIES.c.id, old)
            loose = conn.execute(
                delete(_ARTICLES).where(
                    _ARTICLES.c.story_id.is_(None), _ARTICLES.c.fetched_at < before
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
            kept = _existing(conn, StoryRow.id, [i for _, ids in sent for i in ids or ()])
            gone = [digest_id for digest_id, ids in sent if not kept.intersection(ids or ())]
            _delete_in(conn, _POSTED, _POSTED.c.digest_id, gone)
            _delete_in(conn, _MESSAGES, _MESSAGES.c.digest_id, gone)
            digests = _delete_in(conn, _DIGESTS, _DIGESTS.c.id, gone)
            return PruneReport(
                articles=articles,
                stories=stories,
                briefings=briefings.rowcount or 0,
                digests=digests,
            )

        return self._run("pruning old data", work)

    # --- stories --------------------------------------------------------------------------

    def create_story(
        self, story_id: str, article_ids: Sequence[int], *, topics: Sequence[str], now: datetime
    ) -> Story:
        """Create a story holding these articles; NotFoundError when an article is unknown."""
        now = _aware(now, "now")

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
        """Create many stories with their topics and articles in one transaction; all or
        nothing: NotFoundError when an article is unknown, StorageError when an id is taken."""
        now = _aware(now, "now")
        if not stories:
            return

        def work(session: Session) -> None:
            conn = session.connection()
            taken = _existing(conn, _STORIES.c.id, [s.id for s in stories])
            if taken:
                raise StorageError(f"stories {sorted(taken)} already exist")
            _require_articles(conn, [i for s in stories for i in s.article_ids])
            conn.execute(
                insert(_STORIES),
                [{"id": s.id, "topics": list(s.topics), "created_at": now} for s in stories],
            )
            conn.execute(
                _SET_STORY,
                [{"article_id": i, "sid": s.id} for s in stories for i in s.article_ids],
            )

        self._run(f"creating {len(stories)} stories", work)

    def add_to_stories(self, additions: Mapping[str, Sequence[int]]) -> list[Story]:
        """Attach articles to many existing stories in one transaction; returns the grown
        stories with all their articles, in the order given."""
        if not additions:
            return []
        ids = list(additions)

        def work(session: Session) -> list[Story]:
            conn = session.connection()
            missing = set(ids) - _existing(conn, _STORIES.c.id, ids)
            if missing:
                raise NotFoundError(f"no stories {sorted(missing)}")
            _require_articles(conn, [i for found in additions.values() for i in found])
            conn.execute(
                _SET_STORY,
                [{"article_id": i, "sid": sid} for sid, found in additions.items() for i in found],
            )
            rows: dict[str, Any] = {}
            for start in range(0, len(ids), _IN_CHUNK):
                stmt = select(_STORIES).where(_STORIES.c.id.in_(ids[start : start + _IN_CHUNK]))
                rows.update((r.id, r) for r in conn.execute(stmt))
            return self._stories_with_articles(session, [rows[i] for i in ids], None)

        return self._run(f"adding articles to {len(ids)} stories", work)

    def set_stories_topics(self, topics: Mapping[str, Sequence[str]]) -> None:
        """Set the topics of many stories in one transaction; NotFoundError when one is
        unknown."""
        if not topics:
            return
        ids = list(topics)

        def work(session: Session) -> None:
            conn = session.connection()
            missing = set(ids) - _existing(conn, _STORIES.c.id, ids)
            if missing:
                raise NotFoundError(f"no stories {sorted(missing)}")
            conn.execute(
                _SET_TOPICS, [{"sid": sid, "topics": list(found)} for sid, found in topics.items()]
            )

        self._run(f"setting the topics of {len(ids)} stories", work)

    def add_to_story(self, story_id: str, article_ids: Sequence[int]) -> Story:
        """Attach more articles to an existing story."""

        def work(session: Session) -> Story:
            row = self._story_row(session, story_id)
            self._attach(session, story_id, article_ids)
            session.flush()
            return self._load_story(session, row)

        return self._run(f"adding articles to story {story_id!r}", work)

    def set_story_topics(self, story_id: str, topics: Sequence[str]) -> None:
        def work(session: Session) -> None:
            self._story_row(session, story_id).topics = list(topics)

        self._run(f"setting the topics of story {story_id!r}", work)

    def get_story(self, story_id: str) -> Story | None:
        def work(session: Session) -> Story | None:
            row = session.get(StoryRow, story_id)
            return None if row is None else self._load_story(session, row)

        return self._run(f"reading story {story_id!r}", work, write=False)

    def get_stories(
        self, story_ids: Sequence[str], *, feed_urls: Collection[str] | None = None
    ) -> list[Story]:
        """The stories with these ids and their (scoped) articles, in the order given."""
        ids = list(dict.fromkeys(story_ids))

        def work(session: Session) -> list[Story]:
            found: dict[str, StoryRow] = {}
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start : start + _IN_CHUNK]
                found.update(
                    (r.id, r)
                    for r in session.scalars(select(StoryRow).where(StoryRow.id.in_(chunk)))
                )
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
        """Stories created at or after ``since``, newest first, with their articles.

        With ``feed_urls``, only stories with at least one article from those feeds (and
        only those articles) are returned. Stories without any article are never returned.
        With ``with_text=False`` the articles' text is not loaded (it reads ``""``).
        """
        since = _aware(since, "since")

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
        """Stories created at or after ``since`` with at least one (scoped) article, newest
        first, with their feed count, earliest publication date, first-seen time and primary
        article computed in SQL."""
        since = _aware(since, "since")

        def work(session: Session) -> list[StoryRank]:
            # Grouped by the primary key alone: the story's other columns depend on it, and
            # PostgreSQL's json type could not be grouped on.
            stmt = (
                select(
                    StoryRow.id,
                    StoryRow.topics,
                    StoryRow.created_at,
                    func.count(ArticleRow.feed_url.distinct()),
                    func.min(ArticleRow.published),
                    func.min(ArticleRow.fetched_at),
                )
                .join(ArticleRow, ArticleRow.story_id == StoryRow.id)
                .where(StoryRow.created_at >= since)
                .group_by(StoryRow.id)
                .order_by(StoryRow.created_at.desc(), StoryRow.id.desc())
            )
            # The primary article as ``Story.primary`` picks it: the earliest (by publication,
            # else storage, then id) among those with a URL, else the earliest of all.
            lead_order = (
                case((or_(ArticleRow.url.is_(None), ArticleRow.url == ""), 1), else_=0),
                func.coalesce(ArticleRow.published, ArticleRow.fetched_at),
                ArticleRow.id,
            )
            ranked_articles = (
                select(
                    ArticleRow.story_id,
                    ArticleRow.feed_url,
                    ArticleRow.title,
                    func.row_number()
                    .over(partition_by=ArticleRow.story_id, order_by=lead_order)
                    .label("position"),
                )
                .join(StoryRow, ArticleRow.story_id == StoryRow.id)
                .where(StoryRow.created_at >= since)
            )
            if feed_urls is not None:
                scope = ArticleRow.feed_url.in_(list(feed_urls))
                stmt = stmt.where(scope)
                ranked_articles = ranked_articles.where(scope)
            leads_sub = ranked_articles.subquery()
            leads = {
                story_id: (feed_url, title)
                for story_id, feed_url, title in session.execute(
                    select(leads_sub.c.story_id, leads_sub.c.feed_url, leads_sub.c.title).where(
                        leads_sub.c.position == 1
                    )
                )
            }
            return [
                StoryRank(
                    story_id,
                    tuple(topics),
                    created_at,
                    feeds,
                    published,
                    first_seen,
                    *leads.get(story_id, ("", "")),
                )
                for story_id, topics, created_at, feeds, published, first_seen in session.execute(
                    stmt
                )
            ]

        return self._run("ranking recent stories", work, write=False)

    def story_outlines_since(self, since: datetime) -> list[StoryOutline]:
        """Stories created at or after ``since``, newest first, as ids and their articles'
        (id, feed URL) in story order: what clustering needs of a window, without text."""
        since = _aware(since, "since")

        def work(session: Session) -> list[StoryOutline]:
            stmt = (
                select(
                    StoryRow.id,
                    ArticleRow.id,
                    ArticleRow.feed_url,
                    ArticleRow.published,
                    ArticleRow.fetched_at,
                )
                .join(ArticleRow, ArticleRow.story_id == StoryRow.id)
                .where(StoryRow.created_at >= since)
                .order_by(StoryRow.created_at.desc(), StoryRow.id.desc())
            )
            members: dict[str, list[tuple[datetime, int, str]]] = {}
            feeds: dict[str, str] = {}
            for story_id, article_id, feed_url, published, fetched_at in session.execute(stmt):
                members.setdefault(story_id, []).append(
                    (published or fetched_at, article_id, feeds.setdefault(feed_url, feed_url))
                )
            return [
                StoryOutline(story_id, tuple((a, f) for _, a, f in sorted(found)))
                for story_id, found in members.items()
            ]

        return self._run("outlining recent stories", work, write=False)

    def search_stories(
        self, query: str, *, limit: int = 10, feed_urls: Collection[str] | None = None
    ) -> list[Story]:
        """Stories whose article titles or texts hold every word of ``query``
        (case-insensitive; words may be spread over the story's articles), newest first."""
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

    # --- briefings ------------------------------------------------------------------------

    def get_briefing(self, content_hash: str) -> Briefing | None:
        """A cached briefing for this summary input hash, across runs."""

        def work(session: Session) -> Briefing | None:
            row = session.get(BriefingRow, content_hash)
            return None if row is None else _briefing(row)

        return self._run("reading a cached briefing", work, write=False)

    def put_briefing(self, content_hash: str, briefing: Briefing, *, now: datetime) -> None:
        """Cache a briefing (replacing an older one for the same hash)."""
        now = _aware(now, "now")

        def work(session: Session) -> None:
            row = session.get(BriefingRow, content_hash)
            if row is None:
                row = BriefingRow(content_hash=content_hash)
                session.add(row)
            row.headline = briefing.headline
            row.summary = briefing.summary
            row.key_facts = list(briefing.key_facts)
            row.why_it_matters = briefing.why_it_matters
            row.summarizer = briefing.summarizer
            row.dropped_facts = briefing.dropped_facts
            row.fallback_reason = briefing.fallback_reason
            row.tokens = briefing.tokens
            row.created_at = now

        self._run("caching a briefing", work)

    # --- LLM token accounting -------------------------------------------------------------

    def add_tokens(self, day: date, tokens: int) -> int:
        """Add to the day's token count and return the new total."""

        def work(session: Session) -> int:
            insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
            stmt = insert(TokenUsageRow).values(day=day, tokens=tokens)
            # One statement, so concurrent adders never lose an increment.
            stmt = stmt.on_conflict_do_update(
                index_elements=[TokenUsageRow.day],
                set_={"tokens": TokenUsageRow.tokens + stmt.excluded.tokens},
            )
            session.execute(stmt)
            return session.scalar(select(TokenUsageRow.tokens).where(TokenUsageRow.day == day)) or 0

        return self._run(f"counting tokens for {day.isoformat()}", work)

    def tokens_used(self, day: date) -> int:
        def work(session: Session) -> int:
            return session.scalar(select(TokenUsageRow.tokens).where(TokenUsageRow.day == day)) or 0

        return self._run(f"reading tokens for {day.isoformat()}", work, write=False)

    # --- community scope ----------------------------------------------------------------------

    def add_community_feed(self, community_id: int, source: FeedSource) -> FeedState:
        """Attach a feed to a community (creating the feed row when new; an existing feed keeps
        its name and topics)."""

        def work(session: Session) -> FeedState:
            row = session.scalars(select(FeedRow).where(FeedRow.url == source.url)).one_or_none()
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
            return _feed_state(row)

        return self._run(f"adding feed {source.url!r} to community {community_id}", work)

    def remove_community_feed(self, community_id: int, url: str) -> None:
        """Detach a feed from a community; NotFoundError when the community does not have it. The
        feed row is deleted when no community uses it any more and it is not a config feed."""

        def work(session: Session) -> None:
            feed = session.scalars(select(FeedRow).where(FeedRow.url == url)).one_or_none()
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
        """URLs of the feeds a community added itself (config feeds are not listed here)."""

        def work(session: Session) -> list[str]:
            stmt = (
                select(FeedRow.url)
                .join(CommunityFeedRow, CommunityFeedRow.feed_id == FeedRow.id)
                .where(CommunityFeedRow.community_id == community_id)
                .order_by(FeedRow.url)
            )
            return list(session.scalars(stmt))

        return self._run(f"listing the feeds of community {community_id}", work, write=False)

    # --- schedules ------------------------------------------------------------------------

    @staticmethod
    def _schedule_row(session: Session, community_id: int, channel_id: int) -> ScheduleRow:
        row = session.get(ScheduleRow, channel_id)
        if row is None or row.community_id != community_id:
            raise NotFoundError(f"no schedule for channel {channel_id} in community {community_id}")
        return row

    def set_schedule(self, schedule: Schedule, *, now: datetime) -> Schedule:
        """Create or replace the schedule of ``schedule.channel_id``; the last run is kept
        unless the schedule names one."""
        now = _aware(now, "now")
        last_run_at = _aware_or_none(schedule.last_run_at, "schedule.last_run_at")

        def work(session: Session) -> Schedule:
            row = session.get(ScheduleRow, schedule.channel_id)
            if row is None:
                row = ScheduleRow(channel_id=schedule.channel_id)
                session.add(row)
            row.community_id = schedule.community_id
            row.timezone = schedule.timezone
            row.cron = schedule.cron
            row.times = list(schedule.times)
            row.paused = schedule.paused
            row.updated_at = now
            if last_run_at is not None:
                row.last_run_at = last_run_at
            session.flush()
            return _schedule(row)

        return self._run(f"setting the schedule of channel {schedule.channel_id}", work)

    def get_schedule(self, community_id: int, channel_id: int) -> Schedule | None:
        def work(session: Session) -> Schedule | None:
            row = session.get(ScheduleRow, channel_id)
            return None if row is None or row.community_id != community_id else _schedule(row)

        return self._run(f"reading the schedule of channel {channel_id}", work, write=False)

    def list_schedules(self, community_id: int | None = None) -> list[Schedule]:
        """Schedules of one community (or all), by community then channel."""

        def work(session: Session) -> list[Schedule]:
            stmt = select(ScheduleRow).order_by(ScheduleRow.community_id, ScheduleRow.channel_id)
            if community_id is not None:
                stmt = stmt.where(ScheduleRow.community_id == community_id)
            return [_schedule(r) for r in session.scalars(stmt)]

        return self._run("listing schedules", work, write=False)

    def set_schedule_paused(self, community_id: int, channel_id: int, paused: bool) -> Schedule:
        """NotFoundError when the channel has no schedule in this community."""

        def work(session: Session) -> Schedule:
            row = self._schedule_row(session, community_id, channel_id)
            row.paused = paused
            session.flush()
            return _schedule(row)

        return self._run(f"pausing the schedule of channel {channel_id}", work)

    def remove_schedule(self, community_id: int, channel_id: int) -> None:
        """NotFoundError when the channel has no schedule in this community."""

        def work(session: Session) -> None:
            session.delete(self._schedule_row(session, community_id, channel_id))

        self._run(f"removing the schedule of channel {channel_id}", work)

    def mark_schedule_run(self, community_id: int, channel_id: int, when: datetime) -> None:
        """Remember when the channel's digest last ran; NotFoundError without a schedule."""
        when = _aware(when, "when")

        def work(session: Session) -> None:
            self._schedule_row(session, community_id, channel_id).last_run_at = when

        self._run(f"marking the schedule of channel {channel_id} as run", work)

    # --- outbox ---------------------------------------------------------------------------

    def posted_story_ids(self, target_kind: TargetKind, target_id: int) -> set[str]:
        """Stories already queued or posted to this channel or user."""
        kind = _target_kind(target_kind)

        def work(session: Session) -> set[str]:
            stmt = select(PostedStoryRow.story_id).where(
                PostedStoryRow.target_kind == kind, PostedStoryRow.target_id == target_id
            )
            return set(session.scalars(stmt))

        return self._run(f"listing stories posted to {kind} {target_id}", work, write=False)

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
        target. Raises StorageError if any story was already claimed for that target."""
        kind = _target_kind(target_kind)
        now = _aware(now, "now")
        unique_ids = list(dict.fromkeys(story_ids))

        def work(session: Session) -> DigestRecord:
            claimed = set(
                session.scalars(
                    select(PostedStoryRow.story_id).where(
                        PostedStoryRow.target_kind == kind,
                        PostedStoryRow.target_id == target_id,
                        PostedStoryRow.story_id.in_(unique_ids),
                    )
                )
            )
            if claimed:
                raise StorageError(
                    f"stories {sorted(claimed)} were already queued for {kind} {target_id}"
                )
            digest = DigestRow(
                community_id=community_id,
                target_kind=kind,
                target_id=target_id,
                story_ids=unique_ids,
                created_at=now,
                status="pending",
            )
            session.add(digest)
            session.flush()
            messages = [
                DigestMessageRow(digest_id=digest.id, seq=seq, payload=dict(payload), attempts=0)
                for seq, payload in enumerate(payloads)
            ]
            session.add_all(messages)
            session.add_all(
                PostedStoryRow(
                    target_kind=kind, target_id=target_id, story_id=story_id, digest_id=digest.id
                )
                for story_id in unique_ids
            )
            try:
                session.flush()
            except IntegrityError as exc:
                # Another writer claimed one of these stories between the check and the insert.
                raise StorageError(
                    f"a story of this digest was already queued for {kind} {target_id}"
                ) from exc
            return _digest(digest, messages)

        return self._run(f"queueing a digest for {kind} {target_id}", work)

    def pending_messages(self, digest_id: int | None = None) -> list[OutboxMessage]:
        """Unsent messages of pending digests, by digest then seq."""

        def work(session: Session) -> list[OutboxMessage]:
            stmt = (
                select(DigestMessageRow, DigestRow)
                .join(DigestRow, DigestRow.id == DigestMessageRow.digest_id)
                .where(DigestMessageRow.sent_at.is_(None), DigestRow.status == "pending")
                .order_by(DigestMessageRow.digest_id, DigestMessageRow.seq)
            )
            if digest_id is not None:
                stmt = stmt.where(DigestRow.id == digest_id)
            return [_message(m, d) for m, d in session.execute(stmt)]

        return self._run("listing pending messages", work, write=False)

    def digest_messages(self, digest_id: int) -> list[OutboxMessage]:
        """Every message of one digest, sent or not, by seq."""

        def work(session: Session) -> list[OutboxMessage]:
            stmt = (
                select(DigestMessageRow, DigestRow)
                .join(DigestRow, DigestRow.id == DigestMessageRow.digest_id)
                .where(DigestRow.id == digest_id)
                .order_by(DigestMessageRow.seq)
            )
            return [_message(m, d) for m, d in session.execute(stmt)]

        return self._run("listing a digest's messages", work, write=False)

    @staticmethod
    def _message_row(session: Session, message_id: int) -> DigestMessageRow:
        row = session.get(DigestMessageRow, message_id)
        if row is None:
            raise NotFoundError(f"no outbox message {message_id}")
        return row

    def mark_message_sent(self, message_id: int, *, remote_id: str | None, now: datetime) -> None:
        """Mark one message delivered; the digest becomes ``sent`` with its last message."""
        now = _aware(now, "now")

        def work(session: Session) -> None:
            row = self._message_row(session, message_id)
            if row.sent_at is not None:
                return
            row.sent_at = now
            row.remote_id = remote_id
            session.flush()
            unsent = session.scalar(
                select(
                    exists().where(
                        DigestMessageRow.digest_id == row.digest_id,
                        DigestMessageRow.sent_at.is_(None),
                    )
                )
            )
            digest = session.get(DigestRow, row.digest_id)
            if not unsent and digest is not None and digest.status == "pending":
                digest.status = "sent"

        self._run(f"marking message {message_id} sent", work)

    def mark_message_attempt(self, message_id: int) -> None:
        """Count a failed delivery attempt."""

        def work(session: Session) -> None:
            self._message_row(session, message_id).attempts += 1

        self._run(f"counting a delivery attempt of message {message_id}", work)

    def fail_digest(self, digest_id: int, error: str) -> None:
        """Give up on a digest's unsent messages; its stories stay claimed, so they are not
        posted twice should part of the digest have gone out."""

        def work(session: Session) -> None:
            row = session.get(DigestRow, digest_id)
            if row is None:
                raise NotFoundError(f"no digest {digest_id}")
            row.status = "failed"
            row.error = error

        self._run(f"failing digest {digest_id}", work)

    def latest_digest(self, target_kind: TargetKind, target_id: int) -> DigestRecord | None:
        """The newest digest sent (all messages delivered) to this target, with messages."""
        kind = _target_kind(target_kind)

        def work(session: Session) -> DigestRecord | None:
            row = session.scalars(
                select(DigestRow)
                .where(
                    DigestRow.target_kind == kind,
                    DigestRow.target_id == target_id,
                    DigestRow.status == "sent",
                )
                .order_by(DigestRow.created_at.desc(), DigestRow.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            messages = session.scalars(
                select(DigestMessageRow).where(DigestMessageRow.digest_id == row.id)
            ).all()
            return _digest(row, messages)

        return self._run(f"reading the latest digest of {kind} {target_id}", work, write=False)

    # --- subscriptions --------------------------------------------------------------------

    def subscribe(self, community_id: int, user_id: int, topic: str) -> bool:
        """Returns False when already subscribed."""

        def work(session: Session) -> bool:
            if session.get(SubscriptionRow, (community_id, user_id, topic)) is not None:
                return False
            session.add(SubscriptionRow(community_id=community_id, user_id=user_id, topic=topic))
            return True

        return self._run(f"subscribing user {user_id} to {topic!r}", work)

    def unsubscribe(self, community_id: int, user_id: int, topic: str) -> bool:
        """Returns False when not subscribed."""

        def work(session: Session) -> bool:
            row = session.get(SubscriptionRow, (community_id, user_id, topic))
            if row is None:
                return False
            session.delete(row)
            return True

        return self._run(f"unsubscribing user {user_id} from {topic!r}", work)

    def subscriptions(self, community_id: int, user_id: int) -> list[str]:
        """A user's topics in a community, sorted."""

        def work(session: Session) -> list[str]:
            stmt = (
                select(SubscriptionRow.topic)
                .where(
                    SubscriptionRow.community_id == community_id, SubscriptionRow.user_id == user_id
                )
                .order_by(SubscriptionRow.topic)
            )
            return list(session.scalars(stmt))

        return self._run(f"listing the subscriptions of user {user_id}", work, write=False)

    def subscribers(self, community_id: int, topic: str) -> list[int]:
        """Users of a community subscribed to a topic, by id."""

        def work(session: Session) -> list[int]:
            stmt = (
                select(SubscriptionRow.user_id)
                .where(SubscriptionRow.community_id == community_id, SubscriptionRow.topic == topic)
                .order_by(SubscriptionRow.user_id)
            )
            return list(session.scalars(stmt))

        return self._run(f"listing the subscribers of {topic!r}", work, write=False)
