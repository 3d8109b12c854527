"""Event marks: figures across locales, names, explainer headlines, headline conflicts."""

from __future__ import annotations

import pytest

from digests.event_features import (
    event_features,
    figure_key,
    headline_figures_conflict,
    is_explainer,
    is_review,
    kinds_differ,
    name_key,
    one_series,
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


def test_one_headline_figure_the_other_report_never_gives_is_a_conflict() -> None:
    # The rumour mentions the 16-inch model in passing; the review never names a 13-inch one.
    rumour = event_features(
        "13-inch MacBook Pro expected in 2020",
        "Apple will follow the 16-inch MacBook Pro with a 13-inch model, Kuo says.",
    )
    review = event_features(
        "16-inch MacBook Pro review: a better keyboard",
        "The 16-inch MacBook Pro fixes the keyboard, Apple's weakest part.",
    )
    assert headline_figures_conflict(rumour, review)


@pytest.mark.parametrize(
    "text",
    [
        "Volker testified about the July 25 call.",
        "Volker sagte zum Telefonat vom 25. Juli aus.",
        "Volker falou sobre a chamada de 25 de julho.",
        "Volker a parlé de l'appel du 25 juillet.",
        "Volker habló de la llamada del 25 de julio.",
        "Volker ha parlato della telefonata del 25 luglio.",
    ],
)
def test_a_day_of_a_month_is_a_date_not_a_figure(text: str) -> None:
    assert event_features("Hearing", text).figures == frozenset()


def test_a_figure_next_to_an_ordinary_word_stays_a_figure() -> None:
    assert event_features(
        "Cuts", "Microsoft cuts 10,000 jobs, 25 percent of one unit."
    ).figures == {
        "10000",
        "25",
    }


def test_titles_and_weekdays_longer_than_a_name_key_are_not_names() -> None:
    features = event_features("Talks", "On Wednesday the talks with President Biden ended.")
    assert features.names == {"biden"}


@pytest.mark.parametrize(
    "title",
    [
        "16-inch MacBook Pro review: the keyboard is back",
        "MacBook Pro 16 im Test: Die Tastatur ist zurück",
        "Test : le MacBook Pro 16 pouces",
        "Análisis del MacBook Pro de 16 pulgadas",
        "Recensione MacBook Pro 16",
        "Análise: MacBook Pro de 16 polegadas",
    ],
)
def test_review_headlines_are_recognised_in_six_languages(title: str) -> None:
    assert is_review(title)


def test_a_review_and_a_report_of_the_same_thing_are_two_kinds_of_piece() -> None:
    review = event_features("16-inch MacBook Pro review", "Apple's MacBook Pro is better.")
    teardown = event_features("The future of Apple is backwards", "We took the MacBook Pro apart.")
    assert not is_review("Apple unveils a 16-inch MacBook Pro")
    assert kinds_differ(review, teardown)
    assert not kinds_differ(review, review)


def test_headlines_sharing_only_their_kicker_are_two_items_of_a_series() -> None:
    wake = event_features("Despertar em 60 segundos: Benfica e Sporting medem forças na Luz", "")
    front = event_features("Primeira página em 60 segundos: Erros levam EDP a cobrar a mais", "")
    assert one_series(wake, front)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "Ibope: Bolsonaro perde de Haddad em simulações",
            "Ibope: Bolsonaro estaciona na liderança",
        ),
        ("Brexit: MPs reject May's deal", "May's Brexit deal defeated in Commons"),
    ],
)
def test_one_event_under_one_kicker_is_not_a_series(first: str, second: str) -> None:
    assert not one_series(event_features(first, ""), event_features(second, ""))
