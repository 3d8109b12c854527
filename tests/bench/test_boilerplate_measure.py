"""bench.boilerplate.measure on a small data folder written by the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.boilerplate import measure

ARTICLE = "The council approved the budget on Monday after a long debate."
FOOTER = "The post Budget approved appeared first on City News."


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    aeb = tmp_path / "extraction" / "aeb"
    aeb.mkdir(parents=True)
    truth = {
        "a": {"articleBody": f"{ARTICLE}\n{FOOTER}", "url": "https://city.example/a"},
        "b": {"articleBody": ARTICLE, "url": "https://city.example/b"},
    }
    (aeb / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    wcxb = tmp_path / "extraction" / "wcxb-dev" / "ground-truth"
    wcxb.mkdir(parents=True)
    page = {
        "url": "https://www.spacenews.com/launch",
        "ground_truth": {"title": "Launch slips to June - SpaceNews", "main_content": ARTICLE},
    }
    (wcxb / "0001.json").write_text(json.dumps(page), encoding="utf-8")
    return tmp_path


def test_removed_gold_tokens_are_counted(data_dir: Path) -> None:
    aeb = measure(data_dir)["aeb"]

    footer_tokens = len(FOOTER.rstrip(".").split())
    assert (aeb.pages, aeb.removed, aeb.pages_touched) == (2, footer_tokens, 1)
    assert aeb.share == pytest.approx(footer_tokens / aeb.tokens)


def test_titles_are_measured_against_the_pages_host(data_dir: Path) -> None:
    wcxb = measure(data_dir)["wcxb-dev"]

    assert (wcxb.removed, wcxb.title_tokens, wcxb.title_removed) == (0, 5, 1)


def test_absent_corpora_are_left_out(tmp_path: Path) -> None:
    assert measure(tmp_path) == {}
