"""When to fetch a feed again: after a success, after a failure (backoff), and when to give up.

Pure functions of the feed's state and the time; the pipeline does the fetching and storing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# How long a feed that worked before may fail before it is disabled.
GIVE_UP_AFTER = timedelta(days=7)


def next_fetch_after_success(
    now: datetime, *, interval: timedelta, max_age: float | None
) -> datetime:
    """When to fetch a feed again after a success: after ``interval``, or after the server's
    max-age when that is longer."""
    _require_aware(now)
    delay = interval
    if max_age is not None and max_age > delay.total_seconds():
        delay = timedelta(seconds=max_age)
    return now + delay


def next_fetch_after_failure(
    now: datetime, *, failures: int, base: float, cap: float, retry_after: float | None
) -> datetime:
    """When to retry a failing feed: exponential backoff capped at ``cap``, but never
    earlier than the server's Retry-After."""
    _require_aware(now)
    # The exponent is bounded so that a long failure streak cannot overflow a float.
    exponent = min(max(failures, 1) - 1, 64)
    delay = min(base * 2.0**exponent, cap)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return now + timedelta(seconds=delay)


def failures_to_disable(
    now: datetime, *, failure_count: int, last_success_at: datetime | None, max_failures: int
) -> int:
    """The failure streak at which a feed that has just failed again (``failure_count``
    failures before this one) is disabled: ``max_failures``, or later for a feed that worked
    less than ``GIVE_UP_AFTER`` ago."""
    # Backoff reaches max_failures within hours; a feed that worked before is only given
    # up on once it has also been failing for a week, so a host down for a day comes back.
    disable_after = max_failures
    if last_success_at is not None and now - last_success_at < GIVE_UP_AFTER:
        disable_after = max(disable_after, failure_count + 2)
    return disable_after


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("expected a timezone-aware datetime")
