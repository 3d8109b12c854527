"""Briefings in a channel's language, end to end: the real bot against the Discord-compatible
test server, with the OpenAI-compatible test server as its model or offline."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from digests.summarize.prompt import BEGIN_MARKER
from tests.bot.harness import (
    ADMIN,
    GUILD,
    OTHER_GUILD,
    OTHER_TEXT,
    READER,
    SECOND_TEXT,
    TEXT,
    command,
    reply_text,
    running_bot,
    settings_for,
)
from tests.servers.discord_server import ChannelSpec, DiscordServer, discord_server
from tests.servers.openai_server import OpenAIServer, requested_language
from tests.servers.openai_server import openai_server as openai_server  # fixture

__all__ = ["discord_server"]

# What the test model opens a German briefing with; the rest is the article's own title,
# whose names and figures the fact check finds in the source.
GERMAN_OPENING = "Meldung:"
ENGLISH_OPENING = "Report:"


def _german_guild(srv: DiscordServer, locale: str = "de") -> DiscordServer:
    srv.add_guild(
        GUILD,
        "Nachrichten",
        channels=[ChannelSpec.text(TEXT, "digests"), ChannelSpec.text(SECOND_TEXT, "abend")],
        member_ids=[READER, ADMIN],
        preferred_locale=locale,
    )
    srv.add_guild(OTHER_GUILD, "Elsewhere", channels=[ChannelSpec.text(OTHER_TEXT, "news")])
    return srv


def _translating_model(body: dict[str, Any]) -> dict[str, Any]:
    """A model's briefing in the language the prompt asks for: the title, introduced in that
    language (a real model translates all of it; names and figures are what must survive)."""
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    article = json.loads(user.split(BEGIN_MARKER + "\n", 1)[1].split("\n", 1)[0])
    title = article["title"].rstrip(".")
    if requested_language(body) == "de":
        return {
            "headline": f"{GERMAN_OPENING} {title}",
            "summary": (
                "Wie die Zeitung am Morgen berichtet, geht es in dieser Meldung um ein Thema, "
                "das viele Leser in der Stadt sehr interessiert und über das seit Wochen "
                f"gesprochen wird: {title}."
            ),
            "key_facts": [f"Die Schlagzeile lautet: {title}."],
            "why_it_matters": None,
        }
    return {
        "headline": f"{ENGLISH_OPENING} {title}",
        "summary": f"The report says: {title}.",
        "key_facts": [],
        "why_it_matters": None,
    }


def _model_settings(tmp_path: Any, srv: OpenAIServer) -> Any:
    return settings_for(
        tmp_path,
        summarizer={
            "backend": "openai",
            "model": "test-model",
            "base_url": srv.base_url,
            "max_retries": 0,
            "timeout_seconds": 5,
        },
    )


MODEL_ENV = {"OPENAI_API_KEY": "sk-test-not-secret"}


def _story_titles(srv: DiscordServer, channel: int) -> list[str]:
    return [e["title"] for m in srv.messages(channel) for e in m.embeds if e.get("title")]


async def test_a_guild_preferring_german_gets_german_briefings_by_default(
    discord_server: DiscordServer, openai_server: OpenAIServer, tmp_path: Any
) -> None:
    world = _german_guild(discord_server)
    openai_server.answer_with(_translating_model)
    async with running_bot(world, _model_settings(tmp_path, openai_server), env=MODEL_ENV):
        await command(world, "digest", {}, "now", admin=True, replies=2)
        shown = reply_text(await command(world, "schedule", {}, "show", admin=True))
    titles = _story_titles(world, TEXT)
    # Every summarize request asked for German, and every story came back in German,
    # checked against its English source (no fallback, so no language marker).
    assert openai_server.languages and set(openai_server.languages) == {"de"}
    assert titles and all(t.startswith(GERMAN_OPENING) for t in titles), titles
    assert "No digest schedule" in shown


async def test_a_channel_set_to_english_overrides_the_guilds_german(
    discord_server: DiscordServer, openai_server: OpenAIServer, tmp_path: Any
) -> None:
    world = _german_guild(discord_server)
    openai_server.answer_with(_translating_model)
    async with running_bot(world, _model_settings(tmp_path, openai_server), env=MODEL_ENV):
        options = {"time": "08:00", "timezone": "UTC", "language": "en-gb"}
        replies = await command(world, "schedule", options, "set", admin=True)
        assert "in `en-GB`" in reply_text(replies)
        shown = reply_text(await command(world, "schedule", {}, "show", admin=True))
        assert f"<#{TEXT}>" in shown and "in `en-GB`" in shown
        await command(world, "digest", {}, "now", admin=True, replies=2)
    titles = _story_titles(world, TEXT)
    assert set(openai_server.languages) == {"en-GB"}
    assert titles and all(t.startswith(ENGLISH_OPENING) for t in titles), titles


async def test_offline_briefings_stay_in_their_language_and_are_marked(
    discord_server: DiscordServer, tmp_path: Any
) -> None:
    world = _german_guild(discord_server)
    async with running_bot(world, settings_for(tmp_path)):
        await command(world, "digest", {}, "now", admin=True, replies=2)
    titles = _story_titles(world, TEXT)
    # The sample feeds are English and the extractive summarizer does not translate: each
    # story is there, in English, and says so.
    assert titles and all(t.startswith("[en] ") for t in titles), titles


@pytest.mark.parametrize("tag", ["klingon", "xx-zz", "en US"])
async def test_a_bad_language_tag_gets_a_clear_error_and_stores_nothing(
    discord_server: DiscordServer, tmp_path: Any, tag: str
) -> None:
    world = _german_guild(discord_server)
    async with running_bot(world, settings_for(tmp_path)):
        options = {"time": "08:00", "timezone": "UTC", "language": tag}
        replies = await command(world, "schedule", options, "set", admin=True)
        assert "is no language tag" in reply_text(replies)
        assert replies[-1].ephemeral
        shown = reply_text(await command(world, "schedule", {}, "show", admin=True))
    assert "No digest schedule" in shown


async def test_story_shows_the_briefing_in_the_channels_language(
    discord_server: DiscordServer, openai_server: OpenAIServer, tmp_path: Any
) -> None:
    world = _german_guild(discord_server)
    openai_server.answer_with(_translating_model)
    async with running_bot(world, _model_settings(tmp_path, openai_server), env=MODEL_ENV) as bot:
        stories = await asyncio.to_thread(bot.store.search_stories, "tram", feed_urls=None, limit=1)
        replies = await command(world, "story", {"id": stories[0].id}, replies=2)
    embed = replies[-1].message.embeds[0]
    assert embed["title"].startswith(GERMAN_OPENING)
    assert embed["footer"]["text"].endswith("· openai · de")
    assert openai_server.languages == ["de"]


async def test_a_guild_changing_its_language_changes_its_channels_default(
    discord_server: DiscordServer, tmp_path: Any
) -> None:
    world = _german_guild(discord_server)
    async with running_bot(world, settings_for(tmp_path)) as bot:
        assert await bot.desk.channel_language(GUILD, TEXT) == "de"
        updated = asyncio.ensure_future(bot.wait_for("guild_update", timeout=10))
        world.set_preferred_locale(GUILD, "pt-BR")
        _, after = await updated
        assert str(after.preferred_locale) == "pt-BR"
        # The bot's own handler runs as a task of the same dispatch: let it have its turn.
        for _ in range(10):
            await asyncio.sleep(0)
        assert await bot.desk.channel_language(GUILD, TEXT) == "pt-BR"
