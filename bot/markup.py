"""Small pieces of Discord markup shared by the extensions' replies."""

from __future__ import annotations

from datetime import datetime

from bot.render import relative_time


def relative_or_never(when: datetime | None) -> str:
    """A Discord timestamp each reader sees as "in 2 hours", or "never" for no time."""
    return relative_time(when) if when is not None else "never"
