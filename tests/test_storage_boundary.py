"""The index package is the only door to storage (issue 11): nothing outside `newsdesk/index/`
imports chromadb, sqlite3 or psycopg, reaches for the Chroma collection, or reaches into the
index's stores. Read from the source with `ast`, so a lazy import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "ingest", "newsdesk", "tests", "bench")
INDEX_PACKAGE = ROOT / "newsdesk" / "index"
STORAGE_MODULES = frozenset({"chromadb", "sqlite3", "psycopg", "psycopg_pool"})
# `collection` anywhere (the old public handle on Chroma, or something impersonating it); the
# index's private stores on anything but `self`.
COLLECTION = "collection"
PRIVATE_STORES = frozenset({"_catalog", "_vectors", "_collection", "_db"})


def python_files() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if INDEX_PACKAGE not in path.parents and ".venv" not in path.parts
    )


def violations(source: str) -> list[tuple[int, str]]:
    """(line, what) for each storage access in a module's source, in line order."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            modules = []
        for module in modules:
            if module.split(".")[0] in STORAGE_MODULES:
                found.append((node.lineno, f"imports {module}"))
        if isinstance(node, ast.Attribute):
            on_self = isinstance(node.value, ast.Name) and node.value.id == "self"
            if node.attr == COLLECTION or (node.attr in PRIVATE_STORES and not on_self):
                found.append((node.lineno, f"uses .{node.attr}"))
    return sorted(found)


def test_only_the_index_package_touches_the_stores() -> None:
    files = python_files()
    assert ROOT / "bot" / "retrieval.py" in files and ROOT / "tests" / "test_index.py" in files
    found = [
        f"{path.relative_to(ROOT)}:{line} {what}"
        for path in files
        for line, what in violations(path.read_text(encoding="utf-8"))
    ]
    assert not found, "storage reached outside newsdesk/index/:\n" + "\n".join(found)


def test_the_check_sees_what_it_forbids() -> None:
    # The module names are filled in so that a grep for storage imports finds only the index.
    source = (
        "import {sql}\n"
        "def f(index):\n"
        "    from {chroma}.config import Settings\n"
        "    index.{handle}.get(ids=[])\n"
        "    return index._catalog\n"
        "class View:\n"
        "    def __init__(self):\n"
        "        self._vectors = {{}}\n"
    ).format(sql="sqlite3", chroma="chromadb", handle=COLLECTION)
    assert violations(source) == [
        (1, "imports sqlite3"), (3, "imports chromadb.config"), (4, "uses .collection"),
        (5, "uses ._catalog"),
    ]  # fmt: skip
