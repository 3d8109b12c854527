"""The bot's settings: the core's plus ``[discord]``, from the file and NEWSDIGEST_DISCORD_*."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import BotSettings, load_settings
from digests import ConfigError


def _config(tmp_path: Path, text: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "x.db"}"\n{text}')
    return path


@pytest.mark.parametrize(
    ("value", "expected"), [("1,2", (1, 2)), ("", ())], ids=["list-of-int", "empty-list"]
)
def test_a_variable_sets_a_discord_key_as_the_keys_type(
    tmp_path: Path, value: str, expected: tuple[int, ...]
) -> None:
    settings = load_settings(_config(tmp_path), {"NEWSDIGEST_DISCORD_GUILD_IDS": value})
    assert settings.discord.guild_ids == expected


def test_a_bad_discord_variable_is_a_config_error_naming_the_environment_and_the_key(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_config(tmp_path), {"NEWSDIGEST_DISCORD_GUILD_IDS": "general"})
    assert str(caught.value).startswith("environment (NEWSDIGEST_*): ")
    assert "discord.guild_ids.0" in str(caught.value)


def test_the_discord_table_is_read_from_the_file(tmp_path: Path) -> None:
    text = "[discord]\nguild_ids = [7]\nshard_count = 2\nshard_ids = [1]\n"
    settings = load_settings(_config(tmp_path, text), {})
    assert isinstance(settings, BotSettings)
    assert (settings.discord.guild_ids, settings.discord.shard_ids) == ((7,), (1,))


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ("[discrod]\nguild_ids = [1]\n", "unknown key 'discrod'"),
        ("[discord]\nguild_id = [1]\n", "unknown key 'discord.guild_id'"),
        ("[discord]\nshard_count = 2\nshard_ids = [2]\n", "shard_ids must be 0 to 1"),
    ],
    ids=["misspelt-table", "misspelt-key", "shard-out-of-range"],
)
def test_a_bad_discord_table_names_the_key(tmp_path: Path, toml: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_settings(_config(tmp_path, toml), {})
