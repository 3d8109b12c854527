"""/topics, /subscribe and /unsubscribe."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import reply
from bot.render import neutralise_mentions, plain_line

if TYPE_CHECKING:
    from bot.app import NewsBot


class TopicsCog(commands.Cog):
    """Topics and per-topic DM subscriptions."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def _autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        counts = await self.bot.desk.topics(interaction.guild_id)
        return [
            app_commands.Choice(name=t[:100], value=t[:100])
            for t in sorted(counts)
            if current.lower() in t.lower()
        ][:25]

    @app_commands.command(name="topics", description="Topics with their story counts this week")
    @app_commands.guild_only()
    async def topics(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        counts = await self.bot.desk.topics(interaction.guild_id)
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
        name, added = await self.bot.desk.subscribe(
            interaction.guild_id, interaction.user.id, topic
        )
        text = f"Subscribed to {name}." if added else f"You already follow {name}."
        await reply(interaction, neutralise_mentions(text))

    @app_commands.command(name="unsubscribe", description="Stop the DMs for a topic")
    @app_commands.describe(topic="The topic to stop following")
    @app_commands.guild_only()
    async def unsubscribe(self, interaction: discord.Interaction, topic: str) -> None:
        assert interaction.guild_id is not None
        # Topic names are matched case-insensitively, like /subscribe.
        removed = await self.bot.desk.unsubscribe(interaction.guild_id, interaction.user.id, topic)
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
        mine = await self.bot.desk.subscriptions(interaction.guild_id, interaction.user.id)
        return [
            app_commands.Choice(name=t[:100], value=t[:100])
            for t in mine
            if current.lower() in t.lower()
        ][:25]
