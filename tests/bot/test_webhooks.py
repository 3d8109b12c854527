"""The pure rules of webhook identities: what Discord would refuse, and what identifies a
message when a resend looks for an earlier attempt."""

from __future__ import annotations

import logging

import discord
import pytest

from bot.webhooks import check_identity, fingerprint, redact_webhook_logs
from digests import InputError


@pytest.mark.parametrize(
    ("name", "avatar", "expected"),
    [
        ("  Harbor Desk ", None, ("Harbor Desk", None)),
        ("x" * 80, " https://img.example/a.png ", ("x" * 80, "https://img.example/a.png")),
        ("Desk", "", ("Desk", None)),
        ("Desk", "http://img.example/a.png", ("Desk", "http://img.example/a.png")),
    ],
)
def test_an_identity_discord_accepts_is_kept_trimmed(name, avatar, expected) -> None:
    assert check_identity(name, avatar) == expected


@pytest.mark.parametrize(
    ("name", "avatar"),
    [
        ("", None),
        ("   ", None),
        ("x" * 81, None),
        ("My DISCORD feed", None),
        ("Clyde", None),
        ("Desk", "javascript:alert(1)"),
        ("Desk", "https://"),
        ("Desk", "https://img.example/" + "a" * 2100),
    ],
)
def test_an_identity_discord_refuses_is_an_input_error(name, avatar) -> None:
    with pytest.raises(InputError):
        check_identity(name, avatar)


def test_a_message_is_known_by_its_text_and_embeds_not_by_their_styling() -> None:
    sent = [discord.Embed(title="Tram", description="Line 4", url="https://a.example/1")]
    echoed = [
        discord.Embed.from_dict(
            {
                "type": "rich",
                "title": "Tram",
                "color": 5,
                "description": "Line 4",
                "url": "https://a.example/1",
            }
        )
    ]
    assert fingerprint("**News** \n", sent) == fingerprint("**News**", echoed)
    assert fingerprint("**News**", sent) != fingerprint("**News**", [])
    assert fingerprint("a", []) != fingerprint("b", [])


def test_a_webhook_token_never_reaches_discord_py_s_log(caplog: pytest.LogCaptureFixture) -> None:
    redact_webhook_logs()
    logger = logging.getLogger("discord.webhook.async_")
    url = "https://discord.com/api/v10/webhooks/123/s3cr3t-Tok_en?wait=1"
    with caplog.at_level(logging.DEBUG, logger="discord.webhook.async_"):
        logger.debug("Webhook ID %s with %s %s has returned status code %s", 123, "POST", url, 200)
    assert "s3cr3t" not in caplog.text
    assert "/webhooks/123/<token>?wait=1" in caplog.text
