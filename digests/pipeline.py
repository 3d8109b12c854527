"""The refresh and compose pipeline: feeds -> articles -> stories -> briefings -> digest.

``Pipeline.refresh`` (``refresh_step``) does not care how feed data is fetched or parsed, nor
how it is persisted: it wires the steps (fetch, parse, full text, dedup, store, cluster, tag)
that live in their own modules, records each feed's health, and never lets one broken feed
stop the run; ``refresh_report`` holds what it reports. ``Pipeline.compose``
(``compose_step``) turns recent stories into a digest with briefings.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from digests.clock import Clock
from digests.compose_step import ComposeStep
from digests.config import Settings
from digests.fetch import Fetcher
from digests.read_pool import ReadPool
from digests.refresh_step import RefreshStep
from digests.similarity import Embedder
from digests.store import Store
from digests.summarize.service import BriefingService
from digests.topics import TopicTagger


class Pipeline(RefreshStep, ComposeStep):
    """Refreshes feeds into the store and composes digests from it."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store,
        fetcher: Fetcher,
        briefings: BriefingService,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.store = store
        self.fetcher = fetcher
        self.briefings = briefings
        self.clock = clock
        self._tagger = TopicTagger(settings.topics)
        self._embedder: Embedder | None = None
        # Parses and cleans fetched feeds on every core; its processes start on first use.
        self._reader = ReadPool(settings.fetch.read_pool_size())
        # The refresh's store calls and clustering, apart from the default executor.
        self._threads: ThreadPoolExecutor | None = None

    def close(self) -> None:
        """Stop the feed reading processes and the refresh's threads; a later refresh
        starts both again."""
        self._reader.close()
        threads, self._threads = self._threads, None
        if threads is not None:
            threads.shutdown(wait=True, cancel_futures=True)
