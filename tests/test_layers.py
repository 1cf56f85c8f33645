"""The arrows between packages point one way, and no module or class outgrows a reader.

Read from the source with `ast` (nothing is imported): which top-level package imports which, and
which folder of `bot/` imports which. A cycle at either level fails, and so does an arrow from a
lower layer to a higher one: airplane_api at the bottom, then foundation, then airfield and bot,
with slackbox at the edge; inside bot, the folders in BOT_LAYERS' order (docs/architecture.md
draws them). Imports inside `if TYPE_CHECKING:` count too: they are arrows a reader follows all
the same.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("airplane_api", "foundation", "airfield", "bot", "slackbox")

# What each package may import; anything else is an arrow pointing the wrong way. `bot` reaches
# `slackbox` and `airfield` only from its dev/playground entry points (ALLOWED_EDGE_MODULES).
LAYERS: dict[str, set[str]] = {
    "airplane_api": set(),
    "foundation": set(),
    "airfield": {"airplane_api", "foundation"},
    "bot": {"airplane_api", "foundation"},
    "slackbox": {"airplane_api", "foundation"},
}
ALLOWED_EDGE_MODULES = {
    "bot.process.dev": {"slackbox", "airfield"},
    "bot.process.playground": {"slackbox", "airfield"},
}

# The folders of bot/, bottom first: a folder imports only folders of an earlier line (folders
# on one line do not import each other). Every module of bot sits in one of them, but for
# `bot/__init__.py` and `bot/__main__.py` (`python -m bot`).
BOT_LAYERS: list[set[str]] = [
    {"core"},  # errors, Kind, logs, loops, metrics: imports no other folder
    {"slack", "airplane"},  # the Slack side and the Airplane side: clients, reads, limits
    {"people"},  # who someone is, who may run what
    {"blocks"},  # what Slack users see: Block Kit, its IDs, the sentences they read
    {"tracking"},  # following runs: live threads
    {"store"},  # the database (it implements tracking's storage port)
    {"approvals"},  # prompts as approvals
    {"wiring"},  # settings and Services, built once
    {"runs", "web"},  # starting and cancelling runs; what answers on a port
    {"listeners"},  # Bolt's listeners: commands, buttons, views, events
    {"process"},  # the command line, serving, dev and the playground
]
BOT_TOP_LEVEL = {"bot", "bot.__main__"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> Iterator[tuple[str, ...]]:
    """Every module `path` names in an import, absolute, relative ones resolved: for `from a
    import b`, both `a.b` (if b is a submodule) and `a`, the first that is a module counting."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield (alias.name,)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            for alias in node.names:
                # `from bot import tracking` names the submodule bot.tracking, not bot.
                yield (f"{prefix}.{alias.name}", prefix)


def _sources() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


SOURCES = _sources()


def _module_edges() -> dict[str, set[str]]:
    """Module -> the product modules it imports (names that are not modules are dropped)."""
    edges: dict[str, set[str]] = {}
    for name, path in SOURCES.items():
        targets = set()
        for candidates in _imports(path):
            target = next((c for c in candidates if c in SOURCES), None)
            if target is not None and target != name:
                targets.add(target)
        edges[name] = targets
    return edges


def _folder_of(module: str) -> str | None:
    """`bot.tracking.tracker` and `bot.tracking` -> `bot.tracking`; `bot` itself and
    `bot.__main__` are no folder."""
    parts = module.split(".")
    if parts[0] != "bot" or module in BOT_TOP_LEVEL:
        return None
    return ".".join(parts[:2])


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _collapse(edges: dict[str, set[str]], key: object) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for source, targets in edges.items():
        group = key(source)  # type: ignore[operator]
        if group is None:
            continue
        for target in targets:
            other = key(target)  # type: ignore[operator]
            if other is not None and other != group:
                graph.setdefault(group, set()).add(other)
    return graph


EDGES = _module_edges()


def test_the_reader_sees_imports() -> None:
    # A guard on the guard: if the walk found nothing, every test below would pass vacuously.
    assert "foundation.slack_limits" in EDGES["slackbox.validation"]
    assert "bot.core.errors" in EDGES["bot.slack.errors"]
    assert any(EDGES.values())


def test_no_cycle_between_top_level_packages() -> None:
    graph = _collapse(EDGES, lambda module: module.split(".")[0])
    assert _cycles(graph) == []


def test_no_cycle_between_folders_of_bot() -> None:
    assert _cycles(_collapse(EDGES, _folder_of)) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_arrows_point_down(package: str) -> None:
    wrong = []
    for source, targets in EDGES.items():
        if source.split(".")[0] != package:
            continue
        allowed = LAYERS[package] | {package} | ALLOWED_EDGE_MODULES.get(source, set())
        wrong += [f"{source} -> {t}" for t in sorted(targets) if t.split(".")[0] not in allowed]
    assert wrong == []


def test_every_module_of_bot_is_in_a_folder_with_a_layer() -> None:
    loose = {name for name in SOURCES if name.startswith("bot") and _folder_of(name) is None}
    assert loose == BOT_TOP_LEVEL
    folders = {path.name for path in (ROOT / "bot").iterdir() if (path / "__init__.py").exists()}
    assert folders == set().union(*BOT_LAYERS)


def test_folders_of_bot_point_down() -> None:
    layer = {f"bot.{folder}": n for n, folders in enumerate(BOT_LAYERS) for folder in folders}
    wrong = []
    for source, targets in EDGES.items():
        folder = _folder_of(source)
        if folder is None:
            continue
        for target in sorted(targets):
            other = _folder_of(target)
            if other is not None and other != folder and layer[other] >= layer[folder]:
                wrong.append(f"{source} -> {target}")
    assert wrong == []


def test_no_cycle_between_modules() -> None:
    assert _cycles(EDGES) == []


# -- sizes: a module a reader can hold, a class with one job ---------------------------------

MAX_MODULE_LINES = 500
MAX_CLASS_METHODS = 30


def test_no_product_module_is_over_500_lines() -> None:
    long = {
        name: lines
        for name, path in SOURCES.items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_class_has_over_30_methods() -> None:
    big = {}
    for name, path in SOURCES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                methods = [
                    n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                ]
                if len(methods) > MAX_CLASS_METHODS:
                    big[f"{name}.{node.name}"] = len(methods)
    assert big == {}
