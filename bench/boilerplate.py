"""How much article text the platform-boilerplate rules would delete, measured on gold text.

The rules in ``digests.boilerplate`` are meant to remove only what a platform adds. Run over
the human-checked article text of two extraction benchmarks (AEB and the WCXB dev split),
anything they remove is article text lost, so the share of gold tokens removed is their
error rate: it should be near zero. WCXB's gold titles are run through the title rule with
the page's own host as the site name, the way a feed's entries are.

    python -m bench.boilerplate --data ../shared/data
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.metrics import extraction_tokens
from digests.boilerplate import site_names, strip_boilerplate, strip_site_suffix

AEB_GOLD = Path("extraction") / "aeb" / "ground-truth.json"
WCXB_GOLD = Path("extraction") / "wcxb-dev" / "ground-truth"


@dataclass(frozen=True, slots=True)
class GoldText:
    """One page's gold article text and title, and the URL it was taken from."""

    text: str
    title: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class Removal:
    """What the rules removed from one corpus's gold text and titles."""

    pages: int
    tokens: int
    removed: int
    pages_touched: int
    title_tokens: int
    title_removed: int

    @property
    def share(self) -> float:
        """The share of gold text tokens the rules removed."""
        return self.removed / self.tokens if self.tokens else 0.0

    @property
    def title_share(self) -> float:
        """The share of gold title tokens the title rule removed."""
        return self.title_removed / self.title_tokens if self.title_tokens else 0.0


def aeb_gold(data_dir: Path) -> Iterator[GoldText]:
    """AEB's gold bodies (it has no gold titles)."""
    path = data_dir / AEB_GOLD
    if not path.is_file():
        return
    truth: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    for page_id in sorted(truth):
        entry = truth[page_id]
        yield GoldText(str(entry.get("articleBody") or ""), None, entry.get("url"))


def wcxb_gold(data_dir: Path) -> Iterator[GoldText]:
    """The WCXB dev split's gold main content and titles."""
    folder = data_dir / WCXB_GOLD
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.json")):
        page = json.loads(path.read_text(encoding="utf-8"))
        gold = page.get("ground_truth")
        if not isinstance(gold, dict):
            continue
        yield GoldText(str(gold.get("main_content") or ""), gold.get("title"), page.get("url"))


def _removed(before: str, after: str) -> int:
    return sum((Counter(extraction_tokens(before)) - Counter(extraction_tokens(after))).values())


def removal(pages: Iterable[GoldText]) -> Removal:
    """Run the line rules over each text and the title rule over each title, and count."""
    count = tokens = removed = touched = title_tokens = title_removed = 0
    for page in pages:
        count += 1
        lost = _removed(page.text, strip_boilerplate(page.text))
        tokens += len(extraction_tokens(page.text))
        removed += lost
        touched += lost > 0
        if page.title:
            stripped = strip_site_suffix(page.title, site_names(None, page.url))
            title_tokens += len(extraction_tokens(page.title))
            title_removed += _removed(page.title, stripped)
    return Removal(count, tokens, removed, touched, title_tokens, title_removed)


def measure(data_dir: Path) -> dict[str, Removal]:
    """The gold text each benchmark present under ``data_dir`` loses to the rules."""
    corpora = {"aeb": aeb_gold(data_dir), "wcxb-dev": wcxb_gold(data_dir)}
    results = {name: removal(pages) for name, pages in corpora.items()}
    return {name: result for name, result in results.items() if result.pages}


def format_table(results: dict[str, Removal]) -> str:
    """One line per corpus: pages, gold tokens, and the shares removed."""
    lines = [f"{'corpus':<10} {'pages':>6} {'tokens':>9} {'removed':>8} {'share':>8} {'titles':>8}"]
    for name, r in results.items():
        lines.append(
            f"{name:<10} {r.pages:>6} {r.tokens:>9} {r.removed:>8} {r.share:>8.4%}"
            f" {r.title_share:>8.4%}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args(argv)
    results = measure(args.data)
    if not results:
        print(f"no gold text under {args.data}")
        return 1
    print(format_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
