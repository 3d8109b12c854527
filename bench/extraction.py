"""Article-extraction evaluation on the article-extraction benchmark (AEB).

Scores the project's extraction (``digests.extract.extract_article``) and plain
``trafilatura.extract`` side by side with the benchmark's own metric (``bench.metrics``).

    python -m bench.extraction --data ../shared/data
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trafilatura

from bench.metrics import ExtractionScores, extraction_scores
from digests.extract import extract_article

AEB_SUBDIR = Path("extraction") / "aeb"

Extractor = Callable[[str, str | None], str | None]


def project_extractor(html: str, url: str | None) -> str | None:
    """The project's page extraction, junk removal included."""
    article = extract_article(html, url=url)
    return article.text if article is not None else None


def plain_trafilatura(html: str, url: str | None) -> str | None:
    """trafilatura with its defaults, the baseline the project is measured against."""
    return trafilatura.extract(html)


def benchmark_trafilatura(html: str, url: str | None) -> str | None:
    """trafilatura as the benchmark's own runner calls it (comments left out)."""
    return trafilatura.extract(html, include_comments=False)


EXTRACTORS: dict[str, Extractor] = {
    "project": project_extractor,
    "trafilatura (defaults)": plain_trafilatura,
    "trafilatura (AEB runner)": benchmark_trafilatura,
}


def aeb_dir(data_dir: Path) -> Path:
    """The benchmark's folder inside a data folder, or the folder itself if it is that."""
    nested = data_dir / AEB_SUBDIR
    return nested if nested.is_dir() else data_dir


def load_pages(data_dir: Path) -> list[tuple[str, str | None, str, str]]:
    """(id, url, html, reference body) for every page of the benchmark, in id order."""
    root = aeb_dir(data_dir)
    truth: dict[str, dict[str, Any]] = json.loads(
        (root / "ground-truth.json").read_text(encoding="utf-8")
    )
    pages = []
    for page_id in sorted(truth):
        with gzip.open(root / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8") as f:
            html = f.read()
        entry = truth[page_id]
        pages.append((page_id, entry.get("url"), html, entry.get("articleBody", "")))
    return pages


def evaluate_extraction(data_dir: Path) -> dict[str, ExtractionScores]:
    """Precision, recall, F1 and accuracy of each extractor over all benchmark pages."""
    pages = load_pages(data_dir)
    results: dict[str, ExtractionScores] = {}
    for name, extractor in EXTRACTORS.items():
        pairs = [(truth, extractor(html, url)) for _, url, html, truth in pages]
        results[name] = extraction_scores(pairs)
    return results


def format_table(results: dict[str, ExtractionScores]) -> str:
    """The results as a small fixed-width table."""
    lines = [f"{'extractor':<26} {'F1':>6} {'prec':>6} {'recall':>6} {'acc':>6} {'pages':>6}"]
    for name, s in results.items():
        lines.append(
            f"{name:<26} {s.f1:>6.3f} {s.precision:>6.3f} {s.recall:>6.3f} "
            f"{s.accuracy:>6.3f} {s.pages:>6}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation from the command line and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args(argv)
    root = aeb_dir(args.data)
    if not (root / "ground-truth.json").is_file():
        parser.error(f"no article-extraction benchmark under {args.data}")
    print(format_table(evaluate_extraction(args.data)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
