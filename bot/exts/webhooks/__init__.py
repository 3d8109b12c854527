"""/webhook set, /webhook show and /webhook off, for admins."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import NewsBot


async def setup(bot: NewsBot) -> None:
    from bot.exts.webhooks._cog import WebhooksCog

    await bot.add_cog(WebhooksCog(bot))
