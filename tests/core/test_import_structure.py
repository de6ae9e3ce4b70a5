"""The package's import structure: layers, no cycles between packages, public APIs only.

Layers, lowest first (a module may import its own layer or lower, never higher):

* core — inputs, errors, findings, facts, policy, adapters, the context;
* engines — fairness, weights, attributions, importance, proxies, datasets;
* analyzers — the glue from the context to the engines;
* outputs — report and gates, which never import each other;
* app — ``audit_model``, the CLI, the demo, the package's lazy top level.

Every import counts, also those inside functions and under ``TYPE_CHECKING``:
a lazy upward import is still an upward dependency.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

import audit

PACKAGE = Path(audit.__file__).parent

CORE = {
    "_numbers",
    "_direct_use",
    "_frames",
    "_inputs",
    "_jsonable",
    "_markdown_text",
    "_tabular",
    "_terminal_text",
    "_threads",
    "_version",
    "adapters",
    "context",
    "errors",
    "facts",
    "findings",
    "loading",
    "policy",
    "rules",
    "scan",
}
ENGINES = {"fairness", "weights", "attributions", "importance", "proxies", "datasets", "slices"}
ENGINES |= {"calibration", "thresholds"}
ENGINES |= {"counterfactual", "data_checks"}
ENGINES |= {"scale"}
ANALYZERS = {"analyzers"}
OUTPUTS = {"report", "gates"}
APP = {"_audit", "_audit_predictions", "cli", "demo", "__main__", "__init__", "gates.plugin"}
APP |= {"_audit_large"}
LAYERS = {**dict.fromkeys(CORE, 0), **dict.fromkeys(ENGINES, 1), **dict.fromkeys(ANALYZERS, 2)}
LAYERS.update({**dict.fromkeys(OUTPUTS, 3), **dict.fromkeys(APP, 4)})
LAYER_NAMES = ("core", "engines", "analyzers", "outputs", "app")
NEVER = {("report", "gates"), ("gates", "report")}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str:
    """The package (or top-level module) a dotted module name belongs to."""
    parts = module.split(".")
    if module == "audit.gates.plugin":  # the pytest plugin runs audits: an app
        return "gates.plugin"
    return "__init__" if len(parts) == 1 else parts[1]


def _imports() -> list[tuple[str, str, tuple[str, ...], int]]:
    """(importing module, imported module, imported names, line) for every audit import."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "audit":
                        found.append((module, alias.name, (), node.lineno))
            elif isinstance(node, ast.ImportFrom):
                target = node.module or ""
                if node.level:
                    base = module.split(".")
                    base = base if is_package else base[:-1]
                    base = base[: len(base) - node.level + 1]
                    target = ".".join([*base, target] if target else base)
                if target.split(".")[0] == "audit":
                    names = tuple(a.name for a in node.names)
                    found.append((module, target, names, node.lineno))
    return found


IMPORTS = _imports()


def test_every_module_has_a_layer():
    units = {_unit(_module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert units - set(LAYERS) == set(), "add new packages to the layer table"


def test_no_upward_import():
    upward = []
    for src, dst, _, line in IMPORTS:
        a, b = _unit(src), _unit(dst)
        if a == b:
            continue
        if LAYERS[b] > LAYERS[a] or (a, b) in NEVER:
            upward.append(
                f"{src}:{line} imports {dst} ({LAYER_NAMES[LAYERS[a]]} -> "
                f"{LAYER_NAMES[LAYERS[b]]})"
            )
    assert upward == []


def test_no_cycle_between_packages():
    graph: dict[str, set[str]] = defaultdict(set)
    for src, dst, _, _ in IMPORTS:
        a, b = _unit(src), _unit(dst)
        if a != b and a != "__init__":  # the top level only maps names lazily
            graph[a].add(b)
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in path:
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif len(path) < 12:
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    assert cycles == []


def test_only_public_names_cross_packages():
    """No ``from audit.x._y import ...`` and no ``_private`` name from another package."""
    private = []
    for src, dst, names, line in IMPORTS:
        a, b = src.split(".")[:2], dst.split(".")[:2]
        if a == b:  # inside one package (or one top-level module)
            continue
        inner = dst.split(".")[2:]  # the path inside the imported package
        if any(part.startswith("_") for part in inner):
            private.append(f"{src}:{line} imports private module {dst}")
        for name in names:
            if name.startswith("_") and name != "__version__":
                private.append(f"{src}:{line} imports private name {dst}.{name}")
    assert private == []


@pytest.mark.parametrize("package", sorted(ENGINES | ANALYZERS | OUTPUTS | {"adapters"}))
def test_packages_export_their_public_api_only(package):
    module = __import__(f"audit.{package}", fromlist=["__all__"])
    exported = getattr(module, "__all__", [])
    assert exported, f"audit.{package} declares no __all__"
    assert [n for n in exported if n.startswith("_")] == []
