"""The design's rules, checked: the core never loads Qt, and no module imports itself back
through others (an import cycle is where one layer starts to depend on another's insides)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "landscape_gui"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def test_every_core_module_imports_without_qt():
    """Every core module, and the views' geometry modules (pure numpy by design)."""
    geometry = sorted(name for name in MODULES if name.endswith("_geometry"))
    assert len(geometry) >= 2
    core = sorted(name for name in MODULES if name.startswith("landscape_gui.core.")) + geometry
    assert len(core) >= 17
    code = (
        f"import sys, importlib\nfor name in {core!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'pyqtgraph', 'OpenGL', 'shiboken6'))\nprint(bad)\nsys.exit(bool(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def imported_modules(path: Path) -> set[str]:
    """Every landscape_gui module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in MODULES)
    return found


def test_no_import_cycles():
    # An import of a package (`from landscape_gui.qt import export`) counts as an import of the
    # module named, not of the package's __init__, which imports nothing of the project's.
    packages = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    graph = {name: imported_modules(path) - {name} - packages for name, path in MODULES.items()}
    cycles = []

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            cycles.append(trail[trail.index(name) :] + [name])
            return
        for target in sorted(graph.get(name, ())):
            if target not in finished:
                visit(target, [*trail, name])
        finished.add(name)

    finished: set[str] = set()
    for name in sorted(graph):
        visit(name, [])
    assert not cycles, "\n".join(" → ".join(cycle) for cycle in cycles)


def test_every_colour_is_named_in_the_palette():
    """palette.py is the one home of the window's colours (backgrounds, error reds, ...): a hex
    colour written anywhere else would drift from it. typeset.py's ink is the one exception: it
    runs in the analysis helper process, which must not import pyqtgraph for it."""
    import re

    hex_colour = re.compile(r"[\"']#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?[\"']")
    allowed = {PACKAGE / "qt" / "views" / "palette.py", PACKAGE / "qt" / "typeset.py"}
    found = {
        str(path.relative_to(PACKAGE)): hex_colour.findall(path.read_text(encoding="utf-8"))
        for path in PACKAGE.rglob("*.py")
        if path not in allowed
    }
    assert {path: colours for path, colours in found.items() if colours} == {}
