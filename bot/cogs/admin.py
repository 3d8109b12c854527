"""/schedule and /feed: admins change when digests are posted and which feeds a guild reads."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import reply, require_manage_guild
from bot.render import neutralise_mentions, plain_line
from digests.discover import find_feed
from digests.errors import FeedError, InputError, NotFoundError
from digests.records import FeedSource, FeedState
from digests.schedules import build_schedule, describe

if TYPE_CHECKING:
    from bot.app import NewsBot

Postable = discord.TextChannel | discord.ForumChannel
MAX_URL_CHARS = 2048
MAX_TOPICS = 10


def _stamp(when: object) -> str:
    if isinstance(when, datetime):
        return f"<t:{int(when.timestamp())}:R>"
    return "never"


def validate_feed_url(url: str) -> str:
    """Only http(s) URLs of sane length may be added from Discord (local paths only from
    the config file)."""
    url = url.strip()
    if not url or len(url) > MAX_URL_CHARS:
        raise InputError(f"A feed URL must be 1 to {MAX_URL_CHARS} characters.")
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    bad_char = any(c.isspace() or not c.isprintable() for c in url)
    if not url.lower().startswith(("http://", "https://")) or bad_char or not host:
        shown = neutralise_mentions(url[:100])
        raise InputError(f"Invalid feed URL {shown!r}: expected an http(s) URL with a host.")
    return url


def parse_topics(text: str | None) -> tuple[str, ...]:
    """Comma-separated topic names, trimmed, each 1-50 characters."""
    if not text:
        return ()
    topics = tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))
    if len(topics) > MAX_TOPICS or any(len(t) > 50 for t in topics):
        raise InputError(f"Give at most {MAX_TOPICS} topics of at most 50 characters each.")
    return topics


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
    )
    async def set_(
        self,
        interaction: discord.Interaction,
        timezone: str,
        cron: str | None = None,
        time: str | None = None,
        channel: Postable | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        channel_id = channel.id if channel is not None else interaction.channel_id
        assert channel_id is not None
        schedule = build_schedule(
            community_id=interaction.guild_id,
            channel_id=channel_id,
            timezone=timezone,
            cron=cron,
            times=time,
        )
        schedule = await asyncio.to_thread(
            lambda: self.bot.store.set_schedule(schedule, now=self.bot.clock.now())
        )
        self.bot.newsroom.apply_schedule(schedule)
        nxt = self.bot.newsroom.next_run(channel_id)
        await reply(
            interaction,
            f"Digests for <#{channel_id}>: {describe(schedule)}. Next run {_stamp(nxt)}.",
        )

    @app_commands.command(name="show", description="Show this server's digest schedules")
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        schedules = await asyncio.to_thread(self.bot.store.list_schedules, interaction.guild_id)
        if not schedules:
            await reply(interaction, "No digest schedule yet: use /schedule set.")
            return
        lines = []
        for s in schedules:
            state = (
                "paused"
                if s.paused
                else f"next run {_stamp(self.bot.newsroom.next_run(s.channel_id))}"
            )
            line = f"<#{s.channel_id}>: {describe(s)}, {state}"
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
        schedule = await asyncio.to_thread(
            self.bot.store.set_schedule_paused, interaction.guild_id, channel_id, paused
        )
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
        await asyncio.to_thread(self.bot.store.remove_schedule, interaction.guild_id, channel_id)
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
        try:
            # A site's address is followed to the feed the site links to.
            found = await find_feed(self.bot.pipeline.fetcher, url)
        except FeedError as exc:
            raise InputError(f"Could not read that feed: {neutralise_mentions(str(exc))}") from None
        parsed = found.feed
        source = FeedSource(url=found.url, name=parsed.title, topics=topic_names)
        await asyncio.to_thread(self.bot.store.add_community_feed, interaction.guild_id, source)
        # Fetch its articles in the background; the next digest includes them.
        self._start(self.bot.newsroom.poll_feeds())
        title = plain_line((parsed.title or found.url)[:200])
        via = f", the feed the page links to: <{found.url[:300]}>" if found.page else ""
        await reply(interaction, f"Added **{title}** ({len(parsed.entries)} entries{via}).")

    @app_commands.command(name="remove", description="Remove a feed this server added")
    @app_commands.describe(url="The feed's URL")
    async def remove(self, interaction: discord.Interaction, url: str) -> None:
        assert interaction.guild_id is not None
        try:
            await asyncio.to_thread(
                self.bot.store.remove_community_feed, interaction.guild_id, url.strip()
            )
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
        urls = await asyncio.to_thread(self.bot.store.community_feed_urls, interaction.guild_id)
        return [
            app_commands.Choice(name=u[:100], value=u)
            for u in urls
            if current.lower() in u.lower() and len(u) <= 100
        ][:25]

    @app_commands.command(name="list", description="This server's feeds and their health")
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        urls = await asyncio.to_thread(self.bot.newsroom.guild_feed_urls, interaction.guild_id)
        states: list[FeedState] = []
        for url in urls:
            state = await asyncio.to_thread(self.bot.store.get_feed, url)
            if state is not None:
                states.append(state)
        if not states:
            await reply(interaction, "No feeds yet: use /feed add.")
            return
        lines = [feed_health_line(s) for s in states]
        text = "\n".join(lines)
        await reply(interaction, text if len(text) <= 2000 else text[:1990] + "\n…")


def feed_health_line(state: FeedState) -> str:
    name = plain_line((state.name or state.title or state.url)[:80])
    parts = [f"**{name}** <{state.url[:200]}>", f"last success {_stamp(state.last_success_at)}"]
    if state.disabled_reason:
        parts.append(f"DISABLED: {neutralise_mentions(state.disabled_reason)[:150]}")
    elif state.last_error:
        parts.append(f"last error: {neutralise_mentions(state.last_error)[:150]}")
    parts.append(f"failures {state.failure_count}")
    parts.append(f"next fetch {_stamp(state.next_fetch_at)}")
    return " · ".join(parts)


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
