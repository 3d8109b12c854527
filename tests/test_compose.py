"""docker-compose.yml: the bot and PostgreSQL, both health-checked, the data in a named volume."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.settings import load_settings
from tests.test_dockerfile import healthcheck_command, image_environment

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"


def _strip_comment(line: str) -> str:
    quote = ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] == " "):
            return line[:i].rstrip()
    return line.rstrip()


def _scalar(text: str) -> Any:
    if text[0] in "{&*|>!":
        raise ValueError(f"outside the subset: {text!r}")
    if text.startswith(("[", '"')):
        return json.loads(text)
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1]
    return text


def _block(lines: list[tuple[int, str]], at: int, indent: int) -> tuple[Any, int]:
    """The mapping or list at ``indent`` starting at line ``at``, and the line after it."""
    is_list = lines[at][1].startswith("- ")
    found: Any = [] if is_list else {}
    while at < len(lines) and lines[at][0] == indent:
        content = lines[at][1]
        if is_list != content.startswith("- "):
            raise ValueError(f"mixed list and mapping: {content!r}")
        if is_list:
            found.append(_scalar(content[2:].strip()))
            at += 1
            continue
        key, colon, rest = content.partition(":")
        if not colon or (rest and not rest.startswith(" ")):
            raise ValueError(f"not a `key: value` line: {content!r}")
        at += 1
        if rest.strip():
            found[key] = _scalar(rest.strip())
        elif at < len(lines) and lines[at][0] > indent:
            found[key], at = _block(lines, at, lines[at][0])
        else:
            found[key] = None
    if at < len(lines) and lines[at][0] > indent:
        raise ValueError(f"unexpected indentation: {lines[at][1]!r}")
    return found, at


def load_yaml_subset(text: str) -> dict[str, Any]:
    """Parse the YAML a compose file needs: block mappings, lists of scalars, JSON flow lists.

    PyYAML is not a dependency; anything outside this subset raises instead of misreading.
    """
    lines = []
    for raw in text.splitlines():
        line = _strip_comment(raw)
        if line.strip():
            lines.append((len(line) - len(line.lstrip(" ")), line.strip()))
    parsed, end = _block(lines, 0, 0)
    assert end == len(lines) and isinstance(parsed, dict)
    return parsed


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:?error}`` and ``${NAME:-default}`` substitution."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op == ":-":
            return arg
        raise AssertionError(f"compose would refuse to start: {arg or name}")

    return re.sub(r"\$\{(\w+)(?:(:[?-])([^}]*))?\}", one, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_yaml_subset(COMPOSE.read_text())


def test_the_subset_parser_reads_nesting_lists_and_refuses_what_it_does_not_know() -> None:
    text = 'a:\n  b: "x # y"  # note\n  c:\n    - 1:2\n    - ["p", "q"]\nd:\n'
    assert load_yaml_subset(text) == {"a": {"b": "x # y", "c": ["1:2", ["p", "q"]]}, "d": None}
    with pytest.raises(ValueError):
        load_yaml_subset("a:\n  b: 1\n    c: 2\n")
    with pytest.raises(ValueError):
        load_yaml_subset("a: {b: 1}\n")
    with pytest.raises(ValueError):
        load_yaml_subset("a: 1\nc:d\n")


def test_compose_runs_the_bot_and_postgresql(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"bot", "db"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["bot"]["build"] == "."


def test_both_services_have_health_checks(compose: dict[str, Any]) -> None:
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert db["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pg_isready" in db["healthcheck"]["test"][1]
    # The bot asks the same /healthz as the image's own HEALTHCHECK.
    assert bot["healthcheck"]["test"] == ["CMD", *healthcheck_command()]


def test_the_bot_waits_for_a_healthy_database(compose: dict[str, Any]) -> None:
    assert compose["services"]["bot"]["depends_on"] == {"db": {"condition": "service_healthy"}}


def test_the_database_lives_in_a_named_volume(compose: dict[str, Any]) -> None:
    mounts = dict(reversed(m.split(":")) for m in compose["services"]["db"]["volumes"])
    assert mounts["/var/lib/postgresql/data"] in compose["volumes"]


def test_secrets_come_from_the_environment_or_env_file(compose: dict[str, Any]) -> None:
    bot, db = compose["services"]["bot"], compose["services"]["db"]
    # Required (`:?`): compose refuses to start without them instead of using an empty one.
    for service, name in ((bot, "DISCORD_TOKEN"), (db, "POSTGRES_PASSWORD")):
        assert re.fullmatch(rf"\$\{{{name}:\?[^}}]*\}}", service["environment"][name])
    with pytest.raises(AssertionError, match="DISCORD_TOKEN"):
        _interpolate(bot["environment"]["DISCORD_TOKEN"], {})


def test_the_bot_gets_valid_settings_for_the_compose_database(compose: dict[str, Any]) -> None:
    bot, db = compose["services"]["bot"], compose["services"]["db"]
    dotenv = {"DISCORD_TOKEN": "token", "POSTGRES_PASSWORD": "s3cret"}
    env = {**image_environment()}
    env.update({k: _interpolate(v, dotenv) for k, v in bot["environment"].items()})
    # The config the image runs is the repository's, mounted over the image's copy.
    assert "./config.toml:/app/config.toml:ro" in bot["volumes"]

    settings = load_settings(ROOT / "config.toml", env)

    url = make_url(settings.storage.url)
    assert url.get_backend_name() == "postgresql"
    assert (url.host, url.password) == ("db", "s3cret")
    assert url.username == db["environment"]["POSTGRES_USER"]
    assert url.database == db["environment"]["POSTGRES_DB"]
    assert settings.health.port == 8080
    assert settings.summarizer_backend(env) == "extractive"
