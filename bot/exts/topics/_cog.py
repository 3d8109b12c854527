"""/topics, /subscribe and /unsubscribe; /topic ping and unping for admins."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import reply, require_manage_guild
from bot.render import neutralise_mentions, plain_line
from digests import InputError

if TYPE_CHECKING:
    from bot.app import NewsBot


class TopicsCog(commands.Cog):
    """Topics, per-topic DM subscriptions, and the roles a topic's stories mention."""

    topic = app_commands.Group(
        name="topic",
        description="Roles a topic's stories mention (admins)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def _autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        names = await self.bot.desk.topic_names(interaction.guild_id)
        return [
            app_commands.Choice(name=t[:100], value=t[:100])
            for t in names
            if current.lower() in t.lower()
        ][:25]

    @app_commands.command(name="topics", description="Topics with their story counts this week")
    @app_commands.guild_only()
    async def topics(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        # Counting scopes every story of the week to the guild: with a thousand busy feeds
        # that takes seconds, past the 3 s in which Discord wants an answer.
        await interaction.response.defer(ephemeral=True, thinking=True)
        counts = await self.bot.desk.topics(interaction.guild_id)
        if not counts:
            await reply(interaction, "No topics yet.")
            return
        lines = [f"**{plain_line(t)}**: {n} stories" for t, n in counts.most_common()]
        await reply(interaction, "Topics (last 7 days):\n" + "\n".join(lines))

    @app_commands.command(name="subscribe", description="Get a DM with new stories of a topic")
    @app_commands.describe(topic="The topic to follow")
    @app_commands.guild_only()
    async def subscribe(self, interaction: discord.Interaction, topic: str) -> None:
        assert interaction.guild_id is not None
        # The topic is looked up among the week's (see /topics).
        await interaction.response.defer(ephemeral=True, thinking=True)
        name, added = await self.bot.desk.subscribe(
            interaction.guild_id, interaction.user.id, topic
        )
        text = f"Subscribed to {name}." if added else f"You already follow {name}."
        await reply(interaction, neutralise_mentions(text))

    @app_commands.command(name="unsubscribe", description="Stop the DMs for a topic")
    @app_commands.describe(topic="The topic to stop following")
    @app_commands.guild_only()
    async def unsubscribe(self, interaction: discord.Interaction, topic: str) -> None:
        assert interaction.guild_id is not None
        # Topic names are matched case-insensitively, like /subscribe (and looked up likewise).
        await interaction.response.defer(ephemeral=True, thinking=True)
        removed = await self.bot.desk.unsubscribe(interaction.guild_id, interaction.user.id, topic)
        text = "Unsubscribed." if removed else "You were not subscribed to that topic."
        await reply(interaction, text)

    @subscribe.autocomplete("topic")
    async def _subscribe_topic(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._autocomplete(interaction, current)

    @unsubscribe.autocomplete("topic")
    async def _unsubscribe_topic(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        mine = await self.bot.desk.subscriptions(interaction.guild_id, interaction.user.id)
        return [
            app_commands.Choice(name=t[:100], value=t[:100])
            for t in mine
            if current.lower() in t.lower()
        ][:25]

    @topic.command(name="ping", description="Mention a role in digests with a topic's stories")
    @app_commands.describe(topic="The topic", role="The role its stories mention")
    @app_commands.check(require_manage_guild)
    async def ping(self, interaction: discord.Interaction, topic: str, role: discord.Role) -> None:
        assert interaction.guild is not None
        if role.is_default():
            raise InputError("Digests never mention @everyone; pick a role.")
        name = await self.bot.desk.set_topic_role(interaction.guild.id, topic, role.id)
        text = (
            f"Digests with a {plain_line(name)} story now mention @{plain_line(role.name)} "
            "once, in their first message."
        )
        me = interaction.guild.me
        if not role.mentionable and not (me and me.guild_permissions.mention_everyone):
            text += (
                " The role is not mentionable: make it so, or give the bot Mention @everyone,"
                " @here and All Roles, or nobody is pinged."
            )
        await reply(interaction, text)

    @topic.command(name="unping", description="Stop mentioning a role for a topic")
    @app_commands.describe(topic="The topic whose role digests mention")
    @app_commands.check(require_manage_guild)
    async def unping(self, interaction: discord.Interaction, topic: str) -> None:
        assert interaction.guild_id is not None
        name = await self.bot.desk.remove_topic_role(interaction.guild_id, topic)
        await reply(interaction, f"Digests no longer mention a role for {plain_line(name)}.")

    @topic.command(name="pings", description="The roles this server's topics mention")
    @app_commands.check(require_manage_guild)
    async def pings(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        roles = await self.bot.desk.topic_roles(interaction.guild.id)
        if not roles:
            await reply(interaction, "No topic mentions a role yet: use /topic ping.")
            return
        lines = []
        for topic, role_id in roles.items():
            role = interaction.guild.get_role(role_id)
            shown = (
                f"@{plain_line(role.name)}" if role is not None else f"a deleted role ({role_id})"
            )
            lines.append(f"- **{plain_line(topic)}**: {shown}")
        await reply(interaction, "\n".join(lines))

    @ping.autocomplete("topic")
    async def _ping_topic(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._autocomplete(interaction, current)

    @unping.autocomplete("topic")
    async def _unping_topic(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        roles = await self.bot.desk.topic_roles(interaction.guild_id)
        return [
            app_commands.Choice(name=t[:100], value=t[:100])
            for t in roles
            if current.lower() in t.lower()
        ][:25]
