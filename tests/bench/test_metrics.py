"""Tests for the article-extraction benchmark metric."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.metrics import (
    ShingleCounts,
    extraction_accuracy,
    extraction_precision,
    extraction_recall,
    extraction_scores,
    extraction_shingle_counts,
    extraction_shingles,
    extraction_tokens,
)


def test_tokens_are_word_runs_with_case_kept():
    assert extraction_tokens("Hello, world! It's 2019.") == ["Hello", "world", "It", "s", "2019"]


def test_tokens_of_none_are_empty():
    assert extraction_tokens(None) == []


def test_shingles_are_overlapping_four_token_windows():
    expected = Counter({("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1})
    assert extraction_shingles("a b c d e") == expected


def test_text_shorter_than_a_shingle_is_one_short_shingle():
    assert extraction_shingles("a b") == Counter({("a", "b"): 1})


def test_empty_text_has_no_shingles():
    assert extraction_shingles("  ,. ") == Counter()


@pytest.mark.parametrize(
    ("true", "pred", "expected"),
    [
        ("a b c d e", "a b c d e", ShingleCounts(1.0, 0.0, 0.0)),
        ("a b c d", "e f g h", ShingleCounts(0.0, 0.5, 0.5)),
        # Repeated shingles are matched as a bag: abcd twice in the truth, once predicted.
        ("a b c d a b c d", "a b c d", ShingleCounts(0.2, 0.0, 0.8)),
        ("a b c d", "", ShingleCounts(0.0, 0.0, 1.0)),
        ("", "", ShingleCounts(0.0, 0.0, 0.0)),
    ],
)
def test_shingle_counts_are_normalised_bag_matches(true, pred, expected):
    assert extraction_shingle_counts(true, pred) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("counts", "precision", "recall"),
    [
        (ShingleCounts(1.0, 0.0, 0.0), 1.0, 1.0),
        (ShingleCounts(0.0, 0.5, 0.5), 0.0, 0.0),
        (ShingleCounts(0.2, 0.0, 0.8), 1.0, 0.2),
        (ShingleCounts(0.5, 0.25, 0.25), 2 / 3, 2 / 3),
        (ShingleCounts(0.0, 0.0, 0.0), 1.0, 1.0),
    ],
)
def test_page_precision_and_recall(counts, precision, recall):
    assert extraction_precision(counts) == pytest.approx(precision)
    assert extraction_recall(counts) == pytest.approx(recall)


def test_exact_match_scores_one():
    scores = extraction_scores([("The ferry runs at noon today.", "The ferry runs at noon today.")])
    assert (scores.precision, scores.recall, scores.f1, scores.accuracy) == (1.0, 1.0, 1.0, 1.0)


def test_disjoint_texts_score_zero():
    scores = extraction_scores([("a b c d e", "v w x y z")])
    assert (scores.precision, scores.recall, scores.f1, scores.accuracy) == (0.0, 0.0, 0.0, 0.0)


def test_partial_overlap_with_repeated_tokens():
    scores = extraction_scores([("a b c d a b c d", "a b c d")])
    assert scores.precision == pytest.approx(1.0)
    assert scores.recall == pytest.approx(0.2)
    assert scores.f1 == pytest.approx(2 * 1.0 * 0.2 / 1.2)


def test_empty_prediction_counts_for_recall_only():
    scores = extraction_scores([("a b c d e", "a b c d e"), ("a b c d e", None)])
    assert scores.precision == pytest.approx(1.0)
    assert scores.recall == pytest.approx(0.5)
    assert scores.f1 == pytest.approx(2 / 3)


def test_pages_weigh_alike_whatever_their_length():
    long_page = " ".join(f"w{i}" for i in range(1000))
    scores = extraction_scores([(long_page, long_page), ("a b c d", "e f g h")])
    assert scores.recall == pytest.approx(0.5)


def test_accuracy_ignores_punctuation_and_spacing():
    assert extraction_accuracy("Hello,  world.", "Hello world") == 1.0


def test_no_pages_is_an_error():
    with pytest.raises(ValueError):
        extraction_scores([])
