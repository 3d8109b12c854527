"""newsdigest core: feeds -> articles -> stories -> briefings -> digests.

Nothing in this package imports discord. What is named here is the public API an edge (the
Discord bot in ``bot/``) may use: the ``Newsdesk`` facade and ``open_newsdesk`` that builds
it, the settings, the records it takes and returns, the errors it raises, and a few pure
helpers for rendering stories. Every other module of the package is internal to the core.
"""

from digests.api import FeedPreview, FilterCheck, Newsdesk, PersonalDigest, StatusFigures
from digests.clock import Clock, SystemClock
from digests.compose import group_by_topic, primary_topic, primary_url, sources_of, story_time
from digests.config import Settings, find_config, parse_config
from digests.errors import (
    ConfigError,
    DigestError,
    FeedError,
    InputError,
    NotFoundError,
    ScheduleError,
    StorageError,
    SummaryError,
    UnknownTopicError,
)
from digests.extract import extract_article
from digests.language import language_mark
from digests.leader import Leader
from digests.notices import FeedNotice
from digests.output import escape_md
from digests.records import (
    Answer,
    Article,
    Briefing,
    Digest,
    DigestItem,
    FeedState,
    Source,
    Story,
)
from digests.refresh_report import RefreshReport
from digests.store import (
    ChannelFormat,
    ChannelWebhook,
    DigestRecord,
    FilterRecord,
    OutboxMessage,
    Schedule,
    WebhookIdentity,
    WebhookSend,
)
from digests.summarize.facts import unsupported_anchors
from digests.text import ELLIPSIS, one_line, truncate
from digests.updates import UPDATE_KEY, StoryUpdate, TimelineEntry
from digests.wiring import open_newsdesk

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "Article",
    "Briefing",
    "ChannelFormat",
    "ChannelWebhook",
    "ELLIPSIS",
    "Clock",
    "ConfigError",
    "Digest",
    "DigestError",
    "DigestItem",
    "DigestRecord",
    "FeedError",
    "FeedNotice",
    "FeedPreview",
    "FeedState",
    "FilterCheck",
    "FilterRecord",
    "InputError",
    "Leader",
    "language_mark",
    "Newsdesk",
    "NotFoundError",
    "OutboxMessage",
    "PersonalDigest",
    "RefreshReport",
    "Schedule",
    "ScheduleError",
    "Settings",
    "Source",
    "StatusFigures",
    "StorageError",
    "Story",
    "StoryUpdate",
    "SummaryError",
    "SystemClock",
    "TimelineEntry",
    "UPDATE_KEY",
    "UnknownTopicError",
    "WebhookIdentity",
    "WebhookSend",
    "__version__",
    "escape_md",
    "extract_article",
    "find_config",
    "group_by_topic",
    "one_line",
    "open_newsdesk",
    "parse_config",
    "primary_topic",
    "primary_url",
    "sources_of",
    "story_time",
    "truncate",
    "unsupported_anchors",
]
