"""House rules that keep the layout honest."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_core_never_imports_discord():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "digests").rglob("*.py")
        if {"discord", "bot"} & _imports(p)
    ]
    assert offenders == []


def test_cogs_do_not_query_sql_or_fetch_themselves():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "bot" / "cogs").rglob("*.py")
        if {"sqlalchemy", "httpx", "feedparser", "trafilatura"} & _imports(p)
    ]
    assert offenders == []
