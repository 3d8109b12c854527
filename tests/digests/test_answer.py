"""Follow-up questions: retrieval over stored articles, quoting offline, a model online."""

from __future__ import annotations

import json

import openai
import pytest

from digests.answer import Answerer, passages_of, retrieve
from digests.records import Article, Story
from tests.digests._story_builders import make_article
from tests.servers.openai_server import OpenAIServer, openai_server

__all__ = ["openai_server"]


def _article(aid: int, feed: str, title: str, text: str) -> Article:
    return make_article(
        aid,
        feed=f"https://{feed}/rss",
        feed_name=feed,
        url=f"https://{feed}/a{aid}",
        title=title,
        text=text,
    )


STORIES = [
    Story(
        "tram",
        (
            _article(
                1,
                "courier.example",
                "Council approves tram",
                "The council voted 31 to 14 for the tram.\n\nThe line is budgeted at 480 "
                "million euros and will have 18 stops.\n\nWorks start in 2027.",
            ),
        ),
    ),
    Story(
        "comet",
        (
            _article(
                2,
                "science.example",
                "Comet passes Earth",
                "The comet passes within 38 million kilometres on Friday.\n\nIt returns in "
                "about 4,000 years.",
            ),
        ),
    ),
]


def test_retrieval_ranks_the_paragraph_that_answers_first():
    found = retrieve("How many stops will the tram line have?", passages_of(STORIES))
    assert "18 stops" in found[0].text


def test_retrieval_finds_nothing_for_an_unrelated_question():
    assert retrieve("Who won the football final?", passages_of(STORIES)) == []


async def test_without_a_model_the_best_passages_are_quoted_with_sources():
    answer = await Answerer().answer("When does the comet return?", STORIES)
    assert "4,000 years" in answer.text
    assert [s.url for s in answer.sources] == ["https://science.example/a2"]


async def test_with_a_model_the_answer_comes_from_retrieved_passages_only(
    openai_server: OpenAIServer,
):
    def reply(request: dict) -> dict:
        return {"answer": "It is budgeted at 480 million euros.", "used": [1]}

    openai_server.answer_with(reply)
    client = openai.AsyncOpenAI(api_key="k", base_url=openai_server.base_url, max_retries=0)
    answer = await Answerer(client=client, model="m").answer(
        "What is the budget of the tram line?", STORIES
    )
    await client.close()
    assert answer.text == "It is budgeted at 480 million euros."
    assert [s.name for s in answer.sources] == ["courier.example"]
    sent = openai_server.requests[0]["messages"]
    assert "untrusted" in sent[0]["content"]
    passages = json.loads(sent[1]["content"])["passages"]
    assert any("480 million" in p["text"] for p in passages)
    assert not any("comet" in p["text"].lower() for p in passages)


@pytest.mark.parametrize("garbage", ["not json", '{"nothing": 1}', '{"answer": ""}'])
async def test_a_broken_model_answer_falls_back_to_quotes(openai_server: OpenAIServer, garbage):
    openai_server.answer_text(garbage)
    client = openai.AsyncOpenAI(api_key="k", base_url=openai_server.base_url, max_retries=0)
    answer = await Answerer(client=client).answer("What is the budget of the tram line?", STORIES)
    await client.close()
    assert answer.model is None
    assert "480 million" in answer.text
