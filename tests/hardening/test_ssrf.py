"""SSRF: feeds and pages reach only public addresses (or listed private ones), checked once."""

# Test parameters named like the imported fixture are how pytest injects it, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.exts.admin._input import validate_feed_url
from digests.address_policy import Resolver
from digests.clock import FixedClock
from digests.config import FetchConfig
from digests.errors import FetchError, InputError
from digests.fetch import Fetcher
from digests.wiring import open_pipeline
from tests.hardening._feeds import pipeline_settings, rss
from tests.servers.feed_server import FeedServer, feed_server  # noqa: F401

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def scripted_resolver(answers: dict[str, list[list[str]]]) -> tuple[Resolver, list[str]]:
    """A resolver that answers each lookup of a host with its next answer, recording calls."""
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        script = answers[host]
        return script[min(calls.count(host), len(script)) - 1]

    return resolve, calls


def fetch_config(allow: tuple[str, ...] = ("127.0.0.1",)) -> FetchConfig:
    return FetchConfig(allow_private=allow, timeout_seconds=3.0)


async def test_a_rebinding_dns_answer_is_looked_up_once_and_the_checked_address_is_used(
    feed_server: FeedServer,
) -> None:
    feed_server.route("/feed.xml").serve()
    # A second lookup would answer with a refused address; only one may happen.
    resolver, calls = scripted_resolver({"rebind.test": [["127.0.0.1"], ["10.0.0.7"]]})

    async with Fetcher(fetch_config(), resolver=resolver) as fetcher:
        result = await fetcher.fetch(f"http://rebind.test:{feed_server.port}/feed.xml")

    assert result.status == "ok"
    assert calls == ["rebind.test"]
    (headers,) = feed_server.requests_to("/feed.xml")
    assert headers["Host"] == f"rebind.test:{feed_server.port}"


async def test_one_refused_address_among_the_answers_refuses_the_host(
    feed_server: FeedServer,
) -> None:
    feed_server.route("/feed.xml").serve()
    resolver, _ = scripted_resolver({"mixed.test": [["127.0.0.1", "169.254.169.254"]]})

    async with Fetcher(fetch_config(), resolver=resolver) as fetcher:
        with pytest.raises(FetchError, match="^refused: mixed.test"):
            await fetcher.fetch(f"http://mixed.test:{feed_server.port}/feed.xml")

    assert feed_server.requests == []


@pytest.mark.parametrize(
    "host",
    [
        "192.0.0.192",  # Oracle Cloud metadata
        "100.100.100.200",  # Alibaba Cloud metadata
        "[::ffff:169.254.169.254]",  # IPv4-mapped metadata
        "[::ffff:10.0.0.1]",  # IPv4-mapped private
        "[2002:7f00:1::1]",  # 6to4 of 127.0.0.1
        "[2002:a9fe:a9fe::1]",  # 6to4 of 169.254.169.254
        "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254
    ],
)
async def test_metadata_and_embedded_private_addresses_are_refused(host: str) -> None:
    async with Fetcher(fetch_config(allow=())) as fetcher:
        with pytest.raises(FetchError, match="^refused: .* private/loopback address"):
            await fetcher.fetch(f"http://{host}/latest/meta-data/")


@pytest.mark.parametrize("target", ["http://127.0.0.2:{port}/inner", "http://10.0.0.5/admin"])
async def test_a_redirect_to_a_private_address_is_refused(
    feed_server: FeedServer, target: str
) -> None:
    feed_server.route("/feed.xml").redirect(target.format(port=feed_server.port))
    feed_server.route("/inner").serve()

    async with Fetcher(fetch_config()) as fetcher:
        with pytest.raises(FetchError, match="^refused"):
            await fetcher.fetch(feed_server.url("/feed.xml"))

    assert feed_server.requests_to("/inner") == []


async def test_a_redirect_to_a_host_resolving_privately_is_refused(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml").redirect(f"http://evil.test:{feed_server.port}/inner")
    feed_server.route("/inner").serve()
    resolver, calls = scripted_resolver(
        {"good.test": [["127.0.0.1"]], "evil.test": [["192.168.7.7"]]}
    )

    async with Fetcher(fetch_config(), resolver=resolver) as fetcher:
        with pytest.raises(FetchError, match="^refused: evil.test"):
            await fetcher.fetch(f"http://good.test:{feed_server.port}/feed.xml")

    assert calls == ["good.test", "evil.test"]
    assert feed_server.requests_to("/inner") == []


@pytest.mark.parametrize(
    "url",
    [
        "/etc/passwd",
        "~/feeds/local.xml",
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "ftp://example.org/feed.xml",
        "gopher://example.org/",
        "javascript:alert(1)",
        "http:///etc/passwd",
        "https://exa mple.org/feed.xml",
        "https://example.org/" + "a" * 2100,
        "",
    ],
)
def test_feed_add_refuses_anything_but_an_http_url(url: str) -> None:
    with pytest.raises(InputError):
        validate_feed_url(url)


@pytest.mark.parametrize("url", ["https://example.org/feed.xml", "HTTP://Example.org/rss"])
def test_feed_add_accepts_http_urls(url: str) -> None:
    assert validate_feed_url(url) == url


@pytest.mark.parametrize("prefix", ["file:", "file://localhost"])
async def test_an_article_link_to_a_local_file_is_never_read(
    feed_server: FeedServer, tmp_path: Path, prefix: str
) -> None:
    secret = tmp_path / "secret.html"
    paragraph = " ".join(
        f"Clerk {n} of the Brindle harbour office keeps TOP-SECRET-MARKER vault code {n}."
        for n in range(12)
    )
    secret.write_text(
        f"<html><body><article><h1>Vault</h1><p>{paragraph}</p></article></body></html>"
    )
    feed_server.route("/feed.xml").serve(
        rss(("s1", "Read more", "Teaser only")).replace(
            b"<link>/s1</link>", f"<link>{prefix}{secret}</link>".encode()
        )
    )
    settings = pipeline_settings(
        tmp_path, [feed_server.url("/feed.xml")], fetch={"full_text": True}
    )
    async with open_pipeline(settings, clock=FixedClock(NOW)) as pipeline:
        await pipeline.refresh()
        stories = pipeline.store.stories_since(datetime(2000, 1, 1, tzinfo=UTC))
        articles = [
            *pipeline.store.articles_without_story(),
            *(a for s in stories for a in s.articles),
        ]

    assert [a.url for a in articles] == [f"{prefix}{secret}"]
    assert all("TOP-SECRET" not in a.text for a in articles)


async def test_an_article_page_is_fetched_with_the_same_address_policy(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.route("/feed.xml").serve(
        rss(("p1", "Read more", "Teaser only")).replace(
            b"<link>/p1</link>", b"<link>http://169.254.169.254/latest/meta-data/</link>"
        )
    )
    settings = pipeline_settings(
        tmp_path, [feed_server.url("/feed.xml")], fetch={"full_text": True}
    )
    async with open_pipeline(settings, clock=FixedClock(NOW)) as pipeline:
        report = await pipeline.refresh()

    assert report.new_articles == 1
    assert [r for r in report.feeds if r.error] == []
