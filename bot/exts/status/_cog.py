"""/status: what the bot is doing, for this server's admins."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import reply, require_manage_guild
from bot.exts.status._report import StatusReport, render_status

if TYPE_CHECKING:
    from bot.app import NewsBot

Postable = discord.TextChannel | discord.ForumChannel

# Unscheduled channels looked at for a last digest (scheduled ones always are).
MAX_CHANNELS = 50


class StatusCog(commands.Cog):
    """The /status command."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def gather(self, guild_id: int) -> StatusReport:
        """The status of this guild's feeds and channels and of this process."""
        bot = self.bot
        guild = bot.get_guild(guild_id)
        postable = [
            c.id
            for c in (guild.channels if guild is not None else [])
            if isinstance(c, discord.TextChannel | discord.ForumChannel)
        ]
        figures = await bot.desk.status(guild_id, postable[:MAX_CHANNELS])
        shard_ids = tuple(sorted(bot.shards)) or tuple(bot.shard_ids or ())
        return StatusReport(
            feeds=figures.feeds,
            last_digests=figures.last_digests,
            unsent_messages=figures.unsent_messages,
            tokens_today=figures.tokens_today,
            leader=bot.newsroom.is_leader,
            shard_ids=shard_ids,
            shard_count=bot.shard_count or 1,
            skipped=figures.skipped,
            notice_channel=await bot.desk.notice_channel(guild_id),
        )

    @app_commands.command(name="status", description="Feeds, digests, outbox and bot health")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(require_manage_guild)
    @app_commands.describe(
        channel="Send failing-feed notices to this channel from now on (admins' channel)"
    )
    async def status(
        self, interaction: discord.Interaction, channel: Postable | None = None
    ) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        if channel is not None:
            await self.bot.desk.set_notice_channel(interaction.guild_id, channel.id)
        report = await self.gather(interaction.guild_id)
        await reply(interaction, render_status(report))
