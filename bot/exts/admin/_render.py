"""How schedules and feed health read in the admins' replies (Discord Markdown)."""

from __future__ import annotations

from bot.markup import relative_or_never
from bot.render import neutralise_mentions, plain_line
from digests import FeedState, Schedule


def describe_schedule(schedule: Schedule) -> str:
    """How the schedule reads to an admin: the cron or times, and the timezone as given."""
    when = f"cron `{schedule.cron}`" if schedule.cron else "daily at " + ", ".join(schedule.times)
    return f"{when} ({schedule.timezone})"


def feed_health_line(state: FeedState) -> str:
    name = plain_line((state.name or state.title or state.url)[:80])
    parts = [
        f"**{name}** <{state.url[:200]}>",
        f"last success {relative_or_never(state.last_success_at)}",
    ]
    if state.disabled_reason:
        parts.append(f"DISABLED: {neutralise_mentions(state.disabled_reason)[:150]}")
    elif state.last_error:
        parts.append(f"last error: {neutralise_mentions(state.last_error)[:150]}")
    parts.append(f"failures {state.failure_count}")
    parts.append(f"next fetch {relative_or_never(state.next_fetch_at)}")
    return " · ".join(parts)
