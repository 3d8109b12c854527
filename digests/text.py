"""Text helpers every step shares: the tokenizer, the stemmer, the stopwords, truncation and
the calendar's words."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

STOPWORDS = frozenset(
    """
    a about above after again against all also although am among an and another any are
    around as at be because been before being below between both but by can cannot could
    did do does doing done down during each either even ever every few for from further get
    gets got had has have having he her here hers herself him himself his how however i if
    in into is it its itself just least less like made make many may me might more most much
    must my myself neither never no nor not now of off often on once one only or other our
    ours ourselves out over own per put rather said same say says see seen shall she should
    since so some such than that the their theirs them themselves then there these they this
    those though through thus to too under until up upon us very via was we well were what
    whatever when whenever where whereas whether which while who whom whose why will with
    within without would yet you your yours yourself yourselves
    """.split()  # noqa: SIM905 - a word block reads better than a 190-item list literal
)

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip
# "may" is no abbreviation: it is the month's whole name.
MONTH_ABBREVIATIONS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}  # fmt: skip
WEEKDAY_ABBREVIATIONS = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
    "sat": 5, "sun": 6,
}  # fmt: skip

ELLIPSIS = "…"
# What a cut text should not end on before its ellipsis: a space or a dangling separator.
CUT_TRIM = " ,;:–—-"

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_POSSESSIVE_RE = re.compile(r"['’]s\b", re.IGNORECASE)
_SPACE_RE = re.compile(r"[ \t\f\v\u00a0\u2009\u202f]+")


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens with possessives removed; numbers keep inner "," and "."."""
    return _TOKEN_RE.findall(_POSSESSIVE_RE.sub("", text.lower()))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper so "rises", "rising" and "rise" meet; not a linguistic stemmer."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, keep in (("ies", "y"), ("ied", "y"), ("sses", "ss"), ("ing", ""), ("ed", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: len(word) - len(suffix)] + keep
            break
    else:
        if word.endswith("s") and not word.endswith("ss") and len(word) > 4:
            word = word[:-1]
    # A final "e" comes and goes with suffixes ("rise", "rising"); dropping it lets them meet.
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def content_terms(text: str) -> list[str]:
    """Stemmed tokens of a text without stopwords: what similarity measures compare."""
    return [stem(t) for t in tokenize(text) if t not in STOPWORDS and len(t) > 1]


def word_count(text: str) -> int:
    """Number of whitespace-separated words, the unit of every length limit."""
    return len(text.split())


def normalize_space(text: str) -> str:
    """Collapse runs of spaces (incl. no-break spaces) inside lines and trim the ends."""
    return _SPACE_RE.sub(" ", text).strip()


def one_line(text: str) -> str:
    """``text`` on one line: every run of whitespace, line breaks too, made one space."""
    return " ".join(text.split())


def fold(text: str) -> str:
    """Fold accents and typographic quotes so "José’s" and "Jose's" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


def truncate(
    text: str,
    limit: int,
    *,
    marker: str = ELLIPSIS,
    word_cut: float | None = 0.0,
    trim: str | None = CUT_TRIM,
    escapes: bool = False,
) -> str:
    """``text`` when it fits in ``limit`` characters, else cut to fit with ``marker`` added.

    The cut falls on the last space when that lies beyond ``word_cut`` of the room (0.0: any
    space; None: cut mid-word). ``trim`` is stripped from the cut's end (None: whitespace).
    With ``escapes`` a lone trailing backslash is dropped, so it cannot escape the marker.
    """
    if len(text) <= limit:
        return text
    room = limit - len(marker)
    if room < 0:
        return ""
    head = text[:room]
    if word_cut is not None:
        space = head.rfind(" ")
        if space > word_cut * room:
            head = head[:space]
    if escapes and (len(head) - len(head.rstrip("\\"))) % 2:
        head = head[:-1]
    return head.rstrip(trim) + marker


def truncate_words(text: str, limit: int, *, marker: str = ELLIPSIS, trim: str = CUT_TRIM) -> str:
    """The first ``limit`` words of ``text`` on one line, ``marker`` added when some were cut."""
    words = text.split(maxsplit=limit)
    head = " ".join(words[:limit])
    return head if len(words) <= limit else head.rstrip(trim) + marker
