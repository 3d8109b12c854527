"""How a story in another language than its digest's is marked, in every layout."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.formats import compact_line, headline_line, parse_template, render_story
from bot.render import TITLE_LIMIT, story_detail_embed, story_embed
from tests.bot.test_render import briefing, item, story


def test_a_story_in_the_digests_language_has_no_mark() -> None:
    assert story_embed(item(headline="Council approves budget"))["title"] == (
        "Council approves budget"
    )


def test_a_story_in_another_language_opens_with_its_tag() -> None:
    marked = replace(item(headline="Stadtrat beschließt Haushalt"), other_language="de")
    assert story_embed(marked)["title"] == "[de] Stadtrat beschließt Haushalt"


@pytest.mark.parametrize(
    "render",
    [compact_line, headline_line, lambda i: render_story(parse_template("{headline}"), i)],
)
def test_every_layout_marks_the_language(render: object) -> None:
    marked = replace(item(headline="Stadtrat beschließt Haushalt"), other_language="de-AT")
    shown = render(marked)  # type: ignore[operator]
    # As Markdown shows it: escaped brackets, or parentheses inside a link's text.
    assert any(f"{mark} Stadtrat" in shown for mark in (r"\[de-AT\]", "(de-AT)", "[de-AT]"))


def test_a_marked_title_still_fits_discords_limit() -> None:
    marked = replace(item(headline="W" * 400), other_language="pt-BR")
    title = story_embed(marked)["title"]
    assert title.startswith("[pt-BR] ") and len(title) <= TITLE_LIMIT


def test_the_story_detail_footer_names_the_briefings_language() -> None:
    german = replace(briefing(), language="de")
    assert story_detail_embed(story(), german)["footer"] == {"text": "story s1 · extractive · de"}
