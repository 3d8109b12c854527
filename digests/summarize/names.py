"""How a name may be written: with or without a title, as a place or its people, as initials.

"British" names the same place as "UK", "President Obama" the same man as "Obama", and
"National Health Service" may be written NHS: the fact check asks these questions of a
source before it calls a name unsupported.
"""

from __future__ import annotations

import re
from functools import lru_cache

from digests.summarize.sentences import STOPWORDS, stem

# Titles and roles a writer may add or leave out before a name without changing who is meant;
# a role opens a sentence capitalised ("Midfielder Sebastian Rode scored").
TITLES = frozenset(
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

WORD_RE = re.compile(r"[^\W_](?:[\w'’&.-]*[^\W_])?")
TOKEN_RE = re.compile(r"[a-z0-9]+")
POSSESSIVE_RE = re.compile(r"['’]s?$")
INITIALISM_RE = re.compile(r"(?<![\w.])(?:(?:[A-Z]\.)+[A-Z]\.?|[A-Z][A-Z&]{1,5}s?)(?![A-Za-z])")


def initialism_letters(initialism: str) -> str:
    letters = initialism.replace(".", "").replace("&", "")
    # "MPs" is the plural of MP.
    return (letters[:-1] if len(letters) > 2 and letters.endswith("s") else letters).upper()


@lru_cache(maxsize=1)
def _place_aliases() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(line.split("|")) for line in _PLACES.strip().splitlines())


def _alias_key(alias: str) -> str:
    if INITIALISM_RE.fullmatch(alias):
        return alias.upper()
    return " ".join(stem(t) for t in TOKEN_RE.findall(alias.lower()))


@lru_cache(maxsize=1)
def _place_keys() -> dict[str, int]:
    return {
        _alias_key(alias): place
        for place, aliases in enumerate(_place_aliases())
        for alias in aliases
    }


def place_of(name: str) -> int | None:
    """Which place a name is one of the names of, if any."""
    name = POSSESSIVE_RE.sub("", name.strip())
    if INITIALISM_RE.fullmatch(name):
        return _place_keys().get(initialism_letters(name))
    return _place_keys().get(_alias_key(name))


def stands_alone(words: list[str]) -> bool:
    """Whether part of a name is a place or an initialism, which qualify a name beside them."""
    if len(words) == 1 and INITIALISM_RE.fullmatch(words[0]):
        return True
    return place_of(" ".join(words)) is not None


@lru_cache(maxsize=32)
def places_named(stemmed: str, initialisms: frozenset[str]) -> frozenset[int]:
    return frozenset(
        place
        for place, aliases in enumerate(_place_aliases())
        if any(_alias_in(alias, stemmed, initialisms) for alias in aliases)
    )


def _alias_in(alias: str, stemmed: str, initialisms: frozenset[str]) -> bool:
    if INITIALISM_RE.fullmatch(alias):
        return alias in initialisms
    return " " + _alias_key(alias) + " " in stemmed


@lru_cache(maxsize=32)
def phrase_initials(text: str) -> frozenset[str]:
    """Initials of every run of capitalised words: "National Health Service" gives NHS."""
    found: set[str] = set()
    run: list[str] = []
    last_end = -1
    for match in WORD_RE.finditer(text):
        word = match.group(0)
        # A phrase does not run on past punctuation: "in Paris. The U.N." is two.
        if text[last_end : match.start()] != " ":
            _add_initials(run, found)
            run = []
        last_end = match.end()
        if word[0].isupper() and not INITIALISM_RE.fullmatch(word):
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
