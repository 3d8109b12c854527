"""Summary-quality evaluation of the offline briefing against human reference summaries.

Scores the briefing as a reader sees it (summary plus key facts) with ROUGE-1/2/Lsum beside
Lead-3 and beside the article's opening cut to the briefing's own length; reports how many
key facts are grounded in the source, how many the check dropped, and the briefing lengths;
how many emitted sentences are the article's own (or safely shortened ones that keep subject
and verb); how many key facts a briefing has; a cross-validated ROUGE figure: weights
chosen on four fifths of both sets together, scored on the fifth left out; and the paired
per-article margin over Lead-3 (with and without cross-validation), with a bootstrap 95 %
interval and the counts of articles won and lost, so a difference can be told from noise.

    python -m bench.summaries --data ../shared/data
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.metrics import (
    GroundingCounts,
    grounding_counts,
    lead_sentences,
    lead_words,
    length_stats,
    mean_rouge,
    paired_margin,
    rouge_f1,
)
from digests.records import Briefing, SummaryInput
from digests.summarize.compress import keeps_subject_and_verb
from digests.summarize.extractive import ADDS_LABEL, ExtractiveSummarizer, ScoringWeights
from digests.summarize.limits import FACT_MAX_WORDS, SUMMARY_MAX_WORDS
from digests.summarize.sentences import normalize_space, split_run_ons, split_sentences

SUMMARIES_SUBDIR = Path("summaries")
DATASETS = {
    "cnndm_dev125": "cnndm_dev125.jsonl",
    "bbc_news_summary100": "bbc_news_summary100.jsonl",
}
# The weights cross-validation chooses among: the position prior's weight against
# centrality, and the briefing's word budget. Small on purpose: two numbers, 16 settings.
WEIGHT_GRID = tuple(
    ScoringWeights(position=position, briefing_words=words)
    for position, words in itertools.product((0.25, 0.5, 1.0, 2.0), (60, 70, 80, 90))
)
FOLDS = 5
ROUGE_KEYS = ("rouge1", "rouge2", "rougeLsum")
_ADDS_SEPARATOR = ADDS_LABEL.split("{name}")[1]


@dataclass(frozen=True, slots=True)
class GrammarCounts:
    """Emitted sentences: how many are the article's own, how many shortened keep their verb."""

    sentences: int
    verbatim: int
    shortened: int
    shortened_complete: int

    @property
    def share(self) -> float:
        """Sentences that are verbatim or pass the subject-and-verb check, as a fraction."""
        good = self.verbatim + self.shortened_complete
        return good / self.sentences if self.sentences else 1.0


def emitted_sentences(briefing: Briefing) -> list[str]:
    """Every sentence a briefing shows: the summary's, each key fact, why it matters."""
    facts = [fact.split(_ADDS_SEPARATOR, 1)[-1] for fact in briefing.key_facts]
    why = [briefing.why_it_matters] if briefing.why_it_matters else []
    return [*split_sentences(briefing.summary), *facts, *why]


def grammar_counts(briefing: Briefing, article: str) -> GrammarCounts:
    """Check each emitted sentence against the article's sentences and the grammar rule."""
    own = {
        normalize_space(piece)
        for sentence in split_sentences(article)
        for piece in split_run_ons(sentence)
    }
    verbatim = shortened = complete = 0
    emitted = emitted_sentences(briefing)
    for sentence in emitted:
        if normalize_space(sentence) in own:
            verbatim += 1
        else:
            shortened += 1
            complete += keeps_subject_and_verb(sentence)
    return GrammarCounts(len(emitted), verbatim, shortened, complete)


def _add_grammar(a: GrammarCounts, b: GrammarCounts) -> GrammarCounts:
    return GrammarCounts(
        a.sentences + b.sentences,
        a.verbatim + b.verbatim,
        a.shortened + b.shortened,
        a.shortened_complete + b.shortened_complete,
    )


def fact_counts(briefings: Sequence[Briefing]) -> dict[str, Any]:
    """Key facts per briefing: the mean and how many briefings have 0, 1, 2 and 3+."""
    counts = [len(b.key_facts) for b in briefings]
    spread = {str(n): sum(1 for c in counts if c == n) for n in range(3)}
    spread["3+"] = sum(1 for c in counts if c >= 3)
    return {"mean": statistics.mean(counts) if counts else 0.0, "briefings": spread}


def load_dataset(path: Path) -> list[dict[str, Any]]:
    """Read one JSONL file of articles with their reference summaries."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def reference_text(row: dict[str, Any]) -> str:
    """The reference summary with one sentence per line (CNN/DM joins highlights with ' . ')."""
    reference = str(row["reference"])
    if row.get("dataset") == "cnndm" or " . " in reference:
        parts = [p.strip() for p in reference.split(" . ") if p.strip()]
        return "\n".join(p if p.endswith(".") else p + " ." for p in parts)
    return reference


def _item(row: dict[str, Any]) -> SummaryInput:
    return SummaryInput(title=str(row.get("title") or ""), text=str(row["article"]))


def briefing_text(briefing: Briefing) -> str:
    """What a reader sees of a briefing's content: the summary, then each key fact."""
    return "\n".join([briefing.summary, *briefing.key_facts])


def evaluate_dataset(
    rows: list[dict[str, Any]], summarizer: ExtractiveSummarizer
) -> dict[str, Any]:
    """Score one dataset: ROUGE of briefing and baselines, grounding, length and speed."""
    briefings: list[Briefing] = []
    started = time.perf_counter()
    for row in rows:
        briefings.append(summarizer.summarize_sync(_item(row)))
    seconds = time.perf_counter() - started

    references = [reference_text(row) for row in rows]
    candidates = [briefing_text(b) for b in briefings]
    same_length = [
        lead_words(str(row["article"]), len(text.split()))
        for row, text in zip(rows, candidates, strict=True)
    ]
    ours = [rouge_f1(c, r) for c, r in zip(candidates, references, strict=True)]
    lead = [
        rouge_f1(lead_sentences(str(row["article"]), 3), reference)
        for row, reference in zip(rows, references, strict=True)
    ]
    rouge = {
        "briefing": _means(ours),
        "summary_only": mean_rouge(zip((b.summary for b in briefings), references, strict=True)),
        "lead3": _means(lead),
        "lead_same_length": mean_rouge(zip(same_length, references, strict=True)),
    }
    total = GroundingCounts(facts=0, grounded=0, dropped=0)
    for row, briefing in zip(rows, briefings, strict=True):
        counts = grounding_counts(briefing.key_facts, str(row["article"]), briefing.dropped_facts)
        total = GroundingCounts(
            facts=total.facts + counts.facts,
            grounded=total.grounded + counts.grounded,
            dropped=total.dropped + counts.dropped,
        )
    lengths = length_stats(
        ((b.summary, b.key_facts) for b in briefings),
        summary_limit=SUMMARY_MAX_WORDS,
        fact_limit=FACT_MAX_WORDS,
    )
    grammar = GrammarCounts(0, 0, 0, 0)
    for row, briefing in zip(rows, briefings, strict=True):
        grammar = _add_grammar(grammar, grammar_counts(briefing, str(row["article"])))
    return {
        "articles": len(rows),
        "rouge": rouge,
        "vs_lead3": margins_over(ours, lead),
        "grounding": {**asdict(total), "share": total.share},
        "length": asdict(lengths),
        "grammar": {**asdict(grammar), "share": grammar.share},
        "key_facts": fact_counts(briefings),
        "why_it_matters": sum(1 for b in briefings if b.why_it_matters),
        "seconds": seconds,
        "articles_per_second": len(rows) / seconds if seconds > 0 else float("inf"),
    }


def _article_scores(
    rows: Sequence[dict[str, Any]], weights: ScoringWeights
) -> list[dict[str, float]]:
    summarizer = ExtractiveSummarizer(weights)
    return [
        rouge_f1(briefing_text(summarizer.summarize_sync(_item(row))), reference_text(row))
        for row in rows
    ]


def _mean(rows: Sequence[dict[str, float]], key: str) -> float:
    return statistics.mean(row[key] for row in rows)


def _means(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    return {key: _mean(rows, key) for key in ROUGE_KEYS}


def margins_over(
    ours: Sequence[dict[str, float]], base: Sequence[dict[str, float]]
) -> dict[str, dict[str, float | int]]:
    """Paired ROUGE-1 and -2 margins of per-article scores over a baseline's, with 95 % CIs."""
    return {
        key: asdict(paired_margin([o[key] for o in ours], [b[key] for b in base]))
        for key in ("rouge1", "rouge2")
    }


def cross_validate(
    sets: dict[str, list[dict[str, Any]]],
    grid: Sequence[ScoringWeights] = WEIGHT_GRID,
    folds: int = FOLDS,
) -> dict[str, Any]:
    """ROUGE of the briefing with weights never chosen on the article being scored.

    Article ``i`` of every set lies in fold ``i % folds``. For each fold, the weights whose
    worst margin over Lead-3 (ROUGE-1 or -2, on any set) is largest on the other folds are
    used for that fold's articles: one choice for all sets, as the summarizer ships one.
    """
    lead = {
        name: [rouge_f1(lead_sentences(str(r["article"]), 3), reference_text(r)) for r in rows]
        for name, rows in sets.items()
    }
    scores = {
        weights: {name: _article_scores(rows, weights) for name, rows in sets.items()}
        for weights in grid
    }

    def worst_margin(weights: ScoringWeights, fold: int) -> float:
        margins: list[float] = []
        for name, rows in sets.items():
            train = [i for i in range(len(rows)) if i % folds != fold]
            if not train:
                continue
            for key in ("rouge1", "rouge2"):
                ours = statistics.mean(scores[weights][name][i][key] for i in train)
                base = statistics.mean(lead[name][i][key] for i in train)
                margins.append(ours - base)
        return min(margins, default=0.0)

    chosen = [max(grid, key=lambda w, f=fold: worst_margin(w, f)) for fold in range(folds)]
    results: dict[str, Any] = {}
    for name, rows in sets.items():
        held_out = [scores[chosen[i % folds]][name][i] for i in range(len(rows))]
        results[name] = {
            "briefing": _means(held_out),
            "lead3": _means(lead[name]),
            "vs_lead3": margins_over(held_out, lead[name]),
        }
    return {"folds": folds, "chosen": [asdict(w) for w in chosen], "datasets": results}


def evaluate_summaries(
    data_dir: Path,
    summarizer: ExtractiveSummarizer | None = None,
    grid: Sequence[ScoringWeights] = WEIGHT_GRID,
) -> dict[str, Any]:
    """Run the summary evaluation on every dataset found under ``data_dir``."""
    summarizer = summarizer or ExtractiveSummarizer()
    folder = data_dir / SUMMARIES_SUBDIR
    if not folder.is_dir():
        folder = data_dir
    sets: dict[str, list[dict[str, Any]]] = {}
    results: dict[str, Any] = {}
    for name, filename in DATASETS.items():
        path = folder / filename
        if path.is_file():
            sets[name] = load_dataset(path)
            results[name] = evaluate_dataset(sets[name], summarizer)
    if not results:
        raise FileNotFoundError(f"no summary datasets under {folder}")
    target_met = all(
        r["rouge"]["briefing"][key] >= r["rouge"]["lead3"][key]
        for r in results.values()
        for key in ("rouge1", "rouge2")
    )
    return {
        "datasets": results,
        "weights": asdict(summarizer.weights),
        "cross_validated": cross_validate(sets, grid) if grid else None,
        "target_briefing_rouge12_ge_lead3": target_met,
    }


def format_rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    """Table rows (dataset, system, R-1, R-2, R-Lsum, words) for the summary results."""
    rows: list[tuple[str, ...]] = []
    for name, result in results["datasets"].items():
        words = f"{result['length']['briefing_words_mean']:.0f}"
        for system, scores in result["rouge"].items():
            rows.append(
                (
                    name,
                    system,
                    f"{scores['rouge1']:.1f}",
                    f"{scores['rouge2']:.1f}",
                    f"{scores['rougeLsum']:.1f}",
                    words if system in {"briefing", "lead_same_length"} else "",
                )
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the summary evaluation as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args(argv)
    print(json.dumps(evaluate_summaries(args.data), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
