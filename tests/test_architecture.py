"""House rules that keep the layout honest."""

from __future__ import annotations

import ast
from pathlib import Path

import discord
import pytest
from discord import app_commands
from discord.ext import commands

import digests
from bot.app import EXTENSIONS

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"

# Core modules the bot may import besides ``digests`` itself. ``digests.metrics`` holds the
# process's one Prometheus registry: the bot registers its own metrics there and serves the
# exposition, so /metrics carries the core's counters and the bot's together.
BOT_MAY_IMPORT = frozenset({"digests.metrics"})
# Where the environment may be read: the entry points, which pass it down.
READS_ENVIRONMENT = frozenset({"digests/cli.py", "digests/wiring.py"})


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _modules(path: Path) -> set[str]:
    """Every module ``path`` imports, in full (``from a import b`` counts as ``a`` and, when
    ``b`` is a submodule, ``a.b``)."""
    names: set[str] = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _top_level(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _modules(path)}


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _core_modules() -> set[str]:
    found = set()
    for path in (ROOT / "digests").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_the_core_never_imports_discord():
    offenders = [
        _relative(p) for p in (ROOT / "digests").rglob("*.py") if {"discord", "bot"} & _top_level(p)
    ]
    assert offenders == []


def test_the_bot_uses_only_the_cores_public_api():
    core = _core_modules()
    offenders = sorted(
        f"{_relative(p)}: {name}"
        for p in BOT.rglob("*.py")
        for name in _modules(p)
        if name in core and name != "digests" and name not in BOT_MAY_IMPORT
    )
    assert offenders == []


def test_every_name_the_bot_takes_from_the_core_is_public():
    public = set(digests.__all__) | {m.removeprefix("digests.") for m in BOT_MAY_IMPORT}
    offenders = sorted(
        f"{_relative(p)}: {alias.name}"
        for p in BOT.rglob("*.py")
        for node in ast.walk(_tree(p))
        if isinstance(node, ast.ImportFrom) and node.module == "digests"
        for alias in node.names
        if alias.name not in public
    )
    assert offenders == []


def test_the_bot_never_touches_the_store_or_the_pipeline():
    offenders = sorted(
        f"{_relative(p)}:{node.lineno} .{node.attr}"
        for p in BOT.rglob("*.py")
        for node in ast.walk(_tree(p))
        if isinstance(node, ast.Attribute)
        and node.attr in {"store", "_store", "pipeline", "_pipeline"}
    )
    assert offenders == []


def test_the_bot_does_not_fetch_parse_or_query_sql_itself():
    offenders = [
        _relative(p)
        for p in BOT.rglob("*.py")
        if {"sqlalchemy", "httpx", "feedparser", "trafilatura", "openai"} & _top_level(p)
    ]
    assert offenders == []


def _cog_classes(path: Path) -> list[str]:
    bases = {"Cog", "GroupCog"}
    return [
        node.name
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.ClassDef)
        and any(
            (isinstance(b, ast.Attribute) and b.attr in bases)
            or (isinstance(b, ast.Name) and b.id in bases)
            for b in node.bases
        )
    ]


def test_cogs_live_only_in_extensions():
    offenders = [
        _relative(p)
        for p in BOT.rglob("*.py")
        if _cog_classes(p) and "exts" not in p.relative_to(BOT).parts
    ]
    assert offenders == []


def test_the_bot_loads_every_extension_package():
    packages = {f"bot.exts.{p.parent.name}" for p in (BOT / "exts").glob("*/__init__.py")}
    assert set(EXTENSIONS) == packages


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_an_extensions_init_only_has_setup(extension: str):
    path = ROOT / extension.replace(".", "/") / "__init__.py"
    definitions = [
        node
        for node in _tree(path).body
        if not isinstance(node, ast.Import | ast.ImportFrom | ast.Expr | ast.If)
    ]
    assert [type(d).__name__ for d in definitions] == ["AsyncFunctionDef"]
    assert definitions[0].name == "setup"


def _environment_reads(path: Path) -> list[int]:
    """Lines that read ``os.environ`` or call ``getenv``; setting a variable for a library
    (``os.environ[key] = value``) is not reading configuration."""
    tree = _tree(path)
    written = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if id(node) not in written
        and (
            (isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"})
            or (isinstance(node, ast.Name) and node.id in {"environ", "getenv"})
        )
    ]


def test_only_the_entry_points_read_the_environment():
    offenders = sorted(
        f"{_relative(p)}:{line}"
        for p in [*(ROOT / "digests").rglob("*.py"), *BOT.rglob("*.py")]
        if _relative(p) not in READS_ENVIRONMENT
        for line in _environment_reads(p)
    )
    assert offenders == []


class _IdleNewsroom:
    """Stands in for the newsroom the digests area starts on load; this test only reads names."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


async def _tree_of_extensions() -> app_commands.CommandTree[commands.Bot]:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
    bot.newsroom = _IdleNewsroom()  # type: ignore[attr-defined]
    for extension in EXTENSIONS:
        await bot.load_extension(extension)
    return bot.tree


def _described(item: app_commands.Command | app_commands.Group) -> bool:
    # discord.py puts an ellipsis where neither a description nor a docstring was given.
    return bool(item.description) and item.description != "…"


async def test_no_two_slash_commands_share_a_name_and_each_is_described():
    tree = await _tree_of_extensions()
    top = tree.get_commands()
    names = [c.name for c in top]
    assert len(names) == len(set(names)), names
    undescribed = []
    for command in tree.walk_commands():
        if isinstance(command, app_commands.Group):
            subnames = [c.name for c in command.commands]
            assert len(subnames) == len(set(subnames)), (command.name, subnames)
        if not _described(command):
            undescribed.append(command.qualified_name)
        if isinstance(command, app_commands.Command):
            undescribed += [
                f"{command.qualified_name} {p.name}"
                for p in command.parameters
                if not p.description or p.description == "…"
            ]
    assert undescribed == []
