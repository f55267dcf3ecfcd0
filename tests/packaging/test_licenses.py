"""packaging/bundle_licenses.py: what the build copies into the bundle's licenses/ folder.

These run against the installed distributions, without PyInstaller; test_frozen.py checks the
texts really are in a built bundle.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.packaging.support import ROOT, load_packaging_module

APP_MODULES = [
    "landscape_gui",
    "PySide6",
    "shiboken6",
    "numpy",
    "sympy",
    "mpmath",
    "pyqtgraph",
    "OpenGL",
    "contourpy",
    "ziamath",
    "ziafont",
    "latex2mathml",
    "PIL",
]


bundle_licenses = load_packaging_module("bundle_licenses")


def _fonts() -> list[Path]:
    # Found, not imported: importing ziamath warns about a deprecated importlib API.
    names = ("ziamath", "ziafont")
    folders = [Path(importlib.util.find_spec(name).origin).parent for name in names]
    return [font for folder in folders for font in folder.glob("fonts/*.ttf")]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    work = tmp_path_factory.mktemp("licences")
    components = bundle_licenses.collect(
        APP_MODULES + ["os", "json"], ROOT / "LICENSE", _fonts(), work / "notices"
    )
    files = dict(bundle_licenses.write(components, work / "licenses"))
    return components, files, work / "licenses"


def _component(components, name):
    [found] = [c for c in components if c.name.lower().replace("_", "-") == name]
    return found


def test_every_bundled_distribution_comes_with_its_texts(written):
    components, files, folder = written
    names = {c.name.lower().replace("_", "-") for c in components}
    expected = "landscape pyside6-essentials shiboken6 numpy sympy mpmath pyqtgraph pyopengl"
    expected += " contourpy ziamath ziafont latex2mathml pillow pyinstaller python fonts"
    assert names == set(expected.split())  # the standard library is Python's, not a package
    for component in components:
        assert component.files, component.name
        for name in component.files:
            text = (folder / component.folder / name).read_text(encoding="utf-8")
            assert len(text) > 100, f"{component.folder}/{name} is nearly empty"


def test_qt_is_shipped_with_the_lgpl_and_the_gpl_it_adds_to(written):
    components, _files, folder = written
    pyside = _component(components, "pyside6-essentials")
    assert "LGPL-3.0" in pyside.licence
    lgpl = (folder / pyside.folder / "LGPL-3.0.txt").read_text()
    gpl = (folder / pyside.folder / "GPL-3.0.txt").read_text()
    assert lgpl.split()[:7] == ["GNU", "LESSER", "GENERAL", "PUBLIC", "LICENSE", "Version", "3,"]
    assert gpl.split()[:4] == ["GNU", "GENERAL", "PUBLIC", "LICENSE"]
    index = (folder / "README.txt").read_text()
    assert f"PySide6_Essentials  {pyside.version}" in index
    assert "replace them with your own build" in index


def test_texts_are_the_ones_each_project_wrote(written):
    components, _files, folder = written

    def text(name, file):
        component = _component(components, name)
        return (folder / component.folder / file).read_text(encoding="utf-8")

    assert "NumPy Developers" in text("numpy", "LICENSE.txt")
    assert "SymPy Development Team" in text("sympy", "LICENSE")
    assert "Luke Campagnola" in text("pyqtgraph", "LICENSE.txt")
    assert "Michael C. Fletcher" in text("pyopengl", "PyOpenGL-license.txt")
    assert "PYTHON SOFTWARE FOUNDATION LICENSE" in text("python", "LICENSE.txt")
    assert text("landscape", "LICENSE") == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Bitstream" in text("fonts", "DejaVuSans.txt")
    assert "Open Font License" in text("fonts", "STIXTwoMath-Regular.txt")
    assert "SIL OPEN FONT LICENSE" in text("fonts", "OFL-1.1.txt")


def test_a_bundled_distribution_without_any_text_stops_the_build(monkeypatch, tmp_path):
    # PyOpenGL's wheel carries no licence file; without the vendored text there is none.
    vendored = {k: v for k, v in bundle_licenses.VENDORED.items() if k != "pyopengl"}
    monkeypatch.setattr(bundle_licenses, "VENDORED", vendored)
    with pytest.raises(RuntimeError, match="PyOpenGL"):
        bundle_licenses.collect(["OpenGL"], ROOT / "LICENSE", [], tmp_path)
