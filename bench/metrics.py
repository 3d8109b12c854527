"""Evaluation metrics for benchmarks: pure functions over strings and counts.

The extraction metric reproduces scrapinghub/article-extraction-benchmark's ``evaluate.py``:
texts are tokenized with ``\\w+``, compared as bags of 4-token shingles, each page's
true/false positive/negative counts are normalised to sum to one, and precision and recall are
averaged over pages before F1 is taken from the two averages.
"""

from __future__ import annotations

import functools
import random
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)

EXTRACTION_SHINGLE_SIZE = 4


@dataclass(frozen=True, slots=True)
class ShingleCounts:
    """One page's true positives, false positives and false negatives (normalised to sum 1)."""

    tp: float
    fp: float
    fn: float


@dataclass(frozen=True, slots=True)
class ExtractionScores:
    """Corpus-level precision, recall, F1 and exact-match accuracy of an extractor."""

    precision: float
    recall: float
    f1: float
    accuracy: float
    pages: int


def extraction_tokens(text: str | None) -> list[str]:
    """Split text into the benchmark's tokens: runs of word characters, case kept."""
    return _TOKEN_RE.findall(text or "")


def extraction_shingles(
    text: str | None, n: int = EXTRACTION_SHINGLE_SIZE
) -> Counter[tuple[str, ...]]:
    """Count the n-token shingles of a text; a text shorter than n is one short shingle."""
    tokens = extraction_tokens(text)
    shingles = (tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))
    return Counter(s for s in shingles if s)


def extraction_shingle_counts(
    true: str | None, pred: str | None, n: int = EXTRACTION_SHINGLE_SIZE
) -> ShingleCounts:
    """Match the shingle bags of a reference and a prediction, normalised so pages weigh alike."""
    true_bag = extraction_shingles(true, n)
    pred_bag = extraction_shingles(pred, n)
    tp = float(sum((true_bag & pred_bag).values()))
    fp = float(sum((pred_bag - true_bag).values()))
    fn = float(sum((true_bag - pred_bag).values()))
    total = tp + fp + fn
    if total > 0:
        return ShingleCounts(tp / total, fp / total, fn / total)
    return ShingleCounts(tp, fp, fn)


def extraction_precision(counts: ShingleCounts) -> float:
    """Precision of one page as the benchmark scores it (1.0 when both texts are empty)."""
    if counts.fp == counts.fn == 0:
        return 1.0
    if counts.tp == counts.fp == 0:
        return 0.0
    return counts.tp / (counts.tp + counts.fp)


def extraction_recall(counts: ShingleCounts) -> float:
    """Recall of one page as the benchmark scores it (1.0 when both texts are empty)."""
    if counts.fp == counts.fn == 0:
        return 1.0
    if counts.tp == counts.fn == 0:
        return 0.0
    return counts.tp / (counts.tp + counts.fn)


def extraction_accuracy(true: str | None, pred: str | None) -> float:
    """1.0 when the prediction has exactly the reference's tokens, else 0.0."""
    return float(extraction_tokens(true) == extraction_tokens(pred))


def extraction_scores(pairs: Iterable[tuple[str | None, str | None]]) -> ExtractionScores:
    """Score (reference, prediction) pairs the way the benchmark's ``evaluate.py`` does.

    Pages with nothing predicted count for recall only, and pages with an empty reference
    for precision only, exactly as upstream.
    """
    counts: list[ShingleCounts] = []
    accuracies: list[float] = []
    for true, pred in pairs:
        counts.append(extraction_shingle_counts(true, pred))
        accuracies.append(extraction_accuracy(true, pred))
    if not counts:
        raise ValueError("no pages to score")
    precisions = [extraction_precision(c) for c in counts if c.tp + c.fp > 0]
    recalls = [extraction_recall(c) for c in counts if c.tp + c.fn > 0]
    precision = statistics.mean(precisions) if precisions else 0.0
    recall = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return ExtractionScores(
        precision=precision,
        recall=recall,
        f1=f1,
        accuracy=statistics.mean(accuracies),
        pages=len(counts),
    )


# --- Summary metrics: ROUGE (rouge-score, stemmed F1), grounding and length -------------------

ROUGE_TYPES = ("rouge1", "rouge2", "rougeLsum")


@functools.cache
def _rouge_scorer() -> Any:
    # Imported lazily: rouge-score (and nltk under it) is an evaluation-only dependency.
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)


def rouge_lines(text: str) -> str:
    """One sentence per line, the layout ROUGE-Lsum needs to find summary-level LCS."""
    from digests.summarize.sentences import split_sentences

    return "\n".join(split_sentences(text))


def rouge_f1(candidate: str, reference: str) -> dict[str, float]:
    """Stemmed ROUGE-1/2/Lsum F1 of one candidate against one reference, in percent."""
    scores = _rouge_scorer().score(rouge_lines(reference), rouge_lines(candidate))
    return {name: 100.0 * scores[name].fmeasure for name in ROUGE_TYPES}


def mean_rouge(pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Average ROUGE F1 (percent) over (candidate, reference) pairs."""
    rows = [rouge_f1(candidate, reference) for candidate, reference in pairs]
    if not rows:
        raise ValueError("no summaries to score")
    return {name: statistics.mean(row[name] for row in rows) for name in ROUGE_TYPES}


@dataclass(frozen=True, slots=True)
class PairedMargin:
    """How much one system beats another on the same articles, with a bootstrap interval.

    ``mean`` is the average per-article difference (points of ROUGE); ``low`` and ``high``
    bound its 95 % interval from resampling the articles; ``wins`` and ``losses`` count
    the articles where the first system scored higher or lower (the sign test's counts).
    """

    mean: float
    low: float
    high: float
    wins: int
    losses: int


BOOTSTRAP_RESAMPLES = 2000


def paired_margin(
    ours: Sequence[float],
    theirs: Sequence[float],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> PairedMargin:
    """The per-article margin of ``ours`` over ``theirs`` with a paired bootstrap 95 % CI."""
    if len(ours) != len(theirs):
        raise ValueError("paired scores need the same articles on both sides")
    if not ours:
        raise ValueError("no scores to compare")
    diffs = [a - b for a, b in zip(ours, theirs, strict=True)]
    # A fixed seed keeps the report reproducible; the interval is a property of the data.
    rng = random.Random(seed)
    n = len(diffs)
    means = sorted(statistics.mean(rng.choices(diffs, k=n)) for _ in range(resamples))
    return PairedMargin(
        mean=statistics.mean(diffs),
        low=means[int(0.025 * (resamples - 1))],
        high=means[int(0.975 * (resamples - 1))],
        wins=sum(1 for d in diffs if d > 0),
        losses=sum(1 for d in diffs if d < 0),
    )


def lead_sentences(text: str, count: int = 3) -> str:
    """The first ``count`` sentences of a text: the Lead-N baseline."""
    from digests.summarize.sentences import split_sentences

    return " ".join(split_sentences(text)[:count])


def lead_words(text: str, words: int) -> str:
    """The opening sentences of a text cut to exactly ``words`` words: a same-length baseline."""
    from digests.summarize.sentences import split_sentences

    taken: list[str] = []
    budget = words
    for sentence in split_sentences(text):
        if budget <= 0:
            break
        tokens = sentence.split()
        taken.append(" ".join(tokens[:budget]))
        budget -= len(tokens)
    return " ".join(taken)


@dataclass(frozen=True, slots=True)
class GroundingCounts:
    """How many key facts were checked, how many the source supports, how many were dropped."""

    facts: int
    grounded: int
    dropped: int

    @property
    def share(self) -> float:
        """Grounded facts as a fraction of all facts (1.0 when there are none)."""
        return self.grounded / self.facts if self.facts else 1.0


def grounding_counts(facts: Iterable[str], source: str, dropped: int = 0) -> GroundingCounts:
    """Count the facts whose numbers, dates and names all appear in the source."""
    from digests.summarize.facts import is_grounded

    listed = list(facts)
    grounded = sum(1 for fact in listed if is_grounded(fact, source))
    return GroundingCounts(facts=len(listed), grounded=grounded, dropped=dropped)


@dataclass(frozen=True, slots=True)
class LengthStats:
    """Word counts of a set of briefings and how many break the length limits."""

    briefings: int
    briefing_words_mean: float
    summary_words_mean: float
    summary_words_max: int
    fact_words_max: int
    facts_mean: float
    over_limit: int


def length_stats(
    briefings: Iterable[tuple[str, Sequence[str]]],
    summary_limit: int = 60,
    fact_limit: int = 30,
) -> LengthStats:
    """Length figures of (summary, key facts) pairs; ``over_limit`` counts broken limits."""
    rows = list(briefings)
    if not rows:
        raise ValueError("no briefings to measure")
    summary_words = [len(summary.split()) for summary, _ in rows]
    fact_words = [len(fact.split()) for _, facts in rows for fact in facts]
    over = sum(1 for n in summary_words if n > summary_limit)
    over += sum(1 for n in fact_words if n > fact_limit)
    return LengthStats(
        briefings=len(rows),
        briefing_words_mean=statistics.mean(
            s + sum(len(f.split()) for f in facts)
            for s, (_, facts) in zip(summary_words, rows, strict=True)
        ),
        summary_words_mean=statistics.mean(summary_words),
        summary_words_max=max(summary_words),
        fact_words_max=max(fact_words, default=0),
        facts_mean=statistics.mean(len(facts) for _, facts in rows),
        over_limit=over,
    )
