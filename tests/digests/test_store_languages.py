"""The language part of the storage contract, on every backend: each article's language,
each cached briefing's, and the language chosen for a channel."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from digests.records import Briefing
from digests.store.sql import SqlStore
from tests.digests.store_fixtures import store_fixture  # noqa: F401  (the "store" fixture)
from tests.digests.test_store import article_of, draft, upsert

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
GUILD = 1
OTHER = 2
CHANNEL = 10


def test_an_article_keeps_its_language(store: SqlStore) -> None:
    stored = upsert(store, replace(draft("a"), language="de-AT"), now=T0).article_id
    article = article_of(store, stored)
    assert article is not None and article.language == "de-AT"


def test_an_article_of_no_known_language_is_undetermined(store: SqlStore) -> None:
    stored = upsert(store, draft("a"), now=T0).article_id
    article = article_of(store, stored)
    assert article is not None and article.language == "und"


def test_an_updated_article_takes_its_new_language(store: SqlStore) -> None:
    stored = upsert(store, replace(draft("a"), language="en"), now=T0).article_id
    upsert(store, replace(draft("a", content_hash="changed"), language="fr"), now=T0)
    article = article_of(store, stored)
    assert article is not None and article.language == "fr"


def test_stories_read_without_text_carry_their_articles_language(store: SqlStore) -> None:
    stored = upsert(store, replace(draft("a"), language="pt-BR"), now=T0).article_id
    store.create_story("s", [stored], topics=[], now=T0)
    [light] = store.stories_since(T0, with_text=False)
    assert light.articles[0].language == "pt-BR"


def test_a_cached_briefing_keeps_its_language(store: SqlStore) -> None:
    briefing = Briefing("Neue Brücke", "Der Rat stimmte zu.", (), None, "openai", language="de")
    store.put_briefing("key", briefing, now=T0)
    assert store.get_briefing("key") == briefing


def test_a_channel_has_no_language_until_one_is_set(store: SqlStore) -> None:
    assert store.channel_languages(GUILD) == {}


def test_a_channel_language_is_stored_replaced_and_cleared(store: SqlStore) -> None:
    store.set_channel_language(GUILD, CHANNEL, "de", now=T0)
    store.set_channel_language(GUILD, CHANNEL + 1, "fr", now=T0)
    store.set_channel_language(GUILD, CHANNEL, "pt-BR", now=T0)
    assert store.channel_languages(GUILD) == {CHANNEL: "pt-BR", CHANNEL + 1: "fr"}
    store.set_channel_language(GUILD, CHANNEL, None, now=T0)
    assert store.channel_languages(GUILD) == {CHANNEL + 1: "fr"}


def test_a_channel_language_is_not_seen_from_another_community(store: SqlStore) -> None:
    store.set_channel_language(GUILD, CHANNEL, "de", now=T0)
    assert store.channel_languages(OTHER) == {}
    # Clearing from another community touches nothing.
    store.set_channel_language(OTHER, CHANNEL, None, now=T0)
    assert store.channel_languages(GUILD) == {CHANNEL: "de"}


def test_setting_a_channel_language_refuses_a_naive_time(store: SqlStore) -> None:
    with pytest.raises(ValueError):
        store.set_channel_language(GUILD, CHANNEL, "de", now=datetime(2024, 5, 1))
    assert store.channel_languages(GUILD) == {}


def test_articles_stored_before_languages_were_are_undetermined(store: SqlStore) -> None:
    # A row written without the column, as every row before migration 0007 was.
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO articles (feed_url, entry_id, title, fetched_at, text, content_hash)"
                " VALUES ('f', 'e', 't', :now, 'x', 'h')"
            ),
            {"now": T0.replace(tzinfo=None) if store.dialect == "sqlite" else T0},
        )
        stored = conn.execute(text("SELECT id FROM articles")).scalar_one()
    article = article_of(store, stored)
    assert article is not None and article.language == "und"


def _alembic(store: SqlStore, revision: str, *, down: bool = False) -> None:
    from alembic import command
    from alembic.config import Config

    from digests.store.sql import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_migration_0007_keeps_earlier_rows_and_goes_back(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        _alembic(store, "0005")
        with store.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO articles (feed_url, entry_id, title, fetched_at, text,"
                    " content_hash) VALUES ('f', 'e', 't', '2024-05-01 12:00:00', 'x', 'h')"
                )
            )
        _alembic(store, "head")
        (article,) = store.get_articles([1])
        assert article.language == "und"
        store.set_channel_language(GUILD, CHANNEL, "de", now=T0)
        _alembic(store, "0005", down=True)
        with store.engine.connect() as conn:
            columns = [row[1] for row in conn.execute(text("PRAGMA table_info(articles)"))]
        assert "language" not in columns
    finally:
        store.close()
