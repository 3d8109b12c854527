"""NEWSDIGEST_<SECTION>_<KEY> environment variables over the config file's keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from digests.cli import main
from digests.config import Settings, environment_overrides, find_config
from digests.errors import ConfigError


def _config(tmp_path: Path, text: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "x.db"}"\n{text}')
    return path


def _value(settings: Settings, dotted: str) -> object:
    section, key = dotted.split(".")
    return getattr(getattr(settings, section), key)


@pytest.mark.parametrize(
    ("variable", "value", "setting", "expected"),
    [
        ("NEWSDIGEST_HEALTH_PORT", "8080", "health.port", 8080),
        ("NEWSDIGEST_HEALTH_HOST", "0.0.0.0", "health.host", "0.0.0.0"),
        ("NEWSDIGEST_STORAGE_URL", "postgresql://u:p@db/n", "storage.url", "postgresql://u:p@db/n"),
        ("NEWSDIGEST_FETCH_TIMEOUT_SECONDS", "2.5", "fetch.timeout_seconds", 2.5),
        ("NEWSDIGEST_FETCH_FULL_TEXT", "false", "fetch.full_text", False),
        ("NEWSDIGEST_FETCH_ALLOW_PRIVATE", "10.0.0.0/8, feeds.lan", "fetch.allow_private",
         ("10.0.0.0/8", "feeds.lan")),
        ("NEWSDIGEST_SUMMARIZER_BACKEND", "extractive", "summarizer.backend", "extractive"),
    ],
    ids=["int", "str", "url", "float", "bool", "list-of-str", "enum"],
)  # fmt: skip
def test_a_variable_sets_its_key_as_the_keys_type(
    tmp_path: Path, variable: str, value: str, setting: str, expected: object
) -> None:
    settings = find_config(_config(tmp_path), {variable: value})
    assert _value(settings, setting) == expected


def test_the_environment_wins_over_the_file_and_keeps_the_rest_of_its_table(
    tmp_path: Path,
) -> None:
    path = _config(tmp_path, '[health]\nport = 9100\nhost = "127.0.0.1"\n')
    settings = find_config(path, {"NEWSDIGEST_HEALTH_PORT": "8080"})
    assert (settings.health.port, settings.health.host) == (8080, "127.0.0.1")
    assert settings.storage.url == f"sqlite:///{tmp_path / 'x.db'}"


def test_an_edges_table_is_left_unread_only_when_named(tmp_path: Path) -> None:
    plain = find_config(_config(tmp_path), {})
    path = _config(tmp_path, "[chat]\nrooms = 'not checked here'\n")
    assert find_config(path, {}, ignore_tables=("chat",)) == plain
    with pytest.raises(ConfigError, match="unknown key 'chat'"):
        find_config(path, {})


def test_variables_that_name_no_section_are_not_settings(tmp_path: Path) -> None:
    env = {"NEWSDIGEST_TEST_PG_URL": "postgresql://x", "HEALTH_PORT": "1", "PATH": "/bin"}
    assert environment_overrides(env) == {}
    assert find_config(_config(tmp_path), env) == find_config(_config(tmp_path), {})


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"NEWSDIGEST_HEALTH_PORT": "eighty"}, "health.port = 'eighty'"),
        ({"NEWSDIGEST_HEALTH_PORT": "70000"}, "health.port = '70000'"),
        ({"NEWSDIGEST_HEALTH_PROT": "8080"}, "unknown key 'health.prot'"),
    ],
    ids=["wrong-type", "out-of-range", "unknown-key"],
)
def test_a_bad_variable_is_a_config_error_naming_the_environment_and_the_key(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        find_config(_config(tmp_path), env)
    assert str(caught.value).startswith("environment (NEWSDIGEST_*): ")
    assert named in str(caught.value)


def test_a_bad_variable_stops_run_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "token")
    monkeypatch.setenv("NEWSDIGEST_HEALTH_PORT", "eighty")

    code = main(["run", "--config", str(_config(tmp_path))])

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("newsdigest: environment (NEWSDIGEST_*): health.port")
    assert len(err.splitlines()) == 1
