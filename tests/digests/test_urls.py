"""Canonical URLs: one spelling per page."""

from __future__ import annotations

import pytest

from digests.urls import canonical_url, is_tracking_param


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM/News/Story", "https://example.com/News/Story"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/", "https://example.com"),
        ("https://example.com/a/", "https://example.com/a/"),
        ("https://example.com/a?", "https://example.com/a"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("https://user@Example.com/a", "https://user@example.com/a"),
    ],
)
def test_canonical_url_normalises_scheme_host_port_fragment_and_root(
    url: str, expected: str
) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://e.com/a?utm_source=rss&utm_medium=feed", "https://e.com/a"),
        ("https://e.com/a?id=7&utm_campaign=x&page=2", "https://e.com/a?id=7&page=2"),
        ("https://e.com/a?fbclid=1&gclid=2&dclid=3&msclkid=4", "https://e.com/a"),
        ("https://e.com/a?mc_cid=1&mc_eid=2&_ga=3&igshid=4&yclid=5", "https://e.com/a"),
        ("https://e.com/a?ref=home&ref_src=twsrc&cmpid=9&ncid=rss", "https://e.com/a"),
        ("https://e.com/a?UTM_Source=x&Id=1", "https://e.com/a?Id=1"),
        ("https://e.com/a?z=1&a=2&m=3", "https://e.com/a?z=1&a=2&m=3"),
        ("https://e.com/a?q=a%20b&utm_term=x", "https://e.com/a?q=a%20b"),
        ("https://e.com/a?flag&utm_source=x", "https://e.com/a?flag"),
        ("https://e.com/a?reference=1&prefix=2", "https://e.com/a?reference=1&prefix=2"),
    ],
)
def test_canonical_url_drops_tracking_parameters_and_keeps_the_rest_in_order(
    url: str, expected: str
) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "url",
    ["", "not a url", "mailto:someone@example.com", "/relative/path", "http://", "http://h:99999/"],
)
def test_canonical_url_returns_invalid_input_stripped_and_unchanged(url: str) -> None:
    assert canonical_url(f"  {url} ") == url


def test_canonical_url_is_idempotent() -> None:
    once = canonical_url("HTTP://Example.com:80/A/?utm_source=x&b=2#f")
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("name", "tracking"),
    [("utm_content", True), ("fbclid", True), ("REF", True), ("id", False), ("page", False)],
)
def test_is_tracking_param_recognises_known_names(name: str, tracking: bool) -> None:
    assert is_tracking_param(name) is tracking
