"""Sentence splitting and small text helpers shared by the summarizers and the fact check."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Words that end with a period without ending the sentence when a name or number follows.
TITLE_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "rev", "gen", "sen", "rep", "gov",
        "lt", "col", "capt", "cpt", "sgt", "maj", "cmdr", "adm", "pres", "supt", "insp", "det",
        "hon", "fr", "mt", "ft", "no", "nos", "vs", "v", "etc", "eg", "ie", "approx", "est",
        "inc", "ltd", "co", "corp", "bros", "dept", "univ", "assn", "ave", "blvd", "rd",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "fig", "vol", "pp", "op", "al",
    }
)  # fmt: skip

# Company and list abbreviations that often do end a sentence ("... a unit of Acme Inc. The").
_ENDING_ABBREVIATIONS = frozenset({"inc", "ltd", "co", "corp", "bros", "etc"})

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

_QUOTE_CHARS = "\"'“”‘’«»"
_CLOSERS = "\"'”’»)]"

# A boundary candidate: terminal punctuation, optional closing quotes/brackets, whitespace.
_BOUNDARY_RE = re.compile(r"([.!?…]+)([" + re.escape(_CLOSERS) + r"]*)(\s+)")
_WORD_BEFORE_RE = re.compile(r"([A-Za-z][A-Za-z.'’&-]*)$")
_NEXT_START_RE = re.compile(r"[" + re.escape(_QUOTE_CHARS) + r"(\[]*([£$€]|\w|)(\w*)")
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_POSSESSIVE_RE = re.compile(r"['’]s\b", re.IGNORECASE)
# After a quote that ends in "?" or "!", its attribution continues the same sentence:
# '"Would you ask a man that?" Daniels said, refusing to answer.' is one sentence.
SPEECH_VERBS = (
    "said", "says", "added", "adds", "asked", "asks", "told", "explained", "claimed",
    "confirmed", "stated", "insisted", "warned", "noted", "argued", "admitted", "revealed",
    "reported", "announced", "wrote", "tweeted", "continued", "replied", "shouted",
)  # fmt: skip
_SPEECH_VERB_ALTERNATIVES = "|".join(SPEECH_VERBS)
_ATTRIBUTION_AFTER_QUOTE_RE = re.compile(
    r"(?:[A-Z][\w'’.-]*\s+){1,4}(?:" + _SPEECH_VERB_ALTERNATIVES + r")\b"
    r"|(?:" + _SPEECH_VERB_ALTERNATIVES + r")\s"
)
_SPACE_RE = re.compile(r"[ \t\f\v\u00a0\u2009\u202f]+")
_PARAGRAPH_RE = re.compile(r"\s*\n\s*")


def normalize_space(text: str) -> str:
    """Collapse runs of spaces (incl. no-break spaces) inside lines and trim the ends."""
    return _SPACE_RE.sub(" ", text).strip()


def _is_acronym(word: str) -> bool:
    # "U.S", "U.K", "a.m" — letters separated by periods.
    parts = word.split(".")
    return len(parts) >= 2 and all(len(p) == 1 and p.isalpha() for p in parts if p)


def _ends_sentence(before: str, punct: str, closers: str, after: str) -> bool:
    """Decide whether the punctuation at a candidate boundary really ends the sentence."""
    start = _NEXT_START_RE.match(after)
    first_char = start.group(1) if start else ""
    next_word = (start.group(1) + start.group(2)) if start else ""
    if not first_char or first_char.islower():
        # A lowercase continuation ("5 p.m. on Friday", "Mr. smith") is never a new sentence.
        return False
    if closers[:1] in _QUOTE_CHARS and closers and punct in "?!":
        return not _ATTRIBUTION_AFTER_QUOTE_RE.match(after)
    if punct != "." or closers:
        return True
    match = _WORD_BEFORE_RE.search(before)
    if match is None:
        return True
    word = match.group(1).rstrip(".")
    lowered = word.lower().replace("’", "'")
    starts_sentence = next_word.lower() in STOPWORDS
    if _is_acronym(word):
        # "the U.S. The" ends; "U.S. President" does not.
        return starts_sentence
    if len(word) == 1 and word.isupper():
        return starts_sentence  # an initial: "J. K. Rowling"
    if lowered in _ENDING_ABBREVIATIONS:
        return starts_sentence
    if lowered in TITLE_ABBREVIATIONS:
        # "No. 10" and "Dr. Smith" continue; but "... in Jan. The" still ends.
        return starts_sentence and lowered not in {"mr", "mrs", "ms", "dr", "prof", "st", "no"}
    return True


def _split_block(block: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY_RE.finditer(block):
        end = match.start(3)
        before = block[start : match.start(1)]
        after = block[match.end() : match.end() + 40]
        if _ends_sentence(before, match.group(1), match.group(2), after):
            sentence = block[start:end].strip()
            if sentence:
                sentences.append(sentence)
            start = match.end()
    tail = block[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; line breaks are hard boundaries, abbreviations are not."""
    sentences: list[str] = []
    for block in _PARAGRAPH_RE.split(text):
        block = normalize_space(block)
        if block:
            sentences.extend(_split_block(block))
    return sentences


def fold(text: str) -> str:
    """Fold accents and typographic quotes so "José’s" and "Jose's" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


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


# Words that open a sentence and are rarely capitalised inside one; a run-on such as
# "... than a colleague The cost of divorce ..." hides a lost line break (a caption glued to
# the text it sat above) in front of them.
_RUN_ON_OPENERS = (
    "The|A|An|He|She|It|They|We|His|Her|Their|Its|This|These|Those|There|Police|But|In|On|At|"
    "After|When|While|Now|Officials|Scroll"
)
_RUN_ON_RE = re.compile(r"(?<=[a-z0-9%])\s+(?=(?:" + _RUN_ON_OPENERS + r")\s+[a-z])")
_LAST_WORD_RE = re.compile(r"([\w'’%-]+)$")
_NAME_PART_OPENERS = frozenset({"It", "A", "In", "On", "At", "Now", "Police", "Officials"})


def split_run_ons(sentence: str) -> list[str]:
    """Split a sentence where a lost line break glued two sentences together.

    A capitalised opener ("The", "He", "In") followed by a lowercase word, right after a word
    that could end a sentence, starts a new one; "of The Times" and "the On the Mat" do not.
    """
    pieces: list[str] = []
    start = 0
    for match in _RUN_ON_RE.finditer(sentence):
        before = sentence[start : match.start()]
        last = _LAST_WORD_RE.search(before)
        if last is None or word_count(before) < 3:
            continue
        word = last.group(1)
        opener = sentence[match.end() :].split(" ", 1)[0]
        # "Don't Push It was..." is a title, not two sentences: a short opener after a
        # capitalised word too often belongs to a name.
        ambiguous = opener in _NAME_PART_OPENERS and word[0].isupper()
        if word.lower() in STOPWORDS or ambiguous:
            continue
        pieces.append(before.strip())
        start = match.end()
    pieces.append(sentence[start:].strip())
    return [p for p in pieces if p]
