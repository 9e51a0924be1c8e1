"""The house runs one way: the imports of dosecalc's modules, read from their source, form no circle and never
point up a layer (the layers of ARCHITECTURE.md: text -> units -> engine -> teaching -> results -> render ->
api -> the faces).

Every import counts, at the top of a module or inside a function, except those under ``if TYPE_CHECKING:``,
which only type hints see. A result finds its writer through the table of :mod:`dosecalc.formats`, by module
name, so results sit below render without a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dosecalc"

#: Each module's layer; a module may import its own layer or any layer below. A package's modules take
#: the package's layer unless named themselves.
LAYERS: dict[str, int] = {
    # 0: what everything may use: the face (version and lazy names only), errors, the table of formats
    "dosecalc": 0,
    "dosecalc.errors": 0,
    "dosecalc.cells": 0,
    "dosecalc.columns": 0,
    "dosecalc.extras": 0,
    "dosecalc.formats": 0,
    "dosecalc.wording": 0,  # the package's own module holds the disclaimer alone
    # 1-2: reading text and files
    "dosecalc.units": 1,
    "dosecalc.frames": 1,  # notebook values (DataFrames, arrays) read as files are
    "dosecalc.files": 2,
    # 3-5: the engine
    "dosecalc.drugs": 3,
    "dosecalc.regimens": 3,
    "dosecalc.dosing": 4,
    "dosecalc.schedules": 5,
    "dosecalc.pk": 5,
    "dosecalc.cohorts": 5,
    "dosecalc.curves": 6,  # the numbers charts show
    # 7: words and rounding for people
    "dosecalc.wording.numbers": 7,
    "dosecalc.wording.words": 7,
    # 8: teaching
    "dosecalc.teaching": 8,
    # 9: result objects
    "dosecalc.results": 9,
    # 10: writers
    "dosecalc.render": 10,
    # 11: the library's operations
    "dosecalc.api": 11,
    # 12: the faces
    "dosecalc.cli": 12,
    "dosecalc.web": 12,
    "dosecalc.__main__": 12,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> int:
    name = module
    while name not in LAYERS:
        assert "." in name, f"{module} has no layer in LAYERS: give it one"
        name = name.rsplit(".", 1)[0]
    return LAYERS[name]


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(module: str) -> set[str]:
    """The dosecalc modules ``module`` imports when it runs (type-checking imports left out)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _type_checking(node):
            for child in getattr(node, "orelse", []):
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("dosecalc"):
                for alias in node.names:
                    candidate = f"{target}.{alias.name}"
                    found.add(candidate if candidate in MODULES else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("dosecalc"))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(module)
    return {name for name in found if name in MODULES}


GRAPH = {module: _imports(module) for module in MODULES}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
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
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_imports_form_no_circle() -> None:
    assert _circles(GRAPH) == []


def test_no_import_points_up_a_layer() -> None:
    upward = [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, targets in sorted(GRAPH.items())
        for target in sorted(targets)
        if _layer(target) > _layer(module)
    ]
    assert upward == []


def test_only_the_version_is_taken_from_the_package_face() -> None:
    """The face lists the public names and imports them lazily; a module takes from it only ``__version__``."""
    taken = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module is None and module != "dosecalc":
                depth = module.count(".") + (path.name == "__init__.py")
                if node.level == depth:  # ``from .. import X`` that lands on the package face
                    names = [alias.name for alias in node.names if f"dosecalc.{alias.name}" not in MODULES]
                    taken += [(module, name) for name in names if name != "__version__"]
    assert taken == []


@pytest.mark.parametrize(
    ("graph", "circle"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
    ids=["two", "three-with-a-tail", "none"],
)
def test_the_circle_finder_finds_circles(graph: dict[str, set[str]], circle: list[list[str]]) -> None:
    assert _circles(graph) == circle


def test_a_circle_through_a_function_level_import_is_seen() -> None:
    """The graph reads imports inside functions too: results once imported the api inside a method."""
    assert "dosecalc.formats" in GRAPH["dosecalc.results"]  # imported inside methods only
    assert "dosecalc.render" not in GRAPH["dosecalc.results"]
