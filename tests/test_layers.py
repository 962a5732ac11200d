"""The rooms of irgan/ and baselines/ form layers (docs/architecture.md): no import circle, and no
import from a lower layer to a higher one. Every import counts, function-level ones included."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: lowest first; a module may import from its own layer and the ones before it, never after
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("top level", ("irgan", "irgan.errors", "irgan.protocol", "irgan.published", "irgan.formatting",
                   "irgan.progress", "irgan.memory")),
    ("contract", ("irgan.contract",)),
    ("data", ("irgan.data",)),
    ("models", ("irgan.models",)),
    ("train", ("irgan.train",)),
    ("baselines", ("baselines",)),
    ("original", ("irgan.original",)),
    ("study", ("irgan.study",)),
    ("analysis", ("irgan.analysis",)),
    ("report", ("irgan.report",)),
    ("jobs", ("irgan.jobs",)),
    ("bench", ("irgan.bench",)),
)
PACKAGES = ("irgan", "baselines")


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted name -> file of every module of the project's packages."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The project modules one module imports, wherever in the file the import stands."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # `from irgan.data import dataset` imports the submodule, not only the package
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import irgan.data.dataset.x` -> its module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = project_modules(root)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

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
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def layer_of(module: str) -> int:
    """The layer of a module: the longest prefix that names it (``irgan`` alone is the top level)."""
    best, best_length = None, -1
    for number, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            covers = module == prefix or (prefix != "irgan" and module.startswith(prefix + "."))
            if covers and len(prefix) > best_length:
                best, best_length = number, len(prefix)
    if best is None:
        raise LookupError(f"{module} is in no layer: place it in tests/test_layers.py "
                          "and docs/architecture.md")
    return best


def upward_imports(graph: Mapping[str, set[str]]) -> list[str]:
    return sorted(f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
                  for module, targets in graph.items() for target in targets
                  if layer_of(target) > layer_of(module))


def test_no_import_circle() -> None:
    assert find_cycles(import_graph()) == []


def test_no_import_from_a_lower_layer_to_a_higher_one() -> None:
    assert upward_imports(import_graph()) == []


def test_every_module_has_a_layer() -> None:
    for module in project_modules():
        layer_of(module)


def test_the_walk_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    """The checks above can fail: a circle through a function-level import and an upward import
    are found in a made-up tree."""
    (tmp_path / "irgan" / "study").mkdir(parents=True)
    (tmp_path / "baselines").mkdir()
    (tmp_path / "irgan" / "__init__.py").write_text("")
    (tmp_path / "irgan" / "study" / "__init__.py").write_text("")
    (tmp_path / "baselines" / "__init__.py").write_text("")
    (tmp_path / "irgan" / "study" / "config.py").write_text(
        "def check():\n    from irgan.study.variants import names\n")
    (tmp_path / "irgan" / "study" / "variants.py").write_text("from .config import check\n")
    (tmp_path / "irgan" / "errors.py").write_text("from irgan.study import config\n")
    graph = import_graph(tmp_path)
    assert graph["irgan.study.variants"] == {"irgan.study.config"}
    assert find_cycles(graph) == [["irgan.study.config", "irgan.study.variants"]]
    assert upward_imports(graph) == ["irgan.errors (top level) imports irgan.study.config (study)"]


def test_the_architecture_page_lists_the_layers_in_this_order() -> None:
    table = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").split("## The modules", 1)[1]
    rows = [row.split("|")[1].strip() for row in table.split("## From a ratings file", 1)[0].splitlines()
            if row.startswith("| ") and not row.startswith("| layer")]
    assert rows == [name for name, _ in LAYERS]


@pytest.mark.parametrize("module", ["irgan.jobs.tune", "baselines.study", "irgan.data.dataset"])
def test_layer_of_known_modules(module: str) -> None:
    expected = {"irgan.jobs.tune": "jobs", "baselines.study": "baselines", "irgan.data.dataset": "data"}
    assert LAYERS[layer_of(module)][0] == expected[module]
