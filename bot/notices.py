"""The text of failing-feed notices: what failed, why, and what an admin can do about it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.formats import pack_texts
from bot.render import link_target, plain_line, relative_time, shorten
from digests import FeedNotice

_REASON_CHARS = 300
_NAME_CHARS = 100


def notice_line(notice: FeedNotice) -> str:
    """One notice: the feed, what happened, and the fix."""
    name = shorten(plain_line(notice.feed_name or notice.feed_url), _NAME_CHARS)
    target = link_target(notice.feed_url)
    url = f"<{target}>" if target else shorten(plain_line(notice.feed_url), _REASON_CHARS)
    if notice.kind == "back":
        return f"✅ **{name}** is back: it fetched fine again."
    reason = shorten(plain_line(notice.reason or "unknown error"), _REASON_CHARS)
    if notice.disabled:
        what = "was disabled after failing again and again"
    elif notice.failing_since is not None:
        what = f"has been failing since {relative_time(notice.failing_since)}"
    else:
        what = "keeps failing"
    return (
        f"⚠️ **{name}** ({url}) {what}: {reason}. "
        "Check the URL in a browser; if the feed has moved or gone, `/feed remove` it "
        "(and `/feed add` its new address)."
    )


def notice_messages(notices: Sequence[FeedNotice]) -> list[dict[str, Any]]:
    """Message payloads for one check's notices; nothing in them can ping."""
    texts = pack_texts((notice_line(n) for n in notices), "\n")
    return [{"content": text, "allowed_mentions": {"parse": []}} for text in texts]
