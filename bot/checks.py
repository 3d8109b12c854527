"""Permission checks and the one error handler that turns failures into short replies."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.render import neutralise_mentions
from digests import DigestError, InputError, NotFoundError, ScheduleError, UnknownTopicError

log = logging.getLogger(__name__)


class NotAdmin(app_commands.CheckFailure):
    """The member lacks Manage Server."""


def require_manage_guild(interaction: discord.Interaction) -> bool:
    """Checked when the command runs: the server may not enforce default permissions."""
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage("This command only works in a server.")
    perms = interaction.permissions
    if not (perms.manage_guild or perms.administrator):
        raise NotAdmin("You need the Manage Server permission for this command.")
    return True


def user_message(error: BaseException) -> str | None:
    """The one line a user sees for an error we expect; None for a bug."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You cannot use this command here."
    if isinstance(error, UnknownTopicError):
        return f"{error}; /topics lists them."
    if isinstance(error, (InputError, ScheduleError, NotFoundError)):
        return str(error)
    if isinstance(error, app_commands.TransformerError):
        return f"Invalid value {error.value!r}."
    if isinstance(error, DigestError):
        return f"That did not work: {error}"
    return None


async def on_app_command_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    """Central handler: a short ephemeral line for the user, the traceback in the log."""
    text = user_message(error)
    if text is None:
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("command /%s failed", command, exc_info=error)
        text = "Something went wrong on our side; the error has been logged."
    await reply(interaction, text)


async def reply(interaction: discord.Interaction, text: str) -> None:
    """Answer ephemerally whether or not the interaction was already deferred."""
    # Replies echo feed titles, error reasons and what users typed; none of it may ping.
    text = neutralise_mentions(text)
    none = discord.AllowedMentions.none()
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text[:2000], ephemeral=True, allowed_mentions=none)
        else:
            await interaction.response.send_message(
                text[:2000], ephemeral=True, allowed_mentions=none
            )
    except discord.HTTPException:
        log.exception("could not send an error reply")
