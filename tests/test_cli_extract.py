"""`newsdigest extract` end to end: real files, .gz files and a real local HTTP server."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from digests.cli import main
from tests.digests.test_extract import JUNK_PAGE, PARAGRAPHS
from tests.servers.feed_server import feed_server  # noqa: F401

ARTICLE = "\n\n".join(PARAGRAPHS)


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "ferry.html"
    path.write_text(JUNK_PAGE, encoding="utf-8")
    return path


@pytest.fixture
def private_ok(tmp_path: Path) -> Path:
    config = tmp_path / "c.toml"
    config.write_text('[fetch]\nallow_private = ["127.0.0.1"]\n')
    return config


def json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_text_format_prints_a_header_and_the_article(capsys, page):
    assert main(["extract", str(page)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"== {page}\n")
    assert "Title: Council expands harbour ferry service\n" in out
    assert "Author: Jane Doe\n" in out
    assert "Published: 2023-05-01T20:45:00+00:00\n" in out
    assert "Image: https://gazette.example/img/ferry.jpg\n" in out
    assert f"\n\n{ARTICLE}\n" in out
    assert "Share this article" not in out


def test_json_format_gives_one_object_per_page(capsys, page, tmp_path):
    packed = tmp_path / "ferry.html.gz"
    packed.write_bytes(gzip.compress(JUNK_PAGE.encode("utf-8")))
    assert main(["extract", "--format", "json", str(page), str(packed)]) == 0
    first, second = json_lines(capsys.readouterr().out)
    assert first == {
        "source": str(page),
        "url": None,
        "title": "Council expands harbour ferry service",
        "author": "Jane Doe",
        "published": "2023-05-01T20:45:00+00:00",
        "image_url": "https://gazette.example/img/ferry.jpg",
        "words": len(ARTICLE.split()),
        "text": ARTICLE,
    }
    assert second == {**first, "source": str(packed)}


def test_url_is_fetched_through_the_fetcher(capsys, feed_server, private_ok):  # noqa: F811
    feed_server.route("/old").redirect("/news/ferry")
    feed_server.route("/news/ferry").serve(JUNK_PAGE, content_type="text/html; charset=utf-8")
    url = feed_server.url("/old")
    assert main(["extract", "--config", str(private_ok), "--format", "json", url]) == 0
    (result,) = json_lines(capsys.readouterr().out)
    assert result["source"] == url
    assert result["url"] == feed_server.url("/news/ferry")
    assert result["text"] == ARTICLE
    assert feed_server.requests_to("/news/ferry")[0]["User-Agent"].startswith("newsdigest/")


def test_private_address_is_refused_without_allow_private(capsys, feed_server, tmp_path):  # noqa: F811
    feed_server.route("/news/ferry").serve(JUNK_PAGE, content_type="text/html")
    url = feed_server.url("/news/ferry")
    config = tmp_path / "empty.toml"
    config.write_text("")
    assert main(["extract", "--config", str(config), url]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(f"newsdigest: {url}: refused")
    assert feed_server.requests_to("/news/ferry") == []


def test_a_bad_page_is_one_line_and_the_others_are_still_read(capsys, page, tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body></body></html>")
    broken = tmp_path / "broken.html.gz"
    broken.write_bytes(b"\x1f\x8b" + b"not really gzip")
    missing = tmp_path / "missing.html"
    args = ["extract", "--format", "json", str(missing), str(empty), str(broken), str(page)]
    assert main(args) == 1
    captured = capsys.readouterr()
    results = json_lines(captured.out)
    assert [r["source"] for r in results] == [str(missing), str(empty), str(broken), str(page)]
    assert results[0]["error"] == f"file not found: {missing}"
    assert results[1]["error"] == "no article text found on the page"
    assert results[2]["error"].startswith(f"cannot read {broken}")
    assert results[3]["text"] == ARTICLE
    assert len(captured.err.splitlines()) == 3
    assert "Traceback" not in captured.err


def test_extract_needs_a_page(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["extract"])
    assert stop.value.code == 2
    assert "PATH_OR_URL" in capsys.readouterr().err
