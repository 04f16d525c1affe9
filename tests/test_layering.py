"""The packages stack in one direction: drawn from the imports, nothing reaches a layer above it.

Every ``import`` in ``bot/**/*.py`` counts (also those inside functions and under
``TYPE_CHECKING``: they are dependencies all the same). A module's unit is its top-level package
(``bot.gate.lexicon`` -> ``gate``) or, for a module directly in ``bot/``, the module itself
(``bot.config`` -> ``config``). Units in one layer may import each other, but not in a circle.
Imports by name at run time are not seen: :func:`bot.storage.tables.load_all_tables`
registers the moderation tables that way (``importlib.import_module(f"bot.{package}.tables")``).

An upward import or a circle of files that cannot go yet is listed below with its reason; the
list only ever shrinks.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"

#: Bottom first. ``bot`` is the top package's own ``__init__``.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"bot", "errors", "model"}),
    frozenset({"safe_yaml", "clean_text", "config", "lasting"}),
    frozenset({"embedding"}),
    frozenset({"gate", "crisis", "engine"}),
    frozenset({"i18n"}),
    frozenset({"storage"}),
    frozenset({"moderation"}),
    frozenset({"health"}),
    frozenset({"core"}),
    frozenset({"app", "flowtests"}),
    frozenset({"runtime"}),
    frozenset({"telegram"}),
    frozenset({"cli", "__main__"}),
)

#: (importing module, imported module): why it still goes up.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}

#: Circles of files, each as the sorted tuple of its modules: why it is still there.
ALLOWED_FILE_CIRCLES: dict[tuple[str, ...], str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(BOT.rglob("*.py"))}


def _resolve(importer: str, node: ast.ImportFrom) -> Iterable[str]:
    """The bot modules an ``import from`` names: the module, or its submodules when named."""
    if node.level:
        package = importer.split(".")
        if MODULES[importer].name != "__init__.py":
            package.pop()
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, *([node.module] if node.module else [])])
    else:
        base = node.module or ""
    if base != "bot" and not base.startswith("bot."):
        return
    found_sub = False
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        if sub in MODULES:
            found_sub = True
            yield sub
    if not found_sub:
        yield base


def imports_of(name: str) -> set[str]:
    """Every bot module ``name`` imports, anywhere in its file."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"), filename=str(MODULES[name]))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "bot")
        elif isinstance(node, ast.ImportFrom):
            found.update(_resolve(name, node))
    return {target for target in found if target in MODULES and target != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "bot"


def layer(module: str) -> int:
    for index, units in enumerate(LAYERS):
        if unit(module) in units:
            return index
    raise AssertionError(f"{module} belongs to no layer: add its unit to LAYERS")


def circles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """The strongly connected parts of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            part = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.append(member)
                if member == node:
                    break
            if len(part) > 1:
                found.append(tuple(sorted(part)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer(module)


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = {
        (module, target)
        for module, targets in GRAPH.items()
        for target in targets
        if layer(target) > layer(module)
    }
    unexplained = sorted(upward - ALLOWED_UPWARD.keys())
    assert unexplained == [], "imports reaching a layer above:\n" + "\n".join(
        f"  {module} -> {target}" for module, target in unexplained
    )


def test_every_allowed_upward_import_still_exists() -> None:
    gone = sorted(pair for pair in ALLOWED_UPWARD if pair[1] not in GRAPH.get(pair[0], set()))
    assert gone == [], f"no longer imported, drop from ALLOWED_UPWARD: {gone}"


def test_no_circle_between_units() -> None:
    between: dict[str, set[str]] = defaultdict(set)
    for module, targets in GRAPH.items():
        for target in targets:
            if unit(module) != unit(target) and (module, target) not in ALLOWED_UPWARD:
                between[unit(module)].add(unit(target))
    assert circles(between) == []


def test_no_circle_between_files_beyond_the_listed_ones() -> None:
    found = set(circles(GRAPH))
    assert found - ALLOWED_FILE_CIRCLES.keys() == set()
    assert ALLOWED_FILE_CIRCLES.keys() - found == set(), "a listed circle is gone: drop it"


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [("a", "b", "c")]
