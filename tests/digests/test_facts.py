"""The fact check keeps a fact only when its numbers, dates and names are in the source."""

from __future__ import annotations

import pytest

from digests.summarize.facts import SourceIndex, check_facts, fact_anchors, is_grounded

SOURCE = (
    "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn for the three "
    "months to December. The firm sold 1,200 units on Friday, up 3.5 per cent. "
    "Gary Locke, 39, will be confirmed as Kilmarnock’s manager, said chairman Jim Mann. "
    "Police in Maryland said José Núñez was granted bail. President Barack Obama spoke."
)


@pytest.mark.parametrize(
    ("fact", "grounded"),
    [
        ("TimeWarner profits jumped 76%.", True),
        ("TimeWarner profits jumped 77%.", False),
        ("The firm sold 1200 units.", True),
        ("The firm sold 1,300 units.", False),
        ("The firm was up 3.5%.", True),
        ("The firm was up 3.50 per cent.", True),
        ("The firm was up 4.5%.", False),
        ("Profits reached $1.13 billion.", True),
        ("Profits reached $1,130,000,000.", True),
        ("Profits reached $1.2bn.", False),
        ("It covered three months.", True),
        ("It covered four months.", False),
        ("The units were sold on Friday.", True),
        ("The units were sold on Monday.", False),
        ("The quarter ended in December.", True),
        ("The quarter ended in March.", False),
        ("The quarter ended in Dec. 2004.", False),
        ("Gary Locke is 39.", True),
        ("Gary Lineker is 39.", False),
        ("Kilmarnock chose Locke.", True),
        ("Celtic chose Locke.", False),
        ("Mr Locke's new job was confirmed.", True),
        ("Jose Nunez was granted bail.", True),
        ("Police said the manager was confirmed.", True),
        ("The chairman confirmed the manager.", True),
        ("Officials said the manager was confirmed.", False),
        ("President Obama spoke.", True),
        ("The manager was confirmed.", True),
    ],
)
def test_fact_is_grounded_only_when_its_anchors_appear_in_the_source(
    fact: str, grounded: bool
) -> None:
    assert is_grounded(fact, SOURCE) is grounded


def test_fact_with_an_invented_number_is_dropped_and_counted() -> None:
    kept, dropped = check_facts(
        ["TimeWarner profits jumped 76%.", "The firm sold 9,999 units on Friday."], SOURCE
    )
    assert kept == ("TimeWarner profits jumped 76%.",)
    assert dropped == 1


def test_kept_facts_keep_their_order() -> None:
    facts = ["Gary Locke is 39.", "TimeWarner profits jumped 76%.", "The firm sold 1,200 units."]
    assert check_facts(facts, SOURCE) == (tuple(facts), 0)


def test_blank_facts_are_discarded_without_being_counted() -> None:
    assert check_facts(["", "   "], SOURCE) == ((), 0)


def test_anchors_list_numbers_dates_and_multi_word_names() -> None:
    anchors = fact_anchors("On Friday Gary Locke joined Rugby Park with 1,200 fans and 40% more.")
    assert anchors.numbers == ("1200", "40")
    assert anchors.dates == ("weekday:4",)
    assert anchors.names == ("Gary Locke", "Rugby Park")


@pytest.mark.parametrize("opener", ["The", "But", "However", "It", "This"])
def test_sentence_initial_ordinary_word_is_not_a_name(opener: str) -> None:
    assert fact_anchors(f"{opener} manager was confirmed.").names == ()


def test_a_name_is_matched_as_a_whole_sequence() -> None:
    index = SourceIndex.build("Gary Smith met Jim Locke.")
    assert not is_grounded("Gary Locke met Jim Smith.", index)
