"""Article-extraction evaluation on two benchmarks: AEB and the WCXB dev split, side by side.

Scores the project's extraction (``digests.extract_article``) against trafilatura with its
defaults and with ``include_comments=False`` (the setting AEB's runner uses), each set with
its own metric: AEB's shingle F1 (``bench.metrics``) and WCXB's word F1 over lower-cased
``\\w+`` tokens, averaged per page (its ``evaluate.py``). It also measures the junk rules: the
share of the tokens they removed that are gold article text, which must stay small.

    python -m bench.extraction --data ../shared/data
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trafilatura

from bench.metrics import extraction_scores
from digests.extract import read_page

AEB_SUBDIR = Path("extraction") / "aeb"
WCXB_SUBDIR = Path("extraction") / "wcxb-dev"

Extractor = Callable[[str, str | None], str | None]


@dataclass(frozen=True, slots=True)
class Page:
    """One benchmark page: its id, address, HTML and gold article text."""

    page_id: str
    url: str | None
    html: str
    gold: str


@dataclass(frozen=True, slots=True)
class Scores:
    """An extractor's precision, recall and F1 on one set, by that set's own metric."""

    precision: float
    recall: float
    f1: float
    pages: int


@dataclass(frozen=True, slots=True)
class JunkShare:
    """Tokens the junk rules removed, and how many of them were gold article text.

    A removed line counts as gold when its tokens occur, in order, in the page's gold text.
    """

    removed_tokens: int
    gold_tokens: int
    # rule name -> (removed tokens, gold tokens among them)
    rules: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def share(self) -> float:
        """Share of the removed tokens that were gold text (0 when nothing was removed)."""
        return self.gold_tokens / self.removed_tokens if self.removed_tokens else 0.0


@dataclass(frozen=True, slots=True)
class SetResult:
    """Every extractor's scores on one benchmark, and the junk rules' removal there."""

    metric: str
    systems: dict[str, Scores]
    junk: JunkShare
    # The project's and the best trafilatura setting's F1 on each half of the set (odd and
    # even page numbers): a setting tuned on one half is checked on the other.
    halves: dict[str, dict[str, float]] = field(default_factory=dict)


# --- loading ---------------------------------------------------------------------------------


def _read_gz(path: Path) -> str:
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        return f.read()


def aeb_dir(data_dir: Path) -> Path:
    """AEB's folder inside a data folder, or the folder itself if it is that."""
    nested = data_dir / AEB_SUBDIR
    return nested if nested.is_dir() else data_dir


def load_aeb(data_dir: Path) -> list[Page]:
    """Every AEB page, in id order."""
    root = aeb_dir(data_dir)
    truth: dict[str, dict[str, Any]] = json.loads(
        (root / "ground-truth.json").read_text(encoding="utf-8")
    )
    return [
        Page(
            page_id,
            truth[page_id].get("url"),
            _read_gz(root / "html" / f"{page_id}.html.gz"),
            truth[page_id].get("articleBody") or "",
        )
        for page_id in sorted(truth)
    ]


def load_wcxb(data_dir: Path) -> list[Page]:
    """Every WCXB dev page, in id order."""
    root = data_dir / WCXB_SUBDIR
    pages = []
    for path in sorted((root / "ground-truth").glob("*.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        gold = entry.get("ground_truth")
        if not isinstance(gold, dict):
            continue
        html = _read_gz(root / "html" / f"{path.stem}.html.gz")
        pages.append(Page(path.stem, entry.get("url"), html, gold.get("main_content") or ""))
    return pages


def _has_aeb(data_dir: Path) -> bool:
    return (aeb_dir(data_dir) / "ground-truth.json").is_file()


def _has_wcxb(data_dir: Path) -> bool:
    return (data_dir / WCXB_SUBDIR / "ground-truth").is_dir()


# --- metrics ---------------------------------------------------------------------------------

_WORD_RE = re.compile(r"\w+")


def _words(text: str | None) -> list[str]:
    return _WORD_RE.findall((text or "").lower())


def word_prf(predicted: str | None, reference: str) -> tuple[float, float, float]:
    """WCXB's per-page word precision, recall and F1 (lower-cased ``\\w+`` tokens as bags)."""
    pred, ref = _words(predicted), _words(reference)
    if not ref:
        return (1.0, 1.0, 1.0) if not pred else (0.0, 0.0, 0.0)
    if not pred:
        return (0.0, 0.0, 0.0)
    overlap = sum((Counter(pred) & Counter(ref)).values())
    precision, recall = overlap / len(pred), overlap / len(ref)
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return precision, recall, f1


def wcxb_scores(pairs: Sequence[tuple[str, str | None]]) -> Scores:
    """WCXB's corpus scores: per-page precision, recall and F1, each averaged over pages."""
    if not pairs:
        raise ValueError("no pages to score")
    per_page = [word_prf(pred, gold) for gold, pred in pairs]
    return Scores(
        precision=statistics.mean(p for p, _, _ in per_page),
        recall=statistics.mean(r for _, r, _ in per_page),
        f1=statistics.mean(f for _, _, f in per_page),
        pages=len(pairs),
    )


def aeb_scores(pairs: Sequence[tuple[str, str | None]]) -> Scores:
    """AEB's corpus scores (shingle precision and recall averaged over pages, then F1)."""
    s = extraction_scores(pairs)
    return Scores(precision=s.precision, recall=s.recall, f1=s.f1, pages=s.pages)


def junk_share(pages: Iterable[tuple[str, Sequence[tuple[str, str]]]]) -> JunkShare:
    """How many removed tokens were gold text, from (gold, [(rule, removed line)]) per page."""
    removed = gold = 0
    rules: dict[str, tuple[int, int]] = {}
    for reference, lines in pages:
        haystack = f" {' '.join(_words(reference))} "
        for rule, line in lines:
            tokens = _words(line)
            hit = len(tokens) if tokens and f" {' '.join(tokens)} " in haystack else 0
            removed += len(tokens)
            gold += hit
            seen, seen_gold = rules.get(rule, (0, 0))
            rules[rule] = (seen + len(tokens), seen_gold + hit)
    return JunkShare(removed, gold, dict(sorted(rules.items())))


# --- extractors ------------------------------------------------------------------------------


def plain_trafilatura(html: str, url: str | None) -> str | None:
    """trafilatura with its defaults."""
    return trafilatura.extract(html)


def trafilatura_without_comments(html: str, url: str | None) -> str | None:
    """trafilatura as AEB's runner calls it: comments left out."""
    return trafilatura.extract(html, include_comments=False)


PROJECT = "project"
BASELINES: dict[str, Extractor] = {
    "trafilatura (defaults)": plain_trafilatura,
    "trafilatura (no comments)": trafilatura_without_comments,
}

Scorer = Callable[[Sequence[tuple[str, str | None]]], Scores]
DATASETS: dict[str, tuple[str, Callable[[Path], bool], Callable[[Path], list[Page]], Scorer]] = {
    "aeb": ("shingle F1 (AEB)", _has_aeb, load_aeb, aeb_scores),
    "wcxb-dev": ("word F1 (WCXB)", _has_wcxb, load_wcxb, wcxb_scores),
}


def _halves(
    pages: Sequence[Page], predictions: dict[str, list[str | None]], score: Scorer
) -> dict[str, dict[str, float]]:
    halves: dict[str, dict[str, float]] = {}
    for half, parity in (("odd ids", 1), ("even ids", 0)):
        chosen = [
            i for i, p in enumerate(pages) if p.page_id.isdigit() and int(p.page_id) % 2 == parity
        ]
        if chosen:
            halves[half] = {
                name: score([(pages[i].gold, preds[i]) for i in chosen]).f1
                for name, preds in predictions.items()
            }
    return halves


def evaluate_set(pages: Sequence[Page], metric: str, score: Scorer) -> SetResult:
    """Score the project and each trafilatura setting on one set's pages."""
    readings = [read_page(p.html, p.url) for p in pages]
    predictions: dict[str, list[str | None]] = {
        PROJECT: [r.article.text if r.article else None for r in readings]
    }
    for name, extractor in BASELINES.items():
        predictions[name] = [extractor(p.html, p.url) for p in pages]
    systems = {
        name: score([(p.gold, pred) for p, pred in zip(pages, preds, strict=True)])
        for name, preds in predictions.items()
    }
    junk = junk_share(
        (p.gold, [(j.rule, j.line) for j in r.junk]) for p, r in zip(pages, readings, strict=True)
    )
    return SetResult(metric, systems, junk, _halves(pages, predictions, score))


def evaluate_extraction(data_dir: Path) -> dict[str, SetResult]:
    """Every benchmark found under ``data_dir``, scored; sets that are absent are left out."""
    results: dict[str, SetResult] = {}
    for name, (metric, present, load, score) in DATASETS.items():
        if present(data_dir):
            results[name] = evaluate_set(load(data_dir), metric, score)
    return results


def best_baseline(result: SetResult) -> str:
    """The trafilatura setting with the highest F1 on a set."""
    return max(BASELINES, key=lambda name: result.systems[name].f1)


def format_table(results: dict[str, SetResult]) -> str:
    """The results as a small fixed-width table, junk removal and halves below each set."""
    lines = [f"{'set':<9} {'extractor':<26} {'F1':>6} {'prec':>6} {'recall':>6} {'pages':>6}"]
    for set_name, result in results.items():
        for name, s in result.systems.items():
            lines.append(
                f"{set_name:<9} {name:<26} {s.f1:>6.3f} {s.precision:>6.3f} {s.recall:>6.3f} "
                f"{s.pages:>6}"
            )
        junk = result.junk
        lines.append(
            f"{set_name:<9} junk rules removed {junk.removed_tokens} tokens, "
            f"{junk.gold_tokens} gold ({100 * junk.share:.1f}%)"
        )
        best = best_baseline(result)
        for half, scores in result.halves.items():
            lines.append(
                f"{set_name:<9} {half}: project {scores[PROJECT]:.3f}, {best} {scores[best]:.3f}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation from the command line and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args(argv)
    results = evaluate_extraction(args.data)
    if not results:
        parser.error(f"no extraction benchmark (AEB or WCXB dev) under {args.data}")
    print(format_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
