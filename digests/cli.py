"""The ``newsdigest`` command line: ``digest`` previews a digest in the terminal, ``run``
starts the Discord bot (which lives in the ``bot`` package and is loaded only for that)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TextIO

from digests import __version__
from digests.config import FeedConfig, Settings, find_config
from digests.errors import ConfigError, DigestError
from digests.language import language_tag
from digests.output import digest_to_json, render_markdown, render_text
from digests.page_command import add_extract_parser, run_extract
from digests.refresh_report import RefreshReport, skip_summary
from digests.refresh_step import PageHook, ProgressHook
from digests.wiring import open_pipeline

log = logging.getLogger("newsdigest")

# Tables of the config file that only `newsdigest run` reads (the bot validates them); the
# other commands leave them unread, so one file serves every command.
BOT_TABLES = ("discord",)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdigest", description="News digests with faithful, fact-checked briefings."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.add_argument("--version", action="version", version=f"newsdigest {__version__}")
    # -v is also accepted after the subcommand; SUPPRESS keeps an absent one there from
    # undoing a -v given before it.
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log more detail"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    digest = sub.add_parser(
        "digest",
        parents=[verbose],
        help="fetch feeds, update the store and print a digest (a preview)",
    )
    digest.add_argument("--config", help="config file (default: ./config.toml, else built-in)")
    digest.add_argument(
        "--feed",
        action="append",
        metavar="URL_OR_PATH",
        help="feed to read instead of the configured ones (repeatable)",
    )
    digest.add_argument("--db", metavar="URL", help="SQLAlchemy database URL (overrides config)")
    digest.add_argument(
        "--format", choices=["text", "markdown", "json"], default="text", help="output format"
    )
    digest.add_argument(
        "--summarizer", choices=["auto", "extractive", "openai"], help="summarizer backend"
    )
    digest.add_argument("--limit", type=_positive_int, metavar="N", help="at most N stories")
    digest.add_argument(
        "--language",
        type=_language,
        metavar="TAG",
        help="write the briefings in this language, an IETF tag such as de or pt-BR "
        "(default: each source's own; offline, sources stay in theirs and are marked)",
    )

    add_extract_parser(sub, parents=[verbose])

    run = sub.add_parser("run", parents=[verbose], help="run the Discord bot and its scheduler")
    run.add_argument("--config", help="config file (default: ./config.toml, else built-in)")
    return parser


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return number


def _language(value: str) -> str:
    tag = language_tag(value)
    if tag is None:
        raise argparse.ArgumentTypeError(
            f"expected an IETF language tag such as de or pt-BR, got {value[:40]!r}"
        )
    return tag


def settings_for_digest(args: argparse.Namespace, env: Mapping[str, str]) -> Settings:
    """The config file's settings with the command-line overrides applied."""
    settings = find_config(args.config, env, ignore_tables=BOT_TABLES)
    updates: dict[str, object] = {}
    if args.db:
        updates["storage"] = settings.storage.model_copy(update={"url": args.db})
    if args.summarizer:
        updates["summarizer"] = settings.summarizer.model_copy(update={"backend": args.summarizer})
    if args.limit:
        updates["digest"] = settings.digest.model_copy(update={"max_stories": args.limit})
    if args.feed:
        feeds = []
        for url in args.feed:
            try:
                feeds.append(FeedConfig(url=url))
            except ValueError:
                raise ConfigError(
                    f"--feed {url!r} is invalid: expected an http(s) URL or a local path"
                ) from None
        # Paths given on the command line are relative to where the user is, not the config.
        updates["feeds"] = tuple(feeds)
        updates["base_dir"] = os.getcwd()
    return settings.model_copy(update=updates) if updates else settings


async def _digest(args: argparse.Namespace, out: TextIO, env: Mapping[str, str]) -> int:
    settings = settings_for_digest(args, env)
    async with open_pipeline(settings, env=env) as pipeline:
        sources = settings.feed_sources()
        with _progress(len(sources)) as (hook, pages):
            report = await pipeline.refresh(sources, progress=hook, page_progress=pages)
        _report_failures(report)
        digest = await pipeline.compose(feed_urls=[s.url for s in sources], language=args.language)
    for line in skip_summary(report, digest.headline_only_counts()):
        print(f"newsdigest: {line}", file=sys.stderr)
    if sources and len(report.failed) == len(sources) and digest.is_empty:
        # Every feed failed and said why on stderr; an empty digest would only add noise.
        return 1
    if args.format == "json":
        out.write(json.dumps(digest_to_json(digest), ensure_ascii=False) + "\n")
    elif args.format == "markdown":
        out.write(render_markdown(digest))
    else:
        out.write(render_text(digest))
    return 0


def _report_failures(report: RefreshReport) -> None:
    for feed in report.feeds:
        if feed.error:
            print(f"newsdigest: feed {feed.url}: {feed.error}", file=sys.stderr)
        elif feed.warning:
            print(f"newsdigest: feed {feed.url} is malformed: {feed.warning}", file=sys.stderr)


@contextmanager
def _progress(total: int) -> Iterator[tuple[ProgressHook | None, PageHook | None]]:
    """Rich progress bars on stderr, for feeds and for article pages, when it is a
    terminal; nothing otherwise."""
    if not sys.stderr.isatty() or total == 0:
        yield None, None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        feeds = progress.add_task("Fetching feeds", total=total)
        # Pages are only known as feeds are read: the bar's total grows as they start.
        pages = progress.add_task("Fetching article pages", total=0, visible=False)
        started = 0

        def feed_hook(url: str, outcome: str) -> None:
            progress.advance(feeds)

        def page_hook(url: str, outcome: str | None) -> None:
            nonlocal started
            if outcome is None:
                started += 1
                progress.update(pages, total=started, visible=True)
            else:
                progress.advance(pages)

        yield feed_hook, page_hook


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # A bare `newsdigest` is someone finding their way: show what there is, no error.
        parser.print_help()
        return 0
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # The one read of the environment; everything below is given it.
    env = os.environ
    try:
        if args.command == "digest":
            return asyncio.run(_digest(args, sys.stdout, env))
        if args.command == "extract":
            return asyncio.run(run_extract(args, sys.stdout, env=env, ignore_tables=BOT_TABLES))
        runner = importlib.import_module("bot.runner")
        return int(runner.main(args, env))
    except ConfigError as exc:
        print(f"newsdigest: {exc}", file=sys.stderr)
        return 2
    except DigestError as exc:
        print(f"newsdigest: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
