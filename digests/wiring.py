"""Builds the core from settings and the environment: the one place where the concrete pieces
(store, fetcher, summarizers, the model client, the answerer) are chosen.

The environment is read here and nowhere deeper: each builder is given it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import aiohttp

from digests.answer import Answerer
from digests.api import Newsdesk
from digests.clock import Clock, SystemClock
from digests.config import Settings
from digests.errors import ConfigError
from digests.fetch import Fetcher
from digests.pipeline import Pipeline
from digests.store import Store, open_store
from digests.summarize.base import Summarizer
from digests.summarize.extractive import ExtractiveSummarizer
from digests.summarize.service import BriefingService

if TYPE_CHECKING:
    import openai


def build_model_client(settings: Settings, env: Mapping[str, str]) -> openai.AsyncOpenAI | None:
    """The one OpenAI-compatible client of a process, or None for the offline backend.

    Briefings and answers share it (and its connection pool). Raises ConfigError when the
    openai backend is asked for without a key.
    """
    if settings.summarizer_backend(env) != "openai":
        return None
    api_key = env.get("OPENAI_API_KEY")
    if not api_key:
        raise ConfigError("summarizer.backend = 'openai' needs OPENAI_API_KEY in the environment")
    import openai

    return openai.AsyncOpenAI(
        api_key=api_key,
        base_url=settings.summarizer.base_url or env.get("OPENAI_BASE_URL") or None,
        timeout=settings.summarizer.timeout_seconds,
        max_retries=settings.summarizer.max_retries,
    )


def build_briefings(
    settings: Settings, *, store: Store, clock: Clock, client: openai.AsyncOpenAI | None
) -> BriefingService:
    """The briefing service: through the model ``client`` when there is one, else offline."""
    primary: Summarizer | None = None
    if client is not None:
        from digests.summarize.llm import OpenAISummarizer

        primary = OpenAISummarizer(settings.summarizer, api_key=client.api_key, client=client)
    return BriefingService(
        store=store,
        clock=clock,
        fallback=ExtractiveSummarizer(),
        primary=primary,
        daily_token_budget=settings.summarizer.daily_token_budget,
        model=settings.summarizer.model if primary is not None else "",
    )


def build_answerer(settings: Settings, client: openai.AsyncOpenAI | None) -> Answerer:
    """Follow-up questions go through the model ``client`` when there is one; else quoted."""
    if client is None:
        return Answerer()
    return Answerer(client=client, model=settings.summarizer.model)


@asynccontextmanager
async def _model_client(
    settings: Settings, env: Mapping[str, str]
) -> AsyncIterator[openai.AsyncOpenAI | None]:
    client = build_model_client(settings, env)
    try:
        yield client
    finally:
        if client is not None:
            await client.close()


@asynccontextmanager
async def _pipeline(
    settings: Settings,
    *,
    clock: Clock,
    store: Store | None,
    connector: aiohttp.BaseConnector | None,
    client: openai.AsyncOpenAI | None,
) -> AsyncIterator[Pipeline]:
    own_store = store is None
    if store is None:
        # Opening runs the migrations: a thread, not the loop.
        store = await asyncio.to_thread(open_store, settings.storage.url)
    try:
        briefings = build_briefings(settings, store=store, clock=clock, client=client)
        try:
            async with Fetcher(settings.fetch, connector=connector, clock=clock) as fetcher:
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
            await asyncio.to_thread(store.close)


@asynccontextmanager
async def open_pipeline(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    connector: aiohttp.BaseConnector | None = None,
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[Pipeline]:
    """A pipeline with its store, fetcher and summarizers; closed on exit. ``env`` defaults
    to the process environment."""
    env = os.environ if env is None else env
    async with (
        _model_client(settings, env) as client,
        _pipeline(
            settings, clock=clock or SystemClock(), store=store, connector=connector, client=client
        ) as pipeline,
    ):
        yield pipeline


@asynccontextmanager
async def open_newsdesk(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    connector: aiohttp.BaseConnector | None = None,
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[Newsdesk]:
    """The core's public API over a pipeline, its store and an answerer sharing the
    pipeline's model client; closed on exit. ``env`` defaults to the process environment."""
    env = os.environ if env is None else env
    clock = clock or SystemClock()
    async with (
        _model_client(settings, env) as client,
        _pipeline(settings, clock=clock, store=store, connector=connector, client=client) as p,
    ):
        yield Newsdesk(
            settings,
            store=p.store,
            pipeline=p,
            answerer=build_answerer(settings, client),
            clock=clock,
        )
