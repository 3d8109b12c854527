"""Small feed bodies and settings shared by the hardening tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from digests.config import Settings, parse_config

LOCAL = ["127.0.0.1"]


def rss(*items: tuple[str, str, str], title: str = "Hardening Feed", base: str = "") -> bytes:
    """An RSS 2.0 body; each item is (guid, title, description)."""
    parts = [
        f"<item><guid>{guid}</guid><title>{head}</title><link>{base}/{guid}</link>"
        f"<description>{text}</description></item>"
        for guid, head, text in items
    ]
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title>{''.join(parts)}</channel></rss>"
    ).encode()


LONG_TEXT = (
    "The harbour authority of Brindle opened a new ferry terminal on Monday after two years "
    "of building work, the port director Anja Lund said. The terminal cost 85 million euros "
    "and can handle 12 ferries a day, twice as many as the old one. Lund said the first "
    "ferries to Lakeport would leave from the new piers in March."
)


def pipeline_settings(tmp_path: Path, feeds: list[str], **extra: Any) -> Settings:
    """SQLite on disk, the offline summarizer, the given feed URLs, loopback allowed."""
    data: dict[str, Any] = {
        "storage": {"url": f"sqlite:///{tmp_path / 'hardening.db'}"},
        "summarizer": {"backend": "extractive"},
        "digest": {"max_age_hours": 876000},
        # A deadline a loaded machine cannot miss on loopback; tests of the deadline set
        # their own.
        "fetch": {"allow_private": LOCAL, "timeout_seconds": 30.0, "full_text": False},
        "feeds": [{"url": url} for url in feeds],
    }
    for key, value in extra.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return parse_config(data, tmp_path)
