"""Briefings in the language a channel asks for, from the OpenAI-compatible test server that
answers in the language its prompt asks for, checked against the source all the same."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from digests.clock import FixedClock
from digests.config import SummarizerConfig
from digests.records import SummaryInput
from digests.store import Store
from digests.summarize.extractive import ExtractiveSummarizer
from digests.summarize.facts import Languages, is_grounded
from digests.summarize.llm import OpenAISummarizer
from digests.summarize.prompt import build_messages
from digests.summarize.service import BriefingService, briefing_key
from tests.digests.test_llm import ARTICLE, GOOD_ANSWER
from tests.digests.test_llm import store as store  # fixture
from tests.servers.openai_server import OpenAIServer, requested_language
from tests.servers.openai_server import openai_server as openai_server  # fixture

NOW = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
ENGLISH_ARTICLE = dataclasses.replace(ARTICLE, source_language="en")
IN_GERMAN = dataclasses.replace(ENGLISH_ARTICLE, language="de")

# What a model asked for German makes of the English article: names as the article spells
# them, figures in German notation.
GERMAN_ANSWER: dict[str, Any] = {
    "headline": "Springfield genehmigt Brücke über den Elm River für 40 Millionen Dollar",
    "summary": "Der Stadtrat von Springfield hat eine Brücke über den Elm River für "
    "40 Millionen Dollar genehmigt. Der Bau beginnt im März 2027.",
    "key_facts": [
        "Die Brücke kostet 40 Millionen Dollar.",
        "Bürgermeisterin Jane Porter sagt, die Brücke verkürze die Pendelzeit für "
        "12.000 Einwohner.",
        "30 Fährleute brauchen neue Arbeit.",
    ],
    "why_it_matters": "Die Brücke verkürzt die Pendelzeit für 12.000 Einwohner.",
}
FRENCH_ANSWER: dict[str, Any] = {
    "headline": "Springfield approuve un pont de 40 millions de dollars sur la Elm River",
    "summary": "Le conseil de Springfield a approuvé un pont de 40 millions de dollars sur "
    "la Elm River.",
    "key_facts": ["Le pont coûtera 40 millions de dollars.", "Les travaux commencent en 2027."],
    "why_it_matters": None,
}
BY_LANGUAGE = {"de": GERMAN_ANSWER, "fr": FRENCH_ANSWER, None: GOOD_ANSWER}


@pytest.fixture
async def summarizer(openai_server: OpenAIServer) -> AsyncIterator[OpenAISummarizer]:
    config = SummarizerConfig(model="test-model", timeout_seconds=5.0, max_retries=0)
    made = OpenAISummarizer(config, api_key="sk-test", base_url=openai_server.base_url)
    yield made
    await made.close()


@pytest.fixture
def service(store: Store, summarizer: OpenAISummarizer) -> BriefingService:
    return BriefingService(
        store=store,
        clock=FixedClock(NOW),
        fallback=ExtractiveSummarizer(),
        primary=summarizer,
        model="test-model",
    )


async def test_a_briefing_asked_in_german_is_written_in_german_and_checked(
    openai_server: OpenAIServer, summarizer: OpenAISummarizer
) -> None:
    openai_server.answer_by_language(BY_LANGUAGE)

    briefing = await summarizer.summarize(IN_GERMAN)

    # The prompt asked for German, and the German answer passed the check against the
    # English source: nothing was dropped.
    assert openai_server.languages == ["de"]
    assert briefing.summary == GERMAN_ANSWER["summary"]
    assert briefing.headline == GERMAN_ANSWER["headline"]
    assert briefing.key_facts == tuple(GERMAN_ANSWER["key_facts"])
    assert briefing.why_it_matters == GERMAN_ANSWER["why_it_matters"]
    assert (briefing.language, briefing.dropped_facts) == ("de", 0)
    source = f"{ARTICLE.title}\n{ARTICLE.text}"
    assert is_grounded(briefing.summary, source, Languages(statement="de", source="en"))


def test_the_prompt_names_the_language_and_asks_for_names_and_figures_unchanged() -> None:
    system = build_messages(IN_GERMAN, 4000)[0]["content"]
    assert isinstance(system, str)
    assert "in German (IETF language tag: de)" in system
    assert "write every number in digits" in system


def test_a_prompt_without_a_language_asks_for_none() -> None:
    body = {"messages": build_messages(ENGLISH_ARTICLE, 4000)}
    assert requested_language(body) is None


async def test_a_german_fact_with_a_figure_the_source_lacks_is_dropped(
    openai_server: OpenAIServer, summarizer: OpenAISummarizer
) -> None:
    invented = "Die Brücke kostet 55 Millionen Dollar."
    answer = {**GERMAN_ANSWER, "key_facts": [*GERMAN_ANSWER["key_facts"], invented]}
    openai_server.answer_by_language({"de": answer, None: GOOD_ANSWER})

    briefing = await summarizer.summarize(IN_GERMAN)

    assert invented not in briefing.key_facts
    assert briefing.dropped_facts == 1


@pytest.mark.parametrize(
    "summary",
    [
        "Gouverneur Hal Brandt hat die Brücke über den Elm River gestoppt.",
        "Der Stadtrat hat eine Brücke für 90 Millionen Dollar genehmigt.",
        "Der Bau beginnt im März 2031.",
    ],
)
async def test_a_german_summary_with_an_invented_name_or_figure_falls_back(
    openai_server: OpenAIServer, service: BriefingService, summary: str
) -> None:
    openai_server.answer_by_language({"de": {**GERMAN_ANSWER, "summary": summary}, None: {}})

    briefing = await service.brief(IN_GERMAN)

    # The extractive fallback does not translate: the source's own sentences, marked English.
    assert briefing.summarizer == "extractive"
    assert briefing.fallback_reason == "openai: summary failed the fact check"
    assert briefing.language == "en"
    assert "Springfield" in briefing.summary


async def test_an_answer_in_another_language_than_asked_is_marked_with_its_own(
    openai_server: OpenAIServer, summarizer: OpenAISummarizer
) -> None:
    openai_server.answer(GOOD_ANSWER)

    briefing = await summarizer.summarize(IN_GERMAN)

    assert openai_server.languages == ["de"]
    assert briefing.language == "en"


async def test_briefings_are_cached_per_language(
    openai_server: OpenAIServer, service: BriefingService
) -> None:
    openai_server.answer_by_language(BY_LANGUAGE)
    in_french = dataclasses.replace(IN_GERMAN, language="fr")

    german = await service.brief(IN_GERMAN)
    french = await service.brief(in_french)
    again = await service.brief(IN_GERMAN)

    assert openai_server.languages == ["de", "fr"]
    assert german.summary == GERMAN_ANSWER["summary"] == again.summary
    assert (french.summary, french.language) == (FRENCH_ANSWER["summary"], "fr")
    assert again.language == "de"
    assert service.cache_key(IN_GERMAN) != service.cache_key(in_french)


def test_the_fallback_key_ignores_the_language_asked_for(store: Store) -> None:
    offline = BriefingService(store=store, clock=FixedClock(NOW), fallback=ExtractiveSummarizer())
    in_french = dataclasses.replace(IN_GERMAN, language="fr")
    # The extractive summarizer writes the source's language whatever was asked.
    assert offline.cache_key(IN_GERMAN) == offline.cache_key(in_french)
    assert offline.cache_key(IN_GERMAN) != offline.cache_key(
        dataclasses.replace(IN_GERMAN, source_language="de")
    )


def test_an_item_of_no_known_language_is_keyed_without_one(store: Store) -> None:
    offline = BriefingService(store=store, clock=FixedClock(NOW), fallback=ExtractiveSummarizer())
    plain: SummaryInput = dataclasses.replace(ARTICLE, language=None, source_language="und")
    assert offline.cache_key(plain) == briefing_key("extractive", "", plain)


async def test_offline_a_briefing_stays_in_its_sources_language(store: Store) -> None:
    german_source = SummaryInput(
        title="Stadtrat genehmigt neue Brücke",
        text=(
            "Der Stadtrat von Springfield hat am Dienstag den Bau einer neuen Brücke über den "
            "Elm River beschlossen. Die Brücke soll 40 Millionen Dollar kosten. Der Bau "
            "beginnt im März 2027 und dauert drei Jahre."
        ),
        language="en",
        source_language="de",
    )
    offline = BriefingService(store=store, clock=FixedClock(NOW), fallback=ExtractiveSummarizer())

    briefing = await offline.brief(german_source)

    assert briefing.language == "de"
    assert "Stadtrat" in briefing.summary


async def test_a_story_without_text_has_its_title_in_the_sources_language(
    store: Store,
) -> None:
    offline = BriefingService(store=store, clock=FixedClock(NOW), fallback=ExtractiveSummarizer())
    item = SummaryInput(title="Neue Brücke", text="", language="en", source_language="de")
    briefing = await offline.brief(item)
    assert (briefing.headline, briefing.language) == ("Neue Brücke", "de")


async def test_a_source_of_no_known_language_is_detected_when_briefed(store: Store) -> None:
    # Articles stored before languages were are "und": the briefing still knows its language.
    offline = BriefingService(store=store, clock=FixedClock(NOW), fallback=ExtractiveSummarizer())
    legacy = dataclasses.replace(ARTICLE, language="de", source_language="und")
    assert (await offline.brief(legacy)).language == "en"
