"""What tells one event from another beyond shared words: names, figures and the kind of piece.

Names and figures survive translation ("Rutte", "7,1" and "7.1", "10.000" and "10,000"), so
they match reports of one event across languages; a headline figure that the other report
never mentions (another magnitude, another score) marks another event; an explainer or a
live guide is about a subject, not one event, and is never merged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from digests.text import fold

# How many words of the body are read: the lead names the event's people, places and figures.
LEAD_WORDS = 200
# Name keys are cut to this many letters, so inflected or transliterated forms meet
# ("Ruttes" and "Rutte", "Kyiv's" and "Kyiv").
NAME_KEY_LETTERS = 7

_HEADLINE_WORD = re.compile(r"[^\W_]+")
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,:\-\u2013]\d+)*%?")
_SENTENCE_BREAK = frozenset('.!?:;"\u201c\u201d\u00ab\u00bb(\u2026')
_THOUSANDS = re.compile(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*")
_DECIMAL = re.compile(r"(\d+)[.,](\d+)")
_SCORE = re.compile(r"(\d{1,2})\s?[-\u2013:]\s?(\d{1,2})")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Month names and the usual abbreviations in the six languages of the labelled set: a
# number next to one is a date, not a figure of the event.
MONTHS = _words(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    januar februar marz mai juni juli oktober dezember
    janvier fevrier mars avril juin juillet aout septembre octobre novembre decembre
    enero febrero abril mayo junio julio agosto septiembre octubre noviembre diciembre
    janeiro fevereiro marco maio junho julho setembro outubro novembro dezembro
    gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre
    """
)

# Capitalised words that are not names: titles, days, months, in the languages feeds use.
_NOT_NAME_WORDS = MONTHS | _words(
    """
    the a an and but in on at for of to by with from as it its this that these those he she
    they we i you his her their our my mr mrs ms dr sir president prime minister governor
    chief chair chairman senator rep mayor king queen prince general secretary
    monday tuesday wednesday thursday friday saturday sunday
    montag dienstag mittwoch donnerstag freitag samstag sonntag der die das ein eine und im
    am um prasident minister
    lundi mardi mercredi jeudi vendredi samedi dimanche le la les un une des du et au aux
    president ministre
    lunes martes miercoles jueves viernes sabado domingo el los las y del al presidente
    ministro
    segunda terca quarta quinta sexta o os as um uma e do da dos das no na em presidente
    ministro
    lunedi martedi mercoledi giovedi venerdi il lo gli una di che presidente ministro
    """
)

# Headline phrases of pieces that explain, guide or round up rather than report one event.
EXPLAINER_CUES = (
    "what we know",
    "you need to know",
    "need to know about",
    "everything you need",
    "in pictures",
    "live updates",
    "as it happened",
    "round-up",
    "roundup",
    "key questions",
    "questions answered",
    "explained",
    "explainer",
    "q&a",
    "a guide to",
    "timeline",
    "what is ",
    "what are ",
    "how does ",
    "was wir wissen",
    "was sie wissen",
    "fragen und antworten",
    "die wichtigsten fragen",
    "ce que l'on sait",
    "ce qu'il faut savoir",
    "questions-reponses",
    "lo que sabemos",
    "lo que hay que saber",
    "preguntas y respuestas",
    "o que se sabe",
    "o que sabemos",
    "perguntas e respostas",
    "entenda",
    "cosa sappiamo",
    "cosa sapere",
    "domande e risposte",
)


# Headline words of a review or test of a product, a show or a book: a piece about the thing,
# not a report of an event around it (a rumour, a teardown, a launch), in the six languages.
_REVIEW_CUE = re.compile(
    r"\b(?:review|reviewed|hands-on|tested|im test|testbericht|rezension|test ?:|test du|"
    r"notre test|critique ?:|analisis|resena|a prueba|probamos|recensione|la prova|in prova|"
    r"provato|analise|resenha|testamos)(?!\w)"
)


@dataclass(frozen=True, slots=True)
class EventFeatures:
    """The language-neutral marks of an article's event."""

    names: frozenset[str]
    figures: frozenset[str]
    headline_figures: frozenset[str]
    explainer: bool
    review: bool = False
    # The headline's words before its first colon (a kicker: "Despertar em 60 segundos") and
    # after it, as name keys; without a colon the kicker is empty.
    kicker: frozenset[str] = frozenset()
    headline_rest: frozenset[str] = frozenset()


@lru_cache(maxsize=65536)
def name_key(word: str) -> str:
    """A name as compared across reports and languages: folded, lower case, possessive off."""
    key = fold(word).lower()
    for suffix in ("'s", "'"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    # A plural or genitive "s" ("Japans", "Ruttes") is dropped on both sides alike.
    if len(key) > 4 and key.endswith("s"):
        key = key[:-1]
    return key[:NAME_KEY_LETTERS]


# Compared as name keys, so words longer than a key ("president", "wednesday") match too.
NOT_NAMES = frozenset(name_key(word) for word in _NOT_NAME_WORDS)


@lru_cache(maxsize=65536)
def figure_key(raw: str) -> str | None:
    """A figure as compared across locales, or None for one too ordinary to tell events by.

    "10.000" and "10,000" are one figure, and so are "7,1" and "7.1"; "3-1" and "3:1" are one
    score. Single digits and years are too common to distinguish events.
    """
    value = raw.rstrip("%")
    score = _SCORE.fullmatch(value)
    # "5:42" is a time of day, "2:2" a score.
    if score is not None and (":" not in value or len(score.group(2)) == 1):
        return f"{score.group(1)}-{score.group(2)}"
    if _THOUSANDS.fullmatch(value) and not value.startswith("0"):
        value = re.sub(r"[.,]", "", value)
    else:
        decimal = _DECIMAL.fullmatch(value)
        if decimal is not None:
            fraction = decimal.group(2).rstrip("0")
            value = decimal.group(1) + ("." + fraction if fraction else "")
    if not re.fullmatch(r"\d+(?:\.\d+)?", value):
        return None
    if value.isdigit() and (len(value) == 1 or 1900 <= int(value) <= 2100):
        return None
    return value


_WORD_BEFORE = re.compile(r"([^\W\d_]+)\.?\s+(?:(?:de|di|del)\s+)?$")
_WORD_AFTER = re.compile(r"^\.?\s+(?:(?:de|di|del)\s+)?([^\W\d_]+)")


def _is_date(text: str, start: int, end: int) -> bool:
    """Whether the number at ``text[start:end]`` is a day of a month ("July 25", "25 de julho")."""
    before = _WORD_BEFORE.search(text, max(0, start - 16), start)
    after = _WORD_AFTER.match(text[end : end + 16])
    return any(
        match is not None and fold(match.group(1)).lower() in MONTHS for match in (before, after)
    )


def _figures(text: str) -> set[str]:
    # A date is shared by every report of a running affair ("the July 25 call"), so it tells
    # one event from the next no better than a year does.
    return {
        key
        for match in _NUMBER.finditer(text)
        if (key := figure_key(match.group(0))) is not None
        and not _is_date(text, match.start(), match.end())
    }


def _names(text: str) -> set[str]:
    names: set[str] = set()
    for match in _WORD.finditer(text):
        word = match.group(0)
        if not word[0].isupper():
            continue
        start = match.start()
        # A capital after a sentence break starts a sentence; an acronym is a name anywhere.
        before = text[max(0, start - 8) : start].rstrip()
        sentence_start = not before or before[-1] in _SENTENCE_BREAK
        if sentence_start and not (len(word) > 1 and word.isupper()):
            continue
        key = name_key(word)
        if len(key) > 1 and key not in NOT_NAMES:
            names.add(key)
    return names


def is_explainer(title: str) -> bool:
    """Whether a headline marks a piece that explains a subject rather than reports an event."""
    lowered = fold(title).lower()
    return any(cue in lowered for cue in EXPLAINER_CUES)


def is_review(title: str) -> bool:
    """Whether a headline marks a review or test of a thing rather than a report of an event."""
    return _REVIEW_CUE.search(fold(title).lower()) is not None


def kinds_differ(a: EventFeatures, b: EventFeatures) -> bool:
    """Whether one report is a review and the other is not: two pieces, whatever they share."""
    return a.review != b.review


def _headline_words(text: str) -> frozenset[str]:
    # Words of one or two letters are mostly articles and prepositions in every language.
    return frozenset(name_key(w) for w in _HEADLINE_WORD.findall(text) if len(w) > 2 or w.isdigit())


def headline_parts(title: str) -> tuple[frozenset[str], frozenset[str]]:
    """A headline's kicker words (before its first colon) and the words after it."""
    kicker, colon, rest = title.partition(":")
    if not colon:
        return frozenset(), _headline_words(title)
    return _headline_words(kicker), _headline_words(rest)


def one_series(a: EventFeatures, b: EventFeatures) -> bool:
    """Whether two headlines share words only in their kickers: two items of a series.

    "Despertar em 60 segundos: Benfica e Sporting ..." and "Primeira página em 60 segundos:
    Erros levam EDP ..." share a rubric, not an event; reports of one event under one kicker
    ("Ibope: Bolsonaro perde ...", "Ibope: Bolsonaro estaciona ...") share words after it too.
    """
    if not a.kicker & b.kicker:
        return False
    return not a.headline_rest & (b.kicker | b.headline_rest) and not b.headline_rest & a.kicker


def shared_headline_words(a: EventFeatures, b: EventFeatures) -> int | None:
    """How many words the two headlines share, or None when either has no headline words."""
    first, second = a.kicker | a.headline_rest, b.kicker | b.headline_rest
    if not first or not second:
        return None
    return len(first & second)


def event_features(title: str, text: str) -> EventFeatures:
    """The names, figures and kind of an article, from its headline and lead."""
    lead = " ".join(text.split()[:LEAD_WORDS])
    headline_figures = frozenset(_figures(title))
    kicker, rest = headline_parts(title)
    # Headline words are all capitalised in title case: a headline word counts as a name
    # only when the lead capitalises it too.
    names = _names(lead)
    names |= {key for key in _names(title) if key in names or key.upper() == key}
    return EventFeatures(
        names=frozenset(names),
        figures=frozenset(_figures(lead)) | headline_figures,
        headline_figures=headline_figures,
        explainer=is_explainer(title),
        review=is_review(title),
        kicker=kicker,
        headline_rest=rest,
    )


def headline_figures_conflict(a: EventFeatures, b: EventFeatures) -> bool:
    """Whether both headlines give figures and one report never mentions the other's.

    Two magnitudes, two scores, two sale prices, a 13-inch and a 16-inch laptop: the figure a
    headline leads with is the event's, so a report that never gives it is about another
    event, even when it mentions the first report's figure in passing.
    """
    if not a.headline_figures or not b.headline_figures:
        return False
    return not (a.headline_figures & b.figures) or not (b.headline_figures & a.figures)


def shared_marks(a: EventFeatures, b: EventFeatures) -> float:
    """How many of the fewer names and figures the other report shares, 0..1.

    Figures count double: a shared "1282" or "7.1" says more than a shared country.
    """
    shared = len(a.names & b.names) + 2 * len(a.figures & b.figures)
    fewer = min(len(a.names) + 2 * len(a.figures), len(b.names) + 2 * len(b.figures))
    return shared / fewer if fewer else 0.0
