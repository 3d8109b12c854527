"""The fact check: a statement is kept only when the source supports its numbers, dates and names.

"Supports" is what a careful reader would accept, not a string match: "U.S." for "United
States", "British" for "UK", "Obama's" for "Barack Obama", "three" for 3, "£1.2 million" for
1,200,000, 62 miles for 100km, five for "three men and two women". Anything the source does
not back this way is reported, so an invented name, number or date is still refused.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from functools import lru_cache
from typing import Any

from digests.summarize.sentences import split_sentences
from digests.text import MONTH_ABBREVIATIONS, MONTHS, STOPWORDS, WEEKDAYS, fold, stem

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
_ORDINALS = {
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

_MONTHS = MONTHS | MONTH_ABBREVIATIONS
_WEEKDAYS = WEEKDAYS
_RELATIVE_DAYS = frozenset({"yesterday", "today", "tomorrow", "tonight"})

# Titles and roles a writer may add or leave out before a name without changing who is meant;
# a role opens a sentence capitalised ("Midfielder Sebastian Rode scored").
_TITLES = frozenset(
    {
        "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
        "president", "prime", "minister", "chancellor", "secretary", "senator", "sen",
        "governor", "gov", "judge", "justice", "mayor", "king", "queen", "prince", "princess",
        "pope", "general", "gen", "captain", "capt", "chief", "officer", "inspector", "detective",
        "rep", "representative", "st", "saint", "sgt", "sergeant", "lt", "lieutenant", "col",
        "colonel", "coach", "manager", "boss", "striker", "midfielder", "defender",
        "goalkeeper", "keeper", "winger", "forward", "star", "actor", "actress", "singer",
        "spokesman", "spokeswoman", "chairman", "chairwoman", "director", "leader", "founder",
    }
)  # fmt: skip

# One line per place: its names, adjectives and people, any of which supports the others.
# Upper-case codes are matched only as upper-case initialisms, so "us" the pronoun is not "US".
_PLACES = """
United States|US|USA|America|American|Yank|Yankee
United Kingdom|UK|Britain|Great Britain|British|Briton|Brit
England|English|Englishman|Englishwoman
Scotland|Scottish|Scot|Scots
Wales|Welsh|Welshman
Ireland|Irish|Irishman|Eire
Northern Ireland|Northern Irish|NI
France|French|Frenchman|Frenchwoman
Germany|German
Netherlands|Holland|Dutch|Dutchman
Belgium|Belgian
Spain|Spanish|Spaniard
Catalonia|Catalan
Portugal|Portuguese
Italy|Italian
Greece|Greek
Switzerland|Swiss
Austria|Austrian
Sweden|Swedish|Swede
Norway|Norwegian
Denmark|Danish|Dane
Finland|Finnish|Finn
Iceland|Icelandic|Icelander
Poland|Polish|Pole
Czech Republic|Czechia|Czech
Slovakia|Slovak
Hungary|Hungarian
Romania|Romanian
Bulgaria|Bulgarian
Serbia|Serbian|Serb
Croatia|Croatian|Croat
Bosnia|Bosnian
Slovenia|Slovenian|Slovene
Albania|Albanian
Ukraine|Ukrainian
Russia|Russian|Russian Federation
Belarus|Belarusian
Georgia|Georgian
Armenia|Armenian
Turkey|Turkish|Turk
Cyprus|Cypriot
Israel|Israeli
Palestine|Palestinian
Lebanon|Lebanese
Syria|Syrian
Jordan|Jordanian
Iraq|Iraqi
Iran|Iranian|Persia|Persian
Saudi Arabia|Saudi
Yemen|Yemeni
Qatar|Qatari
Kuwait|Kuwaiti
United Arab Emirates|UAE|Emirati
Egypt|Egyptian
Libya|Libyan
Tunisia|Tunisian
Algeria|Algerian
Morocco|Moroccan
Sudan|Sudanese
Ethiopia|Ethiopian
Somalia|Somali
Kenya|Kenyan
Uganda|Ugandan
Tanzania|Tanzanian
Nigeria|Nigerian
Ghana|Ghanaian
Senegal|Senegalese
Ivory Coast|Ivorian
Cameroon|Cameroonian
Congo|Congolese|DRC
South Africa|South African
Zimbabwe|Zimbabwean
Afghanistan|Afghan
Pakistan|Pakistani
India|Indian
Bangladesh|Bangladeshi
Sri Lanka|Sri Lankan
Nepal|Nepalese|Nepali
China|Chinese|PRC
Hong Kong|Hongkonger
Taiwan|Taiwanese
Japan|Japanese
North Korea|North Korean|DPRK
South Korea|South Korean
Korea|Korean
Vietnam|Vietnamese
Thailand|Thai
Cambodia|Cambodian
Malaysia|Malaysian
Singapore|Singaporean
Indonesia|Indonesian
Philippines|Philippine|Filipino
Australia|Australian|Aussie
New Zealand|New Zealander|Kiwi
Canada|Canadian
Mexico|Mexican
Cuba|Cuban
Jamaica|Jamaican
Brazil|Brazilian
Argentina|Argentine|Argentinian
Chile|Chilean
Colombia|Colombian
Peru|Peruvian
Venezuela|Venezuelan
Uruguay|Uruguayan
Ecuador|Ecuadorian
Bolivia|Bolivian
Paraguay|Paraguayan
Europe|European
European Union|EU
Africa|African
Asia|Asian
Arabia|Arab|Arabian
Latin America|Latin American
Scandinavia|Scandinavian
"""

_JOINERS = frozenset({"of", "and", "for", "the", "de", "del", "la", "le", "&", "du", "von"})
# A number after one of these is an approximation, and a close figure in the source backs it.
_HEDGES = (
    "about", "around", "nearly", "almost", "roughly", "approximately", "some", "more than",
    "over", "less than", "under", "up to", "at least", "close to", "just over", "just under",
    "fewer than", "estimated", "an estimated", "upwards of",
)  # fmt: skip
_HEDGE_RE = re.compile(r"\b(?:" + "|".join(_HEDGES) + r")\s*[£$€]?$", re.IGNORECASE)
_HEDGE_TOLERANCE = Decimal("0.05")

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


_SPELLED_CORE = _word_trie([*_NUMBER_WORDS, *_WORD_SCALES, "one", "dozen", "half"])
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
_ORDINAL_RE = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\b", re.IGNORECASE)
_WORD_RE = re.compile(r"[^\W_](?:[\w'’&.-]*[^\W_])?")
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_POSSESSIVE_RE = re.compile(r"['’]s?$")
_INITIALISM_RE = re.compile(r"(?<![\w.])(?:(?:[A-Z]\.)+[A-Z]\.?|[A-Z][A-Z&]{1,5}s?)(?![A-Za-z])")
_SENTENCE_OPENERS = ".!?:;\"“‘'`«(["

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
class _Mention:
    """One number in a text: the values it may stand for and where it starts."""

    forms: tuple[str, ...]
    start: int


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
        for mention in _number_mentions(folded, as_source=True):
            numbers.update(mention.forms)
        dates = {canonical for canonical, _ in _date_mentions(folded, require_capital=False)}
        lowercase = {w.lower() for w in _WORD_RE.findall(folded) if w[0].islower()}
        tokens = _TOKEN_RE.findall(folded.lower())
        return cls(
            text=folded,
            numbers=frozenset(numbers),
            dates=frozenset(dates),
            tokens=" " + " ".join(tokens) + " ",
            stemmed=" " + " ".join(stem(t) for t in tokens) + " ",
            lowercase_words=frozenset(lowercase),
            lowercase_stems=frozenset(stem(w.split("'")[0]) for w in lowercase),
            initialisms=frozenset(_letters(m) for m in _INITIALISM_RE.findall(folded)),
        )

    @property
    def derived(self) -> frozenset[str]:
        """Numbers the source implies without stating them: listed sums, unit conversions."""
        return _derived_numbers(self.text)

    @property
    def values(self) -> tuple[Decimal, ...]:
        """Every stated or implied number, as a value, for roundings and approximations."""
        return _values(self.numbers, self.derived)

    @property
    def phrase_initials(self) -> frozenset[str]:
        """Initials of the source's capitalised phrases: "National Health Service" gives NHS."""
        return _phrase_initials(self.text)

    @property
    def places(self) -> frozenset[int]:
        """The places the source names in any of their forms."""
        return _places(self.stemmed, self.initialisms)

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
            if not (_stands_alone(head) or _stands_alone(tail)):
                continue
            if self._has_words(head) and self._has_words(tail):
                return True
        return False

    def _has_words(self, words: list[str]) -> bool:
        initialism = len(words) == 1 and _INITIALISM_RE.fullmatch(words[0])
        if initialism:
            letters = _letters(words[0])
            if letters in self.initialisms or letters in self.phrase_initials:
                return True
        # Short codes are matched by case only: "US" is not "us". Longer words in capitals are
        # the same word shouted ("OBAMA", "NASA" for "Nasa").
        if not initialism or len(words[0]) >= 4:
            tokens = _TOKEN_RE.findall(" ".join(words).lower())
            if not tokens:
                return True
            untitled = [t for t in tokens if t not in _TITLES]
            for candidate in (tokens, untitled):
                if candidate and self._has_tokens(candidate):
                    return True
            # "United Nations" for "UN": the initials of the phrase are in the source.
            capitals = [w for w in words if w[:1].isupper() and w.lower() not in _TITLES]
            if len(capitals) >= 2 and "".join(w[0] for w in capitals).upper() in self.initialisms:
                return True
        place = _place_of(" ".join(words))
        return place is not None and place in self.places

    def _has_tokens(self, tokens: list[str]) -> bool:
        if " " + " ".join(tokens) + " " in self.tokens:
            return True
        # "Tories" for "Tory", "Americans" for "American": the same word, inflected.
        return " " + " ".join(stem(t) for t in tokens) + " " in self.stemmed

    def has_number(self, mention: _Mention, hedged: bool) -> bool:
        """Whether the source states a number, implies it (sum, unit change) or rounds to it."""
        if any(form in self.numbers or form in self.derived for form in mention.forms):
            return True
        for form in mention.forms:
            value = _decimal(form)
            if value is None:
                continue
            # "nearly 3,000" for 2,950: an approximation is written as a round number, so
            # "nearly 2,951" is held to the exact figure.
            if hedged and value and _significant_digits(value) <= 2:
                tolerance = _HEDGE_TOLERANCE * abs(value)
                if any(abs(known - value) <= tolerance for known in self.values):
                    return True
            if _rounds_to(value, self.values):
                return True
        return False


def _letters(initialism: str) -> str:
    letters = initialism.replace(".", "").replace("&", "")
    # "MPs" is the plural of MP.
    return (letters[:-1] if len(letters) > 2 and letters.endswith("s") else letters).upper()


@lru_cache(maxsize=1)
def _place_aliases() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(line.split("|")) for line in _PLACES.strip().splitlines())


def _alias_key(alias: str) -> str:
    if _INITIALISM_RE.fullmatch(alias):
        return alias.upper()
    return " ".join(stem(t) for t in _TOKEN_RE.findall(alias.lower()))


@lru_cache(maxsize=1)
def _place_keys() -> dict[str, int]:
    return {
        _alias_key(alias): place
        for place, aliases in enumerate(_place_aliases())
        for alias in aliases
    }


def _place_of(name: str) -> int | None:
    """Which place a name is one of the names of, if any."""
    name = _POSSESSIVE_RE.sub("", name.strip())
    if _INITIALISM_RE.fullmatch(name):
        return _place_keys().get(_letters(name))
    return _place_keys().get(_alias_key(name))


def _stands_alone(words: list[str]) -> bool:
    """Whether part of a name is a place or an initialism, which qualify a name beside them."""
    if len(words) == 1 and _INITIALISM_RE.fullmatch(words[0]):
        return True
    return _place_of(" ".join(words)) is not None


@lru_cache(maxsize=32)
def _places(stemmed: str, initialisms: frozenset[str]) -> frozenset[int]:
    return frozenset(
        place
        for place, aliases in enumerate(_place_aliases())
        if any(_alias_in(alias, stemmed, initialisms) for alias in aliases)
    )


@lru_cache(maxsize=32)
def _values(numbers: frozenset[str], derived: frozenset[str]) -> tuple[Decimal, ...]:
    return tuple(sorted({v for v in map(_decimal, numbers | derived) if v is not None}))


def _alias_in(alias: str, stemmed: str, initialisms: frozenset[str]) -> bool:
    if _INITIALISM_RE.fullmatch(alias):
        return alias in initialisms
    return " " + _alias_key(alias) + " " in stemmed


@lru_cache(maxsize=32)
def _phrase_initials(text: str) -> frozenset[str]:
    """Initials of every run of capitalised words: "National Health Service" gives NHS."""
    found: set[str] = set()
    run: list[str] = []
    last_end = -1
    for match in _WORD_RE.finditer(text):
        word = match.group(0)
        # A phrase does not run on past punctuation: "in Paris. The U.N." is two.
        if text[last_end : match.start()] != " ":
            _add_initials(run, found)
            run = []
        last_end = match.end()
        if word[0].isupper() and not _INITIALISM_RE.fullmatch(word):
            run.append(word)
        elif word.lower() in _JOINERS and run:
            run.append(word.lower())
        else:
            _add_initials(run, found)
            run = []
    _add_initials(run, found)
    return frozenset(found)


def _add_initials(run: list[str], found: set[str]) -> None:
    # "The" opening a sentence or a name is not part of the initials.
    while run and run[0].lower() in STOPWORDS:
        run = run[1:]
    capitals = [w for w in run if w[0].isupper()]
    for size in range(2, 7):
        for begin in range(len(capitals) - size + 1):
            found.add("".join(w[0] for w in capitals[begin : begin + size]).upper())
    # "Department of Justice" is also written DOJ, with the joiner's initial.
    while run and run[-1].islower():
        run = run[:-1]
    if len(capitals) >= 2 and len(run) <= 7:
        found.add("".join(w[0] for w in run).upper())


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


def _decimal(form: str) -> Decimal | None:
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
        elif word in _NUMBER_WORDS:
            current += _NUMBER_WORDS[word]
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


def _spelled_mentions(text: str, *, as_source: bool) -> list[_Mention]:
    found: list[_Mention] = []
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
                    found.append(_Mention((_canonical_decimal(_ONE_OR_HALF[names[-1]]),), start))
                continue
            value = _spelled_value(names)
            if value is not None:
                found.append(_Mention((_canonical_decimal(value),), start))
    if as_source:
        for match in _ORDINAL_RE.finditer(text):
            found.append(_Mention((str(_ORDINALS[match.group(1).lower()]),), match.start()))
        for match in _COUNT_WORD_RE.finditer(text):
            found.append(_Mention(_COUNT_WORDS[match.group(1).lower()], match.start()))
    return found


def _number_mentions(text: str, *, as_source: bool = False) -> list[_Mention]:
    """Each number mentioned, as the forms it may match: bare value and value times scale."""
    found: list[_Mention] = []
    for match in _NUMBER_RE.finditer(text):
        canonical = _canonical_number(match.group(1), match.group(2))
        unit = (match.group(3) or "").lower().replace(" ", "")
        scale = _SCALES.get(unit)
        if scale is not None:
            found.append(_Mention((canonical, _scaled(canonical, scale)), match.start()))
        elif unit in ("%", "percent"):
            # "50 per cent" and "half" are the same share, one written as a fraction.
            fraction = _canonical_decimal(Decimal(canonical) / 100)
            found.append(_Mention((canonical, fraction), match.start()))
        else:
            found.append(_Mention((canonical,), match.start()))
    found.extend(_spelled_mentions(text, as_source=as_source))
    return found


def _number_forms(text: str) -> list[tuple[str, ...]]:
    return [mention.forms for mention in _number_mentions(text)]


@lru_cache(maxsize=32)
def _derived_numbers(text: str) -> frozenset[str]:
    """Numbers the source implies: the total of two listed counts, unit conversions."""
    derived: set[str] = set()
    for sentence in split_sentences(text):
        mentions = [
            (mention.start, value)
            for mention in sorted(_number_mentions(sentence), key=lambda m: m.start)
            if (value := _decimal(mention.forms[-1])) is not None
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


def _rounds_to(value: Decimal, known: Iterable[Decimal]) -> bool:
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


def _significant_digits(value: Decimal) -> int:
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


def _name_runs(text: str, index: SourceIndex | None) -> list[str]:
    """Runs of capitalised words, without sentence-initial ordinary words or date words."""
    runs: list[list[str]] = []
    current: list[str] = []
    last_end = -1
    words = _WORD_RE.findall(text)
    own_lowercase = {w.lower() for w in words if w[0].islower()}
    # In a shouted line ("CLICK HERE FOR MORE") capitals mark nothing; elsewhere "US" and
    # "WHO" are initialisms even though "us" and "who" are ordinary words.
    shouting = sum(w.isupper() for w in words) * 2 > len(words)
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
            and (base not in STOPWORDS or (1 < len(word) <= 3 and word.isupper() and not shouting))
            and lowered not in _NUMBER_WORDS
            and lowered not in _ORDINALS
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


def fact_anchors(fact: str, index: SourceIndex | None = None) -> Anchors:
    """The numbers, dates and names a statement asserts, in canonical comparable forms."""
    folded = fold(fact)
    numbers = tuple(forms[0] for forms in _number_forms(folded))
    dates = tuple(canonical for canonical, _ in _date_mentions(folded, require_capital=True))
    return Anchors(numbers=numbers, dates=dates, names=tuple(_name_runs(folded, index)))


def unsupported_anchors(statement: str, source: str | SourceIndex) -> tuple[str, ...]:
    """The numbers, dates and names of a statement that the source does not support.

    ``source`` is the article's plain text (its index is built once and cached) or a
    ``SourceIndex`` already built from it. An empty result means the statement is grounded.
    """
    if not isinstance(statement, str):
        raise TypeError(f"statement must be text, not {type(statement).__name__}")
    if not isinstance(source, str | SourceIndex):
        raise TypeError(f"source must be text, not {type(source).__name__}")
    index = source if isinstance(source, SourceIndex) else _cached_index(source)
    folded = fold(statement)
    missing: list[str] = []
    for mention in _number_mentions(folded):
        hedged = bool(_HEDGE_RE.search(folded[: mention.start]))
        if not index.has_number(mention, hedged):
            missing.append(mention.forms[0])
    for canonical, _ in _date_mentions(folded, require_capital=True):
        if canonical not in index.dates:
            missing.append(canonical)
    names = _name_runs(folded, index)
    missing.extend(name for name in names if not index.has_name(name))
    return tuple(missing)


@lru_cache(maxsize=32)
def _cached_index(source: str) -> SourceIndex:
    return SourceIndex.build(source)


def is_grounded(fact: str, source: str | SourceIndex) -> bool:
    """Whether the source supports every number, date and name of a statement."""
    return not unsupported_anchors(fact, source)


def check_facts(facts: Sequence[str], source: str) -> tuple[tuple[str, ...], int]:
    """Keep the facts whose numbers, dates and names the source supports.

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
