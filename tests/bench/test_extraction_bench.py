"""Tests for the extraction benchmark's metrics, junk measure, loaders and report rows."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bench.extraction import (
    PROJECT,
    Page,
    evaluate_extraction,
    evaluate_set,
    format_table,
    junk_share,
    load_wcxb,
    wcxb_scores,
    word_prf,
)
from bench.quality import _extraction_rows, _plain, build_table
from tests.digests.test_extract import JUNK_PAGE, PARAGRAPHS


def test_word_prf_is_wcxbs_bag_of_lowercased_words():
    precision, recall, f1 = word_prf("The cat sat. Extra", "the CAT sat on the mat")
    assert precision == pytest.approx(3 / 4)
    assert recall == pytest.approx(3 / 6)
    assert f1 == pytest.approx(2 * 0.75 * 0.5 / 1.25)


@pytest.mark.parametrize(
    ("predicted", "reference", "expected"),
    [
        ("", "", (1.0, 1.0, 1.0)),
        ("words", "", (0.0, 0.0, 0.0)),
        (None, "words", (0.0, 0.0, 0.0)),
        ("other", "words", (0.0, 0.0, 0.0)),
    ],
)
def test_word_prf_edge_cases(predicted, reference, expected):
    assert word_prf(predicted, reference) == expected


def test_wcxb_scores_average_per_page():
    scores = wcxb_scores([("a b", "a b"), ("a b", None)])
    assert (scores.f1, scores.precision, scores.recall, scores.pages) == (0.5, 0.5, 0.5, 2)


def test_wcxb_scores_need_pages():
    with pytest.raises(ValueError):
        wcxb_scores([])


def test_junk_share_counts_removed_lines_found_in_order_in_the_gold():
    gold = "Jane Doe, Clemson University, said the vote was close."
    share = junk_share(
        [
            (
                gold,
                [
                    ("byline", "Jane Doe, Clemson University"),  # article text
                    ("label", "Advertisement"),  # not in the gold
                    ("label", "University Clemson"),  # its words, but not in order
                    ("ornament", "* * *"),  # no tokens at all
                ],
            )
        ]
    )
    assert (share.removed_tokens, share.gold_tokens) == (7, 4)
    assert share.share == pytest.approx(4 / 7)
    assert share.rules == {"byline": (4, 4), "label": (3, 0), "ornament": (0, 0)}


def test_junk_share_of_nothing_removed_is_zero():
    assert junk_share([("gold text", [])]).share == 0.0


def _page(page_id: str, html: str, gold: str) -> Page:
    return Page(page_id, None, html, gold)


def test_evaluate_set_scores_every_system_and_measures_junk():
    gold = "\n\n".join(PARAGRAPHS)
    result = evaluate_set(
        [_page("0001", JUNK_PAGE, gold), _page("0002", JUNK_PAGE, gold)], "word F1", wcxb_scores
    )
    assert set(result.systems) == {
        PROJECT,
        "trafilatura (defaults)",
        "trafilatura (no comments)",
    }
    assert result.systems[PROJECT].f1 == pytest.approx(1.0)
    assert result.systems[PROJECT].pages == 2
    # The byline, share bar, ads and sign-up box were removed, and none of it is gold.
    assert result.junk.removed_tokens > 0
    assert result.junk.gold_tokens == 0
    assert set(result.halves) == {"odd ids", "even ids"}


def _write_wcxb(root: Path) -> None:
    folder = root / "extraction" / "wcxb-dev"
    (folder / "ground-truth").mkdir(parents=True)
    (folder / "html").mkdir()
    gold = {"ground_truth": {"main_content": "\n".join(PARAGRAPHS)}, "url": "https://x.example"}
    (folder / "ground-truth" / "0001.json").write_text(json.dumps(gold))
    (folder / "ground-truth" / "0002.json").write_text(json.dumps({"ground_truth": None}))
    (folder / "html" / "0001.html.gz").write_bytes(gzip.compress(JUNK_PAGE.encode()))


def test_wcxb_loader_reads_pages_and_skips_entries_without_gold(tmp_path):
    _write_wcxb(tmp_path)
    (page,) = load_wcxb(tmp_path)
    assert (page.page_id, page.url) == ("0001", "https://x.example")
    assert page.gold.startswith(PARAGRAPHS[0])


def test_sets_that_are_absent_are_left_out(tmp_path):
    assert evaluate_extraction(tmp_path) == {}
    _write_wcxb(tmp_path)
    assert list(evaluate_extraction(tmp_path)) == ["wcxb-dev"]


def test_report_rows_show_each_set_and_its_junk_share(tmp_path):
    _write_wcxb(tmp_path)
    results = _plain(evaluate_extraction(tmp_path))
    rows = _extraction_rows(results)
    assert [row[:3] for row in rows] == [
        ("extraction", "wcxb-dev", PROJECT),
        ("extraction", "wcxb-dev", "trafilatura (defaults)"),
        ("extraction", "wcxb-dev", "trafilatura (no comments)"),
        ("junk rules", "wcxb-dev", PROJECT),
    ]
    assert rows[0][3] == "F1 1.000"
    assert rows[-1][3] == "0.0% gold"
    assert "wcxb-dev" in format_table(evaluate_extraction(tmp_path))


def test_table_without_summaries_has_only_extraction_rows():
    table = build_table({"extraction": None, "summaries": None})
    assert table.row_count == 1
