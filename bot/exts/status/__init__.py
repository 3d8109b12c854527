"""/status, for admins."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import NewsBot


async def setup(bot: NewsBot) -> None:
    from bot.exts.status._cog import StatusCog

    await bot.add_cog(StatusCog(bot))
