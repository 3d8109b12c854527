"""ROUGE, grounding and length helpers of the summary evaluation, on tiny hand-made cases."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bench.metrics import (
    GroundingCounts,
    grounding_counts,
    lead_sentences,
    lead_words,
    length_stats,
    mean_rouge,
    paired_margin,
    rouge_f1,
    rouge_lines,
)
from bench.quality import build_table
from bench.summaries import (
    GrammarCounts,
    briefing_text,
    cross_validate,
    emitted_sentences,
    evaluate_summaries,
    fact_counts,
    grammar_counts,
    reference_text,
)
from digests.records import Briefing
from digests.summarize.extractive import ScoringWeights


def test_identical_texts_score_one_hundred() -> None:
    scores = rouge_f1("The cat sat on the mat.", "The cat sat on the mat.")
    assert scores == pytest.approx({"rouge1": 100.0, "rouge2": 100.0, "rougeLsum": 100.0})


def test_disjoint_texts_score_zero() -> None:
    scores = rouge_f1("Dogs bark loudly.", "The cat sat on the mat.")
    assert scores == {"rouge1": 0.0, "rouge2": 0.0, "rougeLsum": 0.0}


def test_rouge_is_stemmed() -> None:
    assert rouge_f1("cats running", "cat runs")["rouge1"] == pytest.approx(100.0)


def test_rouge_two_counts_shared_bigrams() -> None:
    # Candidate bigrams: the-cat, cat-sat; the reference shares only the-cat. P=R=1/2.
    assert rouge_f1("the cat sat", "the cat ran")["rouge2"] == pytest.approx(50.0)


def test_mean_rouge_averages_pairs() -> None:
    scores = mean_rouge([("the cat sat", "the cat sat"), ("dogs bark", "the cat sat")])
    assert scores["rouge1"] == pytest.approx(50.0)


def test_mean_rouge_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        mean_rouge([])


def test_rouge_lines_puts_one_sentence_per_line() -> None:
    assert rouge_lines("Mr. Smith left. He came back.") == "Mr. Smith left.\nHe came back."


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "One here."), (2, "One here. Two here."), (5, "One here. Two here. Three here.")],
)
def test_lead_sentences_table(count: int, expected: str) -> None:
    assert lead_sentences("One here. Two here. Three here.", count) == expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [(1, "One"), (3, "One here. Two"), (6, "One here. Two here. Three here."), (9, None)],
)
def test_lead_words_cuts_the_opening_to_a_word_count(words: int, expected: str | None) -> None:
    text = "One here. Two here. Three here."
    assert lead_words(text, words) == (expected or text)


def test_grounding_counts_facts_the_source_supports() -> None:
    counts = grounding_counts(
        ["Sales rose 5% in May.", "Sales rose 7% in May."], "Sales rose 5% in May.", dropped=2
    )
    assert counts == GroundingCounts(facts=2, grounded=1, dropped=2)
    assert counts.share == pytest.approx(0.5)


def test_grounding_share_without_facts_is_complete() -> None:
    assert GroundingCounts(facts=0, grounded=0, dropped=0).share == 1.0


def test_length_stats_count_words_and_limit_breaks() -> None:
    stats = length_stats(
        [("one two three", ("a b", "c d e")), ("word " * 61, ("x " * 31,))],
        summary_limit=60,
        fact_limit=30,
    )
    assert stats.briefings == 2
    assert stats.summary_words_max == 61
    assert stats.fact_words_max == 31
    assert stats.over_limit == 2
    assert stats.briefing_words_mean == pytest.approx((3 + 5 + 61 + 31) / 2)
    assert stats.facts_mean == pytest.approx(1.5)


def test_cnndm_reference_highlights_become_lines() -> None:
    row = {"dataset": "cnndm", "reference": "Locke is boss . Club went unbeaten ."}
    assert reference_text(row) == "Locke is boss .\nClub went unbeaten ."


def test_briefing_text_is_summary_then_facts() -> None:
    briefing = Briefing(
        headline="h", summary="S.", key_facts=("A.", "B."), why_it_matters=None,
        summarizer="extractive",
    )  # fmt: skip
    assert briefing_text(briefing) == "S.\nA.\nB."


ARTICLES = [
    {
        "id": "a1",
        "title": "Bridge to close",
        "article": (
            "The council will close the Riverside Bridge for 18 months of repairs. "
            "Engineers found cracks in three steel supports in March. "
            "The repairs will cost $12.5 million from the state fund. "
            "Commuters will use the Northgate tunnel instead. "
            "The closure means buses on route 4 will be rerouted."
        ),
        "reference": "The Riverside Bridge will close for 18 months of repairs.\n"
        "The repairs will cost $12.5 million.",
    }
]


def test_evaluate_summaries_reports_every_figure(tmp_path: Path) -> None:
    folder = tmp_path / "summaries"
    folder.mkdir()
    lines = "\n".join(json.dumps(row) for row in ARTICLES)
    (folder / "bbc_news_summary100.jsonl").write_text(lines, encoding="utf-8")
    report = evaluate_summaries(tmp_path, grid=GRID)
    result = report["datasets"]["bbc_news_summary100"]
    assert set(result["rouge"]) == {"briefing", "summary_only", "lead3", "lead_same_length"}
    assert result["grounding"]["share"] == 1.0
    assert result["length"]["over_limit"] == 0
    assert result["grammar"]["share"] == 1.0
    assert result["key_facts"]["mean"] >= 1
    assert report["cross_validated"]["datasets"]["bbc_news_summary100"]["briefing"]["rouge1"] > 0
    margin = result["vs_lead3"]["rouge2"]
    assert margin["low"] <= margin["mean"] <= margin["high"]
    assert margin["wins"] + margin["losses"] <= len(ARTICLES)
    # extraction skipped, 4 ROUGE rows, the cross-validated row, the paired margins with and
    # without cross-validation, grammar, facts, grounding, length.
    assert build_table({"extraction": None, "summaries": report}).row_count == 12


GRID = (ScoringWeights(position=0.5, briefing_words=40), ScoringWeights(position=0.5))


def _briefing(summary: str, facts: tuple[str, ...], why: str | None = None) -> Briefing:
    return Briefing(
        headline="h", summary=summary, key_facts=facts, why_it_matters=why,
        summarizer="extractive",
    )  # fmt: skip


def test_emitted_sentences_drop_the_outlet_label() -> None:
    briefing = _briefing("One here. Two here.", ("Wire adds: Three here.",), "Four here.")
    assert emitted_sentences(briefing) == ["One here.", "Two here.", "Three here.", "Four here."]


def test_grammar_counts_verbatim_and_checked_cuts() -> None:
    article = "The bridge will close in June, the council said. Buses will be rerouted."
    briefing = _briefing(
        "The bridge will close in June.", ("Buses will be rerouted.", "A spokesman for it.")
    )
    counts = grammar_counts(briefing, article)
    assert counts == GrammarCounts(sentences=3, verbatim=1, shortened=2, shortened_complete=1)
    assert counts.share == pytest.approx(2 / 3)


def test_fact_counts_spread_briefings_by_number_of_facts() -> None:
    briefings = [_briefing("S.", ()), _briefing("S.", ("A.",)), _briefing("S.", ("A.",) * 4)]
    assert fact_counts(briefings) == {
        "mean": pytest.approx(5 / 3),
        "briefings": {"0": 1, "1": 1, "2": 0, "3+": 1},
    }


def test_cross_validation_scores_each_article_with_weights_chosen_without_it() -> None:
    rows = ARTICLES * 5
    result = cross_validate({"set": rows}, GRID, folds=5)
    assert len(result["chosen"]) == 5
    assert all(choice in [dataclasses.asdict(w) for w in GRID] for choice in result["chosen"])
    assert set(result["datasets"]["set"]) == {"briefing", "lead3", "vs_lead3"}


def test_evaluate_summaries_without_data_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        evaluate_summaries(tmp_path)


def test_paired_margin_of_a_constant_lead_is_that_lead() -> None:
    margin = paired_margin([3.0, 4.0, 5.0], [1.0, 2.0, 3.0])
    assert (margin.mean, margin.low, margin.high) == (2.0, 2.0, 2.0)
    assert (margin.wins, margin.losses) == (3, 0)


def test_paired_margin_interval_spans_a_mixed_difference() -> None:
    margin = paired_margin([1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 2.0])
    assert margin.low < 0.0 < margin.high
    assert (margin.wins, margin.losses) == (2, 2)


def test_paired_margin_needs_the_same_articles() -> None:
    with pytest.raises(ValueError):
        paired_margin([1.0], [1.0, 2.0])
