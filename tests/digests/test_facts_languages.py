"""The fact check across languages: names and figures, not words, are compared."""

from __future__ import annotations

import pytest

from digests.summarize.facts import Languages, unsupported_anchors
from digests.summarize.numbers import english_digits

ENGLISH = (
    "Angela Merkel met Joe Biden in Berlin on Tuesday. About 3,000 people protested outside, "
    "police said. The deal is worth 1.5 million euros. Mayor Jane Porter welcomed it. "
    "NATO and the EU said nothing."
)
GERMAN = (
    "Angela Merkel traf am Dienstag Joe Biden in Berlin. Rund 3.000 Menschen protestierten "
    "vor dem Kanzleramt, teilte die Polizei mit. Der Vertrag ist 1,5 Millionen Euro wert."
)
DE_FROM_EN = Languages(statement="de", source="en")
FR_FROM_EN = Languages(statement="fr", source="en")
EN_FROM_DE = Languages(statement="en", source="de")


@pytest.mark.parametrize(
    ("statement", "languages"),
    [
        ("Angela Merkel traf Joe Biden in Berlin.", DE_FROM_EN),
        ("Rund 3.000 Menschen protestierten, sagte die Polizei.", DE_FROM_EN),
        ("Der Vertrag ist 1,5 Millionen Euro wert.", DE_FROM_EN),
        ("Bürgermeisterin Jane Porter begrüßte ihn.", DE_FROM_EN),
        ("Die NATO und die EU schwiegen.", DE_FROM_EN),
        ("Merkel und Biden sprachen am Dienstag in Berlin.", DE_FROM_EN),
        ("Angela Merkel a rencontré Joe Biden à Berlin mardi.", FR_FROM_EN),
        ("Environ 3 000 personnes ont manifesté, selon la police.", FR_FROM_EN),
        ("Le contrat vaut 1,5 million d'euros.", FR_FROM_EN),
        ("Angela Merkel met Joe Biden in Berlin on Tuesday.", EN_FROM_DE),
        ("About 3,000 people protested, police said.", EN_FROM_DE),
        ("The deal is worth 1.5 million euros.", EN_FROM_DE),
    ],
)
def test_a_faithful_translation_is_grounded(statement: str, languages: Languages) -> None:
    source = GERMAN if languages.source == "de" else ENGLISH
    assert unsupported_anchors(statement, source, languages) == ()


@pytest.mark.parametrize(
    ("statement", "languages", "missing"),
    [
        ("Rund 5.000 Menschen protestierten.", DE_FROM_EN, "5000"),
        ("Der Vertrag ist 2,5 Millionen Euro wert.", DE_FROM_EN, "2.5"),
        ("Olaf Scholz traf Joe Biden in Berlin.", DE_FROM_EN, "Olaf Scholz"),
        ("Jane Smith begrüßte ihn.", DE_FROM_EN, "Jane Smith"),
        ("Die UNO schwieg.", DE_FROM_EN, "UNO"),
        ("Selon la police, Merkel a rencontré Biden à Paris.", FR_FROM_EN, "Paris"),
        ("Environ 4 000 personnes ont manifesté.", FR_FROM_EN, "4000"),
        ("Olaf Scholz met Joe Biden in Paris.", EN_FROM_DE, "Olaf Scholz"),
        ("The deal is worth 2.5 million euros.", EN_FROM_DE, "2.5"),
    ],
)
def test_an_invented_name_or_figure_is_caught_across_languages(
    statement: str, languages: Languages, missing: str
) -> None:
    source = GERMAN if languages.source == "de" else ENGLISH
    assert missing in unsupported_anchors(statement, source, languages)


def test_english_words_are_compared_when_the_source_is_english() -> None:
    # "Tuesday" and "three thousand" are words the English source's index reads.
    assert unsupported_anchors("They met on Friday.", ENGLISH, Languages("en", "en"))
    # From a German source, the English weekday cannot be compared and is not held.
    assert unsupported_anchors("They met on Friday.", GERMAN, EN_FROM_DE) == ()


def test_the_same_language_keeps_the_checks_it_always_had() -> None:
    same = Languages(statement="de", source="de")
    assert unsupported_anchors("Rund 3.000 Menschen protestierten.", GERMAN, same) == ()
    assert unsupported_anchors("Rund 4.000 Menschen protestierten.", GERMAN, same) == ("4000",)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("1,5 Millionen", "de", "1.5 Millionen"),
        ("3.000 Menschen", "de", "3000 Menschen"),
        ("3\u202f000 personnes", "fr", "3000 personnes"),
        ("1.234.567,89 Euro", "de-AT", "1234567.89 Euro"),
        ("am 12.03.2026", "de", "am 12.03.2026"),
        ("3,000 people", "en", "3,000 people"),
        ("1,5 Millionen", "und", "1,5 Millionen"),
    ],
)
def test_figures_are_read_the_way_their_language_writes_them(
    text: str, language: str, expected: str
) -> None:
    assert english_digits(text, language) == expected


def test_a_title_before_a_name_does_not_make_another_person_of_the_same_surname() -> None:
    assert unsupported_anchors("Gouverneur Hal Porter sprach.", ENGLISH, DE_FROM_EN) == (
        "Gouverneur Hal Porter",
    )
    assert unsupported_anchors("Bürgermeisterin Porter sprach.", ENGLISH, DE_FROM_EN) == ()
