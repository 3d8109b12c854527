"""The fact check: a key fact is kept only when its numbers, dates and names are in the source."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from digests.summarize.sentences import STOPWORDS

_UNITS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
# "one" is left out: "one of the" is far too common to be a claim about a quantity.
_NUMBER_WORDS = {**_UNITS, **_TENS}

_SCALES = {
    "thousand": 1_000, "k": 1_000, "million": 1_000_000, "m": 1_000_000, "mn": 1_000_000,
    "billion": 1_000_000_000, "bn": 1_000_000_000, "b": 1_000_000_000,
    "trillion": 1_000_000_000_000, "tn": 1_000_000_000_000,
}  # fmt: skip

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}  # fmt: skip
_RELATIVE_DAYS = frozenset({"yesterday", "today", "tomorrow", "tonight"})

# Titles a writer may add or leave out before a name without changing who is meant.
_TITLES = frozenset(
    {
        "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
        "president", "prime", "minister", "chancellor", "secretary", "senator", "sen",
        "governor", "gov", "judge", "justice", "mayor", "king", "queen", "prince", "princess",
        "pope", "general", "gen", "captain", "capt", "chief", "officer", "inspector", "detective",
        "rep", "representative", "st", "saint",
    }
)  # fmt: skip

_NUMBER_RE = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
    r"(?:\s?(%|per ?cent\b|percent\b|thousand\b|million\b|billion\b|trillion\b"
    r"|bn\b|mn\b|tn\b|m\b|k\b|b\b))?",
    re.IGNORECASE,
)
_NUMBER_WORD_RE = re.compile(
    r"\b(" + "|".join(sorted(_TENS, key=len, reverse=True)) + r")(?:-(\w+))?\b"
    r"|\b(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[^\W_](?:[\w'’&.-]*[^\W_])?")
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_POSSESSIVE_RE = re.compile(r"['’]s?$")
_SENTENCE_OPENERS = ".!?:;\"“‘'«(["


@dataclass(frozen=True, slots=True)
class Anchors:
    """What a statement asserts that can be checked: numbers, dates and capitalised names."""

    numbers: tuple[str, ...]
    dates: tuple[str, ...]
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SourceIndex:
    """A source text prepared once so that many statements can be checked against it."""

    numbers: frozenset[str]
    dates: frozenset[str]
    tokens: str
    lowercase_words: frozenset[str]

    @classmethod
    def build(cls, source: str) -> SourceIndex:
        """Index a source text's numbers, dates, token stream and lowercase words."""
        folded = fold(source)
        numbers: set[str] = set()
        for forms in _number_forms(folded):
            numbers.update(forms)
        dates = {canonical for canonical, _ in _date_mentions(folded, require_capital=False)}
        lowercase = {w.lower() for w in _WORD_RE.findall(folded) if w[0].islower()}
        return cls(
            numbers=frozenset(numbers),
            dates=frozenset(dates),
            tokens=" " + " ".join(_TOKEN_RE.findall(folded.lower())) + " ",
            lowercase_words=frozenset(lowercase),
        )

    def has_name(self, name: str) -> bool:
        """Whether a name occurs as a whole token sequence in the source (titles optional)."""
        tokens = _TOKEN_RE.findall(fold(name).lower())
        if not tokens:
            return True
        if " " + " ".join(tokens) + " " in self.tokens:
            return True
        untitled = [t for t in tokens if t not in _TITLES]
        return bool(untitled) and " " + " ".join(untitled) + " " in self.tokens


def fold(text: str) -> str:
    """Fold accents and typographic quotes so "José’s" and "Jose's" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


def _canonical_number(integer: str, decimals: str | None) -> str:
    digits = integer.replace(",", "").lstrip("0") or "0"
    decimals = (decimals or "").rstrip("0")
    return f"{digits}.{decimals}" if decimals else digits


def _scaled(canonical: str, scale: int) -> str:
    whole, _, frac = canonical.partition(".")
    # Decimal arithmetic by string keeps "1.2 million" exactly 1200000.
    shift = len(str(scale)) - 1
    frac = frac.ljust(shift, "0")
    digits = (whole + frac[:shift]).lstrip("0") or "0"
    rest = frac[shift:].rstrip("0")
    return f"{digits}.{rest}" if rest else digits


def _number_forms(text: str) -> list[tuple[str, ...]]:
    """Each number mentioned, as the forms it may match: bare value and value times scale."""
    found: list[tuple[str, ...]] = []
    for match in _NUMBER_RE.finditer(text):
        canonical = _canonical_number(match.group(1), match.group(2))
        unit = (match.group(3) or "").lower().replace(" ", "")
        scale = _SCALES.get(unit)
        if scale is not None:
            found.append((canonical, _scaled(canonical, scale)))
        else:
            found.append((canonical,))
    for match in _NUMBER_WORD_RE.finditer(text):
        if match.group(1):
            value = _TENS[match.group(1).lower()]
            unit_word = (match.group(2) or "").lower()
            value += _UNITS.get(unit_word, 0) if unit_word != "zero" else 0
        else:
            value = _UNITS[match.group(3).lower()]
        found.append((str(value),))
    return found


def _is_capitalised(word: str) -> bool:
    return word[0].isupper()


def _date_mentions(text: str, *, require_capital: bool) -> list[tuple[str, int]]:
    """Month, weekday and relative-day mentions as (canonical form, start offset)."""
    mentions: list[tuple[str, int]] = []
    for match in _WORD_RE.finditer(text):
        word = match.group(0).rstrip(".")
        lowered = word.lower()
        if lowered in _RELATIVE_DAYS:
            mentions.append((lowered, match.start()))
            continue
        if require_capital and not _is_capitalised(word):
            continue
        if lowered in _WEEKDAYS:
            mentions.append((f"weekday:{_WEEKDAYS[lowered]}", match.start()))
        elif lowered in _MONTHS:
            short = len(lowered) <= 4 and lowered not in {"may", "june", "july"}
            # Short forms only count with their period ("Jan.") or a day number after them,
            # so that a person called Jan is not read as January.
            following = text[match.end() : match.end() + 4]
            if short and not (following.startswith(".") or following.strip()[:1].isdigit()):
                continue
            mentions.append((f"month:{_MONTHS[lowered]}", match.start()))
    return mentions


def _is_sentence_start(text: str, offset: int) -> bool:
    before = text[:offset].rstrip()
    return not before or before[-1] in _SENTENCE_OPENERS or before.endswith((" -", "—", "–"))


def _name_runs(text: str, lowercase_words: frozenset[str]) -> list[str]:
    """Runs of capitalised words, without sentence-initial ordinary words or date words."""
    runs: list[list[str]] = []
    current: list[str] = []
    last_end = -1
    for match in _WORD_RE.finditer(text):
        raw = match.group(0)
        word = _POSSESSIVE_RE.sub("", raw).rstrip(".")
        lowered = word.lower()
        base = lowered.split("'")[0]
        is_name = (
            bool(word)
            and _is_capitalised(word)
            and lowered not in _MONTHS
            and lowered not in _WEEKDAYS
            and base not in STOPWORDS
            and lowered not in _NUMBER_WORDS
            and lowered != "one"
        )
        if is_name and _is_sentence_start(text, match.start()):
            # "Police said" opens a sentence with an ordinary word: not a name.
            is_name = lowered not in lowercase_words
        adjacent = last_end >= 0 and text[last_end : match.start()] == " "
        if is_name and current and adjacent:
            current.append(word)
        elif is_name:
            current = [word]
            runs.append(current)
        else:
            current = []
        # A possessive closes the name: "Locke's Kilmarnock" is two names.
        last_end = match.end() if current and not raw.endswith(("'s", "'")) else -1
    return [" ".join(run) for run in runs if run]


def fact_anchors(fact: str, index: SourceIndex | None = None) -> Anchors:
    """The numbers, dates and names a statement asserts, in canonical comparable forms."""
    folded = fold(fact)
    lowercase = index.lowercase_words if index is not None else frozenset()
    lowercase = lowercase | {w.lower() for w in _WORD_RE.findall(folded) if w[0].islower()}
    numbers = tuple(forms[0] for forms in _number_forms(folded))
    dates = tuple(canonical for canonical, _ in _date_mentions(folded, require_capital=True))
    return Anchors(numbers=numbers, dates=dates, names=tuple(_name_runs(folded, lowercase)))


def unsupported_anchors(fact: str, index: SourceIndex) -> tuple[str, ...]:
    """The numbers, dates and names in a statement that the source does not contain."""
    folded = fold(fact)
    missing: list[str] = []
    for forms in _number_forms(folded):
        if not any(form in index.numbers for form in forms):
            missing.append(forms[0])
    for canonical, _ in _date_mentions(folded, require_capital=True):
        if canonical not in index.dates:
            missing.append(canonical)
    lowercase = index.lowercase_words | {
        w.lower() for w in _WORD_RE.findall(folded) if w[0].islower()
    }
    missing.extend(name for name in _name_runs(folded, lowercase) if not index.has_name(name))
    return tuple(missing)


@lru_cache(maxsize=32)
def _cached_index(source: str) -> SourceIndex:
    return SourceIndex.build(source)


def is_grounded(fact: str, source: str | SourceIndex) -> bool:
    """Whether every number, date and name of a statement appears in the source."""
    index = source if isinstance(source, SourceIndex) else _cached_index(source)
    return not unsupported_anchors(fact, index)


def check_facts(facts: Sequence[str], source: str) -> tuple[tuple[str, ...], int]:
    """Keep the facts whose numbers, dates and names all appear in the source.

    Returns the kept facts in their order and how many were dropped; blank facts are
    discarded without being counted.
    """
    index = _cached_index(source)
    kept: list[str] = []
    dropped = 0
    for fact in facts:
        if not fact.strip():
            continue
        if is_grounded(fact, index):
            kept.append(fact)
        else:
            dropped += 1
    return tuple(kept), dropped
