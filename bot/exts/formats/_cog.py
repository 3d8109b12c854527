"""/format: how a channel's digests are laid out, and a private preview of the next one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import reply, require_manage_guild
from bot.delivery import message_kwargs
from bot.formats import channel_messages, channel_style, parse_template, preview_messages
from digests import ChannelFormat

if TYPE_CHECKING:
    from bot.app import NewsBot

Postable = discord.TextChannel | discord.ForumChannel
Style = Literal["full", "compact", "headlines", "custom"]
TITLE = "News digest"

_DESCRIBED = {
    "full": "full (a card per story)",
    "compact": "compact (one line per story)",
    "headlines": "headlines (a list of headlines)",
    "custom": "custom",
}


def describe_format(fmt: ChannelFormat) -> str:
    """The format in words, with a custom template shown as written."""
    described = _DESCRIBED[fmt.style]
    if fmt.style == "custom" and fmt.template:
        # The template is shown literally: a backtick in it cannot end the code block.
        shown = fmt.template.replace("`", "ˋ")
        described += f":\n```\n{shown}\n```"
    return described


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class FormatsCog(
    commands.GroupCog, group_name="format", group_description="How a channel's digests look"
):
    """Per-channel digest formats."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return require_manage_guild(interaction)

    @staticmethod
    def _channel_id(interaction: discord.Interaction, channel: Postable | None) -> int:
        channel_id = channel.id if channel is not None else interaction.channel_id
        assert channel_id is not None
        return channel_id

    @app_commands.command(name="set", description="Set the format of a channel's digests")
    @app_commands.describe(
        style="full, compact, headlines, or custom (with a template)",
        template="For custom: e.g. '**{headline}** {url}'; "
        "placeholders {headline} {summary} {facts} {sources} {url} {topics} {published}",
        channel="The channel (default: this channel)",
    )
    async def set_(
        self,
        interaction: discord.Interaction,
        style: Style,
        template: str | None = None,
        channel: Postable | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        channel_id = self._channel_id(interaction, channel)
        if style == "custom" and template is not None:
            # Raises InputError naming an unknown placeholder or the length limit.
            parse_template(template)
        fmt = await self.bot.desk.set_channel_format(
            interaction.guild_id, channel_id, style, template
        )
        await reply(
            interaction,
            f"Digests for <#{channel_id}> now come as {describe_format(fmt)}\n"
            "Use /format preview to see the next one.",
        )

    @app_commands.command(name="show", description="Show the format of a channel's digests")
    @app_commands.describe(channel="The channel (default: this channel)")
    async def show(self, interaction: discord.Interaction, channel: Postable | None = None) -> None:
        assert interaction.guild_id is not None
        channel_id = self._channel_id(interaction, channel)
        fmt = await self.bot.desk.channel_format(interaction.guild_id, channel_id)
        await reply(interaction, f"Digests for <#{channel_id}> come as {describe_format(fmt)}")

    @app_commands.command(
        name="preview", description="See a channel's next digest in its format, only you"
    )
    @app_commands.describe(channel="The channel (default: this channel)")
    async def preview(
        self, interaction: discord.Interaction, channel: Postable | None = None
    ) -> None:
        assert interaction.guild_id is not None
        channel_id = self._channel_id(interaction, channel)
        await interaction.response.defer(ephemeral=True, thinking=True)
        desk = self.bot.desk
        fmt = await desk.channel_format(interaction.guild_id, channel_id)
        # Composing claims nothing: only queueing a digest marks its stories as posted.
        digest = await desk.compose(interaction.guild_id, channel_id)
        if digest.is_empty:
            await reply(interaction, f"No new stories for <#{channel_id}>; a sample story:")
            payloads = preview_messages(channel_style(fmt), title=TITLE)
        else:
            payloads = channel_messages(fmt, digest, title=TITLE)
        for payload in payloads:
            await interaction.followup.send(ephemeral=True, **message_kwargs(payload))
