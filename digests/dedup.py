"""Content hashes: the same text published twice hashes the same, whatever its punctuation."""

from __future__ import annotations

import hashlib
import unicodedata

from digests.records import ParsedEntry


class _DropPunctuation(dict[int, int | None]):
    """A ``str.translate`` table that deletes Unicode punctuation, filled as characters appear."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code)).startswith("P") else code
        self[code] = kept
        return kept


# One table for the process: asking unicodedata once per distinct character, not per character.
_DROP_PUNCTUATION = _DropPunctuation()


def normalise_for_hash(text: str) -> str:
    """``text`` case-folded, with punctuation removed and whitespace collapsed to single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.translate(_DROP_PUNCTUATION).split())


def content_hash(title: str, text: str) -> str:
    """The sha256 hex digest of the normalised text, or of the title when there is no text."""
    body = normalise_for_hash(text)
    if not body:
        body = normalise_for_hash(title)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def entry_signature(entry: ParsedEntry) -> str:
    """A hash of an entry exactly as the feed sent it; equal means nothing needs redoing."""
    parts = (
        entry.entry_id,
        entry.url or "",
        entry.title,
        entry.content_html,
        entry.published.isoformat() if entry.published else "",
        entry.updated.isoformat() if entry.updated else "",
        entry.image_url or "",
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
