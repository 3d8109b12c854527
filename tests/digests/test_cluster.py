"""Story clustering: same event from different feeds together, different events apart."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from digests.cluster import assign_stories, story_id_for
from digests.config import DigestConfig
from digests.records import Article, Story, StoryAssignment
from digests.similarity import TIME_GRACE_HOURS, TIME_HALF_LIFE_HOURS, similarity, time_factor
from tests.digests._cluster_pairs import (
    CROSS_LANGUAGE_DIFFERENT,
    CROSS_LANGUAGE_SAME,
    DIFFERENT_EVENT,
    SAME_EVENT,
    TIMED_DIFFERENT_EVENT,
    Report,
)
from tests.digests._story_builders import T0, make_article

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CNNDM = DATA / "summaries" / "cnndm_dev125.jsonl"
THRESHOLD = DigestConfig().cluster_threshold
FEED_A = "https://a.example.com/rss"
FEED_B = "https://b.example.com/rss"
FEED_C = "https://c.example.com/rss"


def report(article_id: int, feed: str, pair: Report, minutes: int = 0) -> Article:
    title, text = pair
    return make_article(
        article_id,
        feed=feed,
        title=title,
        text=text,
        url=f"https://{article_id}.example.com/story",
        published=T0 + timedelta(minutes=minutes),
    )


@pytest.mark.parametrize("name", sorted(SAME_EVENT))
def test_similarity_of_two_outlets_on_one_event_reaches_the_default_threshold(name: str) -> None:
    first, second = SAME_EVENT[name]
    assert similarity(report(1, FEED_A, first), report(2, FEED_B, second)) >= THRESHOLD


@pytest.mark.parametrize("name", sorted(DIFFERENT_EVENT))
def test_similarity_of_two_events_on_one_subject_stays_below_the_default_threshold(
    name: str,
) -> None:
    first, second = DIFFERENT_EVENT[name]
    assert similarity(report(1, FEED_A, first), report(2, FEED_B, second)) < THRESHOLD


def test_similarity_is_symmetric_and_bounded() -> None:
    first, second = SAME_EVENT["fed-hike"]
    a, b = report(1, FEED_A, first), report(2, FEED_B, second)
    assert similarity(a, b) == pytest.approx(similarity(b, a))
    assert similarity(a, a) == pytest.approx(1.0)
    assert 0.0 <= similarity(a, b) <= 1.0


def test_similarity_of_empty_articles_is_zero() -> None:
    empty = make_article(1, title="", text="")
    assert similarity(empty, make_article(2, title="", text="")) == 0.0


def test_assign_stories_merges_one_event_across_feeds() -> None:
    first, second = SAME_EVENT["quake-japan"]
    result = assign_stories(
        [report(1, FEED_A, first), report(2, FEED_B, second, minutes=5)], [], threshold=THRESHOLD
    )
    assert result == [StoryAssignment(story_id_for(report(1, FEED_A, first)), (1, 2), True)]


def test_assign_stories_never_merges_two_items_of_one_feed() -> None:
    first, second = SAME_EVENT["quake-japan"]
    result = assign_stories(
        [report(1, FEED_A, first), report(2, FEED_A, second, minutes=5)], [], threshold=THRESHOLD
    )
    assert [a.article_ids for a in result] == [(1,), (2,)]
    assert all(a.is_new for a in result)


def test_assign_stories_keeps_different_events_apart() -> None:
    first, second = DIFFERENT_EVENT["two-arsenal-matches"]
    result = assign_stories(
        [report(1, FEED_A, first), report(2, FEED_B, second)], [], threshold=THRESHOLD
    )
    assert [a.article_ids for a in result] == [(1,), (2,)]


def test_assign_stories_joins_an_existing_recent_story() -> None:
    first, second = SAME_EVENT["fed-hike"]
    recent = Story(id="fed-story", articles=(report(1, FEED_A, first),), created_at=T0)
    result = assign_stories([report(2, FEED_B, second, minutes=30)], [recent], threshold=THRESHOLD)
    assert result == [StoryAssignment("fed-story", (2,), False)]


def test_assign_stories_skips_a_recent_story_that_already_has_the_feed() -> None:
    first, second = SAME_EVENT["fed-hike"]
    recent = Story(id="fed-story", articles=(report(1, FEED_A, first),), created_at=T0)
    result = assign_stories([report(2, FEED_A, second, minutes=30)], [recent], threshold=THRESHOLD)
    assert len(result) == 1
    assert result[0].is_new
    assert result[0].story_id != "fed-story"


def test_assign_stories_picks_the_most_similar_story() -> None:
    quake, other_quake = DIFFERENT_EVENT["two-quakes"]
    stories = [
        Story(id="turkey", articles=(report(1, FEED_A, other_quake),)),
        Story(id="japan", articles=(report(2, FEED_A, quake),)),
    ]
    japan_again = SAME_EVENT["quake-japan"][1]
    result = assign_stories([report(3, FEED_B, japan_again)], stories, threshold=THRESHOLD)
    assert result == [StoryAssignment("japan", (3,), False)]


def test_assign_stories_builds_many_stories_in_one_call() -> None:
    new = []
    for offset, name in enumerate(sorted(SAME_EVENT)):
        first, second = SAME_EVENT[name]
        new += [
            report(10 * offset + 1, FEED_A, first, minutes=offset),
            report(10 * offset + 2, FEED_B, second, minutes=offset),
            report(10 * offset + 3, FEED_C, first, minutes=offset + 60),
        ]
    result = assign_stories(new, [], threshold=THRESHOLD)
    assert sorted(a.article_ids for a in result) == sorted(
        (10 * i + 1, 10 * i + 2, 10 * i + 3) for i in range(len(SAME_EVENT))
    )


def test_assign_stories_ignores_articles_already_in_a_recent_story() -> None:
    first, _ = SAME_EVENT["artemis"]
    article = report(1, FEED_A, first)
    recent = Story(id="artemis", articles=(article,))
    assert assign_stories([article], [recent], threshold=THRESHOLD) == []


def test_assign_stories_is_deterministic_whatever_the_input_order() -> None:
    first, second = SAME_EVENT["rutte"]
    other = DIFFERENT_EVENT["two-resignations"][1]
    articles = [
        report(1, FEED_A, first),
        report(2, FEED_B, second, minutes=1),
        report(3, FEED_C, other, minutes=2),
    ]
    forward = assign_stories(articles, [], threshold=THRESHOLD)
    backward = assign_stories(articles[::-1], [], threshold=THRESHOLD)
    assert forward == backward
    assert forward[0].story_id == story_id_for(articles[0])


def test_assign_stories_gives_a_fresh_id_when_the_derived_one_is_taken() -> None:
    article = make_article(5, url="https://x.example.com/a", title="Alpha", text="alpha")
    taken = Story(id=story_id_for(article), articles=(make_article(9, title="Zulu", text="zulu"),))
    result = assign_stories([article], [taken], threshold=THRESHOLD)
    assert result[0].is_new
    assert result[0].story_id != taken.id


def test_story_id_is_short_url_safe_and_deterministic() -> None:
    article = make_article(1, url="https://example.com/a?utm_source=x")
    story_id = story_id_for(article)
    assert re.fullmatch(r"[A-Za-z0-9_-]{10,12}", story_id)
    assert story_id == story_id_for(make_article(2, url="https://example.com/a?utm_source=x"))


def test_story_id_follows_the_canonical_url() -> None:
    plain = make_article(1, url="https://Example.com/a?utm_source=rss")
    assert story_id_for(plain) == story_id_for(make_article(2, url="https://example.com/a"))


def test_story_id_falls_back_to_feed_and_entry_id() -> None:
    a = make_article(1, feed=FEED_A, url=None, entry_id="guid-1")
    b = make_article(2, feed=FEED_B, url=None, entry_id="guid-1")
    assert story_id_for(a) != story_id_for(b)
    assert story_id_for(a) == story_id_for(
        make_article(3, feed=FEED_A, url=None, entry_id="guid-1")
    )


@pytest.mark.skipif(not CNNDM.is_file(), reason="shared data folder is absent")
def test_assign_stories_keeps_distinct_real_articles_apart() -> None:
    rows = [json.loads(line) for line in CNNDM.read_text(encoding="utf-8").splitlines() if line]
    articles = []
    for number, row in enumerate(rows, start=1):
        # The dataset has no headlines; the URL slug is the outlet's own short title.
        slug = row["url"].rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
        articles.append(
            make_article(
                number,
                feed=f"https://feed{number}.example.com/rss",
                title=slug.replace("-", " "),
                text=row["article"],
                url=row["url"],
            )
        )
    result = assign_stories(articles, [], threshold=THRESHOLD)
    merged = sum(len(a.article_ids) for a in result if len(a.article_ids) > 1)
    assert merged / len(articles) < 0.01


@pytest.mark.parametrize("name", sorted(CROSS_LANGUAGE_SAME))
def test_one_event_in_two_languages_reaches_the_default_threshold(name: str) -> None:
    first, second = CROSS_LANGUAGE_SAME[name]
    assert similarity(report(1, FEED_A, first), report(2, FEED_B, second)) >= THRESHOLD


@pytest.mark.parametrize("name", sorted(CROSS_LANGUAGE_DIFFERENT))
def test_two_events_in_two_languages_stay_below_the_default_threshold(name: str) -> None:
    first, second = CROSS_LANGUAGE_DIFFERENT[name]
    assert similarity(report(1, FEED_A, first), report(2, FEED_B, second)) < THRESHOLD


def test_the_lexical_method_misses_reports_in_another_language() -> None:
    # What the names and figures add: words alone do not carry across languages.
    first, second = CROSS_LANGUAGE_SAME["fed-hike-es"]
    a, b = report(1, FEED_A, first), report(2, FEED_B, second)
    assert similarity(a, b, method="lexical") < THRESHOLD <= similarity(a, b)


@pytest.mark.parametrize("name", sorted(TIMED_DIFFERENT_EVENT))
def test_an_explainer_or_a_second_event_of_the_same_names_is_not_merged(name: str) -> None:
    (first, hours_a), (second, hours_b) = TIMED_DIFFERENT_EVENT[name]
    a = report(1, FEED_A, first, minutes=int(60 * hours_a))
    b = report(2, FEED_B, second, minutes=int(60 * hours_b))
    assert similarity(a, b) < THRESHOLD
    assert [s.article_ids for s in assign_stories([a, b], [], threshold=THRESHOLD)] == [(1,), (2,)]


def test_an_explainer_never_joins_a_story_even_with_the_same_words() -> None:
    title, text = SAME_EVENT["rutte"][0]
    news = report(1, FEED_A, (title, text))
    explainer = report(2, FEED_B, ("Dutch government collapse: what we know so far", text))
    assert similarity(news, explainer, method="lexical") >= THRESHOLD
    assert similarity(news, explainer) == 0.0


def test_evidence_fades_with_time_apart() -> None:
    assert time_factor(0.0) == time_factor(TIME_GRACE_HOURS) == 1.0
    assert time_factor(TIME_GRACE_HOURS + TIME_HALF_LIFE_HOURS) == pytest.approx(0.5)
    first, second = SAME_EVENT["quake-japan"]
    a = report(1, FEED_A, first)
    assert similarity(a, report(2, FEED_B, second, minutes=60 * 24 * 5)) < THRESHOLD
    assert similarity(a, report(2, FEED_B, second, minutes=60 * 24 * 5), method="lexical") >= (
        THRESHOLD
    )


def test_a_new_article_must_match_the_story_core_not_one_member() -> None:
    # A story that (from an earlier run, say) holds one event's report and another event's:
    # a report of the second event matches that member only, not the story's majority.
    quake, _ = DIFFERENT_EVENT["two-quakes"]
    fed, other_fed = SAME_EVENT["fed-hike"]
    mixed = Story(
        id="mixed", articles=(report(1, FEED_A, quake), report(2, FEED_B, fed, minutes=1))
    )
    newcomer = report(3, FEED_C, other_fed, minutes=30)
    assert assign_stories([newcomer], [mixed], threshold=THRESHOLD, method="lexical") == [
        StoryAssignment("mixed", (3,), False)
    ]
    result = assign_stories([newcomer], [mixed], threshold=THRESHOLD)
    assert len(result) == 1
    assert result[0].is_new


def test_assign_stories_merges_one_event_told_in_two_languages() -> None:
    first, second = CROSS_LANGUAGE_SAME["quake-japan-de"]
    result = assign_stories(
        [report(1, FEED_A, first), report(2, FEED_B, second, minutes=5)], [], threshold=THRESHOLD
    )
    assert [a.article_ids for a in result] == [(1, 2)]


HEARING_VOLKER: Report = (
    "Key moments from Kurt Volker's impeachment hearing testimony",
    "Kurt Volker, the former envoy, said he had been wrong not to see a link between Burisma "
    "and Joe Biden. Tim Morrison, a former aide at the White House, said he reported the "
    "July 25 call between Trump and Ukraine's president to lawyers, fearing a leak. Volker "
    "knew Rudy Giuliani was in touch with Ukraine's Andriy Yermak. Volker "
    "described meetings in Kyiv and Toronto with Andriy Yermak, an adviser, and texts with "
    "Bill Taylor about a statement Yermak drafted. Morrison, who took over from Fiona Hill in "
    "the National Security Council, said Alexander Vindman had shown poor judgement.",
)
HEARING_SONDLAND: Report = (
    "Unpredictable Sondland faces questions about Trump, Ukraine",
    "Gordon Sondland, a hotelier who gave $1 million to the inauguration, has twice revised "
    "his account. Democrats want to know whether Trump tied military aid for Ukraine to an "
    "inquiry into Joe Biden, and what the White House knew of the July 25 call. The Oregon "
    "businessman, ambassador to the European Union in Brussels, was described by colleagues "
    "as a freelancer. Adam Schiff will lead the questioning; Devin Nunes calls the process a "
    "sham. Mick Mulvaney, Mike Pompeo and Rudy Giuliani were named in a text Sondland sent.",
)
MACBOOK_RUMOUR: Report = (
    "13-inch MacBook Pro with scissor keyboard expected in first half of 2020",
    "Apple will follow the 16-inch MacBook Pro with a 13-inch MacBook Pro that drops the "
    "butterfly keyboard for a scissor keyboard, analyst Ming-Chi Kuo said in a note.",
)
MACBOOK_REVIEW: Report = (
    "16-inch MacBook Pro review: the keyboard is probably enough to convince those waiting",
    "Apple's 16-inch MacBook Pro replaces the butterfly keyboard with a scissor keyboard, and "
    "the MacBook Pro's larger screen and better speakers make it Apple's best laptop in years.",
)


@pytest.mark.parametrize(
    ("first", "second"),
    [(HEARING_VOLKER, HEARING_SONDLAND), (MACBOOK_RUMOUR, MACBOOK_REVIEW)],
    ids=["two-hearings-one-date", "rumour-and-review"],
)
def test_same_names_and_a_shared_date_or_product_are_not_one_event(
    first: Report, second: Report
) -> None:
    a, b = report(1, FEED_A, first), report(2, FEED_B, second, minutes=60)
    assert similarity(a, b) < THRESHOLD
    assert [s.article_ids for s in assign_stories([a, b], [], threshold=THRESHOLD)] == [(1,), (2,)]


def test_headlines_sharing_one_name_need_more_than_alike_leads() -> None:
    # Portuguese wire style: every report starts "O Presidente dos Estados Unidos, Donald Trump".
    fires = (
        "Trump declara estado de desastre na Califórnia devido aos incêndios",
        "O Presidente dos Estados Unidos, Donald Trump, declarou esta quarta-feira o estado de "
        "desastre no sul da Califórnia.",
    )
    button = (
        "Trump diz que tem um botão nuclear muito maior que o de Kim Jong-un",
        "O Presidente dos Estados Unidos, Donald Trump, lembrou na terça-feira ao homólogo da "
        "Coreia do Norte que também tem um botão nuclear.",
    )
    a, b = report(1, FEED_A, fires), report(2, FEED_B, button, minutes=60)
    assert similarity(a, b, method="lexical") >= THRESHOLD > similarity(a, b)
