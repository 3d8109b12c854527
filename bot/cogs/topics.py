"""/topics, /subscribe and /unsubscribe."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import reply
from bot.render import neutralise_mentions, plain_line
from digests.errors import InputError
from digests.scope import scope_story

if TYPE_CHECKING:
    from bot.app import NewsBot

RECENT = timedelta(days=7)


class TopicsCog(commands.Cog):
    """Topics and per-topic DM subscriptions."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def _topic_counts(self, guild_id: int) -> Counter[str]:
        feed_topics = await asyncio.to_thread(self.bot.newsroom.guild_feed_topics, guild_id)
        since = self.bot.clock.now() - RECENT
        stories = await asyncio.to_thread(
            self.bot.store.stories_since, since, feed_urls=list(feed_topics)
        )
        counts: Counter[str] = Counter({t.name: 0 for t in self.bot.settings.topics})
        for story in stories:
            mine = scope_story(story, feed_topics, self.bot.settings.topics)
            if mine is not None:
                counts.update(mine.topics)
        return counts

    async def _known_topic(self, guild_id: int, topic: str) -> str:
        names = {t.lower(): t for t in await self._topic_counts(guild_id)}
        found = names.get(topic.strip().lower())
        if found is None:
            raise InputError(f"Unknown topic {topic[:50]!r}; /topics lists them.")
        return found

    async def _autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        counts = await self._topic_counts(interaction.guild_id)
        return [
            app_commands.Choice(name=t[:100], value=t[:100])
            for t in sorted(counts)
            if current.lower() in t.lower()
        ][:25]

    @app_commands.command(name="topics", description="Topics with their story counts this week")
    @app_commands.guild_only()
    async def topics(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        counts = await self._topic_counts(interaction.guild_id)
        if not counts:
            await reply(interaction, "No topics yet.")
            return
        lines = [f"**{plain_line(t)}**: {n} stories" for t, n in counts.most_common()]
        await reply(interaction, "Topics (last 7 days):\n" + "\n".join(lines))

    @app_commands.command(name="subscribe", description="Get a DM with new stories of a topic")
    @app_commands.describe(topic="The topic to follow")
    @app_commands.guild_only()
    async def subscribe(self, interaction: discord.Interaction, topic: str) -> None:
        assert interaction.guild_id is not None
        name = await self._known_topic(interaction.guild_id, topic)
        added = await asyncio.to_thread(
            self.bot.store.subscribe, interaction.guild_id, interaction.user.id, name
        )
        text = f"Subscribed to {name}." if added else f"You already follow {name}."
        await reply(interaction, neutralise_mentions(text))

    @app_commands.command(name="unsubscribe", description="Stop the DMs for a topic")
    @app_commands.describe(topic="The topic to stop following")
    @app_commands.guild_only()
    async def unsubscribe(self, interaction: discord.Interaction, topic: str) -> None:
        assert interaction.guild_id is not None
        removed = await asyncio.to_thread(
            self.bot.store.unsubscribe, interaction.guild_id, interaction.user.id, topic.strip()
        )
        if not removed:
            # Topic names are matched case-insensitively, like /subscribe.
            name = await self._known_topic(interaction.guild_id, topic)
            removed = await asyncio.to_thread(
                self.bot.store.unsubscribe, interaction.guild_id, interaction.user.id, name
            )
        text = "Unsubscribed." if removed else "You were not subscribed to that topic."
        await reply(interaction, text)

    @subscribe.autocomplete("topic")
    async def _subscribe_topic(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._autocomplete(interaction, current)

    @unsubscribe.autocomplete("topic")
    async def _unsubscribe_topic(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        mine = await asyncio.to_thread(
            self.bot.store.subscriptions, interaction.guild_id, interaction.user.id
        )
        return [
            app_commands.Choice(name=t[:100], value=t[:100])
            for t in mine
            if current.lower() in t.lower()
        ][:25]
