"""/format set, /format show and /format preview, for admins."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import NewsBot


async def setup(bot: NewsBot) -> None:
    from bot.exts.formats._cog import FormatsCog

    await bot.add_cog(FormatsCog(bot))
