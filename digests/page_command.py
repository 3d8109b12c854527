"""``newsdigest extract``: what the pipeline would read from article pages.

The first thing to run when a briefing looks wrong: it shows the text, title, author, date
and lead image that extraction finds on each page, fetched the way the pipeline fetches it
(a URL through the project's Fetcher, with its private-address rules) or read from disk.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import sys
import zlib
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from digests.config import find_config
from digests.errors import FeedError
from digests.extract import extract_article
from digests.fetch import Fetcher
from digests.records import ArticleText


def add_extract_parser(sub: Any, parents: Sequence[argparse.ArgumentParser] = ()) -> None:
    """Register the ``extract`` subcommand on the top-level subparsers."""
    extract = sub.add_parser(
        "extract",
        parents=list(parents),
        help="print the article text and metadata the pipeline reads from pages",
    )
    extract.add_argument(
        "pages",
        nargs="+",
        metavar="PATH_OR_URL",
        help="an http(s) URL, or an HTML file (.gz allowed)",
    )
    extract.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text: a header and the text per page; json: one object per line",
    )
    extract.add_argument("--config", help="config file (default: ./config.toml, else built-in)")


def _is_url(target: str) -> bool:
    return target.partition("://")[0].lower() in ("http", "https")


def _read_file(target: str, limit: int) -> bytes:
    """The file's bytes, gunzipped when it is gzip, refused over ``limit`` once unpacked."""
    path = Path(target).expanduser()
    try:
        with path.open("rb") as raw:
            packed = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            handle = gzip.GzipFile(fileobj=raw) if packed else raw
            body = handle.read(limit + 1)
    except FileNotFoundError:
        raise FeedError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise FeedError(f"not a file: {path}") from None
    except (OSError, EOFError, zlib.error) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise FeedError(f"cannot read {path}: {reason}") from None
    if len(body) > limit:
        raise FeedError(f"page over {limit} bytes")
    return body


async def _load(target: str, fetcher: Fetcher, limit: int) -> tuple[bytes, str | None]:
    """The page's bytes and the URL it was finally served from (None for a file)."""
    if _is_url(target):
        page = await fetcher.fetch(target, kind="page")
        if page.body is None:
            raise FeedError("the server sent no body")
        return page.body, page.final_url
    return await asyncio.to_thread(_read_file, target, limit), None


def _as_json(source: str, url: str | None, article: ArticleText) -> dict[str, Any]:
    return {
        "source": source,
        "url": url,
        "title": article.title,
        "author": article.author,
        "published": article.published.isoformat() if article.published else None,
        "image_url": article.image_url,
        "words": len(article.text.split()),
        "text": article.text,
    }


def _as_text(source: str, url: str | None, article: ArticleText) -> str:
    fields = _as_json(source, url, article)
    header = [f"== {source}"]
    for label, key in (
        ("URL", "url"),
        ("Title", "title"),
        ("Author", "author"),
        ("Published", "published"),
        ("Image", "image_url"),
        ("Words", "words"),
    ):
        if fields[key] is not None and (key != "url" or fields[key] != source):
            header.append(f"{label}: {fields[key]}")
    return "\n".join(header) + "\n\n" + article.text + "\n\n"


async def run_extract(
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO | None = None,
    *,
    env: Mapping[str, str],
    ignore_tables: Collection[str] = (),
) -> int:
    """Print each page's reading; 0 when every page gave an article, else 1."""
    err = err or sys.stderr
    settings = find_config(args.config, env, ignore_tables=ignore_tables)
    failed = 0
    # Local files are read here, never by the fetcher: the pages are the user's own arguments.
    async with Fetcher(settings.fetch, allow_local_files=False) as fetcher:
        for target in args.pages:
            try:
                body, url = await _load(target, fetcher, settings.fetch.max_body_bytes)
                article = await asyncio.to_thread(extract_article, body, url)
                if article is None:
                    raise FeedError("no article text found on the page")
            except FeedError as exc:
                failed += 1
                print(f"newsdigest: {target}: {exc}", file=err)
                if args.format == "json":
                    out.write(json.dumps({"source": target, "error": str(exc)}) + "\n")
                continue
            if args.format == "json":
                out.write(json.dumps(_as_json(target, url, article), ensure_ascii=False) + "\n")
            else:
                out.write(_as_text(target, url, article))
    return 1 if failed else 0
