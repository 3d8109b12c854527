"""The one interface every summarizer backend implements."""

from __future__ import annotations

from typing import Protocol

from digests.records import Briefing, SummaryInput


class Summarizer(Protocol):
    """Turns one story's text into a checked briefing.

    Implementations raise ``SummaryError`` when they cannot produce a briefing; the
    extractive backend never does for non-empty text.
    """

    name: str

    async def summarize(self, item: SummaryInput) -> Briefing: ...
