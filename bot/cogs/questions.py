"""/story, /ask and /search: readers working with the stored stories of their guild."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import reply
from bot.render import link_target, neutralise_mentions, plain_line, story_detail_embed
from digests.answer import MAX_QUESTION_CHARS
from digests.compose_step import summary_input
from digests.errors import InputError
from digests.records import Story
from digests.scope import scope_story

if TYPE_CHECKING:
    from bot.app import NewsBot

ASK_WINDOW = timedelta(days=7)
MAX_QUERY_CHARS = 100


class QuestionsCog(commands.Cog):
    """Story details, search and follow-up questions, scoped to the guild's feeds."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def _visible(self, guild_id: int, story_id: str) -> Story:
        """The story if this guild may see it (only its articles from the guild's feeds)."""
        feed_topics = await asyncio.to_thread(self.bot.newsroom.guild_feed_topics, guild_id)
        story = await asyncio.to_thread(self.bot.store.get_story, story_id.strip())
        if story is not None:
            mine = scope_story(story, feed_topics, self.bot.settings.topics)
            if mine is not None:
                return mine
        raise InputError(f"No story with id {story_id[:40]!r} here.")

    async def _recent(self, guild_id: int, window: timedelta) -> list[Story]:
        """The guild's view of the stories of the last ``window``."""
        feed_topics = await asyncio.to_thread(self.bot.newsroom.guild_feed_topics, guild_id)
        since = self.bot.clock.now() - window
        stories = await asyncio.to_thread(
            self.bot.store.stories_since, since, feed_urls=list(feed_topics)
        )
        topics = self.bot.settings.topics
        return [s for s in (scope_story(x, feed_topics, topics) for x in stories) if s is not None]

    async def _story_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        stories = await self._recent(interaction.guild_id, ASK_WINDOW)
        needle = current.lower().strip()
        choices = []
        for story in stories:
            label = f"{story.primary.title} ({story.id})"
            if needle in label.lower():
                choices.append(app_commands.Choice(name=label[:100], value=story.id))
            if len(choices) == 25:
                break
        return choices

    @app_commands.command(name="story", description="The full briefing of one story")
    @app_commands.describe(id="The story (start typing its headline)")
    @app_commands.guild_only()
    async def story(self, interaction: discord.Interaction, id: str) -> None:  # noqa: A002
        assert interaction.guild_id is not None
        story = await self._visible(interaction.guild_id, id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        briefing = await self.bot.pipeline.briefings.brief(summary_input(story))
        embed = discord.Embed.from_dict(story_detail_embed(story, briefing))
        await interaction.followup.send(
            embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    @story.autocomplete("id")
    async def _story_id(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._story_choices(interaction, current)

    @app_commands.command(name="ask", description="Ask a question about the news")
    @app_commands.describe(question="Your question", story="Limit the answer to one story")
    @app_commands.guild_only()
    @app_commands.checks.cooldown(5, 60, key=lambda i: (i.guild_id, i.user.id))
    async def ask(
        self, interaction: discord.Interaction, question: str, story: str | None = None
    ) -> None:
        assert interaction.guild_id is not None
        question = question.strip()
        if not question or len(question) > MAX_QUESTION_CHARS:
            raise InputError(f"Ask a question of 1 to {MAX_QUESTION_CHARS} characters.")
        # Discord allows 3 seconds before the first answer; retrieval and a model take longer.
        await interaction.response.defer(thinking=True)
        if story:
            stories = [await self._visible(interaction.guild_id, story)]
        else:
            stories = await self._recent(interaction.guild_id, ASK_WINDOW)
        answer = await self.bot.answerer.answer(question, stories)
        lines = [neutralise_mentions(answer.text)]
        if answer.sources:
            links = ", ".join(
                f"[{plain_line(s.name)}](<{target}>)"
                if (target := link_target(s.url))
                else plain_line(s.name)
                for s in answer.sources
            )
            lines.append(f"Sources: {links}")
        text = "\n".join(lines)
        if len(text) > 2000:
            text = text[:1997] + "…"
        await interaction.followup.send(text, allowed_mentions=discord.AllowedMentions.none())

    @ask.autocomplete("story")
    async def _ask_story(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._story_choices(interaction, current)

    @app_commands.command(name="search", description="Find stories whose text matches")
    @app_commands.describe(query="Words to look for")
    @app_commands.guild_only()
    @app_commands.checks.cooldown(10, 60, key=lambda i: (i.guild_id, i.user.id))
    async def search(self, interaction: discord.Interaction, query: str) -> None:
        assert interaction.guild_id is not None
        query = query.strip()
        if not query or len(query) > MAX_QUERY_CHARS:
            raise InputError(f"Search for 1 to {MAX_QUERY_CHARS} characters.")
        feed_urls = await asyncio.to_thread(self.bot.newsroom.guild_feed_urls, interaction.guild_id)
        stories = await asyncio.to_thread(
            lambda: self.bot.store.search_stories(query, limit=10, feed_urls=feed_urls)
        )
        if not stories:
            await reply(interaction, f"No stories match {plain_line(query)!r}.")
            return
        lines = []
        for story in stories:
            primary = story.primary
            when = story.published or story.created_at
            stamp = f" <t:{int(when.timestamp())}:R>" if when else ""
            title = plain_line(primary.title[:150])
            target = link_target(primary.url)
            link = f"[{title}](<{target}>)" if target else title
            lines.append(f"`{story.id}` {link}{stamp}")
        await reply(interaction, "\n".join(lines))
