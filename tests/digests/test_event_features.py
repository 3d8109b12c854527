"""Event marks: figures across locales, names, explainer headlines, headline conflicts."""

from __future__ import annotations

import pytest

from digests.event_features import (
    event_features,
    figure_key,
    headline_figures_conflict,
    is_explainer,
    name_key,
)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("7,1", "7.1"),
        ("7.1", "7.1"),
        ("10.000", "10000"),
        ("10,000", "10000"),
        ("5,25%", "5.25"),
        ("5.50", "5.5"),
        ("3-1", "3-1"),
        ("2:2", "2-2"),
        ("1282", "1282"),
        ("5:42", None),
        ("2025", None),
        ("9", None),
    ],
)
def test_figure_key_reads_one_figure_the_same_in_every_locale(raw: str, key: str | None) -> None:
    assert figure_key(raw) == key


def test_name_key_folds_accents_possessives_and_plurals() -> None:
    assert name_key("Rutte's") == name_key("Ruttes") == name_key("Rutte")
    assert name_key("António") == name_key("Antonio")


def test_names_are_capitalised_words_inside_sentences_and_acronyms() -> None:
    features = event_features(
        "Quake Hits Coast",
        "The quake hit Iwate at dawn. Shelves fell, NHK said. Continue reading...",
    )
    assert {"iwate", "nhk"} <= features.names
    assert "the" not in features.names
    assert "shelve" not in features.names
    assert "continu" not in features.names


@pytest.mark.parametrize(
    "title",
    [
        "Trump-Russia investigation: the key questions answered",
        "Hurricane season: what you need to know",
        "Brexit explained",
        "Erdbeben in Japan: Was wir wissen",
        "Ce que l'on sait de l'attaque",
    ],
)
def test_explainer_headlines_are_recognised(title: str) -> None:
    assert is_explainer(title)


def test_a_news_headline_is_not_an_explainer() -> None:
    assert not is_explainer("Sam Bankman-Fried found guilty of fraud after FTX collapse")


def test_headline_figures_conflict_when_neither_report_gives_the_other_figure() -> None:
    japan = event_features("Magnitude 7.1 quake strikes Japan", "A 7.1 quake struck Iwate.")
    turkey = event_features("Magnitude 6.3 quake hits Turkey", "A 6.3 quake struck Izmir.")
    retold = event_features("Strong quake shakes Iwate", "The magnitude 7,1 quake hit Iwate.")
    assert headline_figures_conflict(japan, turkey)
    assert not headline_figures_conflict(japan, retold)
