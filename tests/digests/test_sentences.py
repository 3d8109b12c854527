"""Sentence splitting keeps abbreviations, decimals and quotes inside their sentences."""

from __future__ import annotations

import pytest

from digests.summarize.sentences import split_run_ons, split_sentences
from digests.text import content_terms, tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. economy grew 3.5 percent. It slowed.",
         ["The U.S. economy grew 3.5 percent.", "It slowed."]),
        ("He moved to the U.S. The move was costly.",
         ["He moved to the U.S.", "The move was costly."]),
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        ("J. K. Rowling wrote it. Fans cheered.", ["J. K. Rowling wrote it.", "Fans cheered."]),
        ("He left at 5 p.m. on Friday. Then he slept.",
         ["He left at 5 p.m. on Friday.", "Then he slept."]),
        ('"We won," he said. "It was great." She agreed!',
         ['"We won," he said.', '"It was great."', "She agreed!"]),
        ("‘I’d be over the moon,’ said Locke. ‘I had a taste.’",
         ["‘I’d be over the moon,’ said Locke.", "‘I had a taste.’"]),
        ("First line\nSecond line", ["First line", "Second line"]),
        ('"Would you ask a man that?" Daniels said, refusing to answer. She left.',
         ['"Would you ask a man that?" Daniels said, refusing to answer.', "She left."]),
        ('"Why?" Police Chief John Smith asked. "Is it over?" The crowd cheered.',
         ['"Why?" Police Chief John Smith asked.', '"Is it over?"', "The crowd cheered."]),
        ("", []),
    ],
)  # fmt: skip
def test_split_sentences_table(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_tokenize_keeps_numbers_whole_and_drops_possessives() -> None:
    assert tokenize("Locke's 1,200 fans paid 3.5%") == ["locke", "1,200", "fans", "paid", "3.5"]


def test_content_terms_drop_stopwords_and_stem() -> None:
    assert content_terms("The prices are rising") == ["pric", "ris"]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Pay is 13% higher than a colleague The cost of divorce can wreck retirement.",
         ["Pay is 13% higher than a colleague", "The cost of divorce can wreck retirement."]),
        ("He trained in Dortmund on Wednesday He said the squad was ready.",
         ["He trained in Dortmund on Wednesday", "He said the squad was ready."]),
        ("He writes for The Times every week.", ["He writes for The Times every week."]),
        ("In a profile of the On the Mat studio, she smiled.",
         ["In a profile of the On the Mat studio, she smiled."]),
        ("The horse Don't Push It was a law unto himself.",
         ["The horse Don't Push It was a law unto himself."]),
        ("The council met.", ["The council met."]),
        ("A spokesman for Rajasthan Police said they had taken statements.",
         ["A spokesman for Rajasthan Police said they had taken statements."]),
    ],
)  # fmt: skip
def test_split_run_ons_table(sentence: str, expected: list[str]) -> None:
    assert split_run_ons(sentence) == expected
