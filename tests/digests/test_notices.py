"""Which failing-feed notices a check gives: a pure function of feeds, states and the time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digests.notices import QUIET, plan_notices
from digests.records import FeedState, Validators
from digests.store import FeedNoticeState

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
THRESHOLD = timedelta(hours=24)
GUILD = 7
URL = "https://a.example/feed.xml"


def feed(*, error: str | None = None, disabled: str | None = None) -> FeedState:
    return FeedState(
        url=URL,
        name="A News",
        title=None,
        topics=(),
        validators=Validators(),
        last_fetched_at=NOW,
        last_success_at=None,
        last_error=error,
        last_warning=None,
        failure_count=1 if error else 0,
        next_fetch_at=None,
        disabled_reason=disabled,
    )


def state(
    since: datetime | None = None, notice: str | None = None, at: datetime | None = None
) -> FeedNoticeState:
    return FeedNoticeState(GUILD, URL, failing_since=since, notice=notice, noticed_at=at)  # type: ignore[arg-type]


OK = feed()
FAILING = feed(error="HTTP 404")
DISABLED = feed(error="HTTP 404", disabled="10 failures in a row: HTTP 404")

CASES = [
    # (name, feed, stored state or None, notice kind given or None, state kept or None)
    ("healthy and never noticed", OK, None, None, None),
    ("first seen failing: only remembered", FAILING, None, None, state(NOW)),
    ("failing, not yet long enough", FAILING, state(NOW - 23 * HOUR), None, state(NOW - 23 * HOUR)),
    (
        "failing past the threshold",
        FAILING,
        state(NOW - 25 * HOUR),
        "failing",
        state(NOW - 25 * HOUR, "failing", NOW),
    ),
    (
        "already noticed: not again",
        FAILING,
        state(NOW - 30 * HOUR, "failing", NOW - HOUR),
        None,
        state(NOW - 30 * HOUR, "failing", NOW - HOUR),
    ),
    (
        "noticed long ago and still failing: not again",
        FAILING,
        state(NOW - 9 * DAY, "failing", NOW - 8 * DAY),
        None,
        state(NOW - 9 * DAY, "failing", NOW - 8 * DAY),
    ),
    ("disabled: at once", DISABLED, None, "failing", state(NOW, "failing", NOW)),
    (
        "recovered after a notice: back, the same day",
        OK,
        state(NOW - 30 * HOUR, "failing", NOW - HOUR),
        "back",
        state(None, "back", NOW),
    ),
    (
        "recovered before any notice: nothing",
        OK,
        state(NOW - 2 * HOUR),
        None,
        None,
    ),
    (
        "back already given: not again",
        OK,
        state(None, "back", NOW - HOUR),
        None,
        state(None, "back", NOW - HOUR),
    ),
    (
        "failing again within a day of the back notice: waits",
        DISABLED,
        state(None, "back", NOW - HOUR),
        None,
        state(NOW, "back", NOW - HOUR),
    ),
    (
        "failing again a day after the back notice: noticed",
        DISABLED,
        state(NOW - HOUR, "back", NOW - QUIET),
        "failing",
        state(NOW - HOUR, "failing", NOW),
    ),
]


@pytest.mark.parametrize(
    ("feed_state", "stored", "kind", "kept"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_a_check_decides_from_feed_state_notice_state_and_now(feed_state, stored, kind, kept):
    states = {URL: stored} if stored is not None else {}
    plan = plan_notices(GUILD, [feed_state], states, NOW, threshold=THRESHOLD)
    assert [n.kind for n in plan.notices] == ([kind] if kind else [])
    assert plan.states == ((kept,) if kept else ())


def test_a_failing_notice_names_the_feed_the_reason_and_since_when():
    (notice,) = plan_notices(
        GUILD, [FAILING], {URL: state(NOW - 2 * DAY)}, NOW, threshold=THRESHOLD
    ).notices
    assert (notice.feed_url, notice.feed_name, notice.reason) == (URL, "A News", "HTTP 404")
    assert notice.failing_since == NOW - 2 * DAY and not notice.disabled


def test_a_disabled_notice_gives_the_reason_it_was_disabled():
    (notice,) = plan_notices(GUILD, [DISABLED], {}, NOW, threshold=THRESHOLD).notices
    assert notice.disabled and notice.reason == "10 failures in a row: HTTP 404"


def test_a_feed_the_community_no_longer_reads_is_forgotten():
    plan = plan_notices(GUILD, [], {URL: state(NOW, "failing", NOW)}, NOW, threshold=THRESHOLD)
    assert plan == plan_notices(GUILD, [], {}, NOW, threshold=THRESHOLD)
    assert plan.states == ()


def test_checks_in_a_row_give_one_notice_then_none_then_one_back():
    states: dict[str, FeedNoticeState] = {}
    given = []
    for when, current in [
        (NOW, FAILING),
        (NOW + 25 * HOUR, FAILING),
        (NOW + 26 * HOUR, FAILING),
        (NOW + 27 * HOUR, OK),
        (NOW + 28 * HOUR, OK),
    ]:
        plan = plan_notices(GUILD, [current], states, when, threshold=THRESHOLD)
        given += [n.kind for n in plan.notices]
        states = {s.feed_url: s for s in plan.states}
    assert given == ["failing", "back"]
