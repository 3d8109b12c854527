"""/story, /ask and /search: readers working with the stored stories of their guild."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import reply
from bot.render import (
    EMBED_TOTAL_LIMIT,
    embed_length,
    link_target,
    neutralise_mentions,
    plain_line,
    story_detail_embed,
)
from bot.updates import timeline_embed

if TYPE_CHECKING:
    from bot.app import NewsBot


class QuestionsCog(commands.Cog):
    """Story details, search and follow-up questions, scoped to the guild's feeds."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def _story_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        stories = await self.bot.desk.recent_stories(interaction.guild_id)
        needle = current.lower().strip()
        choices = []
        for story in stories:
            label = f"{story.primary.title} ({story.id})"
            if needle in label.lower():
                choices.append(app_commands.Choice(name=label[:100], value=story.id))
            if len(choices) == 25:
                break
        return choices

    @app_commands.command(name="story", description="The full briefing of one story")
    @app_commands.describe(id="The story (start typing its headline)")
    @app_commands.guild_only()
    async def story(self, interaction: discord.Interaction, id: str) -> None:  # noqa: A002
        assert interaction.guild_id is not None
        story = await self.bot.desk.story(interaction.guild_id, id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.channel_id is not None
        language = await self.bot.desk.channel_language(
            interaction.guild_id, interaction.channel_id
        )
        briefing = await self.bot.desk.brief(story, language)
        detail = story_detail_embed(story, briefing)
        reports = await self.bot.desk.story_timeline(story)
        room = EMBED_TOTAL_LIMIT - embed_length(detail)
        embeds = [discord.Embed.from_dict(e) for e in (detail, timeline_embed(reports, room))]
        await interaction.followup.send(
            embeds=embeds, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    @story.autocomplete("id")
    async def _story_id(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._story_choices(interaction, current)

    @app_commands.command(name="ask", description="Ask a question about the news")
    @app_commands.describe(question="Your question", story="Limit the answer to one story")
    @app_commands.guild_only()
    @app_commands.checks.cooldown(5, 60, key=lambda i: (i.guild_id, i.user.id))
    async def ask(
        self, interaction: discord.Interaction, question: str, story: str | None = None
    ) -> None:
        assert interaction.guild_id is not None
        # Refused before deferring, so the refusal is seen by the asker alone.
        question = self.bot.desk.checked_question(question)
        # Discord allows 3 seconds before the first answer; retrieval and a model take longer.
        await interaction.response.defer(thinking=True)
        answer = await self.bot.desk.ask(interaction.guild_id, question, story)
        lines = [neutralise_mentions(answer.text)]
        if answer.sources:
            links = ", ".join(
                f"[{plain_line(s.name)}](<{target}>)"
                if (target := link_target(s.url))
                else plain_line(s.name)
                for s in answer.sources
            )
            lines.append(f"Sources: {links}")
        text = "\n".join(lines)
        if len(text) > 2000:
            text = text[:1997] + "…"
        await interaction.followup.send(text, allowed_mentions=discord.AllowedMentions.none())

    @ask.autocomplete("story")
    async def _ask_story(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._story_choices(interaction, current)

    @app_commands.command(name="search", description="Find stories whose text matches")
    @app_commands.describe(query="Words to look for")
    @app_commands.guild_only()
    @app_commands.checks.cooldown(10, 60, key=lambda i: (i.guild_id, i.user.id))
    async def search(self, interaction: discord.Interaction, query: str) -> None:
        assert interaction.guild_id is not None
        stories = await self.bot.desk.search(interaction.guild_id, query)
        if not stories:
            await reply(interaction, f"No stories match {plain_line(query.strip())!r}.")
            return
        lines = []
        for story in stories:
            primary = story.primary
            when = story.published or story.created_at
            stamp = f" <t:{int(when.timestamp())}:R>" if when else ""
            title = plain_line(primary.title[:150])
            target = link_target(primary.url)
            link = f"[{title}](<{target}>)" if target else title
            lines.append(f"`{story.id}` {link}{stamp}")
        await reply(interaction, "\n".join(lines))
