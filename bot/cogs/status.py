"""/status: what the bot is doing, for this server's admins."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import reply, require_manage_guild
from bot.render import neutralise_mentions
from digests.records import FeedState
from digests.refresh_report import skip_summary

if TYPE_CHECKING:
    from bot.app import NewsBot

MAX_NAMED_FAILING = 10
# Unscheduled channels looked at for a last digest (scheduled ones always are).
MAX_CHANNELS = 50


@dataclass(frozen=True, slots=True)
class StatusReport:
    """Everything /status shows, gathered from the store and this process."""

    feeds: tuple[FeedState, ...]
    last_digests: tuple[tuple[int, datetime | None], ...]
    unsent_messages: int
    tokens_today: int
    leader: bool
    shard_ids: tuple[int, ...]
    shard_count: int
    # What the last refresh (all servers) and this server's last digest skipped, and why.
    skipped: tuple[str, ...] = ()


def _failing(state: FeedState) -> bool:
    return state.disabled_reason is not None or state.last_error is not None


def _stamp(when: datetime | None) -> str:
    return f"<t:{int(when.timestamp())}:R>" if when is not None else "never"


def render_status(report: StatusReport) -> str:
    """The /status reply: feed health, last digests, outbox, tokens, leadership, shards."""
    failing = [s for s in report.feeds if _failing(s)]
    lines = [f"**Feeds**: {len(report.feeds) - len(failing)} ok, {len(failing)} failing"]
    for state in failing[:MAX_NAMED_FAILING]:
        name = neutralise_mentions(state.name or state.title or state.url)[:80]
        why = neutralise_mentions(state.disabled_reason or state.last_error or "")[:120]
        word = "disabled" if state.disabled_reason else f"{state.failure_count} failures"
        lines.append(f"- {name} ({word}): {why}")
    if len(failing) > MAX_NAMED_FAILING:
        lines.append(f"- … and {len(failing) - MAX_NAMED_FAILING} more")
    if report.last_digests:
        lines.append("**Last digest**")
        lines += [f"- <#{cid}>: {_stamp(when)}" for cid, when in report.last_digests]
    else:
        lines.append("**Last digest**: none yet")
    if report.skipped:
        lines.append("**Skipped**")
        lines += [f"- {neutralise_mentions(line)[:300]}" for line in report.skipped]
    lines.append(f"**Unsent messages** (all servers): {report.unsent_messages}")
    lines.append(f"**LLM tokens today**: {report.tokens_today}")
    role = "yes" if report.leader else "no (another process runs it)"
    lines.append(f"**Scheduler leader**: {role}")
    shards = ", ".join(str(i) for i in report.shard_ids) or "none"
    lines.append(f"**Shards**: {shards} of {report.shard_count}")
    text = "\n".join(lines)
    return text if len(text) <= 2000 else text[:1990] + "\n…"


class StatusCog(commands.Cog):
    """The /status command."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def gather(self, guild_id: int) -> StatusReport:
        """The status of this guild's feeds and channels and of this process."""
        bot = self.bot
        store = bot.store
        urls = await asyncio.to_thread(bot.newsroom.guild_feed_urls, guild_id)
        states = [await asyncio.to_thread(store.get_feed, url) for url in urls]
        scheduled = {s.channel_id for s in await asyncio.to_thread(store.list_schedules, guild_id)}
        guild = bot.get_guild(guild_id)
        postable = [
            c.id
            for c in (guild.channels if guild is not None else [])
            if isinstance(c, discord.TextChannel | discord.ForumChannel)
        ]
        last: list[tuple[int, datetime | None]] = []
        for channel_id in sorted(scheduled | set(postable[:MAX_CHANNELS])):
            record = await asyncio.to_thread(store.latest_digest, "channel", channel_id)
            # Channels that never had a digest and have no schedule are noise.
            if record is not None or channel_id in scheduled:
                last.append((channel_id, record.created_at if record else None))
        pending = await asyncio.to_thread(store.pending_messages)
        tokens = await asyncio.to_thread(store.tokens_used, bot.clock.now().date())
        shard_ids = tuple(sorted(bot.shards)) or tuple(bot.shard_ids or ())
        return StatusReport(
            feeds=tuple(s for s in states if s is not None),
            last_digests=tuple(last),
            unsent_messages=len(pending),
            tokens_today=tokens,
            leader=bot.newsroom.is_leader,
            shard_ids=shard_ids,
            shard_count=bot.shard_count or 1,
            skipped=tuple(
                skip_summary(
                    bot.newsroom.last_refresh, bot.newsroom.headline_only.get(guild_id, {})
                )
            ),
        )

    @app_commands.command(name="status", description="Feeds, digests, outbox and bot health")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(require_manage_guild)
    async def status(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.gather(interaction.guild_id)
        await reply(interaction, render_status(report))
