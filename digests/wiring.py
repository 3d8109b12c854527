"""Builds a ready pipeline from settings: the one place where the concrete pieces are chosen."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx

from digests.answer import Answerer
from digests.clock import Clock, SystemClock
from digests.config import Settings
from digests.errors import ConfigError
from digests.fetch import Fetcher
from digests.pipeline import Pipeline
from digests.store import Store, open_store
from digests.summarize.base import Summarizer
from digests.summarize.extractive import ExtractiveSummarizer
from digests.summarize.service import BriefingService


def build_briefings(
    settings: Settings, *, store: Store, clock: Clock, env: Mapping[str, str] | None = None
) -> BriefingService:
    """The briefing service for the configured backend (secrets read from the environment)."""
    env = os.environ if env is None else env
    backend = settings.summarizer_backend(env)
    primary: Summarizer | None = None
    if backend == "openai":
        api_key = env.get("OPENAI_API_KEY")
        if not api_key:
            raise ConfigError(
                "summarizer.backend = 'openai' needs OPENAI_API_KEY in the environment"
            )
        from digests.summarize.llm import OpenAISummarizer

        primary = OpenAISummarizer(
            settings.summarizer,
            api_key=api_key,
            base_url=settings.summarizer.base_url or env.get("OPENAI_BASE_URL") or None,
        )
    return BriefingService(
        store=store,
        clock=clock,
        fallback=ExtractiveSummarizer(),
        primary=primary,
        daily_token_budget=settings.summarizer.daily_token_budget,
        model=settings.summarizer.model if primary is not None else "",
    )


def build_answerer(settings: Settings, env: Mapping[str, str] | None = None) -> Answerer:
    """/ask answers through the configured model when there is one; else it quotes."""
    env = os.environ if env is None else env
    if settings.summarizer_backend(env) != "openai" or not env.get("OPENAI_API_KEY"):
        return Answerer()
    import openai

    client = openai.AsyncOpenAI(
        api_key=env["OPENAI_API_KEY"],
        base_url=settings.summarizer.base_url or env.get("OPENAI_BASE_URL") or None,
        timeout=settings.summarizer.timeout_seconds,
        max_retries=settings.summarizer.max_retries,
    )
    return Answerer(client=client, model=settings.summarizer.model)


@asynccontextmanager
async def open_pipeline(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[Pipeline]:
    """A pipeline with its store, fetcher and summarizers; closed on exit."""
    clock = clock or SystemClock()
    own_store = store is None
    store = store or open_store(settings.storage.url)
    try:
        briefings = build_briefings(settings, store=store, clock=clock, env=env)
        try:
            async with Fetcher(settings.fetch, transport=transport, clock=clock) as fetcher:
                pipeline = Pipeline(
                    settings, store=store, fetcher=fetcher, briefings=briefings, clock=clock
                )
                try:
                    yield pipeline
                finally:
                    # Waits for the reading processes to exit: a thread, not the loop.
                    await asyncio.to_thread(pipeline.close)
        finally:
            await briefings.aclose()
    finally:
        if own_store:
            store.close()
