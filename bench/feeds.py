"""A benchmark feed server: N generated feeds of realistic news items on 127.0.0.x.

Every response waits ``latency`` seconds first, as a distant server would. Feeds carry an
ETag and a Last-Modified date and answer conditional requests with 304; a control endpoint
changes a share of the feeds (one new item each, the oldest drops off), as a news site does
between two refreshes. Feeds are spread over several loopback addresses (127.0.0.1,
127.0.0.2, ...) so that per-host politeness limits see many hosts, as with real feeds.

    python -m bench.feeds --feeds 1000 --latency 0.1      # prints "listening <port>"
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import random
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from types import TracebackType
from typing import TYPE_CHECKING, Self
from urllib.request import Request, urlopen

if TYPE_CHECKING:
    from aiohttp import web

MAX_HOSTS = 254
# Item dates count back from here so that the corpus is the same in every run.
EPOCH = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)

_FIRST = (
    "Maria Lopez Daniel Okafor Priya Raman Tomas Novak Aiko Tanaka Samuel Mensah Elena Petrova "
    "Jonas Berg Fatima Haddad Lucas Moreau Grace Chen Omar Farouk Hannah Weiss Diego Alvarez "
    "Ingrid Larsen Kwame Asante Sofia Rossi Arjun Mehta Chloe Martin Yusuf Demir"
).split()
_PLACES = (
    "Lisbon Nairobi Osaka Toronto Valparaiso Gdansk Auckland Porto Tbilisi Accra Bergen Lyon "
    "Cebu Tucson Leipzig Mombasa Halifax Cordoba Turku Adelaide Malmo Quito Dundee Rotterdam"
).split()
_ORGS = (
    "the port authority|the city council|the health ministry|the central bank|the transit "
    "agency|the national weather service|the university hospital|the energy regulator|the "
    "fisheries board|the federal court|the water utility|the chamber of commerce|the teachers' "
    "union|the aviation safety board|the housing agency|the space agency"
).split("|")
_SUBJECTS = (
    "a new bridge|the harbour expansion|rail fares|flood defences|a drought plan|school "
    "funding|a wind farm|the hospital budget|bus routes|a data breach|the fishing quota|a "
    "housing project|the airport runway|interest rates|a vaccine campaign|river pollution|a "
    "tram line|the library network|wildfire crews|a tax rebate"
).split("|")
_VERBS = (
    "approved|rejected|delayed|announced|questioned|expanded|cut|reviewed|defended|suspended|"
    "funded|criticised|unveiled|postponed|confirmed"
).split("|")
_CLAUSES = (
    "after months of negotiations|despite objections from residents|in a vote late on "
    "Tuesday|following a review by independent auditors|ahead of the winter season|as costs "
    "kept rising|under pressure from local businesses|after a public consultation|citing "
    "safety concerns|in a statement released on Monday"
).split("|")
_QUOTES = (
    "We have listened carefully and this is the right decision for the region|The numbers "
    "simply did not add up|Families deserve an answer before the end of the year|This will "
    "take time, but the work has already started|Nobody expected the bill to grow this "
    "quickly|We will keep pressing for a fairer deal"
).split("|")


@dataclass(frozen=True, slots=True)
class Item:
    """One generated news item."""

    guid: str
    title: str
    link: str
    published: datetime
    paragraphs: tuple[str, ...]


def _person(rng: random.Random) -> str:
    first = rng.randrange(0, len(_FIRST), 2)
    return f"{_FIRST[first]} {_FIRST[first + 1]}"


def _sentence(rng: random.Random) -> str:
    kind = rng.randrange(4)
    org = rng.choice(_ORGS)
    subject = rng.choice(_SUBJECTS)
    if kind == 0:
        return (
            f"{org.capitalize()} {rng.choice(_VERBS)} {subject} {rng.choice(_CLAUSES)}, "
            f"a decision worth {rng.randrange(2, 900)} million dollars."
        )
    if kind == 1:
        return (
            f'"{rng.choice(_QUOTES)}," said {_person(rng)}, who speaks for {org} in '
            f"{rng.choice(_PLACES)}."
        )
    if kind == 2:
        return (
            f"About {rng.randrange(120, 98000):,} people in {rng.choice(_PLACES)} are affected, "
            f"and {rng.randrange(3, 97)} percent of them said {subject} mattered to them."
        )
    return (
        f"Critics including {_person(rng)} argued that {subject} had been {rng.choice(_VERBS)} "
        f"too often, while supporters pointed to {rng.randrange(2, 40)} earlier projects "
        f"in {rng.choice(_PLACES)}."
    )


def _coined(rng: random.Random) -> str:
    """A made-up proper name, so that each event has names of its own as real events do."""
    syllables = "ka lo ri ven sa tor mi dal en bro ush fe na gor li pa qua zel mon tre".split()
    return "".join(rng.choice(syllables) for _ in range(rng.randrange(2, 4))).capitalize()


def event_seed(feed: int, serial: int) -> str:
    """Which event an item reports: mostly its own, sometimes one a few other feeds report too."""
    if (feed * 7 + serial) % 5 == 0:
        # About a fifth of the items are shared events, each told by roughly five feeds.
        return f"shared:{serial}:{feed % 40 // 8}"
    return f"own:{feed}:{serial}"


def make_item(feed: int, serial: int, base_url: str) -> Item:
    """The item ``serial`` of feed ``feed``: the same text for the same numbers, every run."""
    event = random.Random(event_seed(feed, serial))
    names = [_coined(event) for _ in range(3)]
    place = f"{event.choice(_PLACES)}"
    rng = random.Random(f"{feed}:{serial}")
    title = f"{names[0]} {event.choice(_VERBS)} {event.choice(_SUBJECTS)} in {place}"
    paragraphs = tuple(
        " ".join(
            f"{_sentence(rng)} {names[rng.randrange(3)]} {rng.choice(_VERBS)} the plan."
            for _ in range(rng.randrange(2, 4))
        )
        for _ in range(rng.randrange(4, 7))
    )
    return Item(
        guid=f"urn:bench:{feed}:{serial}",
        title=title,
        link=f"{base_url}/articles/{feed}/{serial}.html",
        published=EPOCH + timedelta(minutes=30 * serial + feed % 30),
        paragraphs=(f"{place.upper()} - {paragraphs[0]}", *paragraphs[1:]),
    )


def render_rss(feed: int, version: int, *, items: int, base_url: str) -> bytes:
    """RSS 2.0 for ``feed`` at ``version``: items ``version`` .. ``version + items - 1``,
    newest first."""
    entries = []
    for serial in range(version + items - 1, version - 1, -1):
        item = make_item(feed, serial, base_url)
        body = "".join(f"<p>{escape(p, quote=False)}</p>" for p in item.paragraphs)
        entries.append(
            f"<item><title>{escape(item.title, quote=False)}</title>"
            f"<link>{escape(item.link)}</link>"
            f'<guid isPermaLink="false">{item.guid}</guid>'
            f"<pubDate>{format_datetime(item.published, usegmt=True)}</pubDate>"
            f"<description><![CDATA[{body}]]></description></item>"
        )
    head = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Bench Courier {feed}</title><link>{base_url}/</link>"
        f"<description>Generated local news, feed {feed}</description>"
    )
    return (head + "".join(entries) + "</channel></rss>\n").encode()


def etag_for(feed: int, version: int) -> str:
    """A strong ETag that changes with the feed's version."""
    digest = hashlib.sha1(f"{feed}:{version}".encode()).hexdigest()[:16]
    return f'"{digest}"'


def last_modified_for(version: int) -> str:
    """The HTTP date the feed last changed: later for each version."""
    return format_datetime(EPOCH + timedelta(minutes=30 * version), usegmt=True)


def is_not_modified(
    *, if_none_match: str | None, if_modified_since: str | None, etag: str, last_modified: str
) -> bool:
    """Whether a conditional request may be answered 304 (ETag wins over the date)."""
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if if_modified_since is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
            changed = parsedate_to_datetime(last_modified)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return changed <= since
    return False


def pick_changed(n_feeds: int, share: float, round_no: int) -> list[int]:
    """Which feeds change in a round: ``round(share * n)`` of them, the same in every run."""
    count = min(max(round(share * n_feeds), 0), n_feeds)
    return sorted(random.Random(f"round:{round_no}").sample(range(n_feeds), count))


def host_for(feed: int, hosts: int) -> str:
    """The loopback address that serves ``feed`` when feeds are spread over ``hosts``."""
    return f"127.0.0.{feed % hosts + 1}"


def feed_path(feed: int) -> str:
    return f"/feeds/{feed}.xml"


def feed_urls(n_feeds: int, *, port: int, hosts: int) -> list[str]:
    """The URL of every feed of the corpus."""
    return [f"http://{host_for(i, hosts)}:{port}{feed_path(i)}" for i in range(n_feeds)]


class FeedCorpus:
    """The current version of every feed, with rendered bodies cached per version."""

    def __init__(self, n_feeds: int, *, items: int = 20, base_url: str = "http://bench.test"):
        self.n_feeds = n_feeds
        self.items = items
        self.base_url = base_url
        self.versions = [0] * n_feeds
        self.rounds = 0
        self._bodies: dict[tuple[int, int, bool], bytes] = {}
        self._lock = threading.Lock()

    def body(self, feed: int, *, gzipped: bool = False) -> bytes:
        version = self.versions[feed]
        key = (feed, version, gzipped)
        with self._lock:
            cached = self._bodies.get(key)
        if cached is not None:
            return cached
        raw = render_rss(feed, version, items=self.items, base_url=self.base_url)
        body = gzip.compress(raw, compresslevel=6, mtime=0) if gzipped else raw
        with self._lock:
            self._bodies[key] = body
        return body

    def change(self, share: float) -> list[int]:
        """Give a share of the feeds one new item each; returns the changed feeds."""
        self.rounds += 1
        changed = pick_changed(self.n_feeds, share, self.rounds)
        for feed in changed:
            self.versions[feed] += 1
        return changed


def make_app(corpus: FeedCorpus, *, latency: float) -> web.Application:
    """The aiohttp application serving ``corpus`` plus its control endpoints."""
    # Imported here, in the server's own process: the processes it serves are measured.
    from aiohttp import web

    counts = {"200": 0, "304": 0}

    async def feed(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(latency)
        try:
            index = int(request.match_info["index"])
        except ValueError:
            raise web.HTTPNotFound() from None
        if not 0 <= index < corpus.n_feeds:
            raise web.HTTPNotFound()
        version = corpus.versions[index]
        etag, modified = etag_for(index, version), last_modified_for(version)
        headers = {"ETag": etag, "Last-Modified": modified}
        if is_not_modified(
            if_none_match=request.headers.get("If-None-Match"),
            if_modified_since=request.headers.get("If-Modified-Since"),
            etag=etag,
            last_modified=modified,
        ):
            counts["304"] += 1
            return web.Response(status=304, headers=headers)
        gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        counts["200"] += 1
        return web.Response(
            body=corpus.body(index, gzipped=gzipped),
            headers=headers,
            content_type="application/rss+xml",
        )

    async def change(request: web.Request) -> web.Response:
        share = float(request.query.get("share", "0.1"))
        changed = corpus.change(share)
        return web.json_response({"changed": len(changed), "round": corpus.rounds})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(dict(counts))

    async def reset_stats(request: web.Request) -> web.Response:
        counts.update({"200": 0, "304": 0})
        return web.json_response(dict(counts))

    app = web.Application()
    app.router.add_get("/feeds/{index}.xml", feed)
    app.router.add_post("/_control/change", change)
    app.router.add_get("/_control/stats", stats)
    app.router.add_post("/_control/reset", reset_stats)
    return app


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def serve(n_feeds: int, *, items: int, latency: float, hosts: int, port: int) -> None:
    """Serve until stdin closes (the parent exits or says so); prints the port first."""
    from aiohttp import web

    corpus = FeedCorpus(n_feeds, items=items)
    runner = web.AppRunner(make_app(corpus, latency=latency), access_log=None)
    await runner.setup()
    port = port or _free_port()
    for k in range(hosts):
        site = web.TCPSite(runner, f"127.0.0.{k + 1}", port, backlog=2048)
        await site.start()
    print(f"listening {port}", flush=True)  # noqa: T201 - the parent reads this line
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


class FeedServer:
    """The feed server run in a child process, so its CPU time is not the client's."""

    def __init__(
        self, n_feeds: int, *, items: int = 20, latency: float = 0.1, hosts: int = 50
    ) -> None:
        if not 1 <= hosts <= MAX_HOSTS:
            raise ValueError(f"hosts must be 1..{MAX_HOSTS}, got {hosts}")
        self.n_feeds = n_feeds
        self.hosts = hosts
        self._args = [
            sys.executable,
            "-m",
            "bench.feeds",
            f"--feeds={n_feeds}",
            f"--items={items}",
            f"--latency={latency}",
            f"--hosts={hosts}",
        ]
        self._proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> Self:
        self._proc = subprocess.Popen(
            self._args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "listening":
            self._stop()
            raise RuntimeError("the bench feed server did not start")
        self.port = int(line[1])
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._proc is None:
            return
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None

    @property
    def urls(self) -> list[str]:
        return feed_urls(self.n_feeds, port=self.port, hosts=self.hosts)

    def _control(self, path: str, method: str = "POST") -> dict[str, int]:
        request = Request(f"http://127.0.0.1:{self.port}/_control/{path}", method=method)
        with urlopen(request, timeout=30) as response:
            data: dict[str, int] = json.loads(response.read())
        return data

    def change(self, share: float) -> int:
        """Change a share of the feeds; returns how many changed."""
        return self._control(f"change?share={share}")["changed"]

    def stats(self) -> dict[str, int]:
        return self._control("stats", method="GET")

    def reset_stats(self) -> None:
        self._control("reset")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    asyncio.run(
        serve(args.feeds, items=args.items, latency=args.latency, hosts=args.hosts, port=args.port)
    )


if __name__ == "__main__":
    main()
