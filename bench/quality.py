"""The quality report: article extraction and summary quality in one table and one JSON file.

python -m bench.quality --data ../shared/data [--out quality-report.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bench import boilerplate, clustering, factcheck
from bench.summaries import evaluate_summaries


def _plain(value: Any) -> Any:
    """Turn dataclasses (and containers of them) into JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def run_extraction(data_dir: Path) -> dict[str, Any] | None:
    """The extraction evaluation, or None when ``bench.extraction`` is not available."""
    try:
        module = importlib.import_module("bench.extraction")
    except ImportError as error:
        print(f"extraction evaluation skipped: {error}")
        return None
    evaluate = getattr(module, "evaluate_extraction", None)
    if evaluate is None:
        print("extraction evaluation skipped: bench.extraction has no evaluate_extraction")
        return None
    result = _plain(evaluate(data_dir))
    return result if isinstance(result, dict) else {"result": result}


def _halves_note(halves: dict[str, dict[str, float]]) -> str:
    # The project against the best trafilatura setting on each half of the set.
    notes = []
    for half, scores in halves.items():
        best = max(value for system, value in scores.items() if system != "project")
        notes.append(f"{half.split()[0]} {scores['project']:.3f} vs {best:.3f}")
    return ", ".join(notes)


def _extraction_rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    # One block per benchmark (AEB, WCXB dev): each extractor by the set's own metric, then
    # how much article text the junk rules removed.
    rows: list[tuple[str, ...]] = []
    for name, result in results.items():
        if not isinstance(result, dict) or "systems" not in result:
            continue
        for system, scores in result["systems"].items():
            rows.append(
                (
                    "extraction",
                    name,
                    system,
                    f"F1 {scores['f1']:.3f}",
                    f"P {scores['precision']:.3f}",
                    f"R {scores['recall']:.3f}",
                    f"{result['metric']}, {scores['pages']} pages" if system == "project" else "",
                )
            )
        junk = result["junk"]
        removed, gold = junk["removed_tokens"], junk["gold_tokens"]
        halves = _halves_note(result.get("halves", {}))
        rows.append(
            (
                "junk rules",
                name,
                "project",
                f"{100 * gold / removed if removed else 0.0:.1f}% gold",
                f"{removed} removed",
                f"{gold} gold",
                halves,
            )
        )
    return rows


def _signed(value: float) -> str:
    return f"{value:+.1f}".replace("-", "−")


def _margin_row(name: str, system: str, margins: dict[str, Any]) -> tuple[str, ...]:
    # The paired per-article margin: its mean, its 95 % bootstrap interval, and the sign
    # test's counts of articles won and lost.
    cells = [
        f"R-{key[-1]} {_signed(m['mean'])} [{_signed(m['low'])}, {_signed(m['high'])}]"
        for key, m in margins.items()
    ]
    wins = " ".join(f"R-{key[-1]} {m['wins']}:{m['losses']}" for key, m in margins.items())
    return ("summary", name, system, *cells, "", f"won:lost {wins}")


def _summary_rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for name, result in results["datasets"].items():
        words = f"{result['length']['briefing_words_mean']:.0f} words"
        for system, scores in result["rouge"].items():
            rows.append(
                (
                    "summary",
                    name,
                    system,
                    f"R-1 {scores['rouge1']:.1f}",
                    f"R-2 {scores['rouge2']:.1f}",
                    f"R-Lsum {scores['rougeLsum']:.1f}",
                    words if system in {"briefing", "lead_same_length"} else "",
                )
            )
        cross = (results.get("cross_validated") or {}).get("datasets", {}).get(name)
        if cross:
            scores = cross["briefing"]
            lead = cross["lead3"]
            rows.append(
                (
                    "summary",
                    name,
                    f"briefing, {results['cross_validated']['folds']}-fold CV",
                    f"R-1 {scores['rouge1']:.1f}",
                    f"R-2 {scores['rouge2']:.1f}",
                    f"R-Lsum {scores['rougeLsum']:.1f}",
                    f"Lead-3 {lead['rouge1']:.1f}/{lead['rouge2']:.1f}",
                )
            )
        rows.append(_margin_row(name, "Δ vs Lead-3", result["vs_lead3"]))
        if cross:
            rows.append(_margin_row(name, "Δ vs Lead-3, CV", cross["vs_lead3"]))
        grammar = result["grammar"]
        rows.append(
            (
                "grammar",
                name,
                "emitted sentences",
                f"{100 * grammar['share']:.1f}% complete",
                f"{grammar['verbatim']}/{grammar['sentences']} verbatim",
                f"{grammar['shortened_complete']}/{grammar['shortened']} cut ok",
                "",
            )
        )
        facts = result["key_facts"]
        spread = facts["briefings"]
        rows.append(
            (
                "key facts",
                name,
                "per briefing",
                f"{facts['mean']:.2f} mean",
                f"0:{spread['0']} 1:{spread['1']} 2:{spread['2']} 3+:{spread['3+']}",
                f"why: {result['why_it_matters']}",
                "",
            )
        )
        grounding = result["grounding"]
        length = result["length"]
        rows.append(
            (
                "grounding",
                name,
                "key facts",
                f"{100 * grounding['share']:.1f}% grounded",
                f"{grounding['facts']} facts",
                f"{grounding['dropped']} dropped",
                "",
            )
        )
        rows.append(
            (
                "length",
                name,
                "briefing",
                f"summary ≤ {length['summary_words_max']} words",
                f"facts ≤ {length['fact_words_max']} words",
                f"{length['over_limit']} over limit",
                f"{result['articles_per_second']:.0f} articles/s",
            )
        )
    return rows


def run_factcheck(data_dir: Path) -> dict[str, Any] | None:
    """The fact check measured on the FRANK labels, or None when they are absent."""
    if not (data_dir / factcheck.FRANK_FILE).is_file():
        print(f"fact-check evaluation skipped: no {factcheck.FRANK_FILE} under {data_dir}")
        return None
    return factcheck.measure(data_dir)


def run_feed_rules(data_dir: Path) -> dict[str, Any]:
    """The share of gold article text the feed boilerplate rules would remove, per corpus."""
    results = boilerplate.measure(data_dir)
    return {
        name: {**dataclasses.asdict(r), "share": r.share, "title_share": r.title_share}
        for name, r in results.items()
    }


def _feed_rule_rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    return [
        (
            "feed rules",
            name,
            "boilerplate",
            f"{100 * r['share']:.2f}% gold",
            f"{r['removed']} of {r['tokens']} tokens",
            f"{r['pages_touched']} pages touched",
            f"titles {100 * r['title_share']:.2f}% gold",
        )
        for name, r in results.items()
    ]


def run_clustering(data_dir: Path) -> dict[str, Any]:
    """Precision and recall of the same-event decision per method (see ``bench.clustering``)."""
    return clustering.evaluate(data_dir if data_dir.is_dir() else None)


def build_table(report: dict[str, Any]) -> Table:
    """One rich table of every figure in the report."""
    table = Table(title="newsdigest quality")
    for column in ("area", "set", "system", "", "", ""):
        table.add_column(column, no_wrap=True)
    # Notes are the one free-text column: they wrap rather than squeeze the figures.
    table.add_column("notes", overflow="fold")
    extraction = report.get("extraction")
    if extraction:
        for row in _extraction_rows(extraction):
            table.add_row(*row)
    else:
        table.add_row("extraction", "aeb, wcxb-dev", "skipped", "", "", "", "")
    for row in _feed_rule_rows(report.get("feed_rules") or {}):
        table.add_row(*row)
    if report.get("summaries") is not None:
        for row in _summary_rows(report["summaries"]):
            table.add_row(*row)
    for row in factcheck.format_rows(report.get("factcheck") or {}):
        table.add_row(*row)
    for row in clustering.format_rows(report.get("clustering") or {}):
        # Notes quote install commands ("newsdigest[embeddings]"), not markup.
        table.add_row(*map(escape, row))
    return table


def main(argv: list[str] | None = None) -> int:
    """Run both evaluations, print one table and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("quality-report.json"))
    parser.add_argument(
        "--only",
        choices=["extraction", "summaries", "factcheck", "clustering"],
        help="run only this evaluation",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report: dict[str, Any] = {
        "extraction": run_extraction(args.data) if args.only in (None, "extraction") else None,
        "feed_rules": run_feed_rules(args.data) if args.only in (None, "extraction") else None,
        "summaries": evaluate_summaries(args.data) if args.only in (None, "summaries") else None,
        "factcheck": run_factcheck(args.data) if args.only in (None, "factcheck") else None,
        "clustering": run_clustering(args.data) if args.only in (None, "clustering") else None,
    }
    report["seconds"] = time.perf_counter() - started
    console = Console()
    # The table is wide; a narrow or piped terminal would wrap every cell.
    console.width = max(console.width, 130)
    console.print(build_table(report))
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"report written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
