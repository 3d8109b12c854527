"""The offline summarizer: deterministic, short, grounded briefings from the article's text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digests.errors import SummaryError
from digests.records import SummaryInput
from digests.summarize.base import Summarizer
from digests.summarize.compress import compress, cut_to_words
from digests.summarize.extractive import ExtractiveSummarizer, ScoringWeights, clean_headline
from digests.summarize.facts import is_grounded

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "summaries"

ARTICLE = """\
The city council voted on Tuesday to close the Riverside Bridge for 18 months of repairs, \
after engineers found cracks in three of its steel supports.
The bridge, which opened in 1962, carries about 40,000 vehicles a day between Easton and \
the city centre.
Mayor Linda Park said the closure was unavoidable, according to a statement.
Engineers from Halden & Co inspected the bridge in March and recommended immediate action.
The repairs will cost an estimated $12.5 million, paid from the state infrastructure fund.
Commuters will be diverted to the Northgate tunnel, which is expected to add 20 minutes to \
peak journeys.
The closure means that buses on routes 4 and 7 will be rerouted through Millbrook.
Local businesses on Bridge Street fear a drop in trade, the chamber of commerce said.
A public meeting about the works will be held at the library on Thursday.
Work is scheduled to start on 1 June and finish by the end of next year.
"""

PLAIN = """\
The annual flower show opened in the town park on Saturday morning.
More than 200 gardeners entered roses, dahlias and sweet peas in 14 classes.
Judges awarded the top prize to Margaret Hill for a display of white lilies.
The show has been held in the park every summer since 1921.
Visitors queued at the gates before the doors opened at nine o'clock.
Tea and cakes were served by volunteers from the church hall.
"""


def _item(
    text: str = ARTICLE, title: str = "Riverside Bridge to close for repairs"
) -> SummaryInput:
    return SummaryInput(title=title, text=text)


def test_extractive_summarizer_satisfies_the_summarizer_interface() -> None:
    summarizer: Summarizer = ExtractiveSummarizer()
    assert summarizer.name == "extractive"


def test_briefing_is_deterministic() -> None:
    summarizer = ExtractiveSummarizer()
    assert summarizer.summarize_sync(_item()) == ExtractiveSummarizer().summarize_sync(_item())


async def test_async_summarize_returns_the_sync_briefing() -> None:
    summarizer = ExtractiveSummarizer()
    assert await summarizer.summarize(_item()) == summarizer.summarize_sync(_item())


def test_briefing_is_marked_as_extractive() -> None:
    assert ExtractiveSummarizer().summarize_sync(_item()).summarizer == "extractive"


@pytest.mark.parametrize("text", [ARTICLE, PLAIN])
def test_summary_has_one_to_three_sentences_within_sixty_words(text: str) -> None:
    briefing = ExtractiveSummarizer().summarize_sync(_item(text))
    sentences = [s for s in briefing.summary.replace("!", ".").split(". ") if s]
    assert 1 <= len(sentences) <= 3
    assert len(briefing.summary.split()) <= 60


@pytest.mark.parametrize("text", [ARTICLE, PLAIN])
def test_key_facts_are_two_to_five_each_within_thirty_words(text: str) -> None:
    briefing = ExtractiveSummarizer().summarize_sync(_item(text))
    assert 2 <= len(briefing.key_facts) <= 5
    assert all(len(fact.split()) <= 30 for fact in briefing.key_facts)


@pytest.mark.parametrize("text", [ARTICLE, PLAIN])
def test_key_facts_are_grounded_in_the_source(text: str) -> None:
    briefing = ExtractiveSummarizer().summarize_sync(_item(text))
    assert all(is_grounded(fact, text) for fact in briefing.key_facts)


def test_key_facts_do_not_repeat_the_summary() -> None:
    briefing = ExtractiveSummarizer().summarize_sync(_item())
    assert all(fact not in briefing.summary for fact in briefing.key_facts)


def test_why_it_matters_is_given_when_the_text_supports_one() -> None:
    briefing = ExtractiveSummarizer().summarize_sync(_item())
    assert briefing.why_it_matters is not None
    assert "\n" not in briefing.why_it_matters
    assert any(cue in briefing.why_it_matters for cue in ("means", "expected to"))


def test_why_it_matters_is_none_without_support() -> None:
    assert ExtractiveSummarizer().summarize_sync(_item(PLAIN)).why_it_matters is None


def test_headline_is_the_cleaned_title() -> None:
    briefing = ExtractiveSummarizer().summarize_sync(_item(title="  Bridge <b>to close</b>  "))
    assert briefing.headline == "Bridge to close"


def test_headline_without_title_is_a_compressed_first_sentence() -> None:
    headline = ExtractiveSummarizer().summarize_sync(_item(title="")).headline
    assert headline.startswith("The city council voted on Tuesday to close the Riverside Bridge")
    assert len(headline) <= 120


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Ad sales boost Time Warner profit", "Ad sales boost Time Warner profit"),
        ("Storm hits coast | Example News", "Storm hits coast"),
        ("Line\nbreak  title", "Line break title"),
    ],
)
def test_clean_headline_table(title: str, expected: str) -> None:
    assert clean_headline(title) == expected


def test_long_headline_is_cut_at_a_word_within_120_characters() -> None:
    headline = clean_headline("word " * 60)
    assert len(headline) <= 120
    assert headline.endswith("…")


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_empty_text_raises_summary_error(text: str) -> None:
    with pytest.raises(SummaryError):
        ExtractiveSummarizer().summarize_sync(_item(text))


def test_one_sentence_text_still_gives_a_briefing() -> None:
    briefing = ExtractiveSummarizer().summarize_sync(_item("The bridge will close in June."))
    assert briefing.summary == "The bridge will close in June."


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("But the bridge will close, he said.", "The bridge will close."),
        ("However, the bridge (built in 1962) will close.", "The bridge will close."),
        ("The bridge will close, according to the council.", "The bridge will close."),
        ("Meanwhile, the mayor, who took office in May, agreed.", "The mayor agreed."),
        ("That is what he said.", "That is what he said."),
    ],
)
def test_compress_table(sentence: str, expected: str) -> None:
    assert compress(sentence) == expected


def test_cut_to_words_keeps_a_whole_clause() -> None:
    sentence = (
        "The council voted to close the bridge for repairs on Tuesday - a decision that "
        "followed months of argument between engineers, residents and the regional government."
    )
    assert (
        cut_to_words(sentence, 15)
        == "The council voted to close the bridge for repairs on Tuesday."
    )


def test_summary_opens_with_the_lead_sentence() -> None:
    briefing = ExtractiveSummarizer().summarize_sync(_item())
    assert briefing.summary.startswith("The city council voted on Tuesday to close")


def test_summary_skips_speech_carried_over_from_a_quote() -> None:
    text = (
        "The club named Gary Locke as its permanent manager on Friday after a trial spell.\n"
        "It’s a fantastic opportunity for everyone involved at the club.\n"
        "Locke won six of his first eight games in charge of the first team.\n"
        "The club sits fourth in the league table with five games left to play."
    )
    briefing = ExtractiveSummarizer().summarize_sync(_item(text, title="Locke named manager"))
    assert "fantastic" not in briefing.summary


def test_summary_skips_a_sentence_that_repeats_one_it_holds() -> None:
    text = (
        "Divorced people can expect a retirement income far lower than their married peers.\n"
        "Divorced people can expect a retirement income far lower than married peers.\n"
        "The gap amounts to about 2,100 pounds a year for the typical retired worker.\n"
        "One in five divorcees who retire this year will still carry debts, the survey found."
    )
    briefing = ExtractiveSummarizer().summarize_sync(_item(text, title="Divorce costs"))
    assert briefing.summary.count("Divorced people") == 1


def test_glued_caption_is_split_from_the_sentence_it_precedes() -> None:
    text = (
        "Locke will be confirmed as manager on Friday He replaced Allan Johnston in February "
        "and has won six of his eight games.\n" + PLAIN
    )
    summary = ExtractiveSummarizer().summarize_sync(_item(text, title="")).summary
    assert "Friday He" not in summary


@pytest.mark.parametrize(("budget", "sentences"), [(10, 2), (60, 3)])
def test_third_summary_sentence_joins_only_within_the_summary_budget(
    budget: int, sentences: int
) -> None:
    summarizer = ExtractiveSummarizer(ScoringWeights(summary_words=budget))
    summary = summarizer.summarize_sync(_item(PLAIN, title="Flower show opens")).summary
    assert summary.count(". ") + 1 == sentences


@pytest.mark.parametrize(("budget", "facts"), [(10, 2), (500, 3)])
def test_facts_past_two_join_only_within_the_briefing_budget(budget: int, facts: int) -> None:
    summarizer = ExtractiveSummarizer(ScoringWeights(briefing_words=budget))
    assert len(summarizer.summarize_sync(_item(PLAIN, title="Flower show")).key_facts) == facts


def _rows(name: str) -> list[dict[str, str]]:
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"shared data not available: {path}")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle][:20]


@pytest.mark.parametrize("name", ["cnndm_dev125.jsonl", "bbc_news_summary100.jsonl"])
def test_real_articles_give_briefings_within_the_limits(name: str) -> None:
    summarizer = ExtractiveSummarizer()
    for row in _rows(name):
        briefing = summarizer.summarize_sync(
            SummaryInput(title=row.get("title", ""), text=row["article"])
        )
        assert len(briefing.summary.split()) <= 60
        assert len(briefing.key_facts) <= 5
        assert all(len(fact.split()) <= 30 for fact in briefing.key_facts)
        assert all(is_grounded(fact, row["article"]) for fact in briefing.key_facts)
        assert len(briefing.headline) <= 120
