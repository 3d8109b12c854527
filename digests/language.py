"""Languages: IETF tags checked and put in their standard form, an article's language taken
from what its feed or page declares or detected from its text, and the English names a model
prompt calls them by.

Detection is py3langid's naive Bayes model, which ships inside the package (nothing is
downloaded); it is loaded once per process, on first use, in about a second.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from dataclasses import replace
from itertools import islice
from typing import Any

import justext
import langcodes

from digests.records import ArticleDraft, Briefing, DigestItem
from digests.text import fold

UNDETERMINED = "und"
# Below this many letters a text says too little about its language to guess.
MIN_LETTERS = 20
# The model's normalised probability under which its best guess is no answer.
MIN_CONFIDENCE = 0.5
# A declared language is overruled only by a detection this sure: feeds and sites declare
# a default ("en") for every page more often than they declare a wrong language on purpose.
OVERRULE_CONFIDENCE = 0.75
MAX_TAG_CHARS = 35
# How much of an article detection reads: its opening says as much as the whole. On the 181
# pages of the extraction benchmark the first 1,000 characters give the language the first
# 4,000 do on every page, in about 0.5 ms instead of 0.9 ms.
DETECT_CHARS = 1000

# Languages the model often mistakes for one another: a declared one of them stands.
_CLOSE = (
    frozenset({"no", "nb", "nn", "da"}),
    frozenset({"hr", "sr", "bs"}),
    frozenset({"id", "ms"}),
    frozenset({"cs", "sk"}),
)
_TAG_CHARS = re.compile(r"[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*")

# English names of common languages, for telling a model which one to write in; any other
# valid tag is named by the tag alone, which models read as well.
_NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "da": "Danish",
    "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian",
    "fa": "Persian", "fi": "Finnish", "fr": "French", "ga": "Irish", "he": "Hebrew",
    "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian", "it": "Italian",
    "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "ms": "Malay",
    "nb": "Norwegian Bokmål", "nl": "Dutch", "no": "Norwegian", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian",
    "sr": "Serbian", "sv": "Swedish", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian",
    "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip


def language_tag(value: str | None) -> str | None:
    """The standard form of a valid IETF language tag ("en_us" is "en-US"), else None.

    "und" (undetermined) is no language to write in, so it is not valid here either.
    """
    text = (value or "").strip()
    if not text or len(text) > MAX_TAG_CHARS or not _TAG_CHARS.fullmatch(text):
        return None
    try:
        tag = langcodes.standardize_tag(text.replace("_", "-"))
    except ValueError:
        return None
    if not langcodes.tag_is_valid(tag) or primary_language(tag) == UNDETERMINED:
        return None
    return tag


def primary_language(tag: str) -> str:
    """The language subtag of a tag: "de" for "de-AT"; what two tags must share to be one
    language."""
    return tag.split("-", 1)[0].lower()


def same_language(first: str | None, second: str | None) -> bool:
    """Whether two tags name one language (regions and scripts aside); an unknown one never
    matches a known one."""
    a = primary_language(first or UNDETERMINED)
    b = primary_language(second or UNDETERMINED)
    return a == b


def language_name(tag: str) -> str:
    """How a prompt names a language: "German" for "de", "Portuguese (pt-BR)" for a regional
    tag, the tag itself when no name is known."""
    name = _NAMES.get(primary_language(tag))
    if name is None:
        return tag
    return name if primary_language(tag) == tag else f"{name} ({tag})"


@functools.cache
def stopwords(tag: str) -> frozenset[str]:
    """The language's common words (articles, pronouns, prepositions), lower-case with their
    accents folded; empty for a language without a list. The lists are jusText's (installed
    with trafilatura), made from each language's Wikipedia."""
    name = _NAMES.get(primary_language(tag))
    if name is None:
        return frozenset()
    listed = fold(name).replace(" ", "_")
    if listed not in justext.get_stoplists():
        return frozenset()
    return frozenset(fold(word).lower() for word in justext.get_stoplist(listed))


_identifier: Any = None
_identifier_lock = threading.Lock()


def _model() -> Any:
    global _identifier
    with _identifier_lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def load_detector() -> None:
    """Load the detection model now (it takes a second or more), e.g. off the event loop."""
    _model()


def _has_letters(text: str, wanted: int) -> bool:
    """Whether a text has at least ``wanted`` letters; stops counting once it has."""
    # Counting every letter of a thousand-character text cost a tenth of detecting it.
    return next(islice(filter(str.isalpha, text), wanted - 1, None), None) is not None


def _guess(text: str) -> tuple[str, float]:
    """The model's best language for a text and how sure it is; ("und", 0) for too little."""
    if not _has_letters(text, MIN_LETTERS):
        return UNDETERMINED, 0.0
    label, confidence = _model().classify(text)
    # "zxx" is the model's "no linguistic content".
    if label == "zxx" or confidence < MIN_CONFIDENCE:
        return UNDETERMINED, float(confidence)
    return str(label), float(confidence)


def known_language(tag: str) -> str | None:
    """The tag, or None for "und": how a record says it does not know a language."""
    return None if primary_language(tag) == UNDETERMINED else tag


def detect_language(text: str) -> str:
    """The language a text is written in, as a tag, or "und" when it is too short or unclear."""
    return _guess(text)[0]


def article_language(declared: str | None, text: str) -> str:
    """An article's language: what its feed or page declares when that is a valid tag the
    text does not clearly contradict, else what the text is detected to be ("und" when
    neither says)."""
    tag = language_tag(declared)
    detected, confidence = _guess(text)
    if tag is None:
        return detected
    if detected == UNDETERMINED or same_language(tag, detected):
        return tag
    if confidence < OVERRULE_CONFIDENCE or _close(tag, detected):
        return tag
    return detected


def _close(first: str, second: str) -> bool:
    a, b = primary_language(first), primary_language(second)
    return any(a in group and b in group for group in _CLOSE)


def other_language(briefing: Briefing, wanted: str | None) -> str | None:
    """The briefing's language when readers who wanted ``wanted`` should be told it is
    another one; None when it is the wanted one, or either is unknown."""
    written = briefing.language
    if wanted is None or written is None or primary_language(written) == UNDETERMINED:
        return None
    return None if same_language(written, wanted) else written


def language_mark(item: DigestItem) -> str:
    """What a story's headline opens with when its briefing is in another language than the
    digest's: the briefing's tag in brackets ("[de] "); nothing otherwise."""
    return f"[{item.other_language}] " if item.other_language else ""


def headline_and_text_language(declared: str | None, title: str, text: str) -> str:
    """``article_language`` read from an article's headline and the start of its text."""
    return article_language(declared, f"{title}\n{text}"[:DETECT_CHARS])


def with_languages(drafts: Sequence[ArticleDraft]) -> list[ArticleDraft]:
    """The drafts with their ``language`` set from what they declare and what they say."""
    return [
        replace(d, language=headline_and_text_language(d.declared_language, d.title, d.text))
        for d in drafts
    ]
