"""The Discord bot: loads one cog per user-facing area and starts the newsroom."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord.ext import commands

from bot.checks import on_app_command_error
from bot.health import HealthServer
from bot.newsroom import Newsroom
from digests import metrics
from digests.answer import Answerer
from digests.clock import Clock, SystemClock
from digests.config import Settings
from digests.pipeline import Pipeline
from digests.wiring import build_answerer

log = logging.getLogger(__name__)


class NewsBot(commands.AutoShardedBot):
    """newsdigest's Discord client."""

    def __init__(
        self,
        settings: Settings,
        *,
        pipeline: Pipeline,
        clock: Clock | None = None,
        answerer: Answerer | None = None,
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
        self.pipeline = pipeline
        self.store = pipeline.store
        self.clock = clock or SystemClock()
        self.answerer = answerer or build_answerer(settings)
        self.newsroom = Newsroom(
            self, settings=settings, store=self.store, pipeline=pipeline, clock=self.clock
        )
        self.tree.error(on_app_command_error)
        self.health: HealthServer | None = None

    async def setup_hook(self) -> None:
        from bot.cogs.admin import AdminCog
        from bot.cogs.digests import DigestsCog
        from bot.cogs.questions import QuestionsCog
        from bot.cogs.status import StatusCog
        from bot.cogs.topics import TopicsCog

        for cog in (
            DigestsCog(self),
            TopicsCog(self),
            QuestionsCog(self),
            AdminCog(self),
            StatusCog(self),
        ):
            await self.add_cog(cog)
        await self.sync_commands()
        await self.newsroom.start()
        if self.settings.health.port is not None:
            self.health = HealthServer(
                self,
                host=self.settings.health.host,
                port=self.settings.health.port,
                refresh=self._refresh_gauges,
            )
            await self.health.start()

    async def _refresh_gauges(self) -> None:
        """Gauges read at scrape time: what the outbox still holds."""
        pending = await asyncio.to_thread(self.store.pending_messages)
        metrics.OUTBOX_PENDING.set(len(pending))

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
        await self.newsroom.stop()
        await self.answerer.aclose()
        await super().close()
