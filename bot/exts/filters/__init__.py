"""/filter, for admins: which stories a channel's digests carry."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import NewsBot


async def setup(bot: NewsBot) -> None:
    from bot.exts.filters._cog import FiltersCog

    await bot.add_cog(FiltersCog(bot))
