"""What a refresh did: each feed's outcome, the run's totals, and the lines that say what was
left out and why. Records and pure functions only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from digests.store import PruneReport


def count_reasons(reasons: Iterable[str]) -> dict[str, int]:
    """How often each reason occurs, most frequent first."""
    return dict(sorted(Counter(reasons).items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What one feed's refresh did."""

    url: str
    status: str  # "ok" | "not_modified" | "failed"
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    error: str | None = None
    warning: str | None = None
    # Entries with neither a title nor any text: nothing to show, left out.
    skipped: int = 0
    # The reason of each article page that could not be fetched (the feed's text was kept).
    page_failures: tuple[str, ...] = ()
    pages: int = 0


@dataclass(frozen=True, slots=True)
class RefreshReport:
    """What a refresh did, feed by feed, and how many stories it formed."""

    feeds: tuple[FeedOutcome, ...] = ()
    new_stories: int = 0
    grown_stories: int = 0
    pruned: PruneReport | None = None

    @property
    def new_articles(self) -> int:
        return sum(f.new for f in self.feeds)

    @property
    def skipped_entries(self) -> int:
        return sum(f.skipped for f in self.feeds)

    @property
    def pages_fetched(self) -> int:
        """Article pages asked for, fetched or not."""
        return sum(f.pages for f in self.feeds)

    def page_failure_counts(self) -> dict[str, int]:
        """Article pages that could not be fetched, by reason, most frequent first."""
        return count_reasons(r for f in self.feeds for r in f.page_failures)

    @property
    def failed(self) -> tuple[FeedOutcome, ...]:
        return tuple(f for f in self.feeds if f.status == "failed")


def skip_summary(report: RefreshReport | None, headline_only: Mapping[str, int]) -> list[str]:
    """What a refresh and a digest left out or could not do, and why: one line per kind,
    none when nothing was skipped."""
    lines: list[str] = []
    failures = report.page_failure_counts() if report is not None else {}
    if report is not None and failures:
        lines.append(
            f"{sum(failures.values())} of {report.pages_fetched} article pages could not be "
            f"fetched (the feed's text was used): {_counts(failures)}"
        )
    if report is not None and report.skipped_entries:
        lines.append(
            f"left out {report.skipped_entries} feed entries with neither a title nor any text"
        )
    if headline_only:
        count = sum(headline_only.values())
        noun = "story" if count == 1 else "stories"
        lines.append(f"{count} {noun} shown by headline only: {_counts(headline_only)}")
    return lines


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {reason}" for reason, n in counts.items())
