"""Small pieces of Discord markup shared by the extensions' replies."""

from __future__ import annotations

from datetime import datetime


def relative_time(when: datetime | None) -> str:
    """A Discord timestamp that each reader sees as "in 2 hours", or "never"."""
    return f"<t:{int(when.timestamp())}:R>" if when is not None else "never"
