"""/story, /ask and /search."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import NewsBot


async def setup(bot: NewsBot) -> None:
    from bot.exts.questions._cog import QuestionsCog

    await bot.add_cog(QuestionsCog(bot))
