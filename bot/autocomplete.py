"""Autocomplete choices slash commands share."""

from __future__ import annotations

from discord import app_commands

from digests import Newsdesk

# Discord shows at most 25 choices, each value at most 100 characters.
CHOICES_LIMIT = 25
CHOICE_CHARS = 100


async def feed_choices(
    desk: Newsdesk, guild_id: int | None, current: str
) -> list[app_commands.Choice[str]]:
    """The server's feed URLs that contain what was typed so far."""
    if guild_id is None:
        return []
    states = await desk.feeds(guild_id)
    return [
        app_commands.Choice(name=s.url, value=s.url)
        for s in states
        if current.lower() in s.url.lower() and len(s.url) <= CHOICE_CHARS
    ][:CHOICES_LIMIT]
