"""``newsdigest run``: start the Discord bot and its scheduler in one process."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

import discord
import yarl

from digests.config import Settings, find_config

log = logging.getLogger(__name__)


def point_at_api(api_base: str) -> None:
    """Use a Discord-compatible server: REST at ``api_base``, gateway at /gateway beside it.

    discord.py has no option for this, so its two class-level endpoints are set.
    """
    base = yarl.URL(api_base.rstrip("/"))
    if base.scheme not in ("http", "https") or not base.host:
        raise ValueError(f"DISCORD_API_BASE {api_base!r} is invalid: expected an http(s) URL")
    ws_scheme = "wss" if base.scheme == "https" else "ws"
    discord.http.Route.BASE = str(base)
    gateway = base.with_scheme(ws_scheme).with_path("/gateway").with_query(None)
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


async def run_bot(settings: Settings, token: str) -> None:
    from bot.app import NewsBot
    from digests.wiring import open_pipeline

    async with open_pipeline(settings) as pipeline:
        bot = NewsBot(settings, pipeline=pipeline)
        async with bot:
            await bot.start(token)


def main(args: argparse.Namespace) -> int:
    settings = find_config(getattr(args, "config", None))
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if not token:
        print(
            "newsdigest: DISCORD_TOKEN is not set; to preview a digest without Discord, "
            "run `newsdigest digest`",
            file=sys.stderr,
        )
        return 2
    api_base = os.environ.get("DISCORD_API_BASE") or settings.discord.api_base
    if api_base:
        try:
            point_at_api(api_base)
        except ValueError as exc:
            print(f"newsdigest: {exc}", file=sys.stderr)
            return 2
    logging.getLogger().setLevel(logging.INFO)
    try:
        asyncio.run(run_bot(settings, token))
    except discord.LoginFailure:
        print("newsdigest: Discord refused the token (DISCORD_TOKEN)", file=sys.stderr)
        return 1
    return 0
