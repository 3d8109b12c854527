"""Failing-feed notices: which feeds of a community to tell its admins about, decided from the
feeds' states, what the check last noted of each, and the time.

Deciding does no I/O (the ``Newsdesk`` reads the states, stores the outcome and queues the
notices in one transaction), so a restart picks up where the last check stopped.

A feed is *failing* while its last fetch failed or it is disabled. It earns one ``failing``
notice once it has been seen failing for ``threshold`` (a disabled feed at once); when it
fetches again it earns one ``back`` notice. A new ``failing`` notice never follows the last
notice of the same feed within ``QUIET``, so a feed that flaps does not fill the channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from digests.records import FeedState
from digests.store.records import FeedNoticeState, NoticeKind

QUIET = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class FeedNotice:
    """One thing to tell a community's admins about one of its feeds."""

    kind: NoticeKind
    feed_url: str
    feed_name: str | None
    # Why it fails (the last error or why it was disabled); None for a "back" notice.
    reason: str | None = None
    disabled: bool = False
    failing_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class NoticePlan:
    """The notices to give now and the states to remember for the next check."""

    notices: tuple[FeedNotice, ...]
    states: tuple[FeedNoticeState, ...]


def plan_notices(
    community_id: int,
    feeds: Iterable[FeedState],
    states: Mapping[str, FeedNoticeState],
    now: datetime,
    *,
    threshold: timedelta,
) -> NoticePlan:
    """What to notice of the community's feeds now; feeds it no longer reads are forgotten."""
    notices: list[FeedNotice] = []
    kept: list[FeedNoticeState] = []
    for feed in feeds:
        state = states.get(feed.url) or FeedNoticeState(community_id, feed.url)
        notice, state = _decide(feed, state, now, threshold)
        if notice is not None:
            notices.append(notice)
        if state.failing_since is not None or state.notice is not None:
            kept.append(state)
    return NoticePlan(tuple(notices), tuple(kept))


def _decide(
    feed: FeedState, state: FeedNoticeState, now: datetime, threshold: timedelta
) -> tuple[FeedNotice | None, FeedNoticeState]:
    if not feed.failing:
        state = replace(state, failing_since=None)
        if state.notice != "failing":
            return None, state
        back = FeedNotice("back", feed.url, feed.name or feed.title)
        return back, replace(state, notice="back", noticed_at=now)
    since = state.failing_since or now
    state = replace(state, failing_since=since)
    due = not feed.enabled or now - since >= threshold
    # A "back" notice is answered at once; a new "failing" one waits out the quiet time
    # after the last notice, so a flapping feed gives at most one of each a day.
    quiet = state.noticed_at is not None and now - state.noticed_at < QUIET
    if not due or state.notice == "failing" or quiet:
        return None, state
    notice = FeedNotice(
        "failing",
        feed.url,
        feed.name or feed.title,
        reason=feed.disabled_reason or feed.last_error,
        disabled=not feed.enabled,
        failing_since=since,
    )
    return notice, replace(state, notice="failing", noticed_at=now)
