"""Numbers as news text writes them: digits, number words, scales, units and roundings.

A number is read into the forms it may stand for ("1.2 million" is 1.2 and 1200000, "50 per
cent" is 50 and 0.5, "two and a half" is 2.5), so the fact check can compare a statement's
numbers with those a source states, implies (a listed sum, a unit conversion) or rounds to.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from functools import lru_cache
from typing import Any

from digests.language import primary_language
from digests.summarize.sentences import split_sentences

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
NUMBER_WORDS = {**_UNITS, **_TENS}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "twentieth": 20,
}  # fmt: skip

_SCALES = {
    "thousand": 1_000, "k": 1_000, "million": 1_000_000, "m": 1_000_000, "mn": 1_000_000,
    "billion": 1_000_000_000, "bn": 1_000_000_000, "b": 1_000_000_000,
    "trillion": 1_000_000_000_000, "tn": 1_000_000_000_000,
}  # fmt: skip
_WORD_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000,
                "billion": 1_000_000_000, "trillion": 1_000_000_000_000}  # fmt: skip

# A number after one of these is an approximation, and a close figure in the source backs it.
_HEDGES = (
    "about", "around", "nearly", "almost", "roughly", "approximately", "some", "more than",
    "over", "less than", "under", "up to", "at least", "close to", "just over", "just under",
    "fewer than", "estimated", "an estimated", "upwards of",
)  # fmt: skip
HEDGE_RE = re.compile(r"\b(?:" + "|".join(_HEDGES) + r")\s*[£$€]?$", re.IGNORECASE)
HEDGE_TOLERANCE = Decimal("0.05")

# Length, speed, weight and temperature units, each as (factor or converter, other unit).
_MEASURE_UNITS = {
    "km": "km", "kms": "km", "kilometre": "km", "kilometres": "km", "kilometer": "km",
    "kilometers": "km", "mile": "mi", "miles": "mi", "mph": "mph", "kph": "kph",
    "km/h": "kph", "kmh": "kph", "kg": "kg", "kgs": "kg", "kilo": "kg", "kilos": "kg",
    "kilogram": "kg", "kilograms": "kg", "lb": "lb", "lbs": "lb", "stone": "st",
    "metre": "m", "metres": "m", "meter": "m", "meters": "m", "ft": "ft", "feet": "ft",
    "foot": "ft", "cm": "cm", "centimetres": "cm", "centimeters": "cm", "inch": "in",
    "inches": "in", "c": "c", "celsius": "c", "centigrade": "c", "f": "f", "fahrenheit": "f",
    "minute": "min", "minutes": "min", "mins": "min", "hour": "h", "hours": "h", "hrs": "h",
    "day": "d", "days": "d", "week": "wk", "weeks": "wk", "month": "mo", "months": "mo",
    "year": "yr", "years": "yr",
}  # fmt: skip
_CONVERSIONS: dict[str, tuple[tuple[Decimal, Decimal, str], ...]] = {
    # unit: ((multiply by, then add, giving unit), ...)
    "km": ((Decimal("0.621371"), Decimal(0), "mi"),),
    "mi": ((Decimal("1.609344"), Decimal(0), "km"),),
    "kph": ((Decimal("0.621371"), Decimal(0), "mph"),),
    "mph": ((Decimal("1.609344"), Decimal(0), "kph"),),
    "kg": ((Decimal("2.204623"), Decimal(0), "lb"), (Decimal("0.157473"), Decimal(0), "st")),
    "lb": ((Decimal("0.453592"), Decimal(0), "kg"),),
    "st": ((Decimal("6.350293"), Decimal(0), "kg"), (Decimal(14), Decimal(0), "lb")),
    "m": ((Decimal("3.280840"), Decimal(0), "ft"),),
    "ft": ((Decimal("0.3048"), Decimal(0), "m"),),
    "cm": ((Decimal("0.393701"), Decimal(0), "in"),),
    "in": ((Decimal("2.54"), Decimal(0), "cm"),),
    "c": ((Decimal("1.8"), Decimal(32), "f"),),
    "f": ((Decimal(5) / Decimal(9), Decimal(-160) / Decimal(9), "c"),),
    "min": ((Decimal(1) / Decimal(60), Decimal(0), "h"),),
    "h": ((Decimal(60), Decimal(0), "min"), (Decimal(1) / Decimal(24), Decimal(0), "d")),
    "d": ((Decimal(24), Decimal(0), "h"), (Decimal(1) / Decimal(7), Decimal(0), "wk")),
    "wk": ((Decimal(7), Decimal(0), "d"),),
    "mo": ((Decimal(1) / Decimal(12), Decimal(0), "yr"),),
    "yr": ((Decimal(12), Decimal(0), "mo"),),
}
# Words that are themselves a count of a unit: "a fortnight" backs "two weeks" and "14 days".
_COUNT_WORDS = {"fortnight": ("2", "14"), "decade": ("10",), "century": ("100",)}
_COUNT_WORD_RE = re.compile(r"\b(" + "|".join(_COUNT_WORDS) + r")\b", re.IGNORECASE)
_MEASURE_RE = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s?(?:°\s?)?("
    + "|".join(re.escape(u) for u in sorted(_MEASURE_UNITS, key=len, reverse=True))
    + r")(?![\w/])",
    re.IGNORECASE,
)

_NUMBER_RE = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
    r"(?:\s?(%|per ?cent\b|percent\b|thousand\b|million\b|billion\b|trillion\b"
    r"|bn\b|mn\b|tn\b|m\b|k\b|b\b))?",
    re.IGNORECASE,
)


def _word_trie(words: Iterable[str]) -> str:
    """One regex alternation shaped as a trie, which the regex engine scans far faster."""
    trie: dict[str, dict[str, Any]] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in node.items() if char]
        optional = "" in node
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not optional else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if optional else body

    return pattern(trie)


_SPELLED_CORE = _word_trie([*NUMBER_WORDS, *_WORD_SCALES, "one", "dozen", "half"])
# A run of number words: "a" and "an" only lead it or sit inside ("two and a half"), so the
# article "a" alone is never scanned as a number.
_SPELLED_RE = re.compile(
    r"\b(?:an?[\s-]+)?" + _SPELLED_CORE + r"\b"
    r"(?:[\s-]+(?:" + _SPELLED_CORE + r"|and|an?)\b)*",
    re.IGNORECASE,
)
_SPELLED_WORD_RE = re.compile(r"[^\s-]+")
_ONE_OR_HALF = {"one": Decimal(1), "half": Decimal("0.5")}
# What lies between two counts that add up: "three men and two women", "5 goals plus 2".
# The counted word is required: "three and four" is a range, not a list.
_LISTED_RE = re.compile(r"\S+(?:\s+[a-z][\w'-]*){1,3},?\s+(?:and|plus)\s+", re.IGNORECASE)
_ORDINAL_RE = re.compile(r"\b(" + "|".join(ORDINALS) + r")\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Mention:
    """One number in a text: the values it may stand for and where it starts."""

    forms: tuple[str, ...]
    start: int


@lru_cache(maxsize=32)
def number_values(numbers: frozenset[str], derived: frozenset[str]) -> tuple[Decimal, ...]:
    return tuple(sorted({v for v in map(decimal_of, numbers | derived) if v is not None}))


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


def decimal_of(form: str) -> Decimal | None:
    try:
        return Decimal(form)
    except InvalidOperation:
        return None


def _canonical_decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _spelled_value(words: list[str]) -> Decimal | None:
    """The value of a run of number words ("three hundred and forty-two", "half a million")."""
    total = current = Decimal(0)
    seen_number = False
    half = False
    for position, word in enumerate(words):
        if word in ("a", "an", "one"):
            current += 1
        elif word in NUMBER_WORDS:
            current += NUMBER_WORDS[word]
            seen_number = True
        elif word == "dozen":
            current = (current or Decimal(1)) * 12
            seen_number = True
        elif word == "half" and seen_number and words[position - 1] in ("a", "an"):
            current -= Decimal("0.5")  # "two and a half": the "a" counted one, the half is 0.5
        elif word == "half":
            half = True
        elif word == "hundred":
            current = (current or Decimal(1)) * 100
            seen_number = True
        elif word in _WORD_SCALES:
            total += (current or Decimal(1)) * _WORD_SCALES[word]
            current = Decimal(0)
            seen_number = True
    value = total + current
    if half:
        # "half a million" is 500000; "half" alone is a fraction, 0.5.
        return value / 2 if seen_number else Decimal("0.5")
    return value if seen_number else None


def _spelled_runs(words: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
    """Split a run of number words where "and" joins two numbers rather than one.

    "three hundred and forty" and "two and a half" are one number each; "three and four"
    is two.
    """
    runs: list[list[tuple[str, int]]] = [[]]
    for position, (word, start) in enumerate(words):
        if word == "and":
            previous = words[position - 1][0] if position else ""
            following = [w for w, _ in words[position + 1 : position + 3]]
            joins = previous in _WORD_SCALES or following in (["a", "half"], ["an", "half"])
            if not joins:
                runs.append([])
                continue
        runs[-1].append((word, start))
    return runs


def _spelled_mentions(text: str, *, as_source: bool) -> list[Mention]:
    found: list[Mention] = []
    for match in _SPELLED_RE.finditer(text):
        words = [
            (word.group(0).lower(), match.start() + word.start())
            for word in _SPELLED_WORD_RE.finditer(match.group(0))
        ]
        for run in _spelled_runs(words):
            # Joining words at either end ("a", "and") belong to the sentence, not the number.
            while run and run[-1][0] in ("a", "an", "and"):
                run.pop()
            if not run:
                continue
            names = [word for word, _ in run]
            start = run[0][1]
            if names in (["one"], ["half"], ["a", "half"]):
                # "one of the", "the second half" are no claims about a quantity, but a source
                # saying "one" or "half" backs "1" or "50%".
                if as_source:
                    found.append(Mention((_canonical_decimal(_ONE_OR_HALF[names[-1]]),), start))
                continue
            value = _spelled_value(names)
            if value is not None:
                found.append(Mention((_canonical_decimal(value),), start))
    if as_source:
        for match in _ORDINAL_RE.finditer(text):
            found.append(Mention((str(ORDINALS[match.group(1).lower()]),), match.start()))
        for match in _COUNT_WORD_RE.finditer(text):
            found.append(Mention(_COUNT_WORDS[match.group(1).lower()], match.start()))
    return found


def number_mentions(text: str, *, as_source: bool = False, spelled: bool = True) -> list[Mention]:
    """Each number mentioned, as the forms it may match: bare value and value times scale;
    numbers written in (English) words too unless ``spelled`` is False."""
    found: list[Mention] = []
    for match in _NUMBER_RE.finditer(text):
        canonical = _canonical_number(match.group(1), match.group(2))
        unit = (match.group(3) or "").lower().replace(" ", "")
        scale = _SCALES.get(unit)
        if scale is not None:
            found.append(Mention((canonical, _scaled(canonical, scale)), match.start()))
        elif unit in ("%", "percent"):
            # "50 per cent" and "half" are the same share, one written as a fraction.
            fraction = _canonical_decimal(Decimal(canonical) / 100)
            found.append(Mention((canonical, fraction), match.start()))
        else:
            found.append(Mention((canonical,), match.start()))
    if spelled:
        found.extend(_spelled_mentions(text, as_source=as_source))
    return found


# Languages that write a decimal comma and group thousands with points or (narrow) spaces:
# "1,5 Millionen", "3.000 Menschen", "3 000 personnes".
_DECIMAL_COMMA = frozenset(
    "de fr es it pt nl ru pl cs sk sv da nb nn no fi tr id ro hu uk el ca sl hr sr bg lt lv "
    "et be is gl eu az kk".split()
)
_GROUPED_RE = re.compile(r"(?<![\w.,])\d{1,3}(?:[. \u00a0\u202f]\d{3})+(?:,\d+)?(?![\w.,]\d)")
_DECIMAL_RE = re.compile(r"(?<![\w.,])(\d+),(\d+)(?![\w.,]\d)")


def english_digits(text: str, language: str) -> str:
    """The text with its figures written the English way ("1.5", "3000") when its language
    writes a decimal comma, so that figures compare across languages; else as it is."""
    if primary_language(language) not in _DECIMAL_COMMA:
        return text

    def grouped(match: re.Match[str]) -> str:
        whole, _, decimals = match.group(0).partition(",")
        digits = re.sub(r"[. \u00a0\u202f]", "", whole)
        return f"{digits}.{decimals}" if decimals else digits

    text = _GROUPED_RE.sub(grouped, text)
    return _DECIMAL_RE.sub(r"\1.\2", text)


def number_forms(text: str) -> list[tuple[str, ...]]:
    return [mention.forms for mention in number_mentions(text)]


@lru_cache(maxsize=32)
def derived_numbers(text: str) -> frozenset[str]:
    """Numbers the source implies: the total of two listed counts, unit conversions."""
    derived: set[str] = set()
    for sentence in split_sentences(text):
        mentions = [
            (mention.start, value)
            for mention in sorted(number_mentions(sentence), key=lambda m: m.start)
            if (value := decimal_of(mention.forms[-1])) is not None
            and not _is_year(value)
            and not _in_score(sentence, mention.start)
        ]
        # "three men and two women" makes five people. Only counts listed side by side add
        # up: any two numbers of a sentence would back almost any small number.
        for (start, first), (next_start, second) in itertools.pairwise(mentions):
            if _LISTED_RE.fullmatch(sentence[start:next_start]):
                derived.add(_canonical_decimal(first + second))
    for match in _MEASURE_RE.finditer(text):
        value = Decimal(_canonical_number(match.group(1), match.group(2)))
        unit = _MEASURE_UNITS[match.group(3).lower()]
        for factor, offset, _ in _CONVERSIONS.get(unit, ()):
            converted = value * factor + offset
            for places in (Decimal(1), Decimal("0.1")):
                rounded = _quantized(converted, places)
                if rounded is not None:
                    derived.add(_canonical_decimal(rounded))
    return frozenset(derived)


def _in_score(text: str, start: int) -> bool:
    """Whether a number is part of a score, odds or a range ("3-1", "20/1", "9-10lbs")."""
    end = start
    while end < len(text) and (text[end].isdigit() or text[end] in ".,"):
        end += 1
    before, after = text[max(0, start - 2) : start], text[end : end + 2]
    return bool(re.fullmatch(r"\d[-/–]", before) or re.match(r"[-/–]\d", after))


def rounds_to(value: Decimal, known: Iterable[Decimal]) -> bool:
    """Whether a more precise figure in the source rounds to this one ("1.1 million", "3.5%").

    Whole numbers under a thousand are left out: "40" is not a rounding of 38 to a reader.
    """
    if value == value.to_integral_value() and (abs(value) < 1000 or _is_year(value)):
        return False
    exponent = value.normalize().as_tuple().exponent
    if not isinstance(exponent, int):
        return False
    step = Decimal(1).scaleb(exponent)
    return any(
        candidate != value and _quantized(candidate, step) == value
        for candidate in known
        if candidate and abs(candidate - value) < step and not _is_year(candidate)
    )


def significant_digits(value: Decimal) -> int:
    return len(value.normalize().as_tuple().digits)


def _quantized(value: Decimal, step: Decimal) -> Decimal | None:
    """A value rounded to a step, or None when it has more digits than any real figure."""
    with localcontext(prec=64):
        try:
            return value.quantize(step, ROUND_HALF_UP)
        except InvalidOperation:
            return None


def _is_year(value: Decimal) -> bool:
    """Years are labels, not quantities: 2014 is not "about 2,000"."""
    return value == value.to_integral_value() and 1800 <= value <= 2100
