"""The Discord bot: one extension per user-facing area; the digests area runs the newsroom."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord.ext import commands

from bot import metrics
from bot.checks import on_app_command_error
from bot.health import HealthServer
from bot.newsroom import Newsroom
from bot.settings import BotSettings
from digests import Leader, Newsdesk

log = logging.getLogger(__name__)

# One extension per area: a package under bot/exts whose __init__ only has setup().
EXTENSIONS = (
    "bot.exts.digests",
    "bot.exts.topics",
    "bot.exts.questions",
    "bot.exts.admin",
    "bot.exts.filters",
    "bot.exts.status",
    "bot.exts.formats",
    "bot.exts.webhooks",
)


class NewsBot(commands.AutoShardedBot):
    """newsdigest's Discord client, over the core's ``Newsdesk``."""

    def __init__(
        self,
        settings: BotSettings,
        *,
        desk: Newsdesk,
        leader: Leader | None = None,
        **options: Any,
    ) -> None:
        shard_options: dict[str, Any] = {}
        if settings.discord.shard_count:
            shard_options["shard_count"] = settings.discord.shard_count
            if settings.discord.shard_ids:
                shard_options["shard_ids"] = list(settings.discord.shard_ids)
        else:
            shard_options["shard_count"] = 1
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **shard_options,
            **options,
        )
        self.settings = settings
        self.desk = desk
        leader = leader or desk.scheduler_leader(poll_seconds=settings.discord.leader_poll_seconds)
        self.newsroom = Newsroom(self, desk=desk, leader=leader)
        self.tree.error(on_app_command_error)
        self.health: HealthServer | None = None

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands()
        if self.settings.health.port is not None:
            self.health = HealthServer(
                self,
                host=self.settings.health.host,
                port=self.settings.health.port,
                refresh=self._refresh_gauges,
            )
            await self.health.start()

    # A channel with no language of its own gets its guild's preferred locale: the core is
    # told it whenever the gateway sends the guild.
    async def on_guild_available(self, guild: discord.Guild) -> None:
        self.desk.set_default_language(guild.id, str(guild.preferred_locale))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.desk.set_default_language(guild.id, str(guild.preferred_locale))

    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        self.desk.set_default_language(after.id, str(after.preferred_locale))

    async def _refresh_gauges(self) -> None:
        """Gauges read at scrape time: what the outbox still holds."""
        metrics.OUTBOX_PENDING.set(len(await self.desk.pending_messages()))

    async def sync_commands(self) -> None:
        """Guild sync is instant, so configured guilds get it; otherwise sync globally."""
        if self.settings.discord.guild_ids:
            for guild_id in self.settings.discord.guild_ids:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def close(self) -> None:
        if self.health is not None:
            await self.health.stop()
            self.health = None
        # Unloads the extensions too: each cog's background work (the digests cog's newsroom
        # among it) is cancelled and awaited there.
        await super().close()
