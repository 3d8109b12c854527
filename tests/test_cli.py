"""`newsdigest digest` end to end: real files, a real local HTTP server, a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from digests.cli import main
from digests.config import SAMPLES_DIR
from tests.digests.test_output import STORY_KEYS
from tests.servers.feed_server import feed_server  # noqa: F401

JUNK = ("Share this article", "Most read", "Sign up", "Print", "Accept cookies", "By Mara")


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["digest", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'news.db'}"


@pytest.fixture
def sample_config(tmp_path: Path) -> Path:
    """The built-in sample config, with the samples' real paths."""
    text = (SAMPLES_DIR / "default.toml").read_text()
    for name in ("harbor-courier.xml", "valley-post.atom", "metro-science.json"):
        text = text.replace(f'"{name}"', json.dumps(str(SAMPLES_DIR / name)))
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_json_output_follows_the_contract(capsys, sample_config, db):
    out = run_json(capsys, "--config", str(sample_config), "--db", db)
    assert set(out) == {"generated_at", "stories"}
    assert out["stories"], "the samples give stories"
    for story in out["stories"]:
        assert set(story) == STORY_KEYS
        assert isinstance(story["id"], str) and story["headline"] and story["summary"]
        assert 1 <= len(story["key_facts"]) <= 5
        assert story["why_it_matters"] is None or isinstance(story["why_it_matters"], str)
        assert all(set(s) == {"name", "url"} for s in story["sources"])
        assert story["summarizer"] == "extractive"


def test_two_outlets_reports_of_one_event_are_one_story_with_two_sources(capsys, sample_config, db):
    out = run_json(capsys, "--config", str(sample_config), "--db", db)
    tram = [s for s in out["stories"] if "tram" in s["headline"].lower()]
    assert len(tram) == 1
    assert {s["name"] for s in tram[0]["sources"]} == {"Harbor City Courier", "Valley Post"}


def test_briefings_carry_no_page_junk(capsys, sample_config, db):
    out = run_json(capsys, "--config", str(sample_config), "--db", db)
    text = json.dumps(out["stories"])
    for junk in JUNK:
        assert junk not in text


def test_running_twice_prints_the_same_stories_and_stores_them_once(
    capsys, sample_config, db, tmp_path
):
    first = run_json(capsys, "--config", str(sample_config), "--db", db)
    second = run_json(capsys, "--config", str(sample_config), "--db", db)
    assert [s["id"] for s in first["stories"]] == [s["id"] for s in second["stories"]]
    with sqlite3.connect(tmp_path / "news.db") as conn:
        (articles,) = conn.execute("select count(*) from articles").fetchone()
    assert articles == 7  # 3 + 2 + 2 sample entries


def test_limit_caps_the_digest(capsys, sample_config, db):
    out = run_json(capsys, "--config", str(sample_config), "--db", db, "--limit", "2")
    assert len(out["stories"]) == 2


def test_empty_digest_exits_zero_when_nothing_is_there(capsys, tmp_path, db):
    feed = tmp_path / "empty.xml"
    feed.write_text('<rss version="2.0"><channel><title>Empty</title></channel></rss>')
    out = run_json(capsys, "--feed", str(feed), "--db", db)
    assert out["stories"] == []


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[storage]\nurl = 5\n", "storage.url"),
        ("[fetch]\nconcurrency = 0\n", "fetch.concurrency"),
        ("[summarizer]\nbackend = 'gpt'\n", "summarizer.backend"),
        ("[nonsense]\nx = 1\n", "nonsense"),
        ("[[feeds]]\nurl = 'ftp://x'\n", "feeds.0.url"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_bad_config_stops_with_one_line_naming_the_key(capsys, tmp_path, toml, expected):
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    assert main(["digest", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err
    assert len(err.splitlines()) == 1


def test_openai_backend_without_a_key_is_a_config_error(capsys, sample_config, db, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    code = main(["digest", "--config", str(sample_config), "--db", db, "--summarizer", "openai"])
    assert code == 2
    assert "OPENAI_API_KEY" in capsys.readouterr().err


def test_a_broken_feed_does_not_stop_the_others(capsys, db, tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"\x00\x01 not a feed at all")
    args = ["digest", "--format", "json", "--db", db, "--feed", str(broken)]
    args += ["--feed", str(SAMPLES_DIR / "valley-post.atom")]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)["stories"]) == 2
    assert "broken.xml" in captured.err


TEASER_FEED = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Teasers</title><link>{base}/</link>
<item><title>Bridge reopens after repairs</title><link>{base}/bridge</link>
<guid>bridge-1</guid><description>The old bridge reopens… Read more</description></item>
</channel></rss>"""

ARTICLE_PAGE = """<html><head><title>Bridge reopens after repairs</title>
<meta property="og:image" content="{base}/bridge.jpg"></head><body>
<nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sport">Sport</a></nav>
<div class="share">Share this article</div>
<article><h1>Bridge reopens after repairs</h1>
<p>By Hanna Berg</p>
<p>The Kessel bridge reopened to traffic on Monday after 14 months of repairs that cost
22 million euros, the regional roads agency said.</p>
<p>About 31,000 vehicles crossed the bridge each day before it was closed in 2025 when
inspectors found corroded steel cables under the deck.</p>
<p>Engineers replaced all 64 cables and strengthened the main piers. The agency said the
bridge should now last another 50 years without major work.</p>
<p>Drivers will pay no toll, but heavy lorries over 40 tonnes remain banned until load tests
finish in March.</p>
</article>
<aside><h3>Most read</h3><ul><li>Celebrity chef opens restaurant</li></ul></aside>
<div class="newsletter">Sign up for our newsletter</div>
<footer>We use cookies. Accept cookies to continue.</footer>
</body></html>"""


def test_teaser_entries_get_the_full_article_without_junk(capsys, feed_server, tmp_path, db):  # noqa: F811
    base = feed_server.url("").rstrip("/")
    feed_server.route("/feed.xml").serve(
        TEASER_FEED.format(base=base).encode(), content_type="application/rss+xml"
    )
    feed_server.route("/bridge").serve(
        ARTICLE_PAGE.format(base=base).encode(), content_type="text/html; charset=utf-8"
    )
    config = tmp_path / "c.toml"
    config.write_text(
        f'[fetch]\nallow_private = ["127.0.0.1"]\n[[feeds]]\nurl = "{base}/feed.xml"\n'
    )
    out = run_json(capsys, "--config", str(config), "--db", db)
    (story,) = out["stories"]
    text = json.dumps(story)
    assert "22 million euros" in text or "31,000" in text
    for junk in ("Share this article", "Most read", "Sign up", "cookies", "By Hanna"):
        assert junk not in text


def test_console_script_prints_a_digest_of_the_samples(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "digests.cli", "digest", "--db", f"sqlite:///{tmp_path}/x.db"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "tram" in result.stdout.lower()


# --- a new user is not left guessing ----------------------------------------------------------


def test_newsdigest_alone_prints_the_help_and_succeeds(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: newsdigest")
    assert "digest" in out and "run" in out


def test_version_prints_the_version(capsys):
    from digests import __version__

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"newsdigest {__version__}"


@pytest.mark.parametrize(
    "argv",
    [["-v", "digest"], ["digest", "-v"], ["digest", "--verbose"]],
    ids=["before", "after", "long-after"],
)
def test_verbose_works_before_and_after_the_subcommand(argv, tmp_path, db):
    from digests.cli import build_parser

    args = build_parser().parse_args([*argv, "--db", db])
    assert args.verbose is True


def test_verbose_is_off_unless_asked():
    from digests.cli import build_parser

    assert build_parser().parse_args(["digest"]).verbose is False


def test_an_html_page_given_as_a_feed_says_so_and_names_its_feed(capsys, tmp_path, db):
    page = tmp_path / "site.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>Harbor Courier</title>"
        '<link rel="alternate" type="application/rss+xml" href="https://harbor.example/rss">'
        "</head><body><p>Welcome</p></body></html>"
    )
    assert main(["digest", "--db", db, "--feed", str(page)]) == 1
    captured = capsys.readouterr()
    (line,) = captured.err.strip().splitlines()
    assert "this is an HTML page, not a feed" in line
    assert "https://harbor.example/rss" in line
    assert captured.out == ""


def test_odd_items_give_a_digest_and_the_skips_are_reported(capsys, tmp_path, db):
    from tests.digests._odd_feeds import odd_feed

    feed = tmp_path / "odd.xml"
    feed.write_bytes(odd_feed())
    # Every odd item of the one feed must show, so the per-feed cap is lifted here.
    config = tmp_path / "odd.toml"
    config.write_text(
        "[digest]\nmax_age_hours = 876000\nmax_per_feed = 10\n[fetch]\nfull_text = false\n"
    )
    argv = ["digest", "--config", str(config), "--format", "json", "--db", db]
    code = main([*argv, "--feed", str(feed)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    stories = json.loads(captured.out)["stories"]
    assert len(stories) == 4
    bare = [s for s in stories if not s["summary"]]
    assert {s["headline"] for s in bare} == {
        "Title only: council meets tonight",
        "Pixel only: market hall reopens",
    }
    assert all(s["url"] and s["sources"] and s["key_facts"] == [] for s in bare)
    assert "2 stories shown by headline only: 2 no usable text" in captured.err


# Beside the checkout, as ../shared/data; absent from a fresh clone, and the test skips.
SHARED_FEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "feeds"


@pytest.mark.slow
def test_every_shared_feed_in_one_run_gives_a_digest(capsys, tmp_path, db):
    files = sorted(p for p in SHARED_FEEDS.rglob("*") if p.is_file())
    if not files:
        pytest.skip(f"shared feeds not available: {SHARED_FEEDS}")
    config = tmp_path / "c.toml"
    # No network in tests: article pages are not fetched, the feeds' own text is used.
    config.write_text("[fetch]\nfull_text = false\n[digest]\nmax_age_hours = 876000\n")
    args = ["digest", "--config", str(config), "--db", db, "--format", "json", "--limit", "500"]
    for path in files:
        args += ["--feed", str(path)]
    code = main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err[-2000:]
    assert len(json.loads(captured.out)["stories"]) >= 50
