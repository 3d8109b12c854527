"""Sentence splitting for the summarizers and the fact check: abbreviations, quotes, run-ons."""

from __future__ import annotations

import re

from digests.text import MONTH_ABBREVIATIONS, STOPWORDS, normalize_space, word_count

# Words that end with a period without ending the sentence when a name or number follows.
TITLE_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "rev", "gen", "sen", "rep", "gov",
        "lt", "col", "capt", "cpt", "sgt", "maj", "cmdr", "adm", "pres", "supt", "insp", "det",
        "hon", "fr", "mt", "ft", "no", "nos", "vs", "v", "etc", "eg", "ie", "approx", "est",
        "inc", "ltd", "co", "corp", "bros", "dept", "univ", "assn", "ave", "blvd", "rd",
        "fig", "vol", "pp", "op", "al", *MONTH_ABBREVIATIONS,
    }
)  # fmt: skip

# Company and list abbreviations that often do end a sentence ("... a unit of Acme Inc. The").
_ENDING_ABBREVIATIONS = frozenset({"inc", "ltd", "co", "corp", "bros", "etc"})

_QUOTE_CHARS = "\"'“”‘’«»"
_CLOSERS = "\"'”’»)]"

# A boundary candidate: terminal punctuation, optional closing quotes/brackets, whitespace.
_BOUNDARY_RE = re.compile(r"([.!?…]+)([" + re.escape(_CLOSERS) + r"]*)(\s+)")
_WORD_BEFORE_RE = re.compile(r"([A-Za-z][A-Za-z.'’&-]*)$")
_NEXT_START_RE = re.compile(r"[" + re.escape(_QUOTE_CHARS) + r"(\[]*([£$€]|\w|)(\w*)")
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
_PARAGRAPH_RE = re.compile(r"\s*\n\s*")


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
