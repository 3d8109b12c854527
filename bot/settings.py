"""The bot's settings: the core's, plus the ``[discord]`` table only the bot reads."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from digests import Settings, find_config


class DiscordConfig(BaseModel):
    """``[discord]``: where the API is, which guilds get commands at once, sharding, and how
    often scheduler leadership is checked."""

    # Unknown keys are almost always typos, as in the core's tables.
    model_config = ConfigDict(extra="forbid", frozen=True)

    api_base: str | None = None
    guild_ids: tuple[int, ...] = ()
    shard_count: Annotated[int, Field(ge=1)] | None = None
    shard_ids: tuple[int, ...] | None = None
    retention_days: Annotated[int, Field(ge=1)] = 30
    # How often a process checks (or renews) scheduler leadership; a dead leader's lock is
    # gone at once, so a follower takes over within this interval (plus its refresh).
    leader_poll_seconds: Annotated[float, Field(gt=0, le=30)] = 5.0

    @model_validator(mode="after")
    def _shards(self) -> DiscordConfig:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("shard_ids needs shard_count")
            bad = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if bad or not self.shard_ids:
                raise ValueError(
                    f"shard_ids must be 0 to {self.shard_count - 1} (shard_count - 1), "
                    f"got {list(self.shard_ids)}"
                )
        return self


class BotSettings(Settings):
    """Everything ``newsdigest run`` reads: the core's tables and ``[discord]``; an unknown
    one (a misspelt ``[discrod]``) stops the bot at start, as in the core."""

    discord: DiscordConfig = DiscordConfig()


def load_settings(path: str | Path | None, env: Mapping[str, str]) -> BotSettings:
    """The bot's settings from ``path`` (else ./config.toml, else the built-in default) with
    the environment's ``NEWSDIGEST_*`` values over them; ConfigError names a bad key."""
    return find_config(path, env, model=BotSettings)
