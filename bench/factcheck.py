"""The fact check measured as a detector against human judgements.

Faithful texts it should accept: the sentences of CNN/DM's human-written highlights, and the
BART summaries that FRANK annotators found fully factual. Errors it should catch: the BART
summaries FRANK annotators marked with entity errors (EntE) or time, place and number errors
(CircE); and, counted apart, those plus the ones marked as stating what the article does not
(OutE), the kind the check exists for. To show that accepting paraphrases did not open the
door to errors, each accepted highlight is also corrupted twice, its first number moved to one
the article never states and its first name swapped for a name from another article, and the
check must refuse the copies. The rows are split in two halves, even and odd positions in the
file, so that a rule tuned on one half (calibration) can be judged on the other (held out).

    python -m bench.factcheck --data ../shared/data
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from digests import unsupported_anchors
from digests.summarize.facts import SourceIndex, fact_anchors

FRANK_FILE = Path("summaries") / "frank_bart_dev125.jsonl"
HALVES = ("calibration", "held_out")

_BRACKETS = {
    "-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}",
}  # fmt: skip
_DETOKENISE = [
    (re.compile(r"``\s*|\s*''"), '"'),
    (re.compile(r"\s+([.,;:!?%)\]}])"), r"\1"),
    (re.compile(r"([(\[{$£€])\s+"), r"\1"),
    (re.compile(r"\s+(n't|'s|'re|'ve|'ll|'d|'m|')(?=\W|$)", re.IGNORECASE), r"\1"),
    (re.compile(r"\s+--\s+"), " - "),
]


def detokenise(text: str) -> str:
    """Undo CNN/DM's Penn-style tokenisation: "Locke 's £ 2,100 -LRB- 13 % -RRB-" reads normally."""
    for token, char in _BRACKETS.items():
        text = text.replace(token, char)
    for pattern, replacement in _DETOKENISE:
        text = pattern.sub(replacement, text)
    return text.strip()


def highlight_sentences(reference: str) -> list[str]:
    """The human highlights of one article, one detokenised sentence each."""
    parts = [part.strip(" .") for part in reference.split(" . ")]
    return [detokenise(part) + "." for part in parts if part]


def load_rows(path: Path) -> list[dict[str, Any]]:
    """The FRANK rows, or a clear error when the file is missing or unreadable."""
    if not path.is_file():
        raise SystemExit(f"no FRANK file at {path}")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


_DIGITS_RE = re.compile(r"(?<![\d.,])\d+(?![\d.,]\d)")


def corrupt_number(sentence: str, index: SourceIndex) -> str | None:
    """The sentence with its first whole number moved to the next one the source never states."""
    match = _DIGITS_RE.search(sentence)
    if match is None:
        return None
    value = int(match.group(0)) + 1
    while str(value) in index.numbers:
        value += 1
    return sentence[: match.start()] + str(value) + sentence[match.end() :]


def corrupt_name(sentence: str, index: SourceIndex, foreign: Iterable[str]) -> str | None:
    """The sentence with its first name replaced by a foreign name the source does not hold."""
    names = [name for name in fact_anchors(sentence, index).names if name in sentence]
    if not names:
        return None
    for other in foreign:
        if not index.has_name(other):
            return sentence.replace(names[0], other, 1)
    return None


def _has_entity_or_number_error(labels: dict[str, float]) -> bool:
    return float(labels["EntE"]) < 1.0 or float(labels["CircE"]) < 1.0


def _has_outside_error(labels: dict[str, float]) -> bool:
    return float(labels["OutE"]) < 1.0


def _share(hits: int, total: int) -> float:
    return hits / total if total else 0.0


def measure_rows(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """False rejections on faithful texts and catches of labelled errors over some rows."""
    highlights = highlights_rejected = 0
    factual = factual_rejected = 0
    errors = errors_caught = 0
    with_outside = with_outside_caught = 0
    corrupted = {"number": [0, 0], "name": [0, 0]}
    rows = list(rows)
    for position, row in enumerate(rows):
        article = str(row["article"])
        index = SourceIndex.build(article)
        # Names from the next article's highlights: real names, in the same style.
        neighbour = rows[(position + 1) % len(rows)]
        foreign = [
            name
            for sentence in highlight_sentences(str(neighbour["reference"]))
            for name in fact_anchors(sentence).names
        ]
        for sentence in highlight_sentences(str(row["reference"])):
            highlights += 1
            if unsupported_anchors(sentence, index):
                highlights_rejected += 1
                continue
            for kind, copy in (
                ("number", corrupt_number(sentence, index)),
                ("name", corrupt_name(sentence, index, foreign)),
            ):
                if copy is not None:
                    corrupted[kind][0] += 1
                    corrupted[kind][1] += bool(unsupported_anchors(copy, index))
        rejected = bool(unsupported_anchors(detokenise(str(row["summary"])), index))
        labels = row["labels"]
        if float(labels["Factuality"]) == 1.0:
            factual += 1
            factual_rejected += rejected
        if _has_entity_or_number_error(labels):
            errors += 1
            errors_caught += rejected
        if _has_entity_or_number_error(labels) or _has_outside_error(labels):
            with_outside += 1
            with_outside_caught += rejected
    return {
        "highlight_sentences": highlights,
        "highlights_rejected": highlights_rejected,
        "highlight_false_rejection": _share(highlights_rejected, highlights),
        "factual_summaries": factual,
        "factual_rejected": factual_rejected,
        "factual_false_rejection": _share(factual_rejected, factual),
        "error_summaries": errors,
        "errors_caught": errors_caught,
        "catch_rate": _share(errors_caught, errors),
        "error_or_outside_summaries": with_outside,
        "errors_or_outside_caught": with_outside_caught,
        **{f"corrupted_{kind}s": total for kind, (total, _) in corrupted.items()},
        **{f"corrupted_{kind}s_caught": caught for kind, (_, caught) in corrupted.items()},
    }


def measure(data_dir: Path) -> dict[str, Any]:
    """The detector figures on all rows and on each half of the FRANK dev set."""
    rows = load_rows(data_dir / FRANK_FILE)
    result = {"all": measure_rows(rows)}
    for parity, half in enumerate(HALVES):
        result[half] = measure_rows(rows[parity::2])
    return result


def format_rows(result: dict[str, Any]) -> list[tuple[str, ...]]:
    """One table row per half: false rejections on faithful texts and the catch rate."""
    rows: list[tuple[str, ...]] = []
    for half, figures in result.items():
        rows.append(
            (
                "fact check",
                f"frank {half}",
                "anchors",
                f"rejects {100 * figures['highlight_false_rejection']:.1f}% highlights",
                f"rejects {figures['factual_rejected']}/{figures['factual_summaries']} factual",
                f"catches {figures['errors_caught']}/{figures['error_summaries']} errors",
                f"with OutE {figures['errors_or_outside_caught']}"
                f"/{figures['error_or_outside_summaries']}; changed numbers "
                f"{figures['corrupted_numbers_caught']}/{figures['corrupted_numbers']}, names "
                f"{figures['corrupted_names_caught']}/{figures['corrupted_names']}",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the detector figures and optionally write them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    result = measure(args.data)
    for row in format_rows(result):
        print("  ".join(cell for cell in row if cell))
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
