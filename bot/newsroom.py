"""Runs the bot's background work: feed polling, digest schedules and outbox delivery.

Digests are composed by the core (through its ``Newsdesk``), rendered into payloads, queued
in the outbox and then delivered; the cogs call into this class for what runs in the
background.

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

from bot import metrics
from bot.delivery import OutboxSender
from bot.formats import channel_messages
from bot.notices import notice_messages
from bot.publishing import with_delivery_hints
from bot.render import digest_messages, with_role_mentions
from bot.updates import tag_stories, update_messages, with_developing
from digests import (
    Digest,
    DigestRecord,
    Leader,
    Newsdesk,
    NotFoundError,
    OutboxMessage,
    Schedule,
    StorageError,
)

log = logging.getLogger(__name__)

POLL_SECONDS = 60
FLUSH_SECONDS = 30


def _job_id(channel_id: int) -> str:
    return f"digest:{channel_id}"


def _definition(schedule: Schedule) -> tuple[object, ...]:
    # What decides when a schedule fires; last_run_at and updated_at change without that.
    return (
        schedule.community_id,
        schedule.timezone,
        schedule.cron,
        schedule.times,
        schedule.paused,
    )


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

    def __init__(self, client: discord.Client, *, desk: Newsdesk, leader: Leader) -> None:
        self.client = client
        self.desk = desk
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.sender = OutboxSender(
            client, desk, on_problem=self._report_problem, notify=self._notify_admins
        )
        self._channel_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        # One failing-feed check at a time, so two polls cannot queue the same notice.
        self._notice_lock = asyncio.Lock()
        # One story-update check at a time, so two polls cannot queue the same update.
        self._updates_lock = asyncio.Lock()
        self.problems: dict[int, str] = {}
        self.leader = leader
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
        running = [*self._tasks, *([self._watch] if self._watch is not None else [])]
        self._watch = None
        for task in running:
            task.cancel()
        # Awaited, so nothing of this newsroom still runs once stop() returns.
        await asyncio.gather(*running, return_exceptions=True)
        await self.sender.close()
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
        now = self.desk.now()
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
        schedules = await self.desk.schedules()
        self._schedules = {}
        for schedule in schedules:
            self.apply_schedule(schedule)
        # The unsent rest of digests interrupted by a crash goes out first, once.
        await self.sender.flush()
        missed = [s for s in schedules if self.desk.missed_run(s) is not None]
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
            await self.run_schedule(schedule.community_id, schedule.channel_id)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def reload_schedules(self) -> None:
        """Follow schedule changes other processes made in the store."""
        stored = await self.desk.schedules()
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
            self.desk.schedule_trigger(schedule),
            args=(schedule.community_id, schedule.channel_id),
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
        return self.desk.next_run(schedule)

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
        try:
            report = await self.desk.refresh(only_due=True)
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
        if self._leading:
            await self.check_feed_notices()
            await self.post_story_updates()

    async def check_feed_notices(self) -> None:
        """Queue the failing-feed notices the feeds now earn, and deliver them; only the
        leader checks, so processes sharing a database do not each give a notice."""
        try:
            async with self._notice_lock:
                queued = await self.desk.check_feed_notices(notice_messages)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the failing-feed check failed")
            return
        if queued:
            log.info("queued %s failing-feed notices", queued)
            await self.sender.flush()

    async def post_story_updates(self) -> None:
        """Queue the updates stories already posted earn with their new reports, and
        deliver them; only the leader checks, like the failing-feed notices."""
        try:
            async with self._updates_lock:
                queued = await self.desk.plan_story_updates(update_messages)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the story-update check failed")
            return
        if queued:
            log.info("queued %s story updates", queued)
            await self.sender.flush()

    # --- posting -------------------------------------------------------------------------
    async def post_digest(self, guild_id: int, channel_id: int) -> DigestRecord | None:
        """Compose a digest of what this channel has not had yet, queue it, deliver it."""
        async with self._channel_locks[channel_id]:
            digest = await self.desk.compose(guild_id, channel_id)
            now = self.desk.now()
            await self._mark_run(guild_id, channel_id, now)
            developing = await self.desk.developing_updates("channel", channel_id)
            if digest.is_empty and not developing:
                log.info(
                    "no new stories for channel %s (its filters left out %s)",
                    channel_id,
                    digest.filtered,
                )
                return None
            fmt = await self.desk.channel_format(guild_id, channel_id)
            payloads = channel_messages(fmt, digest, title="News digest") if digest.items else []
            payloads = with_developing(tag_stories(payloads, digest), developing)
            # The first message mentions the roles of the digest's topics; DMs mention none.
            roles = await self.desk.digest_roles(guild_id, digest)
            payloads = with_delivery_hints(with_role_mentions(payloads, roles), digest)
            record = await self.desk.enqueue(
                guild_id,
                "channel",
                channel_id,
                story_ids=[i.story.id for i in digest.items],
                payloads=payloads,
                now=now,
                updates=[u.id for u in developing if u.id is not None],
            )
            metrics.DIGESTS_POSTED.inc()
            await self._queue_subscriber_dms(guild_id, digest)
        await self.sender.flush()
        return record

    async def _mark_run(self, guild_id: int, channel_id: int, now: datetime) -> None:
        """Remember the run on the channel's schedule; a failure is logged and shown in
        /schedule show, but the digest still goes out, since its stories are claimed anyway."""
        try:
            await self.desk.mark_schedule_run(guild_id, channel_id, now)
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
        for personal in await self.desk.personal_digests(guild_id, digest):
            payloads = digest_messages(personal.digest, title="Your topics")
            developing = await self.desk.developing_updates("user", personal.user_id)
            try:
                await self.desk.enqueue(
                    guild_id,
                    "user",
                    personal.user_id,
                    story_ids=[i.story.id for i in personal.digest.items],
                    payloads=with_developing(payloads, developing),
                    updates=[u.id for u in developing if u.id is not None],
                )
            except StorageError:
                log.exception("could not queue the DM digest for user %s", personal.user_id)

    async def _report_problem(self, message: OutboxMessage, reason: str) -> None:
        """A channel the bot cannot post to is skipped; admins see why in /schedule show."""
        if message.target_kind == "channel":
            self.problems[message.target_id] = reason

    async def _notify_admins(self, guild_id: int, channel_id: int, text: str) -> None:
        """A delivery problem admins should act on: shown in /schedule show, and posted to
        the server's notice channel (/status channel:) when it has one."""
        self.problems[channel_id] = text
        notice_channel = await self.desk.notice_channel(guild_id)
        if notice_channel is None:
            return
        payload: dict[str, object] = {"content": text, "allowed_mentions": {"parse": []}}
        await self.desk.enqueue(
            guild_id, "channel", notice_channel, story_ids=(), payloads=[payload]
        )
        # The running flush holds the sender's lock; this one delivers the notice after it.
        self._spawn(self._flush_later())

    async def _flush_later(self) -> None:
        await self.sender.flush()
