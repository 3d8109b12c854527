"""Static typing: mypy, strict as pyproject.toml configures it, passes on the core and the edge."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("digests", "bot")


def test_mypy_is_configured_for_the_core_and_the_discord_edge() -> None:
    # The README's development command runs bare `mypy`, which checks these packages.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert set(PACKAGES) <= set(config["packages"])
    assert config["strict"] is True


# A cold mypy cache takes about a minute on a small machine; later runs take seconds.
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_mypy_passes_on_digests_and_bot() -> None:
    packages = [arg for name in PACKAGES for arg in ("-p", name)]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *packages],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
