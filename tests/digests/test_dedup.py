"""Content hashes: equal texts hash equal whatever their case, spacing or punctuation."""

from __future__ import annotations

import pytest

from digests.dedup import content_hash


def test_content_hash_is_sha256_hex() -> None:
    value = content_hash("Title", "Some text")
    assert len(value) == 64
    assert all(ch in "0123456789abcdef" for ch in value)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The Fed raised rates.", "the fed raised rates"),
        ("The  Fed\nraised\trates", "The Fed raised rates"),
        ("U.S. officials said: \u201cno\u201d!", "US officials said no"),
        ("  padded text  ", "padded text"),
    ],
)
def test_content_hash_ignores_case_whitespace_and_punctuation(a: str, b: str) -> None:
    assert content_hash("x", a) == content_hash("y", b)


def test_content_hash_tells_different_words_apart() -> None:
    assert content_hash("t", "rates rose") != content_hash("t", "rates fell")


@pytest.mark.parametrize("empty", ["", "   \n"])
def test_content_hash_uses_the_title_when_text_is_empty(empty: str) -> None:
    assert content_hash("Quake hits Japan", empty) == content_hash("ignored", "quake hits japan")


def test_content_hash_ignores_the_title_when_there_is_text() -> None:
    assert content_hash("One title", "same body") == content_hash("Another title", "same body")
