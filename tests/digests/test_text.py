"""The shared text helpers: truncation and word cuts."""

from __future__ import annotations

import pytest

from digests.text import truncate, truncate_words


@pytest.mark.parametrize(
    ("text", "limit", "options", "expected"),
    [
        ("short", 10, {}, "short"),
        ("alpha beta gamma", 12, {}, "alpha beta…"),
        ("alpha, beta gamma", 10, {}, "alpha…"),
        ("abcdefghij", 5, {"word_cut": None}, "abcd…"),
        ("abcdefgh", 6, {"marker": "...", "word_cut": None, "trim": ""}, "abc..."),
        # A space far back is no place to cut when the cut must stay near the limit.
        ("aaaa bbbbbbbbbb", 10, {"marker": "", "word_cut": 0.8, "trim": ""}, "aaaa bbbbb"),
        ("aaaaaaaaaa bbbbbb", 12, {"marker": "", "word_cut": 0.8, "trim": ""}, "aaaaaaaaaa"),
        ("ab\\*cd", 4, {"word_cut": None, "trim": None, "escapes": True}, "ab…"),
        ("ab \ncd", 5, {"word_cut": None, "trim": None}, "ab…"),
        ("anything", 0, {}, ""),
    ],
)
def test_truncate_cuts_to_the_limit_with_the_marker(
    text: str, limit: int, options: dict[str, object], expected: str
) -> None:
    result = truncate(text, limit, **options)  # type: ignore[arg-type]
    assert result == expected
    assert len(result) <= limit


@pytest.mark.parametrize(
    ("text", "limit", "options", "expected"),
    [
        ("one  two", 5, {}, "one two"),
        ("one two three", 2, {}, "one two…"),
        ("one two, three", 2, {}, "one two…"),
        ("one two three", 2, {"marker": "", "trim": ""}, "one two"),
    ],
)
def test_truncate_words_keeps_the_first_words(
    text: str, limit: int, options: dict[str, str], expected: str
) -> None:
    assert truncate_words(text, limit, **options) == expected
