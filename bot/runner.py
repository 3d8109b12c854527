"""``newsdigest run``: the bot's composition root. It reads the settings and the environment
once and builds the core's ``Newsdesk`` and the bot over it, in one process with its
scheduler."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Mapping

import discord
import yarl

from bot.settings import BotSettings, load_settings
from digests import open_newsdesk

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


async def run_bot(settings: BotSettings, token: str, env: Mapping[str, str]) -> None:
    from bot.app import NewsBot

    async with open_newsdesk(settings, env=env) as desk:
        bot = NewsBot(settings, desk=desk)
        async with bot:
            await bot.start(token)


def main(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    settings = load_settings(getattr(args, "config", None), env)
    token = env.get("DISCORD_TOKEN", "").strip()
    if not token:
        print(
            "newsdigest: DISCORD_TOKEN is not set; to preview a digest without Discord, "
            "run `newsdigest digest`",
            file=sys.stderr,
        )
        return 2
    api_base = env.get("DISCORD_API_BASE") or settings.discord.api_base
    if api_base:
        try:
            point_at_api(api_base)
        except ValueError as exc:
            print(f"newsdigest: {exc}", file=sys.stderr)
            return 2
    logging.getLogger().setLevel(logging.INFO)
    try:
        asyncio.run(run_bot(settings, token, env))
    except discord.LoginFailure:
        print("newsdigest: Discord refused the token (DISCORD_TOKEN)", file=sys.stderr)
        return 1
    return 0
