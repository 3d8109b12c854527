"""Configuration: read once from TOML, validated into a typed model, passed down.

Secrets never live in the file: OPENAI_API_KEY and OPENAI_BASE_URL (and an edge's own,
such as DISCORD_TOKEN) come from the environment only, which the caller passes in. Any key
of a table may also be set there, as NEWSDIGEST_<SECTION>_<KEY>, over the file's (how a
container is configured). An edge with tables of its own (the bot's ``[discord]``) extends
``Settings`` with them; a caller that only needs the core's tables names the edge's ones to
leave them unread (``ignore_tables``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection, Mapping
from importlib import resources
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin, overload

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
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
    # How long a feed fails before its community's notice channel is told.
    notice_after_hours: Annotated[float, Field(gt=0)] = 24.0
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
    # How reports are compared: "features" (words, names, figures, time; the default),
    # "lexical" (words alone) or "embedding" (features plus a sentence model; needs the
    # embeddings extra).
    cluster_method: Literal["lexical", "features", "embedding"] = "features"
    cluster_window_hours: Annotated[float, Field(gt=0)] = 48.0
    # Stories one feed may have in a digest: a busy or spammy feed cannot fill it alone.
    max_per_feed: Annotated[int, Field(ge=1)] = 3
    # Articles, stories, briefings and sent digests older than this are pruned after each
    # refresh.
    retention_days: Annotated[int, Field(ge=1)] = 30


class UpdatesConfig(_Section):
    """Updates on stories already posted: when a story gets new reports, the channel hears
    what they add, at most once per story per ``story_interval_minutes`` and
    ``per_channel_per_hour`` times an hour per channel; what waits folds into the next."""

    enabled: bool = True
    story_interval_minutes: Annotated[float, Field(gt=0)] = 60.0
    per_channel_per_hour: Annotated[int, Field(ge=1)] = 3
    # New facts one update names at most (each from a new report, checked against it).
    max_facts: Annotated[int, Field(ge=1, le=5)] = 3


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
    """The whole validated configuration of the core."""

    storage: StorageConfig = StorageConfig()
    fetch: FetchConfig = FetchConfig()
    summarizer: SummarizerConfig = SummarizerConfig()
    digest: DigestConfig = DigestConfig()
    health: HealthConfig = HealthConfig()
    updates: UpdatesConfig = UpdatesConfig()
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

    def summarizer_backend(self, env: Mapping[str, str]) -> Literal["extractive", "openai"]:
        """The backend ``auto`` stands for: openai when an API key is in the environment."""
        if self.summarizer.backend != "auto":
            return self.summarizer.backend
        return "openai" if env.get("OPENAI_API_KEY") else "extractive"


S = TypeVar("S", bound=Settings)


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
    return _default_settings(Settings)


def _default_settings(model: type[S]) -> S:
    return _load(SAMPLES_DIR / "default.toml", model, ())


@overload
def parse_config(
    data: Mapping[str, Any],
    base_dir: Path,
    origin: str = ...,
    *,
    ignore_tables: Collection[str] = ...,
) -> Settings: ...
@overload
def parse_config(
    data: Mapping[str, Any],
    base_dir: Path,
    origin: str = ...,
    *,
    model: type[S],
    ignore_tables: Collection[str] = ...,
) -> S: ...
def parse_config(
    data: Mapping[str, Any],
    base_dir: Path,
    origin: str = "config",
    *,
    model: type[Settings] = Settings,
    ignore_tables: Collection[str] = (),
) -> Settings:
    """Validate a decoded TOML mapping into ``model`` (the core's settings, or an edge's that
    extend them), leaving the tables ``ignore_tables`` names unread; raise ConfigError naming
    key, value and expectation."""
    return _parse(data, base_dir, origin, model, ignore_tables)


def _parse(
    data: Mapping[str, Any],
    base_dir: Path,
    origin: str,
    model: type[S],
    ignore_tables: Collection[str],
) -> S:
    # An edge's table is its own to validate; a caller that does not run the edge skips it.
    kept = {k: v for k, v in data.items() if k not in ignore_tables or k in model.model_fields}
    try:
        return model.model_validate({**kept, "base_dir": base_dir})
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        value = err.get("input")
        if err["type"] == "extra_forbidden":
            raise ConfigError(f"{origin}: unknown key {key!r}") from None
        raise ConfigError(f"{origin}: {key} = {value!r} is invalid: {err['msg'].lower()}") from None


def _load(path: str | Path, model: type[S], ignore_tables: Collection[str]) -> S:
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
    return _parse(data, path.resolve().parent, str(path), model, ignore_tables)


ENV_PREFIX = "NEWSDIGEST_"


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) in (Union, UnionType):
        return any(_is_list(arg) for arg in get_args(annotation))
    return get_origin(annotation) is tuple


def environment_overrides(
    env: Mapping[str, str], model: type[Settings] = Settings
) -> dict[str, dict[str, Any]]:
    """The settings given as ``NEWSDIGEST_<SECTION>_<KEY>`` variables, as TOML tables.

    e.g. ``NEWSDIGEST_HEALTH_PORT=8080``; list keys take comma-separated values. Other
    ``NEWSDIGEST_`` variables (such as the tests' own) are not settings and are left alone.
    """
    sections = {
        name: field.annotation
        for name, field in model.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
    }
    tables: dict[str, dict[str, Any]] = {}
    for variable, value in env.items():
        for section, table in sections.items():
            prefix = f"{ENV_PREFIX}{section.upper()}_"
            if not variable.startswith(prefix):
                continue
            key = variable.removeprefix(prefix).lower()
            field = table.model_fields.get(key)
            # Otherwise a string: pydantic turns "8080" or "true" into the key's type, or says
            # why not; an unknown key is refused by the section like a typo in the file.
            listed = field is not None and _is_list(field.annotation)
            items = [item.strip() for item in value.split(",") if item.strip()]
            tables.setdefault(section, {})[key] = items if listed else value
    return tables


def with_environment(settings: S, env: Mapping[str, str]) -> S:
    """The settings with the environment's ``NEWSDIGEST_*`` values put over the file's."""
    overrides = environment_overrides(env, type(settings))
    if not overrides:
        return settings
    data = settings.model_dump(exclude_unset=True)
    for section, values in overrides.items():
        data[section] = {**data.get(section, {}), **values}
    return _parse(data, settings.base_dir, f"environment ({ENV_PREFIX}*)", type(settings), ())


@overload
def find_config(
    explicit: str | Path | None,
    env: Mapping[str, str],
    *,
    ignore_tables: Collection[str] = ...,
) -> Settings: ...
@overload
def find_config(
    explicit: str | Path | None,
    env: Mapping[str, str],
    *,
    model: type[S],
    ignore_tables: Collection[str] = ...,
) -> S: ...
def find_config(
    explicit: str | Path | None,
    env: Mapping[str, str],
    *,
    model: type[Settings] = Settings,
    ignore_tables: Collection[str] = (),
) -> Settings:
    """The config to use: the given path, else ./config.toml, else the embedded default,
    validated into ``model`` (tables named in ``ignore_tables`` left unread).

    ``NEWSDIGEST_<SECTION>_<KEY>`` variables in ``env`` override the file's keys.
    """
    local = Path("config.toml")
    if explicit is not None:
        settings = _load(explicit, model, ignore_tables)
    elif local.is_file():
        settings = _load(local, model, ignore_tables)
    else:
        settings = _default_settings(model)
    return with_environment(settings, env)
