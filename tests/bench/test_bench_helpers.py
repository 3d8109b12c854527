"""Tests for the performance benchmark's feed generator, server logic and report helpers."""

from __future__ import annotations

import io
import math
from email.utils import parsedate_to_datetime

import feedparser
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bench.feeds import (
    FeedCorpus,
    etag_for,
    feed_urls,
    host_for,
    is_not_modified,
    last_modified_for,
    make_app,
    make_item,
    pick_changed,
    render_rss,
)
from bench.report import (
    Row,
    Target,
    advantage,
    cpu_model,
    extrapolate,
    fmt,
    mem_total_gib,
    table_lines,
    vm_hwm_mb,
)
from digests.parse import parse_feed


def test_items_are_the_same_for_the_same_numbers():
    assert make_item(3, 7, "http://x") == make_item(3, 7, "http://x")


def test_items_of_different_feeds_differ():
    assert make_item(3, 7, "http://x").paragraphs != make_item(4, 7, "http://x").paragraphs


def test_items_are_long_enough_not_to_be_teasers():
    item = make_item(0, 0, "http://x")
    assert sum(len(p) for p in item.paragraphs) > 600


def test_rendered_feed_parses_cleanly_with_every_item():
    parsed = feedparser.parse(io.BytesIO(render_rss(5, 2, items=20, base_url="http://x")))
    assert not parsed.bozo
    assert len(parsed.entries) == 20


def test_rendered_feed_lists_newest_item_first():
    parsed = parse_feed(render_rss(5, 2, items=3, base_url="http://x"), url="http://x/f.xml")
    assert [e.entry_id for e in parsed.entries] == [
        "urn:bench:5:4",
        "urn:bench:5:3",
        "urn:bench:5:2",
    ]


def test_a_new_version_adds_one_item_and_drops_the_oldest():
    old = parse_feed(render_rss(1, 0, items=4, base_url="http://x"), url="http://x/f.xml")
    new = parse_feed(render_rss(1, 1, items=4, base_url="http://x"), url="http://x/f.xml")
    old_ids = {e.entry_id for e in old.entries}
    new_ids = {e.entry_id for e in new.entries}
    assert new_ids - old_ids == {"urn:bench:1:4"}
    assert old_ids - new_ids == {"urn:bench:1:0"}


def test_etag_changes_with_the_version():
    assert etag_for(1, 0) != etag_for(1, 1)


def test_last_modified_grows_with_the_version():
    assert parsedate_to_datetime(last_modified_for(2)) > parsedate_to_datetime(last_modified_for(1))


@pytest.mark.parametrize(
    ("if_none_match", "if_modified_since", "expected"),
    [
        ('"abc"', None, True),
        ('"other"', None, False),
        ('W/"abc"', None, True),
        ('"x", "abc"', None, True),
        ("*", None, True),
        (None, last_modified_for(3), True),
        (None, last_modified_for(4), True),
        (None, last_modified_for(2), False),
        (None, "not a date", False),
        (None, None, False),
        ('"other"', last_modified_for(4), False),
    ],
)
def test_conditional_requests(if_none_match, if_modified_since, expected):
    assert (
        is_not_modified(
            if_none_match=if_none_match,
            if_modified_since=if_modified_since,
            etag='"abc"',
            last_modified=last_modified_for(3),
        )
        is expected
    )


@pytest.mark.parametrize(("share", "count"), [(0.0, 0), (0.1, 100), (0.25, 250), (1.0, 1000)])
def test_changed_share_picks_that_many_distinct_feeds(share, count):
    picked = pick_changed(1000, share, 1)
    assert len(picked) == len(set(picked)) == count
    assert all(0 <= i < 1000 for i in picked)


def test_changed_feeds_are_the_same_in_every_run():
    assert pick_changed(1000, 0.1, 2) == pick_changed(1000, 0.1, 2)


def test_each_round_changes_other_feeds():
    assert pick_changed(1000, 0.1, 1) != pick_changed(1000, 0.1, 2)


def test_feeds_spread_over_the_hosts():
    urls = feed_urls(10, port=8080, hosts=3)
    assert {u.split("/")[2] for u in urls} == {
        "127.0.0.1:8080",
        "127.0.0.2:8080",
        "127.0.0.3:8080",
    }
    assert host_for(4, 3) == "127.0.0.2"


def test_corpus_change_bumps_only_the_changed_feeds():
    corpus = FeedCorpus(20, items=2)
    changed = corpus.change(0.25)
    assert [i for i, v in enumerate(corpus.versions) if v == 1] == changed


async def test_server_answers_304_to_its_own_etag():
    corpus = FeedCorpus(3, items=2)
    async with TestClient(TestServer(make_app(corpus, latency=0.0))) as client:
        first = await client.get("/feeds/1.xml")
        second = await client.get("/feeds/1.xml", headers={"If-None-Match": first.headers["ETag"]})
        assert (first.status, second.status) == (200, 304)


async def test_server_serves_the_new_version_after_a_change():
    corpus = FeedCorpus(1, items=2)
    async with TestClient(TestServer(make_app(corpus, latency=0.0))) as client:
        first = await client.get("/feeds/0.xml")
        await client.post("/_control/change?share=1.0")
        again = await client.get("/feeds/0.xml", headers={"If-None-Match": first.headers["ETag"]})
        assert again.status == 200
        assert b"urn:bench:0:2" in await again.read()


async def test_server_gzips_when_asked():
    corpus = FeedCorpus(1, items=2)
    async with TestClient(TestServer(make_app(corpus, latency=0.0))) as client:
        response = await client.get("/feeds/0.xml", headers={"Accept-Encoding": "gzip"})
        assert response.headers["Content-Encoding"] == "gzip"
        assert b"<rss" in await response.read()


async def test_server_refuses_unknown_feeds():
    corpus = FeedCorpus(1, items=2)
    async with TestClient(TestServer(make_app(corpus, latency=0.0))) as client:
        assert (await client.get("/feeds/5.xml")).status == 404


@pytest.mark.parametrize(
    ("ours", "peer", "better", "expected"),
    [
        (2.0, 20.0, "lower", 10.0),
        (20.0, 2.0, "lower", 0.1),
        (100.0, 50.0, "higher", 2.0),
        (1.0, None, "lower", None),
        (0.0, 1.0, "lower", math.inf),
    ],
)
def test_advantage_is_above_one_when_we_do_better(ours, peer, better, expected):
    assert advantage(ours, peer, better) == expected


def test_extrapolate_scales_the_per_item_rate():
    assert extrapolate(11.0, 100, 1000) == pytest.approx(110.0)


def test_extrapolate_needs_a_measurement():
    with pytest.raises(ValueError, match="at least one"):
        extrapolate(1.0, 0, 10)


@pytest.mark.parametrize(
    ("target", "value", "expected"),
    [
        (Target("<=", 10.0), 9.0, True),
        (Target("<=", 10.0), 11.0, False),
        (Target(">=", 1.0), 1.0, True),
        (Target(">=", 1.0), None, None),
        (Target(">=", 1.0), math.nan, None),
    ],
)
def test_target_met(target, value, expected):
    assert target.met(value) is expected


def test_row_is_missed_when_its_ratio_target_is():
    row = Row("x", "s", 5.0, "lower", "peer", 10.0, Target("<=", 10.0), Target(">=", 10.0))
    assert row.met is False


def test_row_without_targets_has_no_verdict():
    assert Row("x", "s", 5.0, "lower").met is None


def test_table_has_a_header_a_rule_and_one_line_per_row():
    lines = table_lines([Row("a", "s", 1.0, "lower"), Row("b", "MB", 2.0, "lower")])
    assert len(lines) == 4
    assert lines[1].startswith("|-")
    assert len({len(line) for line in lines}) == 1


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1234.5, "MB", "1,234 MB"),
        (123.4, "s", "123 s"),
        (12.34, "", "12.3"),
        (0.01234, "s", "0.0123 s"),
        (None, "s", "-"),
    ],
)
def test_fmt(value, unit, text):
    assert fmt(value, unit) == text


def test_cpu_model_reads_the_model_name():
    text = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: x\n"
    assert cpu_model(text) == "AMD EPYC 7B13"


def test_mem_total_is_in_gib():
    assert mem_total_gib("MemTotal:       2097152 kB\n") == pytest.approx(2.0)


def test_vm_hwm_is_in_mb():
    assert vm_hwm_mb("VmPeak:\t 9 kB\nVmHWM:\t  204800 kB\n") == pytest.approx(200.0)


def test_vm_hwm_missing_is_none():
    assert vm_hwm_mb("Name: x\n") is None
