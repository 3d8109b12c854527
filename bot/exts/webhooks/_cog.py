"""/webhook: post a channel's digests through a webhook, under a name and avatar of its own."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.autocomplete import feed_choices
from bot.checks import reply, require_manage_guild
from bot.webhooks import NEEDS_PERMISSION, can_manage_webhooks, check_identity
from digests import ChannelWebhook, InputError, WebhookIdentity

if TYPE_CHECKING:
    from bot.app import NewsBot

log = logging.getLogger(__name__)


def describe_identity(identity: WebhookIdentity) -> str:
    avatar = f" with avatar <{identity.avatar_url}>" if identity.avatar_url else ""
    return f"**{identity.name}**{avatar}"


def describe_webhook(hook: ChannelWebhook) -> str:
    """The channel's identities in words; never the token."""
    lines = [f"<#{hook.channel_id}> posts as {describe_identity(hook.identity)}."]
    for url, identity in hook.feed_identities:
        lines.append(f"- digests of <{url}> only: {describe_identity(identity)}")
    return "\n".join(lines)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class WebhooksCog(
    commands.GroupCog,
    group_name="webhook",
    group_description="Post digests under a name and avatar of your own",
):
    """Per-channel (and per-feed) webhook identities."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return require_manage_guild(interaction)

    @staticmethod
    def _channel(
        interaction: discord.Interaction, channel: discord.TextChannel | None
    ) -> discord.TextChannel:
        found = channel or interaction.channel
        if not isinstance(found, discord.TextChannel):
            raise InputError("Pick a text or announcement channel (forum posts come from the bot).")
        return found

    async def _make_or_keep(
        self, channel: discord.TextChannel, stored: ChannelWebhook | None, name: str
    ) -> tuple[int, str] | None:
        """The id and token of the channel's webhook, made when it has none (or it is gone);
        None when the bot may not manage webhooks there."""
        if not can_manage_webhooks(channel):
            return None
        if stored is not None:
            try:
                await self.bot.fetch_webhook(stored.webhook_id)
                return stored.webhook_id, stored.token
            except discord.NotFound:
                log.info("the stored webhook of channel %s is gone; making one", channel.id)
        try:
            made = await channel.create_webhook(name=name, reason="newsdigest /webhook set")
        except discord.Forbidden:
            return None
        assert made.token is not None
        return made.id, made.token

    @app_commands.command(name="set", description="Post a channel's digests under this name")
    @app_commands.describe(
        name="The name shown on the digests (1-80 characters)",
        avatar_url="An http(s) URL of the avatar image (default: none)",
        channel="The channel (default: this channel)",
        feed="Only for digests whose stories all come from this feed",
    )
    async def set_(
        self,
        interaction: discord.Interaction,
        name: str,
        avatar_url: str | None = None,
        channel: discord.TextChannel | None = None,
        feed: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        target = self._channel(interaction, channel)
        name, avatar = check_identity(name, avatar_url)
        await interaction.response.defer(ephemeral=True, thinking=True)
        desk = self.bot.desk
        stored = await desk.channel_webhook(interaction.guild_id, target.id)
        if feed:
            if stored is None:
                raise InputError(
                    f"<#{target.id}> has no webhook yet: run /webhook set without a feed first."
                )
            hook = await desk.set_feed_identity(interaction.guild_id, target.id, feed, name, avatar)
            await reply(interaction, f"Done. {describe_webhook(hook)}")
            return
        made = await self._make_or_keep(target, stored, name)
        if made is None:
            await reply(interaction, NEEDS_PERMISSION.format(channel=target.id))
            return
        hook = await desk.set_channel_webhook(interaction.guild_id, target.id, *made, name, avatar)
        await reply(interaction, f"Done. {describe_webhook(hook)}")

    @app_commands.command(name="show", description="Show the name a channel's digests post as")
    @app_commands.describe(channel="The channel (default: this channel)")
    async def show(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        assert interaction.guild_id is not None
        target = self._channel(interaction, channel)
        hook = await self.bot.desk.channel_webhook(interaction.guild_id, target.id)
        if hook is None:
            await reply(interaction, f"<#{target.id}> posts as the bot (no webhook).")
            return
        await reply(interaction, describe_webhook(hook))

    @app_commands.command(name="off", description="Post a channel's digests as the bot again")
    @app_commands.describe(
        channel="The channel (default: this channel)",
        feed="Only drop this feed's own name and avatar",
    )
    async def off(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        feed: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        target = self._channel(interaction, channel)
        desk = self.bot.desk
        if feed:
            stored = await desk.channel_webhook(interaction.guild_id, target.id)
            if stored is None:
                raise InputError(f"<#{target.id}> has no webhook.")
            hook = await desk.set_feed_identity(interaction.guild_id, target.id, feed, None)
            await reply(interaction, f"Done. {describe_webhook(hook)}")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        removed = await desk.remove_channel_webhook(interaction.guild_id, target.id)
        try:
            await discord.Webhook.partial(
                removed.webhook_id, removed.token, client=self.bot
            ).delete(reason="newsdigest /webhook off")
        except discord.HTTPException as exc:
            log.info("could not delete the webhook of channel %s: %s", target.id, exc)
        await reply(interaction, f"<#{target.id}> posts as the bot again.")

    @set_.autocomplete("feed")
    @off.autocomplete("feed")
    async def _feed(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await feed_choices(self.bot.desk, interaction.guild_id, current)
