"""What kind of statement a sentence is: a report, speech, page junk, a fact, a consequence.

Pure rules over one sentence's text (and, for names, the text around it), shared by the
offline summarizer's choice of summary, key facts and why it matters.
"""

from __future__ import annotations

import re

from digests.summarize.compress import keeps_subject_and_verb
from digests.summarize.limits import FACT_MAX_WORDS, WHY_MAX_WORDS
from digests.summarize.sentences import split_sentences
from digests.text import MONTHS, STOPWORDS, WEEKDAYS, word_count

FACT_MIN_WORDS = 6

_JUNK_RE = re.compile(
    r"scroll down|click here|read more|sign up|follow (?:us|@)|published:|updated:|"
    r"all rights reserved|subscribe|newsletter|visit site|buy now|shop now|^by \.|^photo:|"
    r"^image:|^video:|^watch:|^pictured:|^file photo|^caption:",
    re.IGNORECASE,
)
# A web address is a pointer to more reading, never a statement a reader can take in.
_URL_RE = re.compile(r"https?://|\bwww\.", re.IGNORECASE)
_QUOTE_START_RE = re.compile(r"^[\"“‘'«]")
# First and second person belong to speech or to a column, not to a report.
_FIRST_PERSON_RE = re.compile(
    r"\b(?:I|I'm|I’m|I've|I’ve|I'd|I’d|we|We|my|our|me|us|you|You|your|Your)\b"
)
# "..., adding: 'This decision ..." opens a quotation, closed or not.
_QUOTE_OPENS_SPEECH_RE = re.compile(r"[:;,]\s*[\"“‘']\s*[A-Z]")
# A sentence that closes a quote it never opened is the tail of a quoted passage. The
# closing mark itself opens nothing, and a closing double quote needs a double opener:
# the apostrophes of "rock 'n' roll" or "since '57" open no quotation.
_QUOTE_TAIL_RE = re.compile(r"[.!?,]['’\"”]$")
_OPENING_QUOTE_RE = re.compile(r"[\"“‘]|(?:^|\s)'")
_OPENING_DOUBLE_QUOTE_RE = re.compile(r"[\"“]")
# Pronoun contractions belong to speech: "It’s a fantastic opportunity." is a quote whose
# marks were on an earlier sentence. ("wouldn't" is common in narrative and not counted.)
# Capitalised inside a sentence it is a title's word: "the film It's A Wonderful Life",
# "her Let's Move campaign".
_SPOKEN_RE = re.compile(
    r"(?:^|(?<=[\"“‘'(]))(?i:it|that|there|what|you|they|he|she|here|let|we)['’](?i:s|re|ve|ll|d)\b"
    r"|\b(?:it|that|there|what|you|they|he|she|here|let|we)['’](?:s|re|ve|ll|d)\b"
)
# A quoted span of four words or more is speech; a shorter one is a scare quote or a title.
_QUOTED_SPAN_RE = re.compile(
    r"[\"“]([^\"“”]*)[\"”]|(?:^|(?<=[\s(]))[‘']([^‘’']*)[’'](?=[\s,.;:!?)]|$)"
)
# Live-blog minute and clock markers: "13 min: ...", "87' ...", "14:05 GMT - ...".
_LIVE_MARKER_RE = re.compile(
    r"^\s*(?:\d{1,3}(?:\s*\+\s*\d{1,2})?\s*(?:min(?:ute)?s?\b|['’])"
    r"|\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?|GMT|BST|CET|ET|EST|UTC)?\s*[:\-–—])",
    re.IGNORECASE,
)
# A statement that opens with one of these leans on a sentence the briefing may not hold.
DEPENDENT_OPENER_RE = re.compile(
    r"^(?:He|She|It|They|We|I|You|His|Her|Its|Their|Him|Them|This|That|These|Those|Such|"
    r"Both|Another|Others|Here|Same|Also|And|But|Or|So|Yet|Then|Still|Meanwhile|However|"
    r"The latter|The former|The pair|The two|The couple)\b"
)
_NUMBER_RE = re.compile(r"\d")
_NUMBER_WORD_RE = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|hundreds|thousand|thousands|million|millions|billion|dozen|"
    r"dozens|half|quarter|third|first|second|last)\b",
    re.IGNORECASE,
)
_DATE_WORD_RE = re.compile(
    r"\b(?:"
    + "|".join([*(name.title() for name in (*MONTHS, *WEEKDAYS)), "yesterday", "today", "tomorrow"])
    + r")\b"
)
_INNER_NAME_RE = re.compile(r"(?<=\s)[A-Z][\w'’-]*")
_CAPITALISED_RE = re.compile(r"\b[A-Z][a-z][\w’'-]*")
_NAME_PAIR_RE = re.compile(r"\b([A-Z][\w’'.-]*)\s+([A-Z][a-z][\w’'-]*)")
_POSSESSIVE_RE = re.compile(r"['’]s?$")
_LOWER_COMPOUND_RE = re.compile(r"-[a-z]")
# Explicit statements of a consequence; a sentence without one is not "why it matters".
_CONSEQUENCE_RE = re.compile(
    r"\b(?:means? that|meaning that|which means|will mean|would mean|could mean|"
    r"(?:could|would|will|may|might) (?:lead|result) (?:to|in)|has led to|have led to|"
    r"as a result|will (?:allow|enable|force|affect|require)|"
    r"would (?:allow|enable|force|affect|require)|could (?:affect|cost|force)|"
    r"resulting in|paving the way|paves the way|clears? the way)\b",
    re.IGNORECASE,
)
# "As a result, ..." at the start names a consequence of something the briefing may not hold.
_DANGLING_CONSEQUENCE_RE = re.compile(r"^(?:As a result|In turn|That in turn|Consequently)\b")
_NEGATED_RE = re.compile(r"\b(?:not|never|n['’]t|unlikely)\b", re.IGNORECASE)
# "This means that ..." points at the story as a whole, which the briefing has just told.
_STORY_REFERENCE_RE = re.compile(r"^(?:This|That|The move|The decision|The change)\s+")


def _is_junk(text: str) -> bool:
    return bool(_JUNK_RE.search(text)) or word_count(text) < 4


def _unquoted(text: str) -> str:
    return _QUOTED_SPAN_RE.sub(" ", text)


def is_speech(text: str) -> bool:
    """Whether a sentence is someone's spoken words rather than a report of what happened.

    It opens with a quote, or speaks in the first person or in pronoun contractions outside
    any quotes, or asks a question. Reported speech with a short quoted phrase is a report.
    """
    unquoted = _unquoted(text)
    return bool(
        _QUOTE_START_RE.match(text)
        or _FIRST_PERSON_RE.search(unquoted)
        or _SPOKEN_RE.search(unquoted)
        or text.rstrip("\"'”’").endswith("?")
        or _closes_unopened_quote(text)
    )


def _closes_unopened_quote(text: str) -> bool:
    if not _QUOTE_TAIL_RE.search(text):
        return False
    opener = _OPENING_DOUBLE_QUOTE_RE if text[-1] in '"”' else _OPENING_QUOTE_RE
    return not opener.search(text[:-1])


def quotes_speech(text: str) -> bool:
    """Whether a sentence quotes a stretch of speech: six words or more, or after a colon."""
    if _QUOTE_OPENS_SPEECH_RE.search(text):
        return True
    spans = (m.group(1) or m.group(2) or "" for m in _QUOTED_SPAN_RE.finditer(text))
    return any(word_count(span) >= 6 for span in spans)


def is_summary_sentence(text: str) -> bool:
    """Whether a sentence may open a summary: a reported statement, not speech or page junk."""
    return not (_is_junk(text) or is_speech(text) or _LIVE_MARKER_RE.match(text))


def has_anchor(text: str) -> bool:
    """Whether a statement names who, how many or when: a number, a date or a name."""
    return bool(
        _NUMBER_RE.search(text)
        or _NUMBER_WORD_RE.search(text)
        or _DATE_WORD_RE.search(text)
        or _INNER_NAME_RE.search(text)
    )


def is_fact_sentence(text: str) -> bool:
    """Whether a sentence can stand alone as a key fact (before the name-introduction check).

    A fact is a reported statement of six to thirty words that names who, how many or when,
    and does not lean on the sentence before it (an opening pronoun or connective).
    """
    words = word_count(text)
    return (
        FACT_MIN_WORDS <= words <= FACT_MAX_WORDS
        and is_summary_sentence(text)
        and not quotes_speech(text)
        and not DEPENDENT_OPENER_RE.match(text)
        and not _URL_RE.search(text)
        and has_anchor(text)
        and keeps_subject_and_verb(text)
    )


def is_consequence(text: str) -> bool:
    """Whether a sentence states a consequence explicitly ("means that", "will allow" ...)."""
    match = _CONSEQUENCE_RE.search(text)
    if match is None or _NEGATED_RE.search(text[max(0, match.start() - 12) : match.end()]):
        return False
    if word_count(text) > WHY_MAX_WORDS or not is_summary_sentence(text) or quotes_speech(text):
        return False
    if _DANGLING_CONSEQUENCE_RE.match(text):
        return False
    if DEPENDENT_OPENER_RE.match(text):
        return bool(_STORY_REFERENCE_RE.match(text)) and match.start() < 25
    return True


def _bare(word: str) -> str:
    return _POSSESSIVE_RE.sub("", word)


def full_names(text: str) -> dict[str, frozenset[str]]:
    """Each name's last word mapped to the two-word forms ("Paolo Marchetti") the text uses."""
    found: dict[str, set[str]] = {}
    for sentence in split_sentences(text):
        for first, last in _NAME_PAIR_RE.findall(sentence):
            if first.lower().rstrip(".") in STOPWORDS or _DATE_WORD_RE.fullmatch(first):
                continue
            # "France's Pernod", "State-owned Rosneft": an owner or an adjective before a
            # name is no first name, and the name alone is then no dangling surname.
            if _POSSESSIVE_RE.search(first) or _LOWER_COMPOUND_RE.search(first):
                continue
            surname = _bare(last)
            found.setdefault(surname, set()).add(f"{_bare(first)} {surname}")
    return {k: frozenset(v) for k, v in found.items()}


def introduces_its_names(text: str, known: str, names: dict[str, frozenset[str]]) -> bool:
    """Whether every bare surname in ``text`` was introduced in full in ``known`` or itself.

    "..., Marchetti added." reads as a dangling reference when the briefing never said who
    Marchetti is, though the article did so earlier.
    """
    context = known + " " + text
    for word in _CAPITALISED_RE.findall(text):
        forms = names.get(_bare(word))
        if forms and not any(form in context for form in forms):
            return False
    return True
