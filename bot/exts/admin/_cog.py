"""/schedule and /feed: admins change when digests are posted and which feeds a guild reads."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import reply, require_manage_guild
from bot.exts.admin._input import parse_topics, validate_feed_url
from bot.exts.admin._render import describe_schedule, feed_health_line
from bot.markup import relative_or_never
from bot.render import neutralise_mentions, plain_line
from digests import InputError, NotFoundError

if TYPE_CHECKING:
    from bot.app import NewsBot

Postable = discord.TextChannel | discord.ForumChannel


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ScheduleGroup(app_commands.Group, name="schedule", description="When digests are posted"):
    """Digest schedules of this guild's channels."""

    def __init__(self, bot: NewsBot) -> None:
        super().__init__()
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return require_manage_guild(interaction)

    @app_commands.command(name="set", description="Post digests on a schedule")
    @app_commands.describe(
        cron="Cron expression, e.g. '0 8 * * mon-fri' (or use time)",
        time="Daily time(s) HH:MM, e.g. 08:00 or 08:00,18:00",
        timezone="IANA timezone, e.g. Europe/Berlin",
        channel="Channel for the digests (default: this channel)",
        updates="Post what new reports add to stories already posted (default: on)",
        language="Language of the briefings, an IETF tag like de or pt-BR (default: the server's)",
    )
    async def set_(
        self,
        interaction: discord.Interaction,
        timezone: str,
        cron: str | None = None,
        time: str | None = None,
        channel: Postable | None = None,
        updates: bool | None = None,
        language: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        channel_id = channel.id if channel is not None else interaction.channel_id
        assert channel_id is not None
        if language is not None:
            # Checked before anything is stored: a bad tag changes nothing.
            self.bot.desk.checked_language(language)
        schedule = await self.bot.desk.set_schedule(
            interaction.guild_id, channel_id, timezone=timezone, cron=cron, times=time
        )
        self.bot.newsroom.apply_schedule(schedule)
        nxt = self.bot.newsroom.next_run(channel_id)
        said = ""
        if updates is not None:
            await self.bot.desk.set_story_updates(interaction.guild_id, channel_id, updates)
            said = f" Story updates {'on' if updates else 'off'}."
        if language is not None:
            await self.bot.desk.set_channel_language(interaction.guild_id, channel_id, language)
        written = await self.bot.desk.channel_language(interaction.guild_id, channel_id)
        await reply(
            interaction,
            f"Digests for <#{channel_id}>: {describe_schedule(schedule)}, in `{written}`. "
            f"Next run {relative_or_never(nxt)}.{said}",
        )

    @app_commands.command(name="show", description="Show this server's digest schedules")
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        schedules = await self.bot.desk.schedules(interaction.guild_id)
        if not schedules:
            await reply(interaction, "No digest schedule yet: use /schedule set.")
            return
        lines = []
        for s in schedules:
            state = (
                "paused"
                if s.paused
                else f"next run {relative_or_never(self.bot.newsroom.next_run(s.channel_id))}"
            )
            written = await self.bot.desk.channel_language(interaction.guild_id, s.channel_id)
            line = f"<#{s.channel_id}>: {describe_schedule(s)}, in `{written}`, {state}"
            if not await self.bot.desk.story_updates_enabled(interaction.guild_id, s.channel_id):
                line += ", story updates off"
            problem = self.bot.newsroom.problems.get(s.channel_id)
            if problem:
                line += f"\n  last delivery failed: {neutralise_mentions(problem)[:200]}"
            lines.append(line)
        await reply(interaction, "\n".join(lines))

    async def _toggle(
        self, interaction: discord.Interaction, channel: Postable | None, paused: bool
    ) -> None:
        assert interaction.guild_id is not None
        channel_id = channel.id if channel is not None else interaction.channel_id
        assert channel_id is not None
        schedule = await self.bot.desk.pause_schedule(interaction.guild_id, channel_id, paused)
        self.bot.newsroom.apply_schedule(schedule)
        word = "paused" if paused else "resumed"
        await reply(interaction, f"Digests for <#{channel_id}> {word}.")

    @app_commands.command(name="pause", description="Pause a channel's digests")
    @app_commands.describe(channel="The channel (default: this channel)")
    async def pause(
        self, interaction: discord.Interaction, channel: Postable | None = None
    ) -> None:
        await self._toggle(interaction, channel, True)

    @app_commands.command(name="resume", description="Resume a channel's digests")
    @app_commands.describe(channel="The channel (default: this channel)")
    async def resume(
        self, interaction: discord.Interaction, channel: Postable | None = None
    ) -> None:
        await self._toggle(interaction, channel, False)

    @app_commands.command(name="remove", description="Stop a channel's digests")
    @app_commands.describe(channel="The channel (default: this channel)")
    async def remove(
        self, interaction: discord.Interaction, channel: Postable | None = None
    ) -> None:
        assert interaction.guild_id is not None
        channel_id = channel.id if channel is not None else interaction.channel_id
        assert channel_id is not None
        await self.bot.desk.remove_schedule(interaction.guild_id, channel_id)
        self.bot.newsroom.drop_schedule(channel_id)
        await reply(interaction, f"Removed the digest schedule of <#{channel_id}>.")


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class FeedGroup(app_commands.Group, name="feed", description="The feeds this server reads"):
    """Feeds of this guild (added here) plus the defaults from the config file."""

    def __init__(
        self, bot: NewsBot, *, start: Callable[[Coroutine[Any, Any, None]], object]
    ) -> None:
        super().__init__()
        self.bot = bot
        # Starts background work the cog keeps hold of and cancels when it is unloaded.
        self._start = start

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return require_manage_guild(interaction)

    @app_commands.command(name="add", description="Add a feed (checked by fetching it once)")
    @app_commands.describe(
        url="The feed's http(s) URL", topics="Topics for its stories, comma-separated"
    )
    async def add(
        self, interaction: discord.Interaction, url: str, topics: str | None = None
    ) -> None:
        assert interaction.guild_id is not None
        url = validate_feed_url(url)
        topic_names = parse_topics(topics)
        await interaction.response.defer(ephemeral=True, thinking=True)
        # Checked by fetching it once; a site's address is followed to the feed it links to.
        added = await self.bot.desk.add_community_feed(interaction.guild_id, url, topic_names)
        # Fetch its articles in the background; the next digest includes them.
        self._start(self.bot.newsroom.poll_feeds())
        title = plain_line((added.title or added.url)[:200])
        via = f", the feed the page links to: <{added.url[:300]}>" if added.page else ""
        await reply(interaction, f"Added **{title}** ({added.entries} entries{via}).")

    @app_commands.command(name="remove", description="Remove a feed this server added")
    @app_commands.describe(url="The feed's URL")
    async def remove(self, interaction: discord.Interaction, url: str) -> None:
        assert interaction.guild_id is not None
        try:
            await self.bot.desk.remove_community_feed(interaction.guild_id, url)
        except NotFoundError:
            raise InputError(
                "This server has no such feed (feeds from the config file stay)."
            ) from None
        await reply(interaction, "Feed removed.")

    @remove.autocomplete("url")
    async def _remove_url(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        urls = await self.bot.desk.community_feed_urls(interaction.guild_id)
        return [
            app_commands.Choice(name=u[:100], value=u)
            for u in urls
            if current.lower() in u.lower() and len(u) <= 100
        ][:25]

    @app_commands.command(name="list", description="This server's feeds and their health")
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        states = await self.bot.desk.feeds(interaction.guild_id)
        if not states:
            await reply(interaction, "No feeds yet: use /feed add.")
            return
        lines = [feed_health_line(s) for s in states]
        text = "\n".join(lines)
        await reply(interaction, text if len(text) <= 2000 else text[:1990] + "\n…")


class AdminCog(commands.Cog):
    """Holds the admin command groups."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        # A task the loop alone refers to can be garbage-collected mid-run; these are kept
        # until done, and cancelled and awaited when the cog goes away.
        self.tasks: set[asyncio.Task[None]] = set()
        self.schedule = ScheduleGroup(bot)
        self.feed = FeedGroup(bot, start=self.start)

    def start(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``work`` in the background for as long as the cog is loaded."""
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.schedule)
        self.bot.tree.add_command(self.feed)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.schedule.name)
        self.bot.tree.remove_command(self.feed.name)
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
