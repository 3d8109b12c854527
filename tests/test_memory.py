"""What keeps the bot's own process small: parsers loaded only where pages and feeds are read,
and freed heap memory handed back after a large step."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from digests.memory import release_free_memory


def test_the_bot_process_does_not_load_the_page_and_feed_parsers() -> None:
    # The reading pool's processes parse; the process that runs the bot needs neither
    # library (about 50 MB between them) unless it reads in-process.
    code = (
        "import sys, digests, digests.cli, digests.wiring, bot.app, bot.runner\n"
        "print(','.join(m for m in ('trafilatura', 'feedparser') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == ""


def test_the_parsers_load_when_first_used() -> None:
    from digests import extract_article
    from digests.parse import parse_feed

    page = "<html><body><article><h1>Dam opens</h1>" + "<p>The dam opened today.</p>" * 9
    assert "dam opened" in extract_article(page + "</article></body></html>").text
    feed = b'<rss version="2.0"><channel><item><title>Dam opens</title></item></channel></rss>'
    assert [e.title for e in parse_feed(feed, url="https://example.com/rss").entries] == [
        "Dam opens"
    ]
    assert {"trafilatura", "feedparser"} <= set(sys.modules)


@pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)
def test_freed_memory_is_handed_back_where_the_c_library_can() -> None:
    assert release_free_memory() is True
