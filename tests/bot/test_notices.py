"""The text of failing-feed notices: the feed, the reason, the fix, and nothing that pings."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.notices import notice_line, notice_messages
from digests import FeedNotice
from tests.bot.test_formats import PINGS

SINCE = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
URL = "https://a.example/feed.xml"


def test_a_failing_notice_names_the_feed_the_reason_since_when_and_the_fix() -> None:
    line = notice_line(FeedNotice("failing", URL, "A News", "HTTP 404", failing_since=SINCE))
    assert "**A News**" in line and f"<{URL}>" in line and "HTTP 404" in line
    assert f"<t:{int(SINCE.timestamp())}:R>" in line
    assert "Check the URL" in line and "`/feed remove`" in line


def test_a_disabled_notice_says_so() -> None:
    line = notice_line(FeedNotice("failing", URL, None, "10 failures", disabled=True))
    assert "was disabled" in line and URL in line and "10 failures" in line


def test_a_back_notice_says_the_feed_fetches_again() -> None:
    assert "is back" in notice_line(FeedNotice("back", URL, "A News"))


def test_feed_text_in_a_notice_cannot_ping() -> None:
    notice = FeedNotice("failing", URL, "@everyone news", "bad <@&123> and @here")
    (message,) = notice_messages([notice])
    assert not PINGS.search(str(message["content"]))
    assert message["allowed_mentions"] == {"parse": []}


def test_many_notices_are_packed_into_messages_within_the_limit() -> None:
    notices = [FeedNotice("failing", f"{URL}?n={n}", "A News", "x" * 250) for n in range(40)]
    messages = notice_messages(notices)
    assert len(messages) > 1
    assert all(len(str(m["content"])) <= 2000 for m in messages)
    assert sum(str(m["content"]).count("A News") for m in messages) == 40
