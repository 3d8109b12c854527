"""/digest latest and /digest now."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import NewsBot


async def setup(bot: NewsBot) -> None:
    from bot.exts.digests._cog import DigestsCog

    await bot.add_cog(DigestsCog(bot))
