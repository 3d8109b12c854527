"""The one place the pipeline asks for briefings: cache, daily token budget and fallback."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from datetime import date

from digests import metrics
from digests.clock import Clock
from digests.errors import DigestError, SummaryError
from digests.language import DETECT_CHARS, UNDETERMINED, detect_language, known_language
from digests.records import (
    HEADLINE_ONLY_FAILED,
    HEADLINE_ONLY_NO_TEXT,
    Briefing,
    SummaryInput,
    headline_briefing,
)
from digests.store.base import Store
from digests.summarize.base import Summarizer
from digests.summarize.extractive import clean_headline

logger = logging.getLogger(__name__)

BUDGET_REACHED = "daily token budget reached"
UNTITLED = "Untitled story"


def has_usable_text(text: str) -> bool:
    """Whether there is anything to summarize: at least one letter or digit."""
    return any(ch.isalnum() for ch in text)


def headline_of(item: SummaryInput) -> str:
    """The headline a story is shown by when it has no summary."""
    return clean_headline(item.title) or clean_headline(item.text) or UNTITLED


def briefing_key(backend: str, model: str, item: SummaryInput, language: str = "") -> str:
    """The cache key of a briefing: sha256 of backend name, model, the language it is written
    in, title and text(s)."""
    # A separator that cannot occur in normal text keeps ("ab", "c") and ("a", "bc") apart.
    # Each outlet's report counts too: a later outlet joining the story changes its briefing.
    reports = tuple(f"{r.source.name}\x1e{r.text}" for r in item.reports)
    # The language joins the key only when there is one, so a briefing of no particular
    # language keeps the key it always had.
    head = (backend, model, language) if language else (backend, model)
    joined = "\x1f".join((*head, item.title, item.text, *reports))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


class BriefingService:
    """Briefs stories with the primary summarizer when it may, else with the fallback.

    A briefing is cached per backend, model, language and input, so an article is never
    sent to the model twice for one language, across runs. A fallback briefing is cached
    under the fallback's key, so the next run tries the primary again; the fallback does not
    translate, so its key has the source's language whatever language was asked for.
    """

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        fallback: Summarizer,
        primary: Summarizer | None = None,
        daily_token_budget: int = 0,
        model: str = "",
    ) -> None:
        self._store = store
        self._clock = clock
        self._fallback = fallback
        self._primary = primary
        self._budget = daily_token_budget
        self._model = model

    def cache_key(self, item: SummaryInput) -> str:
        """The key this item's briefing is cached under when the preferred backend makes it."""
        if self._primary is None:
            return self._fallback_key(item)
        language = known_language(item.language or item.source_language) or ""
        return briefing_key(self._primary.name, self._model, item, language)

    def _fallback_key(self, item: SummaryInput) -> str:
        language = known_language(item.source_language) or ""
        return briefing_key(self._fallback.name, "", item, language)

    async def brief(self, item: SummaryInput) -> Briefing:
        """The briefing of one story: cached, else from the primary, else the fallback; a
        story with no text, or that no backend could summarize, gets its headline alone.

        Never raises for one story's sake: a digest must not be lost to one odd item.
        """
        if not has_usable_text(item.text):
            return self._headline_only(item, HEADLINE_ONLY_NO_TEXT)
        if item.source_language == UNDETERMINED:
            # Stored before languages were, or too short to tell when stored: the whole text
            # may say more, and the fact check and the language mark need to know.
            found = await asyncio.to_thread(detect_language, item.text[:DETECT_CHARS])
            item = dataclasses.replace(item, source_language=found)
        try:
            return await self._brief(item)
        except DigestError as exc:
            logger.warning("briefing %r failed, headline only: %s", item.title, exc)
        except Exception:
            # A backend's bug on one odd text is logged with the story and costs that story
            # its summary, not the whole digest.
            logger.exception("briefing %r failed unexpectedly, headline only", item.title)
        return self._headline_only(item, HEADLINE_ONLY_FAILED)

    @staticmethod
    def _headline_only(item: SummaryInput, reason: str) -> Briefing:
        # The headline is the source's own title, so it is in the source's language.
        briefing = headline_briefing(headline_of(item), reason)
        return dataclasses.replace(briefing, language=known_language(item.source_language))

    async def _brief(self, item: SummaryInput) -> Briefing:
        key = self.cache_key(item)
        # The store is synchronous; as in the pipeline, it is called off the event loop.
        cached = await asyncio.to_thread(self._store.get_briefing, key)
        if cached is not None:
            return cached
        if self._primary is None:
            return await self._run_fallback(item, reason=None)
        if await self._budget_reached():
            return await self._run_fallback(item, reason=BUDGET_REACHED)
        try:
            briefing = await self._primary.summarize(item)
        except SummaryError as exc:
            return await self._run_fallback(item, reason=str(exc))
        await asyncio.to_thread(self._store.add_tokens, self._today(), briefing.tokens)
        metrics.LLM_TOKENS.inc(briefing.tokens)
        await asyncio.to_thread(self._store.put_briefing, key, briefing, now=self._clock.now())
        return briefing

    async def _run_fallback(self, item: SummaryInput, *, reason: str | None) -> Briefing:
        if reason is not None:
            logger.warning(
                "briefing %r with %s instead: %s", item.title, self._fallback.name, reason
            )
        briefing = await self._fallback.summarize(item)
        if reason is not None:
            briefing = dataclasses.replace(briefing, fallback_reason=reason)
        await asyncio.to_thread(
            self._store.put_briefing, self._fallback_key(item), briefing, now=self._clock.now()
        )
        return briefing

    async def aclose(self) -> None:
        """Close the primary backend's connections, when it holds any."""
        close = getattr(self._primary, "close", None)
        if close is not None:
            await close()

    async def _budget_reached(self) -> bool:
        # A budget of 0 means unlimited.
        if self._budget <= 0:
            return False
        return await asyncio.to_thread(self._store.tokens_used, self._today()) >= self._budget

    def _today(self) -> date:
        return self._clock.now().date()
