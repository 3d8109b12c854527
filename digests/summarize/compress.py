"""Safe sentence shortening: only cuts that cannot break a sentence's grammar or meaning.

A briefing quotes the article's own sentences. The few cuts allowed here remove a part that
stands outside the sentence's clause structure, so what is left is still the same complete
sentence: a wire dateline, a bracketed aside, a caption's one-word label ("Tragic: "), a
trailing attribution clause (dropped whole), and a leading connective set off by a comma
("However, "). Cuts inside the clause (relative clauses, appositives, dash asides, leading
phrases, quotes) are not made: removing them is what garbled sentences such as "Angie's List
contractors and service companies on the Web, has just set the terms for its IPO."
"""

from __future__ import annotations

import re

from digests.summarize.sentences import SPEECH_VERBS
from digests.text import normalize_space, word_count

# "told" takes its object with it: ", he told reporters."
_SPEECH_VERBS = "|".join(v if v != "told" else r"told\s+[a-z]+(?:\s+[a-z]+)?" for v in SPEECH_VERBS)
_PRONOUN = r"(?:he|she|they|it|we|He|She|They|It|We|I)"
_SPEAKER = (
    r"(?:"
    + _PRONOUN
    + r"|(?:the\s+)?[a-z]+(?:\s+[a-z]+)?|(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3})"
)

# Only a whole clause after a comma, up to the sentence's end: ", police said." or
# ", according to the BBC." Anything after the attribution ("..., he said, adding that")
# keeps the sentence whole, since dropping part of it would leave a fragment.
_TRAILING_ATTRIBUTION_RE = re.compile(
    r",\s*(?:" + _SPEAKER + r"\s+(?:" + _SPEECH_VERBS + r")"
    r"|(?:said|says|added|adds)\s+" + _SPEAKER + r""
    r"|according\s+to\s+[^,.;:\"“”]{1,80})\s*(?P<end>[.!?])$"
)
# A connective that only links the sentence to the one before it, set off by a comma.
_LEADING_CONNECTIVE_RE = re.compile(
    r"^(?:However|Meanwhile|Moreover|Furthermore|Additionally|In addition|Nevertheless|"
    r"Nonetheless|Separately|Similarly|Likewise|Indeed|In fact|Of course|At the same time|"
    r"In the meantime|Still|Instead|Overall|Now|Also),\s+(?=\S)"
)
_BRACKETED_RE = re.compile(r"\s*(?:\([^()]{0,200}\)|\[[^\[\]]{0,200}\])")
_DATELINE_RE = re.compile(
    r"^[A-Z][A-Z'.-]+(?:[ ,]+[A-Z][\w'.-]*){0,3}\s*(?:\([A-Za-z. ]{2,20}\)\s*)?(?:--|—|–)\s+"
    r"|^\((?:CNN|AP|Reuters|AFP|EW\.com|CNN Student News)\)\s*(?:--|—|–)?\s*"
)
# A caption's one-word label: "Tragic: The man ..." or "Wanted: Police in ...". Never a
# pronoun: "He said: The ..." would turn speech into the briefing's own claim.
_CAPTION_LABEL_RE = re.compile(r"^(?!(?:He|She|They|It|We|I|You)\b)[A-Z][\w'’-]*:\s+(?=[A-Z])")
_QUOTE_MARKS = "\"“”‘’'«»"
_END_PUNCT = ".!?"

# The grammaticality check of a shortened sentence (a heuristic, see keeps_subject_and_verb).
_FINITE_VERB_RE = re.compile(
    r"\b(?:is|are|was|were|am|be|been|has|have|had|will|would|can|could|may|might|must|"
    r"shall|should|do|does|did|won't|can't|isn't|wasn't|aren't|weren't)\b"
    r"|\b[a-z]{2,}(?:ed|es|s)\b"
)
# A sentence that opens with a participle or preposition phrase and a comma needs the
# subject that follows the comma; the cut must not have removed it.
_DANGLING_OPENER_RE = re.compile(
    r"^(?:[A-Z][a-z]+(?:ed|ing)|According|Including|Published|Speaking)\b[^,]{0,80},\s*$"
)
_WORD_RE = re.compile(r"[A-Za-z][\w'’-]*")


def strip_parentheticals(text: str) -> str:
    """Drop asides in round or square brackets: "(CNN)", "[pictured]", "(£3.2bn)"."""
    text = _BRACKETED_RE.sub("", text)
    return normalize_space(text.replace(" ,", ",").replace(" .", ".").replace(" ;", ";"))


def strip_attribution(text: str) -> str:
    """Drop a trailing ", police said."-style attribution clause, whole, from a statement.

    A quote keeps its attribution: without it, the words would read as the briefing's own.
    """
    if text[:1] in _QUOTE_MARKS:
        return text
    match = _TRAILING_ATTRIBUTION_RE.search(text)
    if match is None or word_count(text[: match.start()]) < 4:
        return text
    head = text[: match.start()]
    if any(mark in head for mark in '"“”'):
        return text
    return head.rstrip(" ,;:") + match.group("end")


def strip_leading_connective(text: str) -> str:
    """Drop a comma-set connective that ties the sentence to the one before ("However, ")."""
    return _LEADING_CONNECTIVE_RE.sub("", text, count=1)


def strip_caption_label(text: str) -> str:
    """Drop a picture caption's label ("Tragic: "), which stands outside the sentence."""
    return _CAPTION_LABEL_RE.sub("", text, count=1)


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


def keeps_subject_and_verb(text: str) -> bool:
    """Whether a shortened sentence still reads as a complete sentence (a documented heuristic).

    It must open with a capital letter, digit or quote, end with terminal punctuation, hold at
    least four words, not consist of an opening phrase whose subject was cut ("Published in
    BMJ Case Reports, ..." with nothing after the comma but the rest of the phrase), and hold
    a finite-verb cue after its first word: an auxiliary, or a word ending in -ed or -s. The
    cue is crude, but every cut this module makes removes only material outside the clause,
    so the check guards against a cut that went wrong rather than parsing English.
    """
    text = text.strip()
    if word_count(text) < 4 or not (text[0].isupper() or text[0].isdigit() or text[0] in "\"“‘'"):
        return False
    if text.rstrip(_QUOTE_MARKS + ")")[-1:] not in _END_PUNCT:
        return False
    head, _, rest = text.partition(",")
    if rest and _DANGLING_OPENER_RE.match(head + ",") and not _FINITE_VERB_RE.search(rest):
        return False
    words = _WORD_RE.findall(text)
    return any(_FINITE_VERB_RE.fullmatch(word.lower()) for word in words[1:])


def compress(text: str) -> str:
    """The sentence with only safe cuts made; the whole sentence when a cut would not check.

    Never adds words, and never returns a shortened sentence that fails
    ``keeps_subject_and_verb`` while the original passes it.
    """
    original = normalize_space(text)
    cut = strip_leading_connective(strip_caption_label(strip_parentheticals(original)))
    cut = normalize_space(strip_attribution(cut))
    if not cut:
        return original
    cut = ensure_period(capitalise_first(cut))
    if cut != original and not keeps_subject_and_verb(cut) and keeps_subject_and_verb(original):
        return original
    return cut
