"""Digest schedules: validating what admins type and computing when digests are due.

A schedule is a cron expression or a list of daily "HH:MM" times, in an IANA timezone.
APScheduler's triggers do the calendar arithmetic (DST included).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from digests.errors import ScheduleError
from digests.store import Schedule

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_TIMES = 12


def parse_timezone(name: str) -> ZoneInfo:
    """The IANA timezone called ``name``, or ScheduleError."""
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 64 or ".." in cleaned or cleaned.startswith("/"):
        raise ScheduleError(f"invalid timezone {name!r}: expected an IANA name like Europe/Berlin")
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"invalid timezone {name!r}: expected an IANA name like Europe/Berlin"
        ) from None


def parse_times(text: str) -> tuple[str, ...]:
    """Daily times "HH:MM[, HH:MM ...]" normalised to zero-padded, sorted, unique."""
    parts = [p.strip() for p in re.split(r"[,\s]+", text.strip()) if p.strip()]
    if not parts:
        raise ScheduleError(f"invalid time {text!r}: expected HH:MM, e.g. 08:30")
    if len(parts) > MAX_TIMES:
        raise ScheduleError(f"too many times in {text!r}: at most {MAX_TIMES} a day")
    times = set()
    for part in parts:
        match = _TIME.match(part)
        if not match:
            raise ScheduleError(f"invalid time {part!r}: expected HH:MM, e.g. 08:30")
        times.add(f"{int(match.group(1)):02d}:{match.group(2)}")
    return tuple(sorted(times))


def parse_cron(expr: str, timezone: ZoneInfo) -> CronTrigger:
    """A trigger for a five-field crontab expression, or ScheduleError."""
    cleaned = " ".join(expr.split())
    if len(cleaned.split(" ")) != 5 or len(cleaned) > 100:
        raise ScheduleError(
            f"invalid cron {expr!r}: expected five fields (minute hour day month weekday)"
        )
    try:
        return CronTrigger.from_crontab(cleaned, timezone=timezone)
    except (ValueError, KeyError, TypeError) as exc:
        raise ScheduleError(f"invalid cron {expr!r}: {exc}") from None


def build_schedule(
    *,
    community_id: int,
    channel_id: int,
    timezone: str,
    cron: str | None = None,
    times: str | None = None,
) -> Schedule:
    """Validate admin input into a Schedule (exactly one of cron and times)."""
    if bool(cron) == bool(times):
        raise ScheduleError("give either a cron expression or a time (HH:MM), not both")
    zone = parse_timezone(timezone)
    if cron:
        parse_cron(cron, zone)
        return Schedule(
            community_id=community_id,
            channel_id=channel_id,
            timezone=timezone.strip(),
            cron=" ".join(cron.split()),
        )
    return Schedule(
        community_id=community_id,
        channel_id=channel_id,
        timezone=timezone.strip(),
        times=parse_times(times or ""),
    )


def trigger_for(schedule: Schedule) -> BaseTrigger:
    """The APScheduler trigger that fires when ``schedule`` wants a digest."""
    zone = parse_timezone(schedule.timezone)
    if schedule.cron:
        return parse_cron(schedule.cron, zone)
    triggers: Sequence[BaseTrigger] = [
        CronTrigger(hour=int(t[:2]), minute=int(t[3:]), timezone=zone) for t in schedule.times
    ]
    if len(triggers) == 1:
        return triggers[0]
    return OrTrigger(list(triggers))


def next_run(schedule: Schedule, now: datetime) -> datetime | None:
    """The next time after ``now`` this schedule fires (aware; in the schedule's zone)."""
    result: datetime | None = trigger_for(schedule).get_next_fire_time(None, now)
    return result


def missed_run(schedule: Schedule, now: datetime) -> datetime | None:
    """The latest fire time between the last run and ``now``, if one was missed.

    Used at start-up: however many runs passed while the bot was down, they coalesce into
    one digest. A schedule that never ran counts from when it was last changed.
    """
    since = schedule.last_run_at or schedule.updated_at
    if since is None or schedule.paused:
        return None
    trigger = trigger_for(schedule)
    fire: datetime | None = trigger.get_next_fire_time(None, since + timedelta(seconds=1))
    latest = None
    # Walk forward to the newest missed fire time; bounded so a years-old row costs little.
    for _ in range(10_000):
        if fire is None or fire > now:
            break
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest
