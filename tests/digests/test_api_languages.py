"""The Newsdesk's languages: a channel's language, its community's default, and digests
composed offline whose briefings keep their source's language and say so."""

from __future__ import annotations

import pytest

from digests import InputError, Newsdesk
from tests.digests.test_api import CHANNEL, COMMUNITY, OTHER
from tests.digests.test_api import desk as desk  # fixture
from tests.servers.feed_server import FeedServer, feed_server

__all__ = ["feed_server"]

GERMAN_FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
<title>Stadtbote</title><language>de-DE</language>
<item><title>Stadtrat beschließt neue Straßenbahnlinie</title><guid>s1</guid>
<link>https://stadtbote.example/s1</link><description>Der Stadtrat hat am Dienstag den Bau
einer neuen Straßenbahnlinie zwischen dem Hauptbahnhof und dem Flughafen beschlossen. Die
Linie soll 120 Millionen Euro kosten und im Jahr 2029 eröffnet werden, teilte die
Stadtverwaltung mit.</description></item></channel></rss>""".encode()


async def test_a_channel_is_in_english_until_its_community_says_otherwise(desk: Newsdesk) -> None:
    assert await desk.channel_language(COMMUNITY, CHANNEL) == "en"
    desk.set_default_language(COMMUNITY, "de")
    assert await desk.channel_language(COMMUNITY, CHANNEL) == "de"
    assert await desk.channel_language(OTHER, CHANNEL) == "en"
    # A locale that is no language tag is no default.
    desk.set_default_language(COMMUNITY, "not a locale")
    assert await desk.channel_language(COMMUNITY, CHANNEL) == "en"


async def test_a_channel_language_is_stored_in_standard_form_and_reset(desk: Newsdesk) -> None:
    desk.set_default_language(COMMUNITY, "fr")
    assert await desk.set_channel_language(COMMUNITY, CHANNEL, " pt-br ") == "pt-BR"
    assert await desk.channel_language(COMMUNITY, CHANNEL) == "pt-BR"
    assert await desk.channel_language(COMMUNITY, CHANNEL + 1) == "fr"
    assert await desk.set_channel_language(COMMUNITY, CHANNEL, "default") == "fr"
    assert await desk.channel_language(COMMUNITY, CHANNEL) == "fr"


@pytest.mark.parametrize("tag", ["klingon", "xx-zz", "en US", "und", "", "d" * 200])
async def test_a_bad_language_tag_is_refused_and_changes_nothing(desk: Newsdesk, tag: str) -> None:
    await desk.set_channel_language(COMMUNITY, CHANNEL, "de")
    with pytest.raises(InputError, match="is no language tag; use an IETF tag") as raised:
        await desk.set_channel_language(COMMUNITY, CHANNEL, tag)
    assert len(str(raised.value)) < 150
    assert await desk.channel_language(COMMUNITY, CHANNEL) == "de"


async def test_offline_a_digest_in_another_language_marks_every_story(desk: Newsdesk) -> None:
    await desk.set_channel_language(COMMUNITY, CHANNEL, "de")
    digest = await desk.compose(COMMUNITY, CHANNEL)
    assert digest.language == "de" and digest.items
    # The sample feeds are English; the extractive summarizer does not translate them.
    assert {item.briefing.language for item in digest.items} == {"en"}
    assert {item.other_language for item in digest.items} == {"en"}


async def test_a_digest_in_its_stories_language_marks_none(desk: Newsdesk) -> None:
    digest = await desk.compose(COMMUNITY, CHANNEL)
    assert digest.language == "en" and digest.items
    assert {item.other_language for item in digest.items} == {None}


async def test_a_german_story_in_an_english_channel_is_kept_and_marked(
    desk: Newsdesk, feed_server: FeedServer
) -> None:
    feed_server.route("/stadt.xml").serve(GERMAN_FEED, content_type="application/rss+xml")
    await desk.add_community_feed(COMMUNITY, feed_server.url("/stadt.xml"))
    await desk.refresh(only_due=False)
    (story,) = await desk.search(COMMUNITY, "Straßenbahnlinie")
    assert story.primary.language == "de-DE"
    digest = await desk.compose(COMMUNITY, CHANNEL)
    (item,) = [i for i in digest.items if i.story.id == story.id]
    assert (item.briefing.language, item.other_language) == ("de-DE", "de-DE")
    assert "Stadtrat" in item.briefing.summary
