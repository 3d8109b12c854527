"""Config: unknown keys, wrong types and missing secrets stop `newsdigest run` with one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from digests.cli import main

MARKER_TOKEN = "discord-token-MARKER-7f3a"


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DISCORD_TOKEN", MARKER_TOKEN)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("DISCORD_API_BASE", raising=False)
    return MARKER_TOKEN


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "x.db"}"\n{text}')
    return path


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ("[fetch]\ntimeout_secs = 5\n", "fetch.timeout_secs"),
        ("[discord]\nguild_ids = ['general']\n", "discord.guild_ids.0"),
        ("[fetch]\nallow_private = '127.0.0.1'\n", "fetch.allow_private"),
        ("[fetch]\ntimeout_seconds = 'fast'\n", "fetch.timeout_seconds"),
        ("[[feeds]]\nurl = 'https://example.org/rss'\ncolour = 'red'\n", "feeds.0.colour"),
        ("[summarizer]\napi_key = 'sk-in-the-file'\n", "summarizer.api_key"),
        ("[[topics]]\nname = ''\n", "topics.0.name"),
    ],
    ids=["unknown", "type-in-list", "string-not-list", "wrong-type", "unknown-in-feed",
         "secret-in-file", "empty-topic"],
)  # fmt: skip
def test_a_bad_config_stops_run_with_one_line_naming_the_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, token: str, toml: str, named: str
) -> None:
    code = main(["run", "--config", str(_config(tmp_path, toml))])

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1
    assert named in err and err.startswith("newsdigest: ")


@pytest.mark.parametrize("value", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_a_missing_discord_token_stops_run_with_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    value: str | None,
) -> None:
    if value is None:
        monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    else:
        monkeypatch.setenv("DISCORD_TOKEN", value)

    code = main(["run", "--config", str(_config(tmp_path, ""))])

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "DISCORD_TOKEN" in err


def test_the_openai_backend_without_a_key_stops_run_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, token: str
) -> None:
    config = _config(tmp_path, "[summarizer]\nbackend = 'openai'\n")

    code = main(["run", "--config", str(config)])

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "OPENAI_API_KEY" in err
    assert token not in err


def test_an_invalid_discord_api_base_stops_run_with_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DISCORD_API_BASE", "gopher://discord.example")

    code = main(["run", "--config", str(_config(tmp_path, ""))])

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "DISCORD_API_BASE" in err
