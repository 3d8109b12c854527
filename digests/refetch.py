"""When to fetch a feed again: after a success, and after a failure (backoff).

Pure functions of the feed's state and the time; the pipeline does the fetching and storing.
"""

from __future__ import annotations

from datetime import datetime, timedelta


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


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("expected a timezone-aware datetime")
