"""What admins type into /feed add, checked before anything is fetched."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.render import neutralise_mentions
from digests import InputError

MAX_URL_CHARS = 2048
MAX_TOPICS = 10


def validate_feed_url(url: str) -> str:
    """Only http(s) URLs of sane length may be added from Discord (local paths only from
    the config file)."""
    url = url.strip()
    if not url or len(url) > MAX_URL_CHARS:
        raise InputError(f"A feed URL must be 1 to {MAX_URL_CHARS} characters.")
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    bad_char = any(c.isspace() or not c.isprintable() for c in url)
    if not url.lower().startswith(("http://", "https://")) or bad_char or not host:
        shown = neutralise_mentions(url[:100])
        raise InputError(f"Invalid feed URL {shown!r}: expected an http(s) URL with a host.")
    return url


def parse_topics(text: str | None) -> tuple[str, ...]:
    """Comma-separated topic names, trimmed, each 1-50 characters."""
    if not text:
        return ()
    topics = tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))
    if len(topics) > MAX_TOPICS or any(len(t) > 50 for t in topics):
        raise InputError(f"Give at most {MAX_TOPICS} topics of at most 50 characters each.")
    return topics
