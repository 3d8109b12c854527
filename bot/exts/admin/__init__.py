"""/schedule and /feed, for admins."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import NewsBot


async def setup(bot: NewsBot) -> None:
    from bot.exts.admin._cog import AdminCog

    await bot.add_cog(AdminCog(bot))
