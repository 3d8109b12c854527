"""Term vectors of articles: tokens, weighted terms, the packed form indexed articles keep.

Clustering compares articles by these vectors; the scoring of a pair lives in
``digests.similarity`` and the placing of articles in stories in ``digests.cluster``.
"""

from __future__ import annotations

import math
import operator
import re
import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import repeat
from typing import TypeAlias

from digests.records import Article
from digests.text import STOPWORDS as SHARED_STOPWORDS
from digests.text import stem, truncate_words

# How many words of the body take part: the lead carries the event, later text wanders.
LEAD_WORDS = 150
# Weight multipliers: the headline names the event; names and figures tell events apart.
TITLE_BOOST = 2.0
NAME_BOOST = 2.5
NUMBER_BOOST = 2.5
COMMON_NUMBER_BOOST = 0.7
COMMON_WORD_BOOST = 0.35
# Repeats count, but sublinearly: one name said ten times must not outweigh the rest.
TF_DAMPING = 0.5
# Terms an indexed article keeps: the heaviest carry the event, and a clustering window of
# 100,000 articles must fit in memory (a full vector is ~150 terms). The article being placed
# is always scored with its whole vector.
INDEXED_TERMS = 48

# An indexed article's vector, packed: its heaviest terms and their weights (float32).
PackedVector: TypeAlias = "tuple[tuple[str, ...], array[float]]"


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# What only clustering's tokens carry beyond the shared stopwords: contractions (its word
# tokens keep their apostrophes), honorifics and a few hedges.
_MORE_STOPWORDS = _word_set(
    """
    almost aren't became become couldn't didn't doesn't don't else hadn't hasn't haven't he'd
    he'll he's i'd i'll i'm i've isn't it's let let's mustn't others otherwise perhaps quite
    she'd she'll she's shouldn't that's there's they'd they'll they're they've toward towards
    wasn't we'd we'll we're we've weren't what's who's won't wouldn't you'd you'll you're
    you've mr mrs ms dr st
    """
)

# Words every news report uses whatever the event; they may count, but only a little.
COMMON_NEWS_WORDS = _word_set(
    """
    said says say saying told tell according added adding asked reported report reports
    statement spokesman spokeswoman spokesperson official officials people person year years
    day days week weeks month months time times today yesterday tomorrow tonight morning
    afternoon evening night new news latest first second third last next one two three four
    five six seven eight nine ten hundred hundreds thousand thousands million millions
    billion billions several many number numbers part including include includes made make
    makes making going get got take took taken come came back well still way ways world
    country countries city state states government public local national international
    monday tuesday wednesday thursday friday saturday sunday january february march april
    june july august september october november december update updated breaking live
    video photo photos watch read click story
    """
)

# Shared stopwords that stay terms here, as they were when the threshold was set.
_KEPT_AS_TERMS = _word_set("done gets never put see seen whenever whereas")
# The shared stopwords, less the words every report uses (they count a little instead) and
# those kept as terms, plus what only clustering's tokens carry.
STOPWORDS = (SHARED_STOPWORDS - COMMON_NEWS_WORDS - _KEPT_AS_TERMS) | _MORE_STOPWORDS

_TOKEN = re.compile(r"(?P<num>\d+(?:[.,:\-/]\d+)*%?)|(?P<word>[^\W\d_]+(?:['\u2019][^\W\d_]+)*)")
_BREAK = re.compile(r"[.!?:;\n\"\u201c\u201d]")


def _number_term(raw: str) -> tuple[str, bool]:
    """A normalised figure and whether it is too ordinary (a small count, a year) to tell by."""
    value = raw.rstrip("%")
    # "1,000" and "1000" are the same figure; "2-1" and "7.1" keep their separators.
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", value):
        value = value.replace(",", "")
    common = value.isdigit() and (len(value) == 1 or 1900 <= int(value) <= 2100)
    return "#" + value, common


@lru_cache(maxsize=131072)
def _word_term(raw: str) -> tuple[str, float] | None:
    """A word token's term and default boost, or None for a stopword or a single letter."""
    lower = raw.lower().replace("\u2019", "'")
    if lower in STOPWORDS or len(lower) < 2:
        return None
    if lower.endswith("'s"):
        lower = lower[:-2]
    return stem(lower), COMMON_WORD_BOOST if lower in COMMON_NEWS_WORDS else 1.0


def term_weights(title: str, text: str) -> dict[str, float]:
    """The unit-length weighted term vector of an article: headline plus lead, names boosted."""
    counts: defaultdict[str, float] = defaultdict(float)
    boosts: dict[str, float] = {}
    names: set[str] = set()
    for source, factor in (
        (title, TITLE_BOOST),
        (truncate_words(text, LEAD_WORDS, marker="", trim=""), 1.0),
    ):
        is_title = source is title
        previous_end = 0
        for match in _TOKEN.finditer(source):
            gap_start, previous_end = previous_end, match.end()
            raw = match.group(0)
            if match.group("num") is not None:
                term, common = _number_term(raw)
                counts[term] += factor
                boosts[term] = COMMON_NUMBER_BOOST if common else NUMBER_BOOST
                continue
            analysed = _word_term(raw)
            if analysed is None:
                continue
            term, boost = analysed
            counts[term] += factor
            # Headlines capitalise every word and sentences their first, so only a capital
            # in running text that follows no sentence break marks a name. The break is
            # looked for only after a capital: most words are lower case.
            if (
                not is_title
                and raw[0].isupper()
                and gap_start > 0
                and _BREAK.search(source, gap_start, match.start()) is None
            ):
                names.add(term)
            boosts.setdefault(term, boost)
    weights: dict[str, float] = {}
    for term, count in counts.items():
        boost = boosts[term]
        if term in names and boost == 1.0:
            boost = NAME_BOOST
        weights[term] = (1.0 + TF_DAMPING * math.log(count)) * boost
    norm = math.sqrt(sum(w * w for w in weights.values()))
    if norm == 0:
        return {}
    return {term: w / norm for term, w in weights.items()}


def whole_vector(article: Article) -> dict[str, float]:
    """An article's whole (unpacked) term vector."""
    return term_weights(article.title, article.text)


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """The dot product of two unit-length sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b[t] for t, w in a.items() if t in b)


def heaviest_first(term_weight: tuple[str, float]) -> tuple[float, str]:
    """Sort key: heavier terms first, ties by term."""
    return -term_weight[1], term_weight[0]


def pack(vector: Mapping[str, float]) -> PackedVector:
    """The vector as clustering keeps it for indexed articles: its heaviest terms, compact."""
    # A full sort of a hundred terms is quicker than heapq.nsmallest, with the same result.
    kept = sorted(vector.items(), key=heaviest_first)[:INDEXED_TERMS]
    # Interned, so the terms many articles share are stored once.
    return tuple(sys.intern(t) for t, _ in kept), array("f", (w for _, w in kept))


def packed_cosine(query: Mapping[str, float], packed: PackedVector) -> float:
    """The dot product of a whole vector with a packed one."""
    terms, weights = packed
    # Absent terms add 0.0, which leaves a float sum exactly as skipping them would.
    products: Iterable[float] = map(operator.mul, weights, map(query.get, terms, repeat(0.0)))
    return sum(products)


def article_vector(article: Article) -> PackedVector:
    """An article's packed term vector, as clustering indexes it."""
    return pack(whole_vector(article))
