"""A topic's role is mentioned on a digest's first message only, and nothing else can ping."""

from __future__ import annotations

import pytest

from bot.delivery import message_kwargs
from bot.render import CONTENT_LIMIT, with_role_mentions

NONE = {"parse": []}


def _payloads() -> list[dict[str, object]]:
    return [
        {"content": "**News digest** — 2 stories", "allowed_mentions": NONE},
        {"embeds": [{"title": "Tram"}], "allowed_mentions": NONE},
    ]


def test_the_first_message_mentions_each_role_once_and_allows_only_those() -> None:
    first, second = with_role_mentions(_payloads(), [7, 8, 7])
    assert first["content"] == "<@&7> <@&8>\n**News digest** — 2 stories"
    assert first["allowed_mentions"] == {"parse": [], "roles": ["7", "8"]}
    assert second == _payloads()[1]


def test_without_roles_the_payloads_are_unchanged() -> None:
    assert with_role_mentions(_payloads(), []) == _payloads()


def test_a_long_header_is_shortened_to_keep_the_mention_within_the_limit() -> None:
    payloads = [{"content": "x" * CONTENT_LIMIT, "allowed_mentions": NONE}]
    (first,) = with_role_mentions(payloads, [7])
    assert len(first["content"]) == CONTENT_LIMIT
    assert first["content"].startswith("<@&7>\n")


def test_a_stored_role_list_is_all_a_message_may_ping() -> None:
    allowed = message_kwargs({"content": "hi", "allowed_mentions": {"roles": ["7"]}})[
        "allowed_mentions"
    ].to_dict()
    assert allowed == {"parse": [], "roles": [7]}


@pytest.mark.parametrize(
    "stored",
    [
        {"parse": ["everyone", "users", "roles"]},
        {"parse": [], "users": ["5"]},
        {"roles": "7"},
        {"roles": ["@everyone"]},
        None,
        "everyone",
    ],
)
def test_a_payload_cannot_ask_for_any_other_mention(stored: object) -> None:
    kwargs = message_kwargs({"content": "@everyone <@5>", "allowed_mentions": stored})
    assert kwargs["allowed_mentions"].to_dict() == {"parse": []}


def test_a_replayed_digest_pings_nobody() -> None:
    (first,) = with_role_mentions([{"content": "digest"}], [7])
    assert message_kwargs(first, pings=False)["allowed_mentions"].to_dict() == {"parse": []}
