"""`newsdigest digest --language`: briefings asked for in a language, marked offline."""

from __future__ import annotations

import pytest

from digests.cli import main
from tests.test_cli import db, run_json, sample_config

__all__ = ["db", "sample_config"]


def test_offline_a_digest_in_another_language_keeps_and_marks_its_stories(
    capsys, sample_config, db
):
    args = ["--config", str(sample_config), "--db", db]
    out = run_json(capsys, *args, "--language", "de")
    assert out["stories"] and {s["language"] for s in out["stories"]} == {"en"}
    assert main(["digest", *args, "--language", "de"]) == 0
    text = capsys.readouterr().out
    headlines = [line for line in text.splitlines() if line.startswith("* ")]
    assert headlines and all(line.startswith("* [en] ") for line in headlines), headlines


def test_a_digest_in_its_sources_language_has_no_mark(capsys, sample_config, db):
    assert main(["digest", "--config", str(sample_config), "--db", db, "--language", "en"]) == 0
    text = capsys.readouterr().out
    assert "[en]" not in text and "* " in text


def test_a_bad_language_tag_stops_with_a_usage_error(capsys, sample_config, db):
    with pytest.raises(SystemExit) as stopped:
        main(["digest", "--config", str(sample_config), "--db", db, "--language", "klingon"])
    assert stopped.value.code == 2
    assert "expected an IETF language tag such as de or pt-BR, got 'klingon'" in (
        capsys.readouterr().err
    )
