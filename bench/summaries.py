"""Summary-quality evaluation of the offline briefing against human reference summaries.

Scores the briefing as a reader sees it (summary plus key facts) with ROUGE-1/2/Lsum beside
Lead-3 and beside the article's opening cut to the briefing's own length; reports how many
key facts are grounded in the source, how many the check dropped, and the briefing lengths.

    python -m bench.summaries --data ../shared/data
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.metrics import (
    GroundingCounts,
    grounding_counts,
    lead_sentences,
    lead_words,
    length_stats,
    mean_rouge,
)
from digests.records import Briefing, SummaryInput
from digests.summarize.extractive import ExtractiveSummarizer

SUMMARIES_SUBDIR = Path("summaries")
DATASETS = {
    "cnndm_dev125": "cnndm_dev125.jsonl",
    "bbc_news_summary100": "bbc_news_summary100.jsonl",
}


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
        item = SummaryInput(title=str(row.get("title") or ""), text=str(row["article"]))
        briefings.append(summarizer.summarize_sync(item))
    seconds = time.perf_counter() - started

    references = [reference_text(row) for row in rows]
    candidates = [briefing_text(b) for b in briefings]
    same_length = [
        lead_words(str(row["article"]), len(text.split()))
        for row, text in zip(rows, candidates, strict=True)
    ]
    rouge = {
        "briefing": mean_rouge(zip(candidates, references, strict=True)),
        "summary_only": mean_rouge(zip((b.summary for b in briefings), references, strict=True)),
        "lead3": mean_rouge(
            zip((lead_sentences(str(r["article"]), 3) for r in rows), references, strict=True)
        ),
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
    lengths = length_stats((b.summary, b.key_facts) for b in briefings)
    return {
        "articles": len(rows),
        "rouge": rouge,
        "grounding": {**asdict(total), "share": total.share},
        "length": asdict(lengths),
        "why_it_matters": sum(1 for b in briefings if b.why_it_matters),
        "seconds": seconds,
        "articles_per_second": len(rows) / seconds if seconds > 0 else float("inf"),
    }


def evaluate_summaries(
    data_dir: Path, summarizer: ExtractiveSummarizer | None = None
) -> dict[str, Any]:
    """Run the summary evaluation on every dataset found under ``data_dir``."""
    summarizer = summarizer or ExtractiveSummarizer()
    folder = data_dir / SUMMARIES_SUBDIR
    if not folder.is_dir():
        folder = data_dir
    results: dict[str, Any] = {}
    for name, filename in DATASETS.items():
        path = folder / filename
        if path.is_file():
            results[name] = evaluate_dataset(load_dataset(path), summarizer)
    if not results:
        raise FileNotFoundError(f"no summary datasets under {folder}")
    target_met = all(
        r["rouge"]["briefing"]["rouge2"] >= r["rouge"]["lead3"]["rouge2"] for r in results.values()
    )
    return {"datasets": results, "target_briefing_rouge2_ge_lead3": target_met}


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
