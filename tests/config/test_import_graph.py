"""The project's import graph: dependencies run one way (apps -> accounts -> config), and no
module of ``config`` imports another that imports it back.

Every ``import`` statement counts, at module level or inside a function: an import deferred
into a function still makes two modules depend on each other, it only hides the cycle from
Python. ``from package import name`` counts as an import of ``package.name`` where that is a
module, else of ``package`` itself.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("config", "accounts", "sales", "ecommerce", "apimetrics", "catalog", "reports")
# The root URLconf names every app's URLs: the one module of config allowed to import apps.
CONFIG_MAY_IMPORT_APPS = {"config.urls"}


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            name = ".".join(parts).removesuffix(".__init__")
            modules[name] = path
    return modules


def _imported_names(node: ast.AST, package: str, modules: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        parts = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join([*parts, base] if base else parts)
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]


def import_graph() -> dict[str, set[str]]:
    """Module -> the project's modules it imports."""
    modules = _modules()

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets.update(owner(imported) for imported in _imported_names(node, package, modules))
        graph[name] = targets - {None, name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = _pop_through(stack, node)
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _pop_through(stack: list[str], node: str) -> list[str]:
    """Pop ``stack`` down to ``node`` included: the members of ``node``'s component."""
    component = []
    while True:
        member = stack.pop()
        component.append(member)
        if member == node:
            return component


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_of_config_is_in_an_import_cycle():
    graph = import_graph()
    assert [component for component in cycles(graph) if any(m.startswith("config") for m in component)] == []


def test_config_imports_no_app():
    graph = import_graph()
    offending = {
        module: sorted(target for target in targets if target.partition(".")[0] != "config")
        for module, targets in graph.items()
        if module.partition(".")[0] == "config" and module not in CONFIG_MAY_IMPORT_APPS
    }
    assert {module: targets for module, targets in offending.items() if targets} == {}


def test_reports_reads_other_apps_only_through_the_registry():
    """``reports`` may use config and accounts (tenancy); no analytics app, and none uses it."""
    graph = import_graph()
    analytics_apps = {"sales", "ecommerce", "apimetrics", "catalog"}
    reaches_out = {
        module: sorted(t for t in targets if t.partition(".")[0] in analytics_apps)
        for module, targets in graph.items()
        if module.partition(".")[0] == "reports"
    }
    reached = {
        module: sorted(t for t in targets if t.partition(".")[0] == "reports")
        for module, targets in graph.items()
        if module.partition(".")[0] not in {"reports", "config"}
    }
    assert {m: t for m, t in reaches_out.items() if t} == {}
    assert {m: t for m, t in reached.items() if t} == {}
