"""/digest latest (readers) and /digest now (admins)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import reply, require_manage_guild
from bot.delivery import message_kwargs

if TYPE_CHECKING:
    from bot.app import NewsBot

Postable = discord.TextChannel | discord.ForumChannel


@app_commands.guild_only()
class DigestsCog(commands.GroupCog, group_name="digest", group_description="News digests"):
    """Reading the last digest and posting one at once."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        # Scheduled digests, the outbox flush and leadership run as long as this area is loaded.
        await self.bot.newsroom.start()

    async def cog_unload(self) -> None:
        await self.bot.newsroom.stop()

    @app_commands.command(name="latest", description="Show the last digest posted in this channel")
    async def latest(self, interaction: discord.Interaction) -> None:
        record = await self.bot.desk.latest_digest("channel", interaction.channel_id or 0)
        if record is None:
            await reply(interaction, "No digest has been posted in this channel yet.")
            return
        await interaction.response.defer(ephemeral=True)
        for message in record.messages:
            await interaction.followup.send(
                ephemeral=True, **message_kwargs(message.payload, pings=False)
            )

    @app_commands.command(name="now", description="Fetch feeds and post a digest now (admins)")
    @app_commands.describe(channel="Where to post (default: this channel)")
    @app_commands.check(require_manage_guild)
    async def now(self, interaction: discord.Interaction, channel: Postable | None = None) -> None:
        assert interaction.guild is not None
        target_id = channel.id if channel is not None else interaction.channel_id
        if target_id is None:
            await reply(interaction, "Pick a channel to post to.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.newsroom.poll_feeds()
        record = await self.bot.newsroom.post_digest(interaction.guild.id, target_id)
        if record is None:
            await reply(interaction, f"No new stories for <#{target_id}>.")
        else:
            count = len(record.story_ids)
            await reply(interaction, f"Posted a digest of {count} stories to <#{target_id}>.")
