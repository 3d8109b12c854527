"""Configuration: read once from TOML, validated into a typed model, passed down.

Secrets never live in the file: DISCORD_TOKEN, OPENAI_API_KEY and OPENAI_BASE_URL come
from the environment only. Any key of a table may also be set there, as
NEWSDIGEST_<SECTION>_<KEY>, over the file's (how a container is configured).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from digests.errors import ConfigError
from digests.records import FeedSource

SAMPLES_DIR = Path(str(resources.files("digests") / "samples"))


class _Section(BaseModel):
    # Unknown keys are almost always typos; refusing them beats silently ignoring them.
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageConfig(_Section):
    url: str = "sqlite:///newsdigest.db"


class FetchConfig(_Section):
    allow_private: tuple[str, ...] = ()
    timeout_seconds: Annotated[float, Field(gt=0)] = 20.0
    max_body_bytes: Annotated[int, Field(gt=0)] = 10 * 1024 * 1024
    concurrency: Annotated[int, Field(ge=1)] = 64
    per_host_concurrency: Annotated[int, Field(ge=1)] = 4
    interval_minutes: Annotated[float, Field(gt=0)] = 15.0
    max_failures: Annotated[int, Field(ge=1)] = 10
    backoff_base_seconds: Annotated[float, Field(gt=0)] = 60.0
    backoff_max_seconds: Annotated[float, Field(gt=0)] = 24 * 3600.0
    user_agent: str = "newsdigest/0.1 (+https://github.com/newsdigest/newsdigest)"
    full_text: bool = True
    teaser_chars: Annotated[int, Field(ge=0)] = 400
    # Processes that parse and clean fetched feeds; None is one per core, 0 reads them in a
    # thread of this process (for tests and tiny servers).
    read_workers: Annotated[int, Field(ge=0)] | None = None

    def read_pool_size(self) -> int:
        """How many feed reading processes to run (0: none, read in this process)."""
        return (os.cpu_count() or 1) if self.read_workers is None else self.read_workers


class SummarizerConfig(_Section):
    backend: Literal["auto", "extractive", "openai"] = "auto"
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    max_retries: Annotated[int, Field(ge=0)] = 2
    daily_token_budget: Annotated[int, Field(ge=0)] = 200_000
    max_input_chars: Annotated[int, Field(ge=500)] = 12_000
    # auto negotiates with the server; a mode pins it (and skips the negotiation).
    structured_output: Literal["auto", "json_schema", "json_object", "tools", "prompt"] = "auto"


class DigestConfig(_Section):
    max_stories: Annotated[int, Field(ge=1)] = 20
    max_age_hours: Annotated[float, Field(gt=0)] = 72.0
    cluster_threshold: Annotated[float, Field(gt=0, le=1)] = 0.3
    cluster_window_hours: Annotated[float, Field(gt=0)] = 48.0
    # Stories one feed may have in a digest: a busy or spammy feed cannot fill it alone.
    max_per_feed: Annotated[int, Field(ge=1)] = 3
    # Articles, stories, briefings and sent digests older than this are pruned after each
    # refresh.
    retention_days: Annotated[int, Field(ge=1)] = 30


class DiscordConfig(_Section):
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


class HealthConfig(_Section):
    """The optional HTTP endpoint with /healthz and /metrics; off unless a port is set."""

    port: Annotated[int, Field(ge=0, le=65535)] | None = None
    host: str = "127.0.0.1"


class FeedConfig(_Section):
    url: Annotated[str, Field(min_length=1)]
    name: str | None = None
    topics: tuple[str, ...] = ()

    @field_validator("url")
    @classmethod
    def _scheme(cls, value: str) -> str:
        if "://" in value and not value.startswith(("http://", "https://", "file://")):
            raise ValueError("expected an http(s) URL, a file:// URL or a local path")
        return value


class TopicConfig(_Section):
    name: Annotated[str, Field(min_length=1, max_length=50)]
    keywords: tuple[str, ...] = ()


class Settings(_Section):
    """The whole validated configuration."""

    storage: StorageConfig = StorageConfig()
    fetch: FetchConfig = FetchConfig()
    summarizer: SummarizerConfig = SummarizerConfig()
    digest: DigestConfig = DigestConfig()
    discord: DiscordConfig = DiscordConfig()
    health: HealthConfig = HealthConfig()
    feeds: tuple[FeedConfig, ...] = ()
    topics: tuple[TopicConfig, ...] = ()
    # Where relative feed paths are resolved from: the config file's folder.
    base_dir: Path = Field(default_factory=Path.cwd, exclude=True)

    def feed_sources(self) -> list[FeedSource]:
        """The configured feeds, local paths made absolute against the config's folder."""
        return [
            FeedSource(
                url=resolve_feed_location(f.url, self.base_dir), name=f.name, topics=f.topics
            )
            for f in self.feeds
        ]

    def summarizer_backend(
        self, env: Mapping[str, str] | None = None
    ) -> Literal["extractive", "openai"]:
        """The backend ``auto`` stands for: openai when an API key is in the environment."""
        if self.summarizer.backend != "auto":
            return self.summarizer.backend
        env = os.environ if env is None else env
        return "openai" if env.get("OPENAI_API_KEY") else "extractive"


def resolve_feed_location(url: str, base_dir: Path) -> str:
    """Make a local feed path absolute; URLs pass through unchanged."""
    if url.startswith(("http://", "https://", "file://")):
        return url
    path = Path(url).expanduser()
    if not path.is_absolute():
        path = (base_dir / path).resolve()
    return str(path)


def default_settings() -> Settings:
    """The embedded default: SQLite file, offline summarizer, the sample feeds that ship."""
    return load_config(SAMPLES_DIR / "default.toml")


def parse_config(data: Mapping[str, Any], base_dir: Path, origin: str = "config") -> Settings:
    """Validate a decoded TOML mapping; raise ConfigError naming key, value and expectation."""
    try:
        return Settings.model_validate({**data, "base_dir": base_dir})
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        value = err.get("input")
        if err["type"] == "extra_forbidden":
            raise ConfigError(f"{origin}: unknown key {key!r}") from None
        raise ConfigError(f"{origin}: {key} = {value!r} is invalid: {err['msg'].lower()}") from None


def load_config(path: str | Path) -> Settings:
    """Read and validate a TOML config file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, path.resolve().parent, origin=str(path))


ENV_PREFIX = "NEWSDIGEST_"


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) in (Union, UnionType):
        return any(_is_list(arg) for arg in get_args(annotation))
    return get_origin(annotation) is tuple


def environment_overrides(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """The settings given as ``NEWSDIGEST_<SECTION>_<KEY>`` variables, as TOML tables.

    e.g. ``NEWSDIGEST_HEALTH_PORT=8080``; list keys take comma-separated values. Other
    ``NEWSDIGEST_`` variables (such as the tests' own) are not settings and are left alone.
    """
    sections = {
        name: field.annotation
        for name, field in Settings.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, _Section)
    }
    tables: dict[str, dict[str, Any]] = {}
    for variable, value in env.items():
        for section, model in sections.items():
            prefix = f"{ENV_PREFIX}{section.upper()}_"
            if not variable.startswith(prefix):
                continue
            key = variable.removeprefix(prefix).lower()
            field = model.model_fields.get(key)
            # Otherwise a string: pydantic turns "8080" or "true" into the key's type, or says
            # why not; an unknown key is refused by the section like a typo in the file.
            listed = field is not None and _is_list(field.annotation)
            items = [item.strip() for item in value.split(",") if item.strip()]
            tables.setdefault(section, {})[key] = items if listed else value
    return tables


def with_environment(settings: Settings, env: Mapping[str, str]) -> Settings:
    """The settings with the environment's ``NEWSDIGEST_*`` values put over the file's."""
    overrides = environment_overrides(env)
    if not overrides:
        return settings
    data = settings.model_dump(exclude_unset=True)
    for section, values in overrides.items():
        data[section] = {**data.get(section, {}), **values}
    return parse_config(data, settings.base_dir, origin=f"environment ({ENV_PREFIX}*)")


def find_config(explicit: str | Path | None, env: Mapping[str, str] | None = None) -> Settings:
    """The config to use: the given path, else ./config.toml, else the embedded default.

    ``NEWSDIGEST_<SECTION>_<KEY>`` variables in the environment override the file's keys.
    """
    local = Path("config.toml")
    if explicit is not None:
        settings = load_config(explicit)
    elif local.is_file():
        settings = load_config(local)
    else:
        settings = default_settings()
    return with_environment(settings, os.environ if env is None else env)
