"""The shape of the code: no import cycles among project modules, and a fast CLI start.

Every import of one project module by another counts, at the top of a file or inside a
function (a lazy import is still a dependency); only imports under `if TYPE_CHECKING:` are left
out, since they never run.
"""

from __future__ import annotations

import ast
import builtins
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "ingest", "newsdesk", "prompts")
HEAVY = ("chromadb", "torch", "langchain_core", "langchain_openai", "langchain_anthropic")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> list[str]:
    """Every module name `tree` imports (with `from a import b`, both `a` and `a.b`), skipping
    the bodies of `if TYPE_CHECKING:`."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            found.append(source)
            found.extend(f"{source}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """project module -> the project modules it imports (a package's import of itself left out)."""
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        targets = set()
        for imported in _imported_names(tree, name, path.name == "__init__.py"):
            # `import a.b.c` runs a, a.b and a.b.c: the deepest project module is the dependency
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not name.startswith(imported + "."):
                targets.add(imported)
        graph[name] = targets
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle for each strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [_one_cycle(graph, set(component)) for component in components]


def _one_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest path from the component's first module back to itself."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & component):
                if target == start:
                    return paths[node] + [start]
                if target not in paths:
                    paths[target] = paths[node] + [target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # a component always has one


def test_the_graph_sees_lazy_imports_and_skips_type_checking_ones() -> None:
    graph = import_graph()
    assert "newsdesk.errors" in graph["newsdesk.settings"]
    assert "bot.slack.app" in graph["bot.cli"] | graph["bot.slack.cli"]  # imported in handlers
    assert not find_cycles({"a": {"b"}, "b": {"c"}, "c": set()})
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_cycles_among_project_modules() -> None:
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_nothing_imports_a_command_module() -> None:
    """The commands sit on top: they take a `bot.runtime.Runtime`, and nothing below them (the
    Slack app included) reaches back into one."""
    commands = {"bot.cli", "ingest.cli", "bot.slack.cli", "newsdesk.cli"}
    graph = import_graph()
    importers = sorted(name for name, targets in graph.items() if targets & commands)
    assert not importers, f"modules importing a command module: {importers}"


def test_the_cli_starts_without_the_heavy_libraries() -> None:
    """`newsdesk --help` imports every command module: none may pull in chromadb, torch or
    langchain (seconds of imports) before a command runs."""
    code = (
        "import json, sys, newsdesk.cli; newsdesk.cli.build_parser(); "
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=True,
    )  # fmt: skip
    loaded = json.loads(done.stdout)
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert not heavy, f"`import newsdesk.cli` loads {heavy[:5]}"


BUILTIN_EXCEPTIONS = {
    name for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}  # fmt: skip


def test_every_exception_descends_from_newsdesk_error() -> None:
    """One exception root: a family may keep a built-in base beside it (IngestError is still a
    ValueError), but `except NewsdeskError` catches everything newsdesk raises."""
    bases: dict[str, list[str]] = {}
    for path in project_modules().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = [
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                ]

    def ancestors(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        found = set()
        for base in bases.get(name, []):
            if base not in seen:
                found |= {base} | ancestors(base, seen | {name})
        return found

    exceptions = {name for name in bases if ancestors(name) & BUILTIN_EXCEPTIONS}
    outside = sorted(
        name for name in exceptions - {"NewsdeskError"} if "NewsdeskError" not in ancestors(name)
    )
    assert "IngestError" in exceptions and not outside, f"not under NewsdeskError: {outside}"
