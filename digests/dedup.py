"""Content hashes: the same text published twice hashes the same, whatever its punctuation."""

from __future__ import annotations

import hashlib
import unicodedata


def normalise_for_hash(text: str) -> str:
    """``text`` case-folded, with punctuation removed and whitespace collapsed to single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(ch for ch in folded if not unicodedata.category(ch).startswith("P"))
    return " ".join(kept.split())


def content_hash(title: str, text: str) -> str:
    """The sha256 hex digest of the normalised text, or of the title when there is no text."""
    body = normalise_for_hash(text)
    if not body:
        body = normalise_for_hash(title)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
