"""Runs the bot's background work: feed polling, digest schedules and outbox delivery.

Digests are composed by the core pipeline, rendered into payloads, queued in the outbox and
then delivered; the cogs only call into this class.

With several processes on one PostgreSQL database only the scheduler leader (see
``digests.leader``) polls feeds, fires schedules and flushes the outbox. Every process keeps
answering commands: they write to the shared store, and the leader reloads the schedules from
the store at each leadership check, so a ``/schedule set`` answered by any process reaches
the leader's scheduler within ``[discord] leader_poll_seconds``. ``/digest now`` posts from
whichever process answers it: the outbox claims each story once per channel and every send
carries a nonce, so a concurrent flush by the leader cannot double a message.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Coroutine, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import discord
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery import OutboxSender
from bot.render import digest_messages
from digests import metrics
from digests.clock import Clock
from digests.config import Settings
from digests.errors import NotFoundError, StorageError
from digests.leader import Leader
from digests.pipeline import Pipeline
from digests.records import Digest, RefreshReport
from digests.schedules import describe, missed_run, trigger_for
from digests.schedules import next_run as schedule_next_run
from digests.store import DigestRecord, OutboxMessage, Schedule, Store

log = logging.getLogger(__name__)

POLL_SECONDS = 60
FLUSH_SECONDS = 30


def _job_id(channel_id: int) -> str:
    return f"digest:{channel_id}"


def _definition(schedule: Schedule) -> tuple[object, ...]:
    # What decides when a schedule fires; last_run_at and updated_at change without that.
    return (schedule.guild_id, schedule.timezone, schedule.cron, schedule.times, schedule.paused)


def schedule_changes(
    known: Mapping[int, Schedule], stored: Iterable[Schedule]
) -> tuple[list[Schedule], list[int]]:
    """What to change so the jobs built from ``known`` match ``stored``: the schedules to
    (re)apply because they are new or differ, and the channel ids whose schedule is gone."""
    stored_by_channel = {s.channel_id: s for s in stored}
    changed = [
        s
        for channel_id, s in stored_by_channel.items()
        if channel_id not in known or _definition(known[channel_id]) != _definition(s)
    ]
    gone = [channel_id for channel_id in known if channel_id not in stored_by_channel]
    return changed, gone


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
        leader: Leader | None = None,
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
        # What the last refresh and each guild's last digest skipped, for /status.
        self.last_refresh: RefreshReport | None = None
        self.headline_only: dict[int, dict[str, int]] = {}
        self.leader = leader or Leader(
            settings.storage.url, poll_seconds=settings.discord.leader_poll_seconds
        )
        # The stored schedules as last seen: the leader's jobs are built from them.
        self._schedules: dict[int, Schedule] = {}
        self._leading = False
        self._watch: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def is_leader(self) -> bool:
        """Whether this process runs the scheduler (polling, schedules, outbox flush)."""
        return self._leading

    # --- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        """Check leadership once (leading at once when free) and keep checking in the
        background; a process that leads or takes over runs ``_lead``."""
        self.scheduler.start()
        leading = await asyncio.to_thread(self.leader.try_acquire)
        await self._on_check(leading)
        self._watch = asyncio.get_running_loop().create_task(
            self.leader.acquire_forever(self._on_check)
        )

    async def stop(self) -> None:
        """Stop the background work and give scheduler leadership up."""
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        for task in list(self._tasks):
            task.cancel()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self._leading = False
        metrics.LEADER.set(0)
        await self.leader.aclose()

    async def _on_check(self, leading: bool) -> None:
        """After each leadership check: take over, step down, or follow schedule changes."""
        try:
            if leading and not self._leading:
                await self._lead()
            elif not leading and self._leading:
                self._step_down()
            else:
                await self.reload_schedules()
        except asyncio.CancelledError:
            raise
        except Exception:
            # The next check tries again; a transient database error must not end the watch.
            log.exception("leadership check failed")

    async def _lead(self) -> None:
        """Start polling and delivery, load every stored schedule, deliver the outbox's unsent
        rest, then catch up the runs missed while nobody led."""
        log.info("this process now runs the scheduler")
        self._leading = True
        metrics.LEADER.set(1)
        now = self.clock.now()
        self.scheduler.add_job(
            self.poll_feeds,
            "interval",
            seconds=POLL_SECONDS,
            id="poll",
            next_run_time=now,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.sender.flush,
            "interval",
            seconds=FLUSH_SECONDS,
            id="flush",
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
        schedules = await asyncio.to_thread(self.store.list_schedules)
        self._schedules = {}
        for schedule in schedules:
            self.apply_schedule(schedule)
        # The unsent rest of digests interrupted by a crash goes out first, once.
        await self.sender.flush()
        missed = [s for s in schedules if missed_run(s, now) is not None]
        if missed:
            self._spawn(self._catch_up(missed))

    def _step_down(self) -> None:
        """Leadership is lost: stop every job; work already running finishes (the outbox and
        its nonces keep it from doubling)."""
        log.warning("this process no longer runs the scheduler")
        self._leading = False
        metrics.LEADER.set(0)
        for job in self.scheduler.get_jobs():
            job.remove()

    async def _catch_up(self, schedules: list[Schedule]) -> None:
        # Fresh articles first, so a late digest is not also an out-of-date one.
        await self.poll_feeds()
        for schedule in schedules:
            log.info("catching up a missed digest for channel %s", schedule.channel_id)
            await self.run_schedule(schedule.guild_id, schedule.channel_id)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def reload_schedules(self) -> None:
        """Follow schedule changes other processes made in the store."""
        stored = await asyncio.to_thread(self.store.list_schedules)
        changed, gone = schedule_changes(self._schedules, stored)
        for schedule in changed:
            self.apply_schedule(schedule)
        for channel_id in gone:
            self.drop_schedule(channel_id)

    # --- schedules -----------------------------------------------------------------------
    def apply_schedule(self, schedule: Schedule) -> Job | None:
        """Add or replace the channel's job on the leader (at once); a follower only notes it
        and the leader picks it up from the store at its next check."""
        self._schedules[schedule.channel_id] = schedule
        if not self._leading:
            return None
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
        self._schedules.pop(channel_id, None)
        job = self.scheduler.get_job(_job_id(channel_id))
        if job is not None:
            job.remove()

    def next_run(self, channel_id: int) -> datetime | None:
        """When the channel's next digest is due (None when paused or unscheduled)."""
        job = self.scheduler.get_job(_job_id(channel_id))
        if job is not None:
            when: datetime | None = getattr(job, "next_run_time", None)
            return when
        schedule = self._schedules.get(channel_id)
        if self._leading or schedule is None or schedule.paused:
            return None
        return schedule_next_run(schedule, self.clock.now())

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
            _count_refresh(report)
            self.last_refresh = report
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

    def guild_feed_topics(self, guild_id: int) -> dict[str, tuple[str, ...]]:
        """The guild's feeds (config defaults and its own) with each feed's topics."""
        urls = set(self.guild_feed_urls(guild_id))
        found = {s.url: s.topics for s in self.store.list_feeds() if s.url in urls}
        return {url: found.get(url, ()) for url in urls}

    # --- posting -------------------------------------------------------------------------
    async def compose_for(self, guild_id: int, channel_id: int) -> Digest:
        feed_urls = await asyncio.to_thread(self.guild_feed_urls, guild_id)
        posted = await asyncio.to_thread(self.store.posted_story_ids, "channel", channel_id)
        return await self.pipeline.compose(feed_urls=feed_urls, exclude_story_ids=posted)

    async def post_digest(self, guild_id: int, channel_id: int) -> DigestRecord | None:
        """Compose a digest of what this channel has not had yet, queue it, deliver it."""
        async with self._channel_locks[channel_id]:
            digest = await self.compose_for(guild_id, channel_id)
            self.headline_only[guild_id] = digest.headline_only_counts()
            now = self.clock.now()
            await self._mark_run(guild_id, channel_id, now)
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
            metrics.DIGESTS_POSTED.inc()
            await self._queue_subscriber_dms(guild_id, digest)
        await self.sender.flush()
        return record

    async def _mark_run(self, guild_id: int, channel_id: int, now: datetime) -> None:
        """Remember the run on the channel's schedule; a failure is logged and shown in
        /schedule show, but the digest still goes out, since its stories are claimed anyway."""
        try:
            await asyncio.to_thread(self.store.mark_schedule_run, guild_id, channel_id, now)
        except NotFoundError:
            # An unscheduled channel (/digest now) has no schedule row to mark.
            pass
        except StorageError as exc:
            log.exception(
                "could not record the digest run of channel %s in guild %s", channel_id, guild_id
            )
            self.problems[channel_id] = f"could not record this run in the database: {exc}"

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
                    self.store.enqueue_digest,
                    guild_id=guild_id,
                    target_kind="user",
                    target_id=user_id,
                    story_ids=[i.story.id for i in items],
                    payloads=payloads,
                    now=self.clock.now(),
                )
            except StorageError:
                log.exception("could not queue the DM digest for user %s", user_id)

    async def _report_problem(self, message: OutboxMessage, reason: str) -> None:
        """A channel the bot cannot post to is skipped; admins see why in /schedule show."""
        if message.target_kind == "channel":
            self.problems[message.target_id] = reason


def _count_refresh(report: RefreshReport) -> None:
    failed = len(report.failed)
    metrics.FEEDS_FAILED.inc(failed)
    metrics.FEEDS_FETCHED.inc(len(report.feeds) - failed)
    metrics.ARTICLES_STORED.inc(report.new_articles)
