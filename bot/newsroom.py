"""Runs the bot's background work: feed polling, digest schedules and outbox delivery.

Digests are composed by the core pipeline, rendered into payloads, queued in the outbox and
then delivered; the cogs only call into this class.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from datetime import UTC, datetime

import discord
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery import OutboxSender
from bot.render import digest_messages
from digests.clock import Clock
from digests.config import Settings
from digests.errors import StorageError
from digests.pipeline import Pipeline
from digests.records import Digest
from digests.schedules import describe, missed_run, trigger_for
from digests.store import DigestRecord, OutboxMessage, Schedule, Store

log = logging.getLogger(__name__)

POLL_SECONDS = 60
FLUSH_SECONDS = 30


def _job_id(channel_id: int) -> str:
    return f"digest:{channel_id}"


class Newsroom:
    """Schedules and posts digests for every guild the bot serves."""

    def __init__(
        self,
        client: discord.Client,
        *,
        settings: Settings,
        store: Store,
        pipeline: Pipeline,
        clock: Clock,
    ) -> None:
        self.client = client
        self.settings = settings
        self.store = store
        self.pipeline = pipeline
        self.clock = clock
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.sender = OutboxSender(client, store, clock, on_problem=self._report_problem)
        self._channel_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._refresh_lock = asyncio.Lock()
        self.problems: dict[int, str] = {}

    # --- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        """Start polling, load every stored schedule, catch up missed runs once, deliver the
        outbox's unsent rest."""
        now = self.clock.now()
        self.scheduler.add_job(
            self.poll_feeds,
            "interval",
            seconds=POLL_SECONDS,
            id="poll",
            next_run_time=now,
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.add_job(
            self.sender.flush,
            "interval",
            seconds=FLUSH_SECONDS,
            id="flush",
            coalesce=True,
            max_instances=1,
        )
        schedules = await asyncio.to_thread(self.store.list_schedules)
        for schedule in schedules:
            self.apply_schedule(schedule)
        self.scheduler.start()
        # The unsent rest of digests interrupted by a crash goes out first, once.
        await self.sender.flush()
        for schedule in schedules:
            if missed_run(schedule, now) is not None:
                log.info("catching up a missed digest for channel %s", schedule.channel_id)
                asyncio.get_running_loop().create_task(
                    self.run_schedule(schedule.guild_id, schedule.channel_id)
                )

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    # --- schedules -----------------------------------------------------------------------
    def apply_schedule(self, schedule: Schedule) -> Job:
        """Add or replace the channel's job; takes effect at once."""
        job = self.scheduler.add_job(
            self.run_schedule,
            trigger_for(schedule),
            args=(schedule.guild_id, schedule.channel_id),
            id=_job_id(schedule.channel_id),
            replace_existing=True,
            # Runs missed while the process was busy or asleep coalesce into one digest.
            coalesce=True,
            misfire_grace_time=None,
            max_instances=1,
        )
        if schedule.paused:
            job.pause()
        return job

    def drop_schedule(self, channel_id: int) -> None:
        job = self.scheduler.get_job(_job_id(channel_id))
        if job is not None:
            job.remove()

    def next_run(self, channel_id: int) -> datetime | None:
        job = self.scheduler.get_job(_job_id(channel_id))
        if job is None:
            return None
        when: datetime | None = getattr(job, "next_run_time", None)
        return when

    def describe(self, schedule: Schedule) -> str:
        return describe(schedule)

    async def run_schedule(self, guild_id: int, channel_id: int) -> None:
        """The job a schedule fires: compose and post one digest to its channel."""
        try:
            await self.post_digest(guild_id, channel_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduled digest for channel %s failed", channel_id)

    # --- feeds ---------------------------------------------------------------------------
    async def poll_feeds(self) -> None:
        """Fetch the feeds that are due; every feed URL is fetched once for all guilds."""
        async with self._refresh_lock:
            try:
                report = await self.pipeline.refresh(only_due=True)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("feed refresh failed")
                return
            if report.new_articles:
                log.info(
                    "refresh: %s new articles, %s new stories",
                    report.new_articles,
                    report.new_stories,
                )

    def guild_feed_urls(self, guild_id: int) -> list[str]:
        """The feeds one guild sees: the config's defaults plus those it added itself."""
        urls = [s.url for s in self.settings.feed_sources()]
        for url in self.store.guild_feed_urls(guild_id):
            if url not in urls:
                urls.append(url)
        return urls

    # --- posting -------------------------------------------------------------------------
    async def compose_for(self, guild_id: int, channel_id: int) -> Digest:
        feed_urls = await asyncio.to_thread(self.guild_feed_urls, guild_id)
        posted = await asyncio.to_thread(self.store.posted_story_ids, "channel", channel_id)
        return await self.pipeline.compose(feed_urls=feed_urls, exclude_story_ids=posted)

    async def post_digest(self, guild_id: int, channel_id: int) -> DigestRecord | None:
        """Compose a digest of what this channel has not had yet, queue it, deliver it."""
        async with self._channel_locks[channel_id]:
            digest = await self.compose_for(guild_id, channel_id)
            now = self.clock.now()
            # An unscheduled channel (/digest now) has no schedule row to mark.
            with contextlib.suppress(StorageError):
                await asyncio.to_thread(self.store.mark_schedule_run, guild_id, channel_id, now)
            if digest.is_empty:
                log.info("no new stories for channel %s", channel_id)
                return None
            payloads = digest_messages(digest, title="News digest")
            record = await asyncio.to_thread(
                lambda: self.store.enqueue_digest(
                    guild_id=guild_id,
                    target_kind="channel",
                    target_id=channel_id,
                    story_ids=[i.story.id for i in digest.items],
                    payloads=payloads,
                    now=now,
                )
            )
            await self._queue_subscriber_dms(guild_id, digest)
        await self.sender.flush()
        return record

    async def _queue_subscriber_dms(self, guild_id: int, digest: Digest) -> None:
        """One DM per subscriber with the digest's stories of the topics they follow."""
        by_user: dict[int, list[int]] = defaultdict(list)
        for index, item in enumerate(digest.items):
            for topic in item.story.topics:
                for user_id in await asyncio.to_thread(self.store.subscribers, guild_id, topic):
                    if index not in by_user[user_id]:
                        by_user[user_id].append(index)
        for user_id, indexes in by_user.items():
            already = await asyncio.to_thread(self.store.posted_story_ids, "user", user_id)
            items = tuple(digest.items[i] for i in sorted(indexes))
            items = tuple(i for i in items if i.story.id not in already)
            if not items:
                continue
            personal = Digest(generated_at=digest.generated_at, items=items)
            payloads = digest_messages(personal, title="Your topics")
            try:
                await asyncio.to_thread(
                    lambda u=user_id, p=payloads, s=[i.story.id for i in items]: (
                        self.store.enqueue_digest(
                            guild_id=guild_id,
                            target_kind="user",
                            target_id=u,
                            story_ids=s,
                            payloads=p,
                            now=self.clock.now(),
                        )
                    )
                )
            except StorageError:
                log.exception("could not queue the DM digest for user %s", user_id)

    async def _report_problem(self, message: OutboxMessage, reason: str) -> None:
        """A channel the bot cannot post to is skipped; admins see why in /schedule show."""
        if message.target_kind == "channel":
            self.problems[message.target_id] = reason
