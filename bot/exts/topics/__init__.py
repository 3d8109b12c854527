"""/topics, /subscribe and /unsubscribe; /topic ping and unping for admins."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import NewsBot


async def setup(bot: NewsBot) -> None:
    from bot.exts.topics._cog import TopicsCog

    await bot.add_cog(TopicsCog(bot))
