"""Helpers the packaging tests share: loading packaging/*.py, and comparing folder trees."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_packaging_module(name: str):
    """packaging/NAME.py, which is a script folder, not a package: loaded by path, once."""
    module_name = f"landscape_packaging_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "packaging" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def tree(root: Path) -> dict[str, tuple]:
    """Every folder, file (with its bytes) and link (with its target) under root."""
    found = {}
    for folder, subfolders, files in os.walk(root):
        for name in subfolders + files:
            path = Path(folder, name)
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[relative] = ("link", os.readlink(path))
            elif path.is_dir():
                found[relative] = ("folder",)
            else:
                found[relative] = ("file", path.read_bytes())
    return found


def assert_same_tree(before: dict, after: dict) -> None:
    assert sorted(set(after) - set(before)) == [], "left behind"
    assert sorted(set(before) - set(after)) == [], "removed though install did not add it"
    changed = [path for path in before if before[path] != after[path]]
    assert changed == [], "changed"
