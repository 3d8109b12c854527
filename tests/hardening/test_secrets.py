"""Secrets (the Discord token, the API key) never appear in logs, replies or error messages."""

# Test parameters named like the imported fixture are how pytest injects it, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from digests.config import SAMPLES_DIR
from tests.bot.harness import TEXT, build_world, command, reply_text, running_bot, settings_for
from tests.servers.discord_server import DiscordServer, discord_server
from tests.servers.openai_server import OpenAIServer, openai_server

__all__ = ["discord_server", "openai_server"]

DISCORD_MARKER = "MTk4NjIyNDgzNDcxOTI1MjQ4.discord-token-MARKER"
OPENAI_MARKER = "sk-proj-openai-key-MARKER-0123456789"


def _assert_clean(text: str) -> None:
    assert DISCORD_MARKER not in text
    assert OPENAI_MARKER not in text
    # Nor a recognisable piece of either.
    assert "token-MARKER" not in text and "key-MARKER" not in text


def _run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digests.cli", *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_refused_discord_token_is_not_echoed(tmp_path: Path) -> None:
    with DiscordServer(token="the-only-valid-token") as srv:
        result = _run_cli(
            ["run", "--config", str(SAMPLES_DIR / "default.toml")],
            {
                "DISCORD_TOKEN": DISCORD_MARKER,
                "OPENAI_API_KEY": OPENAI_MARKER,
                "DISCORD_API_BASE": srv.api_base,
                "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
            },
            tmp_path,
        )

    assert result.returncode == 1
    assert "refused the token" in result.stderr
    _assert_clean(result.stdout + result.stderr)


def test_a_refused_api_key_is_not_echoed_by_the_cli(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    openai_server.fail(401)
    config = tmp_path / "c.toml"
    config.write_text(
        f'[summarizer]\nbackend = "openai"\nbase_url = "{openai_server.base_url}"\n'
        "max_retries = 0\n[digest]\nmax_age_hours = 876000\n"
        f'[[feeds]]\nurl = "{SAMPLES_DIR / "valley-post.atom"}"\n'
    )

    result = _run_cli(
        ["-v", "digest", "--config", str(config), "--db", f"sqlite:///{tmp_path}/x.db"],
        {"OPENAI_API_KEY": OPENAI_MARKER},
        tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert openai_server.requests
    _assert_clean(result.stdout + result.stderr)


@pytest.fixture
def world(discord_server: DiscordServer) -> DiscordServer:
    build_world(discord_server)
    return discord_server


async def test_failures_in_the_running_bot_never_log_or_show_a_secret(
    world: DiscordServer,
    openai_server: OpenAIServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr("tests.bot.harness.TOKEN", DISCORD_MARKER)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_MARKER)
    openai_server.fail(401)
    settings = settings_for(
        tmp_path,
        summarizer={"backend": "openai", "base_url": openai_server.base_url, "max_retries": 0},
    )
    async with running_bot(world, settings):
        world.fail_next("messages", count=2, status=500)
        world.fail_next("messages", count=1, status=403)
        replies = await command(world, "digest", {}, "now", admin=True, replies=2, timeout=60)
        question = {"question": "What did the council decide?"}
        replies += await command(world, "ask", question, replies=2)
        replies += await command(world, "digest", {}, "now", admin=True, replies=2, timeout=60)
    assert openai_server.requests
    assert {500, 403} <= {r.status for r in world.requests()}
    shown = [reply_text([r]) for r in replies] + [str(m.content) for m in world.messages(TEXT)]
    _assert_clean("\n".join(shown))
    _assert_clean(caplog.text)
    for record in caplog.records:
        _assert_clean(record.getMessage())
        _assert_clean(str(record.args))
