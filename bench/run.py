"""Refresh, summarizer, compose and memory benchmark of newsdigest beside its peers.

Peers run in the same process on the same local feeds: a sequential ``feedparser.parse(url)``
loop (what most bots do) and lemon24/reader's ``update_feeds(workers=...)``. Prints one table
and writes a JSON report.

    python -m bench.run [--feeds 1000] [--out bench-report.json] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.cpu import tree_cpu_seconds
from bench.feeds import EPOCH, FeedServer, make_item, render_rss
from bench.report import (
    Row,
    Target,
    cpu_model,
    extrapolate,
    mem_total_gib,
    network_floor,
    rss_mb,
    table_lines,
    vm_hwm_mb,
)
from digests.clock import FixedClock
from digests.config import FetchConfig, Settings, parse_config
from digests.output import digest_to_json, render_markdown, render_text
from digests.pipeline import Pipeline
from digests.records import FeedSource, SummaryInput
from digests.refresh_report import RefreshReport
from digests.summarize.extractive import ExtractiveSummarizer
from digests.wiring import open_pipeline

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
# Items are dated from EPOCH on; the bench clock stands just after the newest of them.
BENCH_START = EPOCH + timedelta(hours=12)
# Feeds of the one-host scenario: at 4 requests at a time and 100 ms a response, 200 feeds
# take 5 s at best.
ONE_HOST_FEEDS = 200


@dataclass(slots=True)
class Timing:
    """Wall seconds and CPU seconds (this process and its workers) of one measured block."""

    wall: float = 0.0
    cpu: float = 0.0


@contextmanager
def timed() -> Iterator[Timing]:
    """Measure wall time and the CPU time of this process (every thread) and of the worker
    processes it started (the feed server apart) during a block."""
    out = Timing()
    wall, cpu = time.perf_counter(), tree_cpu_seconds()
    try:
        yield out
    finally:
        out.wall = time.perf_counter() - wall
        out.cpu = tree_cpu_seconds() - cpu


@dataclass(slots=True)
class Options:
    feeds: int
    items: int
    latency: float
    hosts: int
    changed: float
    sequential_feeds: int
    workers: int
    rss_articles: int
    data: Path
    reader: bool
    profile: Path | None


@dataclass(slots=True)
class RefreshFigures:
    """One refresh round of ours and both peers."""

    ours: Timing
    ours_cluster: Timing
    report: RefreshReport
    reader: Timing | None
    sequential: Timing
    sequential_feeds: int


@dataclass(slots=True)
class Results:
    rows: list[Row] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


# --- settings -------------------------------------------------------------------------------


def bench_settings(db_url: str, *, concurrency: int = 32) -> Settings:
    """The project's settings for the bench: local hosts allowed, feed text used as is."""
    return parse_config(
        {
            "storage": {"url": db_url},
            "fetch": {
                "allow_private": ["127.0.0.0/8"],
                "full_text": False,
                "concurrency": concurrency,
            },
            "summarizer": {"backend": "extractive"},
        },
        Path.cwd(),
    )


# --- ours -----------------------------------------------------------------------------------


class TimedCluster:
    """Wraps a pipeline's clustering step to time it apart from fetch, parse and store."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.last = Timing()
        inner: Callable[[], tuple[int, int]] = pipeline._cluster

        def wrapped() -> tuple[int, int]:
            with timed() as t:
                result = inner()
            self.last = t
            return result

        pipeline._cluster = wrapped  # type: ignore[method-assign]


async def refresh_ours(
    pipeline: Pipeline, sources: Sequence[FeedSource]
) -> tuple[Timing, RefreshReport]:
    gc.collect()
    with timed() as t:
        report = await pipeline.refresh(sources)
    return t, report


# --- peers ----------------------------------------------------------------------------------


@dataclass(slots=True)
class SequentialPeer:
    """A ``feedparser.parse(url)`` loop that remembers validators as a careful bot would."""

    urls: list[str]
    etags: dict[str, str] = field(default_factory=dict)
    modified: dict[str, str] = field(default_factory=dict)

    def run(self) -> Timing:
        # The peers' libraries are imported where they run: the memory child measures ours.
        import feedparser

        with timed() as t:
            for url in self.urls:
                parsed = feedparser.parse(
                    url, etag=self.etags.get(url), modified=self.modified.get(url)
                )
                if parsed.get("etag"):
                    self.etags[url] = parsed["etag"]
                if parsed.get("modified"):
                    self.modified[url] = parsed["modified"]
        return t


class ReaderPeer:
    """lemon24/reader on its own SQLite file, updating with a thread pool."""

    def __init__(self, path: Path, urls: Sequence[str], workers: int) -> None:
        from reader import make_reader

        self._reader = make_reader(str(path))
        for url in urls:
            self._reader.add_feed(url, exist_ok=True)
        self._workers = workers

    def run(self) -> Timing:
        gc.collect()
        with timed() as t:
            # Every feed, due or not, as the other contenders do.
            self._reader.update_feeds(workers=self._workers, scheduled=False)
        return t

    def close(self) -> None:
        self._reader.close()


# --- refresh scenarios ----------------------------------------------------------------------


async def refresh_rounds(opts: Options, workdir: Path, results: Results) -> Settings:
    """Full, unchanged and partly changed refreshes of ours and the peers on one server."""
    settings = bench_settings(f"sqlite:///{workdir / 'newsdigest.db'}", concurrency=opts.workers)
    clock = FixedClock(BENCH_START)
    with FeedServer(opts.feeds, items=opts.items, latency=opts.latency, hosts=opts.hosts) as srv:
        urls = srv.urls
        sources = [FeedSource(url=u) for u in urls]
        seq = SequentialPeer(urls[: opts.sequential_feeds])
        reader = ReaderPeer(workdir / "reader.sqlite", urls, opts.workers) if opts.reader else None
        rounds: dict[str, RefreshFigures] = {}
        async with open_pipeline(settings, clock=clock) as pipeline:
            cluster = TimedCluster(pipeline)
            for name in ("full", "unchanged", "changed"):
                if name == "changed":
                    srv.change(opts.changed)
                clock.advance(minutes=30)
                profiling = opts.profile is not None and name == "full"
                with _profiler(opts.profile if profiling else None):
                    ours, report = await refresh_ours(pipeline, sources)
                failed = len(report.failed)
                if failed:
                    logging.warning("%d feeds failed in the %s refresh", failed, name)
                reader_t = reader.run() if reader else None
                seq_t = seq.run()
                rounds[name] = RefreshFigures(
                    ours, cluster.last, report, reader_t, seq_t, len(seq.urls)
                )
            composed = await compose_rows(pipeline, clock)
        if reader is not None:
            reader.close()
    refresh_rows(opts, rounds, results)
    digest_rows(composed, results)
    return settings


def refresh_rows(opts: Options, rounds: dict[str, RefreshFigures], results: Results) -> None:
    n = opts.feeds
    targets = {"full": Target("<=", 10.0), "unchanged": Target("<=", 2.0), "changed": None}
    labels = {
        "full": f"Full refresh, {n} feeds x {opts.items} items",
        "unchanged": f"Unchanged refresh, {n} feeds (all 304)",
        "changed": f"Refresh with {opts.changed:.0%} of {n} feeds changed",
    }
    for name, fig in rounds.items():
        seq_total = extrapolate(fig.sequential.wall, fig.sequential_feeds, n)
        seq_note = (
            f"sequential timed on {fig.sequential_feeds} feeds, extrapolated"
            if fig.sequential_feeds < n
            else ""
        )
        results.rows.append(
            Row(
                labels[name],
                "s",
                fig.ours.wall,
                "lower",
                "sequential feedparser loop",
                seq_total,
                target=targets[name],
                ratio_target=Target(">=", 10.0) if name == "full" else None,
                note=seq_note,
            )
        )
        if fig.reader is not None:
            results.rows.append(
                Row(
                    labels[name],
                    "s",
                    fig.ours.wall,
                    "lower",
                    f"reader update_feeds(workers={opts.workers})",
                    fig.reader.wall,
                    ratio_target=Target(">=", 1.0) if name == "full" else None,
                )
            )
        results.raw[f"refresh_{name}"] = {
            "ours_wall_s": fig.ours.wall,
            "ours_cpu_s": fig.ours.cpu,
            "ours_cluster_wall_s": fig.ours_cluster.wall,
            "ours_cluster_cpu_s": fig.ours_cluster.cpu,
            "new_articles": fig.report.new_articles,
            "failed_feeds": len(fig.report.failed),
            "new_stories": fig.report.new_stories,
            "reader_wall_s": fig.reader.wall if fig.reader else None,
            "reader_cpu_s": fig.reader.cpu if fig.reader else None,
            "sequential_wall_s": fig.sequential.wall,
            "sequential_cpu_s": fig.sequential.cpu,
            "sequential_feeds": fig.sequential_feeds,
        }
    unchanged = rounds["unchanged"]
    floor = network_floor(
        n,
        hosts=opts.hosts,
        concurrency=opts.workers,
        per_host=FetchConfig().per_host_concurrency,
        latency=opts.latency,
    )
    results.rows.append(
        Row(
            labels["unchanged"],
            "s",
            unchanged.ours.wall,
            "lower",
            "network floor ceil(N/concurrency) x latency",
            floor,
            ratio_target=Target(">=", 1 / 1.2),
        )
    )
    results.raw["refresh_unchanged"]["network_floor_s"] = floor
    full = rounds["full"]
    parse_cpu = feedparser_cpu_per_feed(opts)
    ours_cpu = full.ours.cpu / n * 1000
    ours_no_cluster = (full.ours.cpu - full.ours_cluster.cpu) / n * 1000
    results.rows.append(
        Row(
            "CPU per feed: fetch+parse+store (clustering apart)",
            "ms",
            ours_no_cluster,
            "lower",
            "feedparser.parse(bytes) alone",
            parse_cpu,
            ratio_target=Target(">=", 1 / 1.5),
        )
    )
    results.rows.append(
        Row(
            "CPU per feed: whole refresh incl. clustering",
            "ms",
            ours_cpu,
            "lower",
            "feedparser.parse(bytes) alone",
            parse_cpu,
        )
    )
    if full.reader is not None:
        results.rows.append(
            Row(
                "CPU per feed: whole refresh incl. clustering",
                "ms",
                ours_cpu,
                "lower",
                "reader update_feeds, CPU",
                full.reader.cpu / n * 1000,
            )
        )
    results.raw["cpu_per_feed_ms"] = {
        "ours_total": ours_cpu,
        "ours_without_cluster": ours_no_cluster,
        "feedparser_parse": parse_cpu,
    }


def feedparser_cpu_per_feed(opts: Options) -> float:
    """CPU milliseconds feedparser alone spends parsing one of the bench's feed bodies."""
    sample = min(opts.feeds, 200)
    bodies = [
        render_rss(i, 0, items=opts.items, base_url="http://bench.test") for i in range(sample)
    ]
    import feedparser

    gc.collect()
    with timed() as t:
        for body in bodies:
            feedparser.parse(io.BytesIO(body))
    return t.cpu / sample * 1000


async def one_host_rows(opts: Options, workdir: Path, results: Results) -> None:
    """Many feeds on one host: the unchanged refresh beside the per-host politeness floor."""
    n = min(opts.feeds, ONE_HOST_FEEDS)
    settings = bench_settings(f"sqlite:///{workdir / 'one-host.db'}", concurrency=opts.workers)
    per_host = settings.fetch.per_host_concurrency
    clock = FixedClock(BENCH_START)
    with FeedServer(n, items=opts.items, latency=opts.latency, hosts=1) as srv:
        sources = [FeedSource(url=u) for u in srv.urls]
        async with open_pipeline(settings, clock=clock) as pipeline:
            await pipeline.refresh(sources)
            clock.advance(minutes=30)
            unchanged, report = await refresh_ours(pipeline, sources)
    floor = network_floor(
        n, hosts=1, concurrency=opts.workers, per_host=per_host, latency=opts.latency
    )
    results.rows.append(
        Row(
            f"Unchanged refresh, {n} feeds on one host (all 304)",
            "s",
            unchanged.wall,
            "lower",
            f"per-host floor ceil(N/{per_host}) x latency",
            floor,
            ratio_target=Target(">=", 1 / 1.1),
            note=f"{len(report.failed)} failed" if report.failed else "",
        )
    )
    results.raw["one_host_unchanged"] = {
        "feeds": n,
        "per_host_concurrency": per_host,
        "wall_s": unchanged.wall,
        "cpu_s": unchanged.cpu,
        "floor_s": floor,
    }


def interaction_rows(opts: Options, workdir: Path, results: Results) -> None:
    from bench.interaction import interaction_latency

    figures = asyncio.run(
        interaction_latency(
            opts.feeds,
            items=opts.items,
            latency=opts.latency,
            hosts=opts.hosts,
            concurrency=opts.workers,
            workdir=workdir,
        )
    )
    results.raw["interaction_latency"] = figures
    busy, idle = figures["refreshing"], figures["idle"]
    for label, key in (("p50", "p50_s"), ("p99", "p99_s")):
        results.rows.append(
            Row(
                f"Slash command acknowledged, {label}, during a {opts.feeds}-feed refresh",
                "ms",
                busy[key] * 1000,
                "lower",
                "same, bot idle",
                idle[key] * 1000,
                note=f"{busy['interactions']} commands" if label == "p50" else "",
            )
        )


# --- compose and render ---------------------------------------------------------------------


async def compose_rows(pipeline: Pipeline, clock: FixedClock) -> dict[str, Any]:
    gc.collect()
    with timed() as cold:
        digest = await pipeline.compose(max_stories=100)
        text = render_text(digest)
        markdown = render_markdown(digest)
        payload = json.dumps(digest_to_json(digest))
    with timed() as warm:
        digest = await pipeline.compose(max_stories=100)
        render_markdown(digest)
    return {
        "stories": len(digest.items),
        "cold_wall_s": cold.wall,
        "warm_wall_s": warm.wall,
        "chars": len(text) + len(markdown) + len(payload),
    }


def digest_rows(figures: dict[str, Any], results: Results) -> None:
    results.raw["compose"] = figures
    results.rows.append(
        Row(
            f"Compose + render a {figures['stories']}-story digest (briefings not cached)",
            "s",
            figures["cold_wall_s"],
            "lower",
            "same, briefings cached",
            figures["warm_wall_s"],
            target=Target("<=", 1.0),
        )
    )


# --- summarizer -----------------------------------------------------------------------------


def summary_inputs(data: Path, fallback: int = 200) -> tuple[list[SummaryInput], str]:
    """Real news articles when the shared data is there, else generated ones."""
    items: list[SummaryInput] = []
    folder = data / "summaries"
    for name in ("cnndm_dev125.jsonl", "bbc_news_summary100.jsonl"):
        path = folder / name
        if not path.is_file():
            continue
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    items.append(SummaryInput(title=row.get("title") or "", text=row["article"]))
    if items:
        return items, f"{len(items)} real CNN/DM + BBC articles"
    generated = [make_item(i, 0, "http://bench.test") for i in range(fallback)]
    return (
        [SummaryInput(title=g.title, text="\n\n".join(g.paragraphs)) for g in generated],
        f"{fallback} generated articles",
    )


def lead3(text: str) -> str:
    """The Lead-3 baseline: the first three sentences."""
    from digests.summarize.sentences import split_sentences

    return " ".join(split_sentences(text)[:3])


def summarizer_rows(opts: Options, results: Results) -> None:
    items, origin = summary_inputs(opts.data)
    summarizer = ExtractiveSummarizer()
    summarizer.summarize_sync(items[0])  # warm caches and lazy imports
    gc.collect()
    with timed() as ours:
        for item in items:
            summarizer.summarize_sync(item)
    with timed() as peer:
        for item in items:
            lead3(item.text)
    ours_rate = len(items) / ours.cpu
    peer_rate = len(items) / peer.cpu if peer.cpu > 0 else float("inf")
    results.rows.append(
        Row(
            "Offline summarizer, one core",
            "articles/s",
            ours_rate,
            "higher",
            "Lead-3 (sentence split only)",
            peer_rate,
            target=Target(">=", 50.0),
            note=origin,
        )
    )
    results.raw["summarizer"] = {"articles": len(items), "cpu_s": ours.cpu, "origin": origin}


# --- peak memory with a large store -----------------------------------------------------------


def seed_store(db_url: str, n_articles: int, *, feeds: int, now: datetime) -> None:
    """Fill a store with ``n_articles`` clustered articles, all inside the clustering window."""
    from sqlalchemy import insert

    from digests.similarity import text_query
    from digests.store import open_store
    from digests.store.models import ArticleRow, FeedRow, StoryRow
    from digests.store.sql import SqlStore
    from digests.stored_signatures import encode_signature

    store = open_store(db_url)
    assert isinstance(store, SqlStore)
    pool = [make_item(i, 10_000, "http://bench.test") for i in range(500)]
    texts = ["\n\n".join(p.paragraphs) for p in pool]
    # Stored as this version stores them: each article with its clustering signature (made
    # once per pool item; the moment is each article's own).
    signatures = [text_query(p.title, t, 0.0).signature for p, t in zip(pool, texts, strict=True)]
    per_feed = max(n_articles // feeds, 1)
    batch = 5000
    with store.engine.begin() as conn:
        conn.execute(
            insert(FeedRow),
            [
                {"url": f"http://old.bench.test/{f}.xml", "topics": [], "failure_count": 0}
                for f in range(feeds)
            ],
        )
        for start in range(0, n_articles, batch):
            stop = min(start + batch, n_articles)
            stories, articles = [], []
            for k in range(start, stop):
                when = now - timedelta(minutes=(n_articles - k) * 24 * 60 / n_articles)
                sid = f"s{k}"
                stories.append({"id": sid, "topics": [], "created_at": when})
                item = pool[k % len(pool)]
                articles.append(
                    {
                        "feed_url": f"http://old.bench.test/{k // per_feed}.xml",
                        "entry_id": f"urn:old:{k}",
                        "url": f"http://bench.test/old/{k}",
                        "canonical_url": f"http://bench.test/old/{k}",
                        "title": f"{item.title} ({k})",
                        "author": None,
                        "published": when,
                        "fetched_at": when,
                        "text": texts[k % len(texts)],
                        "image_url": None,
                        "content_hash": f"old{k}",
                        "story_id": sid,
                        "signature": encode_signature(
                            replace(signatures[k % len(pool)], when=when.timestamp()), "features"
                        ),
                    }
                )
            conn.execute(insert(StoryRow), stories)
            conn.execute(insert(ArticleRow), articles)
    store.close()


async def rss_child(db_url: str, opts: Options) -> dict[str, Any]:
    """In a fresh process: refresh the feeds and compose on a big store; report peak RSS."""
    settings = bench_settings(db_url, concurrency=opts.workers)
    clock = FixedClock(BENCH_START)
    before = peak_rss_now()
    with FeedServer(opts.feeds, items=opts.items, latency=opts.latency, hosts=opts.hosts) as srv:
        async with open_pipeline(settings, clock=clock) as pipeline:
            count = pipeline.store.count_articles()
            with timed() as t:
                report = await pipeline.refresh([FeedSource(url=u) for u in srv.urls])
                digest = await pipeline.compose(max_stories=100)
                render_markdown(digest)
    peak = peak_rss_now()
    return {
        "articles_before": count,
        "new_articles": report.new_articles,
        "peak_rss_mb": peak,
        "rss_after_imports_mb": before,
        "wall_s": t.wall,
        "cpu_s": t.cpu,
    }


def peak_rss_now() -> float:
    """This process's peak RSS in MB so far.

    VmHWM belongs to the process image, so unlike ``ru_maxrss`` it does not inherit the
    peak of the parent that started this process.
    """
    try:
        found = vm_hwm_mb(Path("/proc/self/status").read_text())
    except OSError:
        found = None
    if found is None:
        found = rss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return found


def rss_rows(opts: Options, workdir: Path, results: Results) -> None:
    db_url = f"sqlite:///{workdir / 'big.db'}"
    common = _child_args(opts)
    subprocess.run(
        [sys.executable, "-m", "bench.run", *common, "--child", "seed", "--child-db", db_url],
        check=True,
    )
    out = subprocess.run(
        [sys.executable, "-m", "bench.run", *common, "--child", "rss", "--child-db", db_url],
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    results.raw["peak_rss"] = figures
    results.rows.append(
        Row(
            f"Peak RSS: {figures['articles_before']:,} articles stored, refresh + compose",
            "MB",
            figures["peak_rss_mb"],
            "lower",
            "same process after imports",
            figures["rss_after_imports_mb"],
            target=Target("<=", 250.0),
        )
    )


def _child_args(opts: Options) -> list[str]:
    return [
        f"--feeds={opts.feeds}",
        f"--items={opts.items}",
        f"--latency={opts.latency}",
        f"--hosts={opts.hosts}",
        f"--workers={opts.workers}",
        f"--rss-articles={opts.rss_articles}",
    ]


# --- profiling and machine facts --------------------------------------------------------------


@contextmanager
def _profiler(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(async_mode="enabled")
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        path.write_text(profiler.output_text(unicode=False, color=False, show_all=False))


def machine() -> dict[str, Any]:
    def read(path: str) -> str:
        try:
            return Path(path).read_text()
        except OSError:
            return ""

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(read("/proc/cpuinfo")),
        "ram_gib": mem_total_gib(read("/proc/meminfo")),
        "python": sys.version.split()[0],
        "platform": sys.platform,
    }


# --- entry point ----------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> tuple[Options, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=None, help="feeds served (1000)")
    parser.add_argument("--items", type=int, default=20, help="items per feed")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per response")
    parser.add_argument("--hosts", type=int, default=50, help="loopback hosts the feeds use")
    parser.add_argument("--changed", type=float, default=0.1, help="share changed in round 3")
    parser.add_argument("--sequential-feeds", type=int, default=None, help="(100)")
    parser.add_argument("--workers", type=int, default=64, help="concurrency, ours and reader's")
    parser.add_argument("--rss-articles", type=int, default=None, help="(100000)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--no-reader", action="store_true", help="skip the reader peer")
    parser.add_argument("--quick", action="store_true", help="100 feeds, 10,000 articles")
    parser.add_argument("--profile", type=Path, default=None, help="pyinstrument text file")
    parser.add_argument("--out", type=Path, default=Path("bench-report.json"))
    parser.add_argument("--child", choices=("seed", "rss"), help=argparse.SUPPRESS)
    parser.add_argument("--child-db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    feeds = args.feeds or (100 if args.quick else 1000)
    opts = Options(
        feeds=feeds,
        items=args.items,
        latency=args.latency,
        hosts=min(args.hosts, feeds),
        changed=args.changed,
        sequential_feeds=min(args.sequential_feeds or (20 if args.quick else 100), feeds),
        workers=args.workers,
        rss_articles=args.rss_articles or (10_000 if args.quick else 100_000),
        data=args.data,
        reader=not args.no_reader,
        profile=args.profile,
    )
    return opts, args


def main(argv: Sequence[str] | None = None) -> int:
    opts, args = parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    if args.child == "seed":
        seed_store(args.child_db, opts.rss_articles, feeds=opts.feeds, now=BENCH_START)
        return 0
    if args.child == "rss":
        figures = asyncio.run(rss_child(args.child_db, opts))
        sys.stdout.write(json.dumps(figures) + "\n")
        return 0
    results = Results()
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="newsdigest-bench-") as tmp:
        workdir = Path(tmp)
        asyncio.run(refresh_rounds(opts, workdir, results))
        asyncio.run(one_host_rows(opts, workdir, results))
        interaction_rows(opts, workdir, results)
        summarizer_rows(opts, results)
        rss_rows(opts, workdir, results)
    info = machine()
    lines = table_lines(results.rows)
    header = (
        f"newsdigest bench: {opts.feeds} feeds x {opts.items} items, {opts.latency * 1000:g} ms "
        f"latency, {opts.hosts} hosts, concurrency {opts.workers} | {info['nproc']} cores, "
        f"{info['cpu']}, {info['ram_gib'] or 0:.1f} GiB, Python {info['python']}"
    )
    sys.stdout.write(header + "\n\n" + "\n".join(lines) + "\n")
    report = {
        "started_at": started.isoformat(),
        "machine": info,
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "rows": [r.as_json() for r in results.rows],
        "raw": results.raw,
        "table": lines,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    sys.stdout.write(f"\nreport written to {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
