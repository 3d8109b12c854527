"""Tests for when a feed is fetched again and when a failing feed is given up on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digests.refetch import (
    GIVE_UP_AFTER,
    failures_to_disable,
    next_fetch_after_failure,
    next_fetch_after_success,
)

NOW = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "failures, retry_after, expected",
    [
        (1, None, 60),
        (2, None, 120),
        (3, None, 240),
        (5, None, 960),
        (7, None, 3600),  # 3840 capped
        (1000, None, 3600),  # no overflow on long streaks
        (0, None, 60),
        (1, 300, 300),  # Retry-After later than the backoff wins
        (3, 10, 240),  # an earlier Retry-After does not shorten the backoff
        (7, 7200, 7200),  # Retry-After wins even over the cap
    ],
)
def test_next_fetch_after_failure(failures: int, retry_after: float | None, expected: int) -> None:
    when = next_fetch_after_failure(
        NOW, failures=failures, base=60, cap=3600, retry_after=retry_after
    )

    assert when == NOW + timedelta(seconds=expected)


@pytest.mark.parametrize(
    "max_age, expected_minutes",
    [(None, 15), (60, 15), (3600, 60), (0, 15)],
)
def test_next_fetch_after_success(max_age: float | None, expected_minutes: int) -> None:
    when = next_fetch_after_success(NOW, interval=timedelta(minutes=15), max_age=max_age)

    assert when == NOW + timedelta(minutes=expected_minutes)


def test_scheduling_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        next_fetch_after_success(datetime(2025, 1, 1), interval=timedelta(minutes=1), max_age=None)


@pytest.mark.parametrize(
    "failure_count, worked_ago, expected",
    [
        (0, None, 5),  # never worked: max_failures
        (9, None, 5),
        (2, timedelta(days=1), 5),  # worked yesterday, still under max_failures
        (9, timedelta(days=1), 11),  # worked yesterday: this failure does not disable it
        (9, GIVE_UP_AFTER - timedelta(seconds=1), 11),
        (9, GIVE_UP_AFTER, 5),  # failing for a week: given up on
        (9, timedelta(days=30), 5),
    ],
)
def test_failures_to_disable(
    failure_count: int, worked_ago: timedelta | None, expected: int
) -> None:
    last_success_at = None if worked_ago is None else NOW - worked_ago

    disable_after = failures_to_disable(
        NOW, failure_count=failure_count, last_success_at=last_success_at, max_failures=5
    )

    assert disable_after == expected
