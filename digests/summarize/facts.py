"""The fact check: a statement is kept only when the source supports its numbers, dates and names.

"Supports" is what a careful reader would accept, not a string match: "U.S." for "United
States", "British" for "UK", "Obama's" for "Barack Obama", "three" for 3, "£1.2 million" for
1,200,000, 62 miles for 100km, five for "three men and two women". Anything the source does
not back this way is reported, so an invented name, number or date is still refused.

Across languages (a briefing written in another language than its source) words do not
compare, so only what survives translation is held: figures (each text's written the way its
language writes them), names (``_names_across``), and number words and month or weekday names
only when the source is English, the language the index reads words of.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from digests.language import primary_language, stopwords
from digests.summarize.names import (
    INITIALISM_RE,
    POSSESSIVE_RE,
    TITLES,
    TOKEN_RE,
    WORD_RE,
    initialism_letters,
    phrase_initials,
    place_of,
    places_named,
    stands_alone,
)
from digests.summarize.numbers import (
    HEDGE_RE,
    HEDGE_TOLERANCE,
    NUMBER_WORDS,
    ORDINALS,
    Mention,
    decimal_of,
    derived_numbers,
    english_digits,
    number_forms,
    number_mentions,
    number_values,
    rounds_to,
    significant_digits,
)
from digests.text import MONTH_ABBREVIATIONS, MONTHS, STOPWORDS, WEEKDAYS, fold, stem

_MONTHS = MONTHS | MONTH_ABBREVIATIONS
_WEEKDAYS = WEEKDAYS
_RELATIVE_DAYS = frozenset({"yesterday", "today", "tomorrow", "tonight"})
_SENTENCE_OPENERS = ".!?:;\"“‘'`«(["
# Languages that capitalise every noun: there a lone capitalised word is no sign of a name.
_NOUNS_CAPITALISED = frozenset({"de", "lb"})

# Ordinary words that open headline-style sentences ("Came after ...", "Suddenly the ...",
# "Thousands of ..."): past forms, adverbs, interjections and nouns for groups of people.
# Words that are also common names (Will, Rose, Mark, Grace, Hope, Price ...) stay out, so a
# sentence-initial surname is still checked.
_ORDINARY_OPENERS = frozenset(
    """
    came went left caught found took made gave got saw told said thought brought bought held
    kept lost met paid put ran sent set sold spent stood won wrote began broke chose drove fell
    felt flew forgot grew hid hit hurt knew led let meant rode sang sat shot showed slept spoke
    stole struck threw understood woke wore became become born seen known given taken shown
    suddenly immediately meanwhile later earlier now then also still yet instead currently
    previously recently finally eventually reportedly allegedly apparently officially sadly
    luckily fortunately unfortunately thankfully initially originally overall together
    afterwards elsewhere again already almost nearly often once twice soon first last next
    oh ah wow yes no well okay ok please sorry thanks hello
    ex former pair couple duo trio group thousands hundreds dozens millions scores teens teen
    teenager children kids women men girls boys mum mother father dad parents family friends
    fans supporters victims residents locals students teachers workers staff players officials
    experts researchers scientists doctors nurses police officers troops soldiers critics
    campaigners activists witnesses neighbours passengers shoppers drivers visitors tourists
    study report research survey footage video photos images pictures incident attack crash
    fire blast storm disaster tragedy fitness health plans plan talks deal move bid
    comes goes helps hopes says claims admits reveals warns insists believes wants faces
    needs shows suggests includes means makes takes gives leaves puts sees finds thinks
    """.split()
)


@dataclass(frozen=True, slots=True)
class Anchors:
    """What a statement asserts that can be checked: numbers, dates and capitalised names."""

    numbers: tuple[str, ...]
    dates: tuple[str, ...]
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SourceIndex:
    """A source text prepared once so that many statements can be checked against it.

    What only a paraphrase needs (sums, conversions, initials of phrases, places) is worked
    out on first use: most statements are settled by the plain indexes.
    """

    text: str
    numbers: frozenset[str]
    dates: frozenset[str]
    tokens: str
    stemmed: str
    lowercase_words: frozenset[str]
    lowercase_stems: frozenset[str]
    initialisms: frozenset[str]

    @classmethod
    def build(cls, source: str) -> SourceIndex:
        """Index a source text's numbers, dates, names, initialisms and lowercase words."""
        folded = fold(source)
        numbers: set[str] = set()
        for mention in number_mentions(folded, as_source=True):
            numbers.update(mention.forms)
        dates = {canonical for canonical, _ in _date_mentions(folded, require_capital=False)}
        lowercase = {w.lower() for w in WORD_RE.findall(folded) if w[0].islower()}
        tokens = TOKEN_RE.findall(folded.lower())
        return cls(
            text=folded,
            numbers=frozenset(numbers),
            dates=frozenset(dates),
            tokens=" " + " ".join(tokens) + " ",
            stemmed=" " + " ".join(stem(t) for t in tokens) + " ",
            lowercase_words=frozenset(lowercase),
            lowercase_stems=frozenset(stem(w.split("'")[0]) for w in lowercase),
            initialisms=frozenset(initialism_letters(m) for m in INITIALISM_RE.findall(folded)),
        )

    @property
    def derived(self) -> frozenset[str]:
        """Numbers the source implies without stating them: listed sums, unit conversions."""
        return derived_numbers(self.text)

    @property
    def values(self) -> tuple[Decimal, ...]:
        """Every stated or implied number, as a value, for roundings and approximations."""
        return number_values(self.numbers, self.derived)

    @property
    def phrase_initials(self) -> frozenset[str]:
        """Initials of the source's capitalised phrases: "National Health Service" gives NHS."""
        return phrase_initials(self.text)

    @property
    def places(self) -> frozenset[int]:
        """The places the source names in any of their forms."""
        return places_named(self.stemmed, self.initialisms)

    def has_name(self, name: str) -> bool:
        """Whether the source supports a name: as written, inflected, abbreviated or as a place."""
        words = [w for w in fold(name).split() if w]
        if not words:
            return True
        if self._has_words(words):
            return True
        # "British Prime Minister David Cameron", "Tory MPs": a place or an initialism stands
        # alone beside the name it qualifies. Two plain names do not ("Gary" + "Locke").
        for split in range(1, len(words)):
            head, tail = words[:split], words[split:]
            if not (stands_alone(head) or stands_alone(tail)):
                continue
            if self._has_words(head) and self._has_words(tail):
                return True
        return False

    def _has_words(self, words: list[str]) -> bool:
        initialism = len(words) == 1 and INITIALISM_RE.fullmatch(words[0])
        if initialism:
            letters = initialism_letters(words[0])
            if letters in self.initialisms or letters in self.phrase_initials:
                return True
        # Short codes are matched by case only: "US" is not "us". Longer words in capitals are
        # the same word shouted ("OBAMA", "NASA" for "Nasa").
        if not initialism or len(words[0]) >= 4:
            tokens = TOKEN_RE.findall(" ".join(words).lower())
            if not tokens:
                return True
            untitled = [t for t in tokens if t not in TITLES]
            for candidate in (tokens, untitled):
                if candidate and self._has_tokens(candidate):
                    return True
            # "United Nations" for "UN": the initials of the phrase are in the source.
            capitals = [w for w in words if w[:1].isupper() and w.lower() not in TITLES]
            if len(capitals) >= 2 and "".join(w[0] for w in capitals).upper() in self.initialisms:
                return True
        place = place_of(" ".join(words))
        return place is not None and place in self.places

    def _has_tokens(self, tokens: list[str]) -> bool:
        if " " + " ".join(tokens) + " " in self.tokens:
            return True
        # "Tories" for "Tory", "Americans" for "American": the same word, inflected.
        return " " + " ".join(stem(t) for t in tokens) + " " in self.stemmed

    def has_number(self, mention: Mention, hedged: bool) -> bool:
        """Whether the source states a number, implies it (sum, unit change) or rounds to it."""
        if any(form in self.numbers or form in self.derived for form in mention.forms):
            return True
        for form in mention.forms:
            value = decimal_of(form)
            if value is None:
                continue
            # "nearly 3,000" for 2,950: an approximation is written as a round number, so
            # "nearly 2,951" is held to the exact figure.
            if hedged and value and significant_digits(value) <= 2:
                tolerance = HEDGE_TOLERANCE * abs(value)
                if any(abs(known - value) <= tolerance for known in self.values):
                    return True
            if rounds_to(value, self.values):
                return True
        return False


def _is_capitalised(word: str) -> bool:
    return word[0].isupper()


def _date_mentions(text: str, *, require_capital: bool) -> list[tuple[str, int]]:
    """Month, weekday and relative-day mentions as (canonical form, start offset)."""
    mentions: list[tuple[str, int]] = []
    for match in WORD_RE.finditer(text):
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


def _name_runs(text: str, index: SourceIndex | None) -> list[str]:
    """Runs of capitalised words, without sentence-initial ordinary words or date words."""
    runs: list[list[str]] = []
    current: list[str] = []
    last_end = -1
    words = WORD_RE.findall(text)
    own_lowercase = {w.lower() for w in words if w[0].islower()}
    # In a shouted line ("CLICK HERE FOR MORE") capitals mark nothing; elsewhere "US" and
    # "WHO" are initialisms even though "us" and "who" are ordinary words.
    shouting = sum(w.isupper() for w in words) * 2 > len(words)
    for match in WORD_RE.finditer(text):
        raw = match.group(0)
        word = POSSESSIVE_RE.sub("", raw).rstrip(".")
        lowered = word.lower()
        base = lowered.split("'")[0]
        is_name = (
            bool(word)
            and _is_capitalised(word)
            and lowered not in _MONTHS
            and lowered not in _WEEKDAYS
            and (base not in STOPWORDS or (1 < len(word) <= 3 and word.isupper() and not shouting))
            and lowered not in NUMBER_WORDS
            and lowered not in ORDINALS
            and lowered != "one"
        )
        if is_name and _is_sentence_start(text, match.start()) and not word.isupper():
            # "Police said" opens a sentence with an ordinary word, and so does "Dresses up"
            # when the source says "dress": not a name.
            is_name = (
                lowered not in own_lowercase
                and lowered not in _ORDINARY_OPENERS
                and (
                    index is None
                    or (
                        lowered not in index.lowercase_words
                        and stem(base) not in index.lowercase_stems
                    )
                )
            )
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


def _names_across(text: str, language: str) -> list[str]:
    """The names a statement in ``language`` asserts, for a source in another language:
    runs of capitalised words. A word opening a sentence is capitalised in any language: it
    is no name when it is one of the language's common words ("Die Polizei", "Selon la
    police"), nor alone; in a language that capitalises every noun, no lone word is a name
    (initialisms aside)."""
    common = stopwords(language) | STOPWORDS
    nouns_capitalised = primary_language(language) in _NOUNS_CAPITALISED
    runs: list[tuple[list[str], bool]] = []
    current: list[str] | None = None
    last_end = -1
    for match in WORD_RE.finditer(text):
        raw = match.group(0)
        word = POSSESSIVE_RE.sub("", raw).rstrip(".")
        lowered = word.lower()
        opens = _is_sentence_start(text, match.start())
        adjacent = last_end >= 0 and text[last_end : match.start()] == " "
        # "3.000 Menschen", "40 Millionen Dollar": capitalised nouns after a figure count it.
        counted = nouns_capitalised and text[: match.start()].rstrip()[-1:].isdigit()
        # The lists hold frequent names too ("paris"): they only tell an opening word.
        is_name = (
            bool(word)
            and _is_capitalised(word)
            and not (opens and lowered in common and not word.isupper())
            and not (counted and not adjacent)
            and lowered not in _MONTHS
            and lowered not in _WEEKDAYS
        )
        if is_name and current is not None and adjacent:
            current.append(word)
        elif is_name:
            current = [word]
            runs.append((current, opens))
        else:
            current = None
        last_end = match.end() if current is not None and not raw.endswith(("'s", "'")) else -1
    names = []
    for words, opens_sentence in runs:
        alone = len(words) == 1
        lone_name = not nouns_capitalised and not opens_sentence
        if not alone or INITIALISM_RE.fullmatch(words[0]) or lone_name:
            names.append(" ".join(words))
    return names


def _has_name_across(index: SourceIndex, name: str) -> bool:
    """Whether the source supports a name written in another language: as it is, or less
    its first word ("Bürgermeisterin Jane Porter" for "Mayor Jane Porter": a title in the
    statement's language stands before the name). One word only, so "Gouverneur Hal
    Porter" is not backed by a Jane Porter."""
    words = name.split()
    if index.has_name(name):
        return True
    return len(words) > 1 and not index.has_name(words[0]) and index.has_name(" ".join(words[1:]))


def fact_anchors(fact: str, index: SourceIndex | None = None) -> Anchors:
    """The numbers, dates and names a statement asserts, in canonical comparable forms."""
    folded = fold(fact)
    numbers = tuple(forms[0] for forms in number_forms(folded))
    dates = tuple(canonical for canonical, _ in _date_mentions(folded, require_capital=True))
    return Anchors(numbers=numbers, dates=dates, names=tuple(_name_runs(folded, index)))


@dataclass(frozen=True, slots=True)
class Languages:
    """The languages of the statements and of the source they are checked against (IETF
    tags, "und" when unknown); the default is English on both sides."""

    statement: str = "en"
    source: str = "en"

    @property
    def across(self) -> bool:
        """Whether the statements are written in another language than the source."""
        return primary_language(self.statement) != primary_language(self.source)


SAME_LANGUAGE = Languages()


def unsupported_anchors(
    statement: str, source: str | SourceIndex, languages: Languages = SAME_LANGUAGE
) -> tuple[str, ...]:
    """The numbers, dates and names of a statement that the source does not support.

    ``source`` is the article's plain text (its index is built once and cached) or a
    ``SourceIndex`` already built from it (with its figures in the English way, see
    ``english_digits``). An empty result means the statement is grounded.
    """
    if not isinstance(statement, str):
        raise TypeError(f"statement must be text, not {type(statement).__name__}")
    if not isinstance(source, str | SourceIndex):
        raise TypeError(f"source must be text, not {type(source).__name__}")
    index = source if isinstance(source, SourceIndex) else _source_index(source, languages)
    across = languages.across
    # The index reads English words only: across languages, words stand for numbers and
    # dates only when the source is English.
    words_compare = not across or primary_language(languages.source) == "en"
    folded = fold(english_digits(statement, languages.statement))
    missing: list[str] = []
    for mention in number_mentions(folded, spelled=words_compare):
        hedged = bool(HEDGE_RE.search(folded[: mention.start]))
        if not index.has_number(mention, hedged):
            missing.append(mention.forms[0])
    if words_compare:
        for canonical, _ in _date_mentions(folded, require_capital=True):
            if canonical not in index.dates:
                missing.append(canonical)
    if across:
        names = _names_across(folded, languages.statement)
        missing.extend(name for name in names if not _has_name_across(index, name))
    else:
        missing.extend(name for name in _name_runs(folded, index) if not index.has_name(name))
    return tuple(missing)


def _source_index(source: str, languages: Languages) -> SourceIndex:
    return _cached_index(english_digits(source, languages.source))


@lru_cache(maxsize=32)
def _cached_index(source: str) -> SourceIndex:
    return SourceIndex.build(source)


def is_grounded(fact: str, source: str | SourceIndex, languages: Languages = SAME_LANGUAGE) -> bool:
    """Whether the source supports every number, date and name of a statement."""
    return not unsupported_anchors(fact, source, languages)


def check_facts(
    facts: Sequence[str], source: str, languages: Languages = SAME_LANGUAGE
) -> tuple[tuple[str, ...], int]:
    """Keep the facts whose numbers, dates and names the source supports.

    Returns the kept facts in their order and how many were dropped; blank facts are
    discarded without being counted.
    """
    index = _source_index(source, languages)
    kept: list[str] = []
    dropped = 0
    for fact in facts:
        if not fact.strip():
            continue
        if is_grounded(fact, index, languages):
            kept.append(fact)
        else:
            dropped += 1
    return tuple(kept), dropped
