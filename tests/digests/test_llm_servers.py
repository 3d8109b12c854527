"""Structured-output negotiation against local servers that behave like each server family.

Each family is the real openai SDK talking over loopback to tests/servers/openai_server.py
configured the way one kind of real server treats structured-output options.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from digests.clock import FixedClock
from digests.config import SAMPLES_DIR, parse_config
from digests.errors import SummaryError
from digests.records import SummaryInput
from digests.store import open_store
from digests.summarize.llm import OpenAISummarizer
from digests.summarize.model_answer import find_json_object
from digests.summarize.structured_output import BRIEFING_SCHEMA, BRIEFING_TOOL_NAME, OutputMode
from digests.wiring import open_pipeline
from tests.digests.test_llm import make_summarizer as make_summarizer  # fixture
from tests.servers.openai_server import OpenAIServer
from tests.servers.openai_server import openai_server as openai_server  # fixture

API_KEY = "sk-family-test-key"
NOW = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
SAMPLE_FEEDS = ("harbor-courier.xml", "valley-post.atom", "metro-science.json")

# An invented name and an invented number, each absent from every sample article.
INVENTED_SUMMARY = "Professor Zed Quorvath said the comet was fake."
INVENTED_FACT = "The utility will spend 987 million dollars."


def article_of(body: dict[str, Any]) -> dict[str, Any]:
    """The article a request carries: the JSON line between the markers of its user message."""
    user = body["messages"][-1]["content"]
    article: dict[str, Any] = json.loads(user.split("\n")[1])
    return article


def grounded_briefing(body: dict[str, Any]) -> dict[str, Any]:
    """A briefing made of the article's own sentences; two articles get a planted error."""
    article = article_of(body)
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", article["text"]) if s]
    facts = [" ".join(s.split()[:25]) for s in sentences[1:4]] or [sentences[0]]
    summary = " ".join(sentences[0].split()[:50])
    if article["title"].startswith("Comet"):
        summary = INVENTED_SUMMARY
    if article["title"].startswith("Water bills"):
        facts.append(INVENTED_FACT)
    return {
        "headline": article["title"],
        "summary": summary,
        "key_facts": facts,
        "why_it_matters": None,
    }


def _openai_like(srv: OpenAIServer) -> None:
    pass


def _llama_cpp_python_like(srv: OpenAIServer) -> None:
    srv.refuse("json_schema", 500)


def _prose_around_json(srv: OpenAIServer) -> None:
    srv.prose_around_json()


def _fenced_json(srv: OpenAIServer) -> None:
    srv.fenced_json()


def _tools_only(srv: OpenAIServer) -> None:
    srv.tools_only()


def _prompt_only(srv: OpenAIServer) -> None:
    srv.refuse("json_schema", 400).refuse("json_object", 422).refuse("tools", 400)
    srv.fenced_json()


# (how the server behaves, the modes refused on the way, the mode that then serves)
FAMILIES: list[tuple[Callable[[OpenAIServer], None], list[str], str]] = [
    (_openai_like, [], "json_schema"),
    (_llama_cpp_python_like, ["json_schema"], "json_object"),
    (_prose_around_json, [], "json_schema"),
    (_fenced_json, [], "json_schema"),
    (_tools_only, ["json_schema", "json_object"], "tools"),
    (_prompt_only, ["json_schema", "json_object", "tools"], "prompt"),
]
FAMILY_IDS = ["openai", "llama-cpp-python", "prose-around-json", "fenced", "tools-only", "prompt"]


def article(n: int) -> SummaryInput:
    return SummaryInput(
        title=f"Harbor City opens pier number {n}",
        text=(
            f"Harbor City opened pier number {n} on Monday after two years of work. "
            f"The pier cost {n + 10} million euros and can take ships of up to 180 metres. "
            "Officials expect more passengers once the summer timetable starts."
        ),
    )


@pytest.fixture(params=FAMILIES, ids=FAMILY_IDS)
def family(request: pytest.FixtureRequest, openai_server: OpenAIServer) -> tuple[list[str], str]:
    """The server set up as one family answering grounded briefings: (refused, serving)."""
    behave, refused, serving = request.param
    behave(openai_server)
    openai_server.answer_with(grounded_briefing)
    return refused, serving


# --- the tolerant parser ----------------------------------------------------------------

OBJECT = {"headline": "H", "summary": "S.", "key_facts": ["F."], "why_it_matters": None}


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(OBJECT),
        f"```json\n{json.dumps(OBJECT, indent=2)}\n```",
        f"```\n{json.dumps(OBJECT)}\n```",
        f"Sure! Here it is:\n{json.dumps(OBJECT)}\nAnything else?",
        f'{{"briefing": {json.dumps(OBJECT)}}}',
        '{"headline": "H", "summary": "S.", "key_facts": ["F.",], "why_it_matters": null,}',
        f"I think {{about this}} a lot. {json.dumps(OBJECT)}",
    ],
    ids=["plain", "fenced", "bare-fence", "prose-around", "wrapped", "trailing-commas", "braces"],
)
def test_the_briefing_object_is_found_however_it_is_wrapped(text: str) -> None:
    assert find_json_object(text) == OBJECT


@pytest.mark.parametrize("text", ["", "no JSON here", '["a", "list"]', "{broken: json"])
def test_an_answer_without_an_object_has_none(text: str) -> None:
    assert find_json_object(text) is None


# --- negotiation, article by article ----------------------------------------------------


async def test_each_family_is_negotiated_once_and_then_served_in_its_mode(
    openai_server: OpenAIServer,
    make_summarizer: Callable[..., OpenAISummarizer],
    family: tuple[list[str], str],
) -> None:
    refused, serving = family
    summarizer = make_summarizer()

    briefings = [await summarizer.summarize(article(n)) for n in range(3)]

    assert [b.summarizer for b in briefings] == ["openai"] * 3
    assert [b.summary for b in briefings] == [
        f"Harbor City opened pier number {n} on Monday after two years of work." for n in range(3)
    ]
    assert openai_server.modes == [*refused, serving, serving, serving]
    assert summarizer.output_mode == OutputMode(serving)


async def test_concurrent_first_articles_send_a_refused_shape_once(
    openai_server: OpenAIServer, make_summarizer: Callable[..., OpenAISummarizer]
) -> None:
    openai_server.refuse("json_schema", 500).answer_with(grounded_briefing)
    summarizer = make_summarizer()

    briefings = await asyncio.gather(*(summarizer.summarize(article(n)) for n in range(5)))

    assert {b.summarizer for b in briefings} == {"openai"}
    assert openai_server.modes == ["json_schema"] + ["json_object"] * 5


@pytest.mark.parametrize(
    "script",
    [
        lambda srv: srv.fail(429, retry_after=0),
        lambda srv: srv.fail(503),
        lambda srv: srv.fail(401),
        lambda srv: srv.answer_with(grounded_briefing).slow(60.0),
    ],
    ids=["429", "503", "401", "timeout"],
)
async def test_a_transient_failure_is_not_taken_for_a_refused_mode(
    openai_server: OpenAIServer,
    make_summarizer: Callable[..., OpenAISummarizer],
    script: Callable[[OpenAIServer], object],
) -> None:
    script(openai_server)
    openai_server.then().answer_with(grounded_briefing)
    # Generous enough that the answer after the failure is never late on a busy machine.
    summarizer = make_summarizer(timeout_seconds=2.0)

    with pytest.raises(SummaryError):
        await summarizer.summarize(article(1))
    assert summarizer.output_mode is None
    briefing = await summarizer.summarize(article(2))

    assert briefing.summarizer == "openai"
    assert openai_server.modes == ["json_schema", "json_schema"]


async def test_a_serving_mode_that_fails_on_one_article_stays_the_serving_mode(
    openai_server: OpenAIServer, make_summarizer: Callable[..., OpenAISummarizer]
) -> None:
    good = openai_server.answer_with(grounded_briefing)
    good.answer_text("Sorry, I cannot summarize this.").then().answer_with(grounded_briefing)
    summarizer = make_summarizer()
    await summarizer.summarize(article(1))

    with pytest.raises(SummaryError, match="answer is not JSON"):
        await summarizer.summarize(article(2))
    await summarizer.summarize(article(3))

    assert openai_server.modes == ["json_schema"] * 3


async def test_an_article_every_mode_fails_on_teaches_nothing(
    openai_server: OpenAIServer, make_summarizer: Callable[..., OpenAISummarizer]
) -> None:
    for _ in range(4):
        openai_server.fail(400)
    openai_server.answer_with(grounded_briefing)
    summarizer = make_summarizer()

    with pytest.raises(SummaryError, match="HTTP 400 in every output mode"):
        await summarizer.summarize(article(1))
    await summarizer.summarize(article(2))

    assert openai_server.modes[4:] == ["json_schema"]
    assert summarizer.output_mode is OutputMode.JSON_SCHEMA


async def test_an_answer_that_breaks_a_rule_settles_the_mode_it_came_in(
    openai_server: OpenAIServer, make_summarizer: Callable[..., OpenAISummarizer]
) -> None:
    too_long = {**OBJECT, "summary": " ".join(["word"] * 70) + "."}
    openai_server.refuse("json_schema", 500).answer(too_long).then().answer_with(grounded_briefing)
    summarizer = make_summarizer()

    with pytest.raises(SummaryError, match="longer than 60 words"):
        await summarizer.summarize(article(1))
    await summarizer.summarize(article(2))

    assert openai_server.modes == ["json_schema", "json_object", "json_object"]


async def test_a_pinned_mode_is_used_without_negotiating(
    openai_server: OpenAIServer, make_summarizer: Callable[..., OpenAISummarizer]
) -> None:
    openai_server.tools_only().answer_with(grounded_briefing)

    briefing = await make_summarizer(structured_output="tools").summarize(article(1))

    assert briefing.summarizer == "openai"
    assert openai_server.modes == ["tools"]


@pytest.mark.parametrize("mode", ["json_object", "tools", "prompt"])
async def test_each_mode_carries_the_briefing_schema(
    openai_server: OpenAIServer, make_summarizer: Callable[..., OpenAISummarizer], mode: str
) -> None:
    if mode == "tools":
        openai_server.tools_only()
    openai_server.answer_with(grounded_briefing)

    await make_summarizer(structured_output=mode).summarize(article(1))

    (body,) = openai_server.requests
    system = body["messages"][0]["content"]
    if mode == "json_object":
        assert body["response_format"] == {"type": "json_object", "schema": BRIEFING_SCHEMA}
        assert json.dumps(BRIEFING_SCHEMA) in system
    elif mode == "tools":
        (tool,) = body["tools"]
        assert tool["function"]["name"] == BRIEFING_TOOL_NAME
        assert tool["function"]["parameters"] == BRIEFING_SCHEMA
        assert body["tool_choice"] == "required"
        assert "response_format" not in body
    else:
        assert "response_format" not in body and "tools" not in body
        assert json.dumps(BRIEFING_SCHEMA) in system


# --- a whole digest, twice --------------------------------------------------------------


def _settings(tmp_path: Path, base_url: str) -> Any:
    return parse_config(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'family.db'}"},
            "summarizer": {
                "backend": "openai",
                "base_url": base_url,
                "model": "local-model",
                "max_retries": 0,
            },
            "digest": {"max_age_hours": 876000},
            "feeds": [{"url": str(SAMPLES_DIR / name)} for name in SAMPLE_FEEDS],
        },
        tmp_path,
    )


async def test_the_digest_uses_the_model_for_every_checked_story_and_asks_once(
    openai_server: OpenAIServer, tmp_path: Path, family: tuple[list[str], str]
) -> None:
    refused, serving = family
    settings = _settings(tmp_path, openai_server.base_url)
    env = {"OPENAI_API_KEY": API_KEY}
    store = open_store(settings.storage.url)
    try:
        async with open_pipeline(settings, clock=FixedClock(NOW), store=store, env=env) as run:
            await run.refresh()
            first = await run.compose()
        asked = len(openai_server.requests)
        async with open_pipeline(settings, clock=FixedClock(NOW), store=store, env=env) as run:
            second = await run.compose()
    finally:
        store.close()

    briefings = {item.story.primary.title: item.briefing for item in first.items}
    comet = next(title for title in briefings if title.startswith("Comet"))
    water = next(title for title in briefings if title.startswith("Water bills"))
    assert len(briefings) >= 4
    # The only story that falls back is the one whose summary the article does not support.
    assert {t for t, b in briefings.items() if b.summarizer != "openai"} == {comet}
    assert briefings[comet].fallback_reason == "openai: summary failed the fact check"
    assert briefings[water].dropped_facts == 1
    assert briefings[water].key_facts and INVENTED_FACT not in briefings[water].key_facts
    assert openai_server.modes[:asked] == [*refused] + [serving] * len(briefings)
    # The second run finds every model briefing cached and asks the model nothing about
    # them; the service gives the primary another chance at the one story that fell back
    # (negotiating again, as a new process does).
    again = openai_server.requests[asked:]
    assert {article_of(body)["title"] for body in again} == {comet}
    assert openai_server.modes[asked:] == [*refused, serving]
    assert [i.briefing for i in second.items if i.briefing.summarizer == "openai"] == [
        i.briefing for i in first.items if i.briefing.summarizer == "openai"
    ]
