"""The fact-check bench reads CNN/DM tokenised text and counts a detector's hits and misses."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.factcheck import (
    corrupt_name,
    corrupt_number,
    detokenise,
    format_rows,
    highlight_sentences,
    measure,
    measure_rows,
)
from digests.summarize.facts import SourceIndex


@pytest.mark.parametrize(
    ("tokenised", "plain"),
    [
        ("Kilmarnock 's manager", "Kilmarnock's manager"),
        (
            "It means £ 2,100 -- £ 17,800 rather than £ 15,700 .",
            "It means £2,100 - £17,800 rather than £15,700.",
        ),
        ("up 13 % -LRB- from 12 % -RRB- ,", "up 13% (from 12%),"),
        ("as ` finals ' , he said", "as ` finals', he said"),
        ("he did n't go", "he didn't go"),
        ("`` Yes , '' she said", '"Yes," she said'),
    ],
)
def test_detokenise_undoes_cnndm_tokenisation(tokenised: str, plain: str) -> None:
    assert detokenise(tokenised) == plain


def test_highlights_split_into_one_sentence_each() -> None:
    assert highlight_sentences("Locke 's side won . He is 39 .") == [
        "Locke's side won.",
        "He is 39.",
    ]


def _row(
    summary: str, factual: float, entity: float = 1.0, outside: float = 1.0
) -> dict[str, object]:
    return {
        "id": "x",
        "article": "Gary Locke, 39, was named Kilmarnock manager on Friday.",
        "reference": "Gary Locke named Kilmarnock boss . He is 39 .",
        "summary": summary,
        "labels": {"Factuality": factual, "EntE": entity, "CircE": 1.0, "OutE": outside},
    }


def test_measure_counts_false_rejections_and_caught_errors() -> None:
    figures = measure_rows(
        [
            _row("Locke is 39 .", 1.0),
            _row("Locke is 40 .", 0.5, entity=0.5),
            _row("Gary Lineker is 39 .", 0.5, entity=0.5),
            _row("Steve Clarke is Kilmarnock manager .", 1.0),
        ]
    )
    assert figures["highlight_sentences"] == 8
    assert figures["highlights_rejected"] == 0
    assert (figures["factual_summaries"], figures["factual_rejected"]) == (2, 1)
    assert (figures["error_summaries"], figures["errors_caught"]) == (2, 2)
    assert figures["catch_rate"] == 1.0


def test_outside_errors_count_beside_entity_and_number_errors() -> None:
    figures = measure_rows(
        [
            _row("Steve Clarke is manager .", 0.5, outside=0.5),
            _row("Locke is 39 .", 0.5, outside=0.5),
            _row("Locke is 40 .", 0.5, entity=0.5),
        ]
    )
    assert (figures["error_summaries"], figures["errors_caught"]) == (1, 1)
    assert (figures["error_or_outside_summaries"], figures["errors_or_outside_caught"]) == (3, 2)


def test_corrupted_copies_change_a_number_and_a_name() -> None:
    index = SourceIndex.build("Gary Locke, 39, was named manager. He is 40 tomorrow.")
    assert corrupt_number("Locke is 39.", index) == "Locke is 41."
    assert corrupt_name("Gary Locke is 39.", index, ["Gary", "Jim Mann"]) == "Jim Mann is 39."
    assert corrupt_number("Locke is manager.", index) is None


def test_rows_report_each_half() -> None:
    figures = measure_rows([_row("Locke is 39 .", 1.0)])
    rows = format_rows({"all": figures})
    assert rows[0][1] == "frank all"
    assert rows[0][3] == "rejects 0.0% highlights"


def test_missing_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no FRANK file"):
        measure(tmp_path)
