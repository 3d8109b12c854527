"""/filter add, list, remove and test: admins choose which stories a channel's digests carry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.autocomplete import feed_choices
from bot.checks import reply, require_manage_guild
from bot.exts.filters._render import rule_line, rules_text, verdict_text
from digests import InputError

if TYPE_CHECKING:
    from bot.app import NewsBot

Postable = discord.TextChannel | discord.ForumChannel


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class FilterGroup(app_commands.Group, name="filter", description="Which stories digests carry"):
    """Include and exclude rules of this guild's channels."""

    def __init__(self, bot: NewsBot) -> None:
        super().__init__()
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return require_manage_guild(interaction)

    @app_commands.command(name="add", description="Include or exclude stories by word or regex")
    @app_commands.describe(
        channel="The channel whose digests the rule shapes",
        include="Keep only stories with this word or phrase (or regex)",
        exclude="Leave out stories with this word or phrase (or regex)",
        regex="Read the pattern as a regular expression (RE2 syntax)",
        feed="Apply the rule only to stories of this feed",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        channel: Postable,
        include: str | None = None,
        exclude: str | None = None,
        regex: bool = False,
        feed: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        if (include is None) == (exclude is None):
            raise InputError("Give either include or exclude, with the pattern to match.")
        action, pattern = ("include", include) if include is not None else ("exclude", exclude)
        assert pattern is not None
        record = await self.bot.desk.add_filter(
            interaction.guild_id,
            channel.id,
            action=action,
            pattern=pattern,
            regex=regex,
            feed_url=feed,
        )
        await reply(interaction, f"Added to <#{channel.id}>: {rule_line(record)}.")

    @add.autocomplete("feed")
    async def _add_feed(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await feed_choices(self.bot.desk, interaction.guild_id, current)

    @app_commands.command(name="list", description="The filters of this server's channels")
    @app_commands.describe(channel="Only this channel's filters (default: every channel)")
    async def list_(
        self, interaction: discord.Interaction, channel: Postable | None = None
    ) -> None:
        assert interaction.guild_id is not None
        records = await self.bot.desk.filters(
            interaction.guild_id, channel.id if channel is not None else None
        )
        if not records:
            await reply(interaction, "No filters yet: use /filter add.")
            return
        await reply(interaction, rules_text(records))

    @app_commands.command(name="remove", description="Remove a filter by its number")
    @app_commands.describe(id="The filter's number, as /filter list shows it")
    async def remove(self, interaction: discord.Interaction, id: int) -> None:
        assert interaction.guild_id is not None
        record = await self.bot.desk.remove_filter(interaction.guild_id, id)
        await reply(interaction, f"Removed from <#{record.rule.channel_id}>: {rule_line(record)}.")

    @remove.autocomplete("id")
    async def _remove_id(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        records = await self.bot.desk.filters(interaction.guild_id)
        choices = []
        for record in records:
            label = rule_line(record)
            if current.strip().lstrip("#") in str(record.id) or current.lower() in label.lower():
                choices.append(app_commands.Choice(name=label[:100], value=record.id))
        return choices[:25]

    @app_commands.command(name="test", description="Would a headline be kept or dropped?")
    @app_commands.describe(
        text="A headline or text to check",
        channel="The channel whose filters to check (default: this channel)",
    )
    async def test(
        self, interaction: discord.Interaction, text: str, channel: Postable | None = None
    ) -> None:
        assert interaction.guild_id is not None
        channel_id = channel.id if channel is not None else interaction.channel_id
        assert channel_id is not None
        check = await self.bot.desk.check_filters(interaction.guild_id, channel_id, text)
        await reply(interaction, verdict_text(check, channel_id))


class FiltersCog(commands.Cog):
    """Holds the /filter group."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.group = FilterGroup(bot)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.group)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.group.name)
