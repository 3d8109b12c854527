"""The one exception hierarchy of newsdigest; library errors are wrapped at the boundary."""

from __future__ import annotations


class DigestError(Exception):
    """Root of every error newsdigest raises on purpose."""


class ConfigError(DigestError):
    """The configuration is invalid; the message names the key, the value and what was expected."""


class FeedError(DigestError):
    """A feed could not be fetched or read; recorded on the feed, never fatal to a run."""

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        # What failures are counted by: the message without its detail ("timed out", not
        # "timed out after 10s"), given where the error is raised; a message with no detail
        # is its own reason.
        self.reason = reason or message[:80] or "failed"


class FetchError(FeedError):
    """An HTTP or file fetch failed (network, status, size cap, refused address)."""

    def __init__(
        self, message: str, *, reason: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, reason=reason)
        self.retry_after = retry_after


class ParseError(FeedError):
    """The body could not be read as a feed at all."""


class StorageError(DigestError):
    """The store failed; wraps SQLAlchemy errors."""


class NotFoundError(StorageError):
    """A looked-up row (feed, story, schedule...) does not exist in the caller's scope."""


class SummaryError(DigestError):
    """A summarizer backend failed; the pipeline falls back to the extractive backend."""


class ScheduleError(DigestError):
    """What an admin typed is not a valid schedule; the message names the value."""


class InputError(DigestError):
    """A user's input (a command option) is invalid; the message is shown to them as is."""


class UnknownTopicError(InputError):
    """A topic name the community does not have; ``topic`` is the name as given."""

    def __init__(self, topic: str) -> None:
        super().__init__(f"Unknown topic {topic[:50]!r}")
        self.topic = topic


def short_message(exc: BaseException) -> str:
    """An exception's message in at most 200 characters (its type name when it has none)."""
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
