"""Sentence compression by deletion only, so a compressed sentence stays true to its source."""

from __future__ import annotations

import re

from digests.summarize.sentences import normalize_space, word_count

_SPEECH_VERBS = (
    r"said|says|added|adds|told\s+[^,.;]{1,40}|explained|claimed|confirmed|stated|insisted|"
    r"warned|noted|argued|admitted|revealed|reported|announced|wrote|tweeted|continued"
)
_PRONOUN = r"(?:[Hh]e|[Ss]he|[Tt]hey|[Ii]t|[Ww]e|I)"
_SPEAKER = (
    r"(?:"
    + _PRONOUN
    + r"|(?:the\s+)?[a-z]+(?:\s+[a-z]+)?|[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3})"
)

# Only after a comma: "That is what he said." must keep its words.
_TRAILING_ATTRIBUTION_RE = re.compile(
    r",[\"'”’]?\s*(?:" + _SPEAKER + r"\s+(?:" + _SPEECH_VERBS + r")"
    r"|(?:" + _SPEECH_VERBS + r")\s+" + _SPEAKER + r"(?:,\s+[^,.;]{1,60})?"
    r"|according\s+to\s+[^,.;]{1,80})\s*(?P<end>[.!?]?)[\"'”’]?\s*$"
)
_LEADING_ATTRIBUTION_RE = re.compile(
    r"^(?:[Aa]ccording\s+to\s+[^,]{1,80},\s*"
    r"|" + _PRONOUN + r"\s+(?:" + _SPEECH_VERBS + r")(?:\s+that)?\s+)"
)
_LEADING_FILLER_RE = re.compile(
    r"^(?:and|but|so|yet|or|also|however|meanwhile|moreover|furthermore|additionally|instead|"
    r"still|indeed|in addition|as a result|in fact|nevertheless|nonetheless|overall|"
    r"separately|similarly|likewise|thus|therefore|hence|besides|plus|now|then|"
    r"in the meantime|at the same time|of course|for example|for instance)\b,?\s+",
    re.IGNORECASE,
)
_PARENTHETICAL_RE = re.compile(r"\s*(?:\([^()]{0,200}\)|\[[^\[\]]{0,200}\])")
# A non-restrictive relative clause between commas: ", who had seven seasons at Arsenal,".
_RELATIVE_ASIDE_RE = re.compile(r",\s+(?:who|which|whose|whom)\s+[^,;:\"“”]{1,120},(?=\s)")
_DASH_ASIDE_RE = re.compile(r"\s+[–—-]{1,2}\s+[^–—]{1,120}?\s+[–—-]{1,2}(?=\s)")
_DATELINE_RE = re.compile(
    r"^[A-Z][A-Z'.-]+(?:[ ,]+[A-Z][\w'.-]*){0,3}\s*(?:\([A-Za-z. ]{2,20}\)\s*)?(?:--|—|–)\s+"
)
# Boundaries after which a sentence's main clause is usually complete, best first.
_CLAUSE_CUTS = (
    "; ",
    " – ",
    " — ",
    " - ",
    ", which ",
    ", while ",
    ", whereas ",
    ", although ",
    ", but ",
    ", as ",
    ", after ",
    ", before ",
    ", with ",
    ", and ",
    ", so ",
    ", who ",
    " after ",
    " when ",
    " because ",
    " while ",
    " but ",
    " following ",
    " despite ",
    " before ",
    " as ",
    " and ",
)
# A head that opens a relative clause or an aside it does not close is a fragment.
_OPEN_ASIDE_RE = re.compile(r",\s+(?:who|whom|whose|which|where|a|an|the|now|aged|\d)\b[^,]*$")
_DANGLING_END_RE = re.compile(
    r"\b(?:and|or|but|of|to|in|on|at|for|with|by|from|the|a|an|that|as|said|says)$",
    re.IGNORECASE,
)
_END_PUNCT = ".!?"


def strip_parentheticals(text: str) -> str:
    """Drop bracketed asides and dash-enclosed asides, which rarely carry the main claim."""
    text = _PARENTHETICAL_RE.sub("", text)
    text = _DASH_ASIDE_RE.sub("", text)
    text = _RELATIVE_ASIDE_RE.sub("", text)
    return normalize_space(text.replace(" ,", ",").replace(" .", "."))


def strip_attribution(text: str) -> str:
    """Drop a trailing ", he said"-style attribution and a leading pronoun attribution."""
    match = _TRAILING_ATTRIBUTION_RE.search(text)
    if match and match.start() > 0 and word_count(text[: match.start()]) >= 4:
        text = text[: match.start()].rstrip(" ,;:\"'”’") + (match.group("end") or ".")
    return _LEADING_ATTRIBUTION_RE.sub("", text)


def strip_leading_filler(text: str) -> str:
    """Drop leading conjunctions and discourse adverbs ("But", "However,", "Meanwhile,")."""
    previous = None
    while previous != text:
        previous = text
        text = _LEADING_FILLER_RE.sub("", text)
    return text


def strip_dateline(text: str) -> str:
    """Drop a wire-style dateline ("LONDON, England (CNN) -- ") from an article's start."""
    return _DATELINE_RE.sub("", text)


def capitalise_first(text: str) -> str:
    """Upper-case the first letter, skipping any opening quotes or brackets."""
    for i, char in enumerate(text):
        if char.isalpha():
            return text[:i] + char.upper() + text[i + 1 :]
        if char.isdigit():
            return text
    return text


def ensure_period(text: str) -> str:
    """End a statement with terminal punctuation, keeping a closing quote outside it."""
    text = text.rstrip(" ,;:–—-")
    stripped = text.rstrip("\"'”’")
    if stripped and stripped[-1] in _END_PUNCT:
        return text
    return text + "."


def cut_to_words(text: str, max_words: int, min_words: int = 6) -> str | None:
    """Shorten a sentence to at most ``max_words`` at a clause boundary, or None if none fits."""
    if word_count(text) <= max_words:
        return text
    best: str | None = None
    for marker in _CLAUSE_CUTS:
        start = 0
        while True:
            pos = text.find(marker, start)
            if pos < 0:
                break
            head = text[:pos]
            words = word_count(head)
            if words > max_words:
                break
            usable = not _OPEN_ASIDE_RE.search(head) and not _DANGLING_END_RE.search(head)
            if usable and words >= min_words and (best is None or words > word_count(best)):
                best = head
            start = pos + 1
        if best is not None:
            break
    return ensure_period(best) if best is not None else None


def compress(text: str) -> str:
    """Delete asides, attributions and filler from a sentence; never adds words."""
    text = strip_parentheticals(text)
    text = strip_attribution(strip_leading_filler(text))
    text = strip_leading_filler(text)
    text = normalize_space(text)
    return ensure_period(capitalise_first(text)) if text else text
