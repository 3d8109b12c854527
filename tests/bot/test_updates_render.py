"""Rendering story updates, Developing items and timelines within every Discord limit."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.render import EMBED_TOTAL_LIMIT, embed_length
from bot.updates import (
    THREAD_NAME_LIMIT,
    developing_messages,
    tag_stories,
    timeline_embed,
    update_messages,
    with_developing,
)
from digests import Digest, Source, StoryUpdate, TimelineEntry
from tests.digests._story_builders import make_item

WHEN = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def _update(n: int = 1, *, size: int = 1) -> StoryUpdate:
    return StoryUpdate(
        story_id=f"s{n}",
        headline="Bridge @everyone " + "closed " * 60 * size,
        facts=tuple(f"Fact {i} <@&123> costs 12 million. " * 40 * size for i in range(5)),
        sources=tuple(
            Source(f"Outlet {i} [x](y)", f"https://news{i}.example/{n}") for i in range(30)
        ),
    )


def test_an_update_fits_discords_limits_and_pings_nobody() -> None:
    (payload,) = update_messages(_update(size=3))
    (embed,) = payload["embeds"]
    assert len(payload["thread_name"]) <= THREAD_NAME_LIMIT
    assert len(embed["title"]) <= 256 and len(embed["description"]) <= 4096
    assert all(len(f["value"]) <= 1024 for f in embed["fields"])
    assert embed_length(embed) <= EMBED_TOTAL_LIMIT
    assert payload["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in embed["title"]


def test_an_update_names_each_new_source_with_its_link() -> None:
    update = StoryUpdate(
        "s1",
        "Bridge closed",
        ("Repairs cost 12 million.",),
        (Source("Beta Post", "https://beta.example/1"),),
    )
    (payload,) = update_messages(update)
    (embed,) = payload["embeds"]
    assert embed["fields"][0]["value"] == "[Beta Post](<https://beta.example/1>)"
    assert embed["description"] == "- Repairs cost 12 million."


def test_developing_items_are_packed_within_the_limits_after_the_digest() -> None:
    updates = [_update(n) for n in range(12)]
    messages = developing_messages(updates)
    assert messages[0]["content"].startswith("**Developing**")
    assert sum(len(m["embeds"]) for m in messages) == 12
    for message in messages:
        assert len(message["embeds"]) <= 10
        assert sum(embed_length(e) for e in message["embeds"]) <= EMBED_TOTAL_LIMIT
    assert with_developing([{"content": "digest"}], []) == [{"content": "digest"}]
    assert with_developing([{"content": "digest"}], updates[:1])[1]["embeds"]


def test_each_digest_message_lists_the_stories_it_carries() -> None:
    items = tuple(make_item(f"story{n}", headline=f"Headline {n}") for n in range(3))
    digest = Digest(WHEN, items)
    payloads = [
        {"content": "header"},
        {"embeds": [{"title": "Headline 0", "url": "https://news.example.com/story0/1"}]},
        {"content": "[Headline 1](<https://news.example.com/story1/1>)\n- Headline 2"},
    ]
    tagged = tag_stories(payloads, digest)
    assert [p.get("story_ids") for p in tagged] == [None, ["story0"], ["story1", "story2"]]
    assert "story_ids" not in payloads[1], "the payloads given are left alone"


def test_a_timeline_fits_the_room_left_by_the_briefing() -> None:
    entries = [
        TimelineEntry(Source(f"Outlet {i}", f"https://n{i}.example/"), WHEN, WHEN, ("x " * 200,))
        for i in range(25)
    ]
    embed = timeline_embed(entries, 2000)
    assert len(embed["title"]) + len(embed["description"]) <= 2000
    lines = embed["description"].splitlines()
    assert lines[0].endswith("first report") and f"<t:{int(WHEN.timestamp())}:R>" in lines[0]
    assert "adds: " in lines[1]
